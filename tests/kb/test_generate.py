import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot import db
from bot.cli import main
from bot.diagnosis import Diagnoser
from bot.kb import knowledge_base
from bot.kb.generate import GENERATED, generate, render
from bot.kb.load import create_schema, load
from bot.kb.source import read_source
from bot.settings import PROJECT_ROOT

RASA_DATA = ("data/nlu", "data/rules", "data/stories")
WHOLE_FILES = (
    "data/nlu/errors.yml",
    "domain/errors.yml",
    "data/rules/errors.yml",
    "domain/values.yml",
)


@pytest.fixture
def project(tmp_path):
    """A copy of the Rasa project's domain and data (the generator's inputs and outputs)."""
    target = tmp_path / "project"
    for folder in ("domain", *RASA_DATA, "data/kb"):
        shutil.copytree(PROJECT_ROOT / folder, target / folder)
    if (PROJECT_ROOT / "data" / "sources.yml").exists():
        shutil.copy(PROJECT_ROOT / "data" / "sources.yml", target / "data" / "sources.yml")
    return target


def _yaml(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_committed_files_are_what_the_generator_writes(source):
    for generated in render(source):
        committed = (PROJECT_ROOT / generated.path).read_bytes()
        assert committed == generated.text.encode("utf-8"), (
            f"{generated.path} is out of date: run `python -m bot kb generate`"
        )


def test_every_generated_file_says_so(source):
    for generated in render(source):
        first_line = generated.text.splitlines()[0]
        if str(generated.path) in WHOLE_FILES:
            assert first_line == f"# {GENERATED}.", generated.path
        else:
            assert GENERATED in generated.text, generated.path


def test_generate_rewrites_only_what_changed(project):
    assert generate(project) == []
    path = project / "data" / "kb" / "errors" / "tax-rate-inactive.yml"
    path.write_text(path.read_text() + "  - the vat rate got switched off in xero somehow\n")
    assert generate(project, check=True) == [Path("data/nlu/errors.yml")]
    assert generate(project) == [Path("data/nlu/errors.yml")]
    assert generate(project) == []
    nlu = _yaml(project / "data" / "nlu" / "errors.yml")["nlu"]
    (examples,) = [item["examples"] for item in nlu if item["intent"] == "tax-rate-inactive"]
    assert examples.splitlines()[-1] == "- the vat rate got switched off in xero somehow"


def test_the_cli_check_names_out_of_date_files(project, capsys):
    (project / "domain" / "errors.yml").write_text("intents: []\n")
    assert main(["kb", "generate", "--project", str(project), "--check"]) == 1
    assert "domain/errors.yml" in capsys.readouterr().err
    assert main(["kb", "generate", "--project", str(project)]) == 0
    assert main(["kb", "generate", "--project", str(project), "--check"]) == 0


def test_a_lost_region_marker_fails_loudly(project):
    path = project / "domain" / "conversation.yml"
    path.write_text(path.read_text().replace(GENERATED, "generated"))
    with pytest.raises(ValueError, match=r"conversation\.yml: expected one region"):
        generate(project)


@pytest.mark.integration
def test_a_fifteenth_error_is_one_new_file(project, tmp_path, add_test_error):
    new = add_test_error(project / "data" / "kb")
    subprocess.run(
        [sys.executable, "-m", "bot", "kb", "generate", "--project", str(project)],
        cwd=PROJECT_ROOT,
        check=True,
    )

    nlu = _yaml(project / "data" / "nlu" / "errors.yml")["nlu"]
    (examples,) = [item["examples"] for item in nlu if item["intent"] == new.id]
    assert examples.splitlines() == [f"- {text}" for text in new.examples]
    assert new.id in _yaml(project / "domain" / "errors.yml")["intents"]
    (rule,) = _yaml(project / "data" / "rules" / "errors.yml")["rules"]
    assert {"intent": new.id} in rule["steps"][0]["or"]
    stage = _yaml(project / "domain" / "conversation.yml")["slots"]["stage"]
    assert new.id in stage["mappings"][0]["intent"]

    url = f"sqlite:///{tmp_path / 'kb.db'}"
    # `rasa data validate`: no warning but the responses only actions send (see services.py).
    sys.path.insert(0, str(PROJECT_ROOT / "tests" / "integration"))
    from services import rasa_data_warnings

    warnings = rasa_data_warnings(
        project / "domain",
        [project / folder for folder in RASA_DATA],
        dict(os.environ, SYNCDESK_DB_URL=url, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    assert warnings == []

    create_schema(db.engine(url))
    with db.session_factory(url).begin() as session:
        load(session, read_source(project / "data" / "kb"))
    with knowledge_base(url) as kb:
        diagnoser = Diagnoser(kb.errors())
    db.engine(url).dispose()
    (match,) = diagnoser.diagnose(f"Invoice: INV-0042 - {new.phrases[0]}")
    assert (match.error_id, match.values) == (new.id, {"invoice_number": "INV-0042"})
