import pytest

from bot.console.agents import (
    AgentFileError,
    agent_line,
    hash_password,
    read_agents,
    verify_password,
)

PASSWORD = "correct horse battery"


def test_a_password_is_kept_only_as_a_salted_hash_and_checked():
    stored = hash_password(PASSWORD, iterations=1000)
    assert PASSWORD not in stored and stored.startswith("pbkdf2_sha256$1000$")
    assert stored != hash_password(PASSWORD, iterations=1000)  # a new salt each time
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD + "!", stored)
    assert not verify_password(PASSWORD, "plain-text")


def test_short_passwords_bad_logins_and_names_are_refused():
    with pytest.raises(ValueError, match="12 characters"):
        hash_password("short")
    with pytest.raises(ValueError, match="login"):
        agent_line("Sam Smith", "Sam", PASSWORD)
    with pytest.raises(ValueError, match="name"):
        agent_line("sam", "Sam: admin", PASSWORD)


def test_the_agents_file_gives_logins_and_names(tmp_path):
    path = tmp_path / "agents"
    path.write_text(f"# support staff\n{agent_line('sam', 'Sam', PASSWORD)}\n\n")
    agents = read_agents(path)
    assert len(agents) == 1
    agent = agents.check("Sam", PASSWORD)
    assert agent is not None and (agent.login, agent.name) == ("sam", "Sam")
    assert agents.check("sam", "wrong password!") is None
    assert agents.check("alex", PASSWORD) is None


def test_no_file_means_nobody_and_a_bad_file_fails_loudly(tmp_path):
    assert len(read_agents(None)) == 0
    with pytest.raises(AgentFileError, match="cannot read"):
        read_agents(tmp_path / "missing")
    plain = tmp_path / "plain"
    plain.write_text("sam:Sam:hunter2hunter2\n")
    with pytest.raises(AgentFileError, match="hash"):
        read_agents(plain)


def test_add_agent_writes_a_hash_only_readable_by_its_owner(tmp_path, monkeypatch, capsys):
    from bot.console.__main__ import main

    path = tmp_path / "agents"
    monkeypatch.setattr("getpass.getpass", lambda prompt="": PASSWORD)
    assert main(["add-agent", str(path), "sam", "Sam"]) == 0
    assert main(["add-agent", str(path), "sam", "Sam again"]) == 1  # one line per login
    assert PASSWORD not in path.read_text() and path.stat().st_mode & 0o077 == 0
    assert read_agents(path).check("sam", PASSWORD).name == "Sam"
    assert "already in" in capsys.readouterr().err
