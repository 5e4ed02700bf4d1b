"""deploy/systemd/ starts what `make run` starts (scripts/run-server), restarts it, stops it together."""

import configparser
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
UNITS = PROJECT_ROOT / "deploy" / "systemd"
SERVERS = ("actions", "rasa", "web", "outbox")


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNITS / name)
    return parser


def test_each_server_is_a_restarted_service_of_the_target():
    run_server = (PROJECT_ROOT / "scripts" / "run-server").read_text()
    wanted = unit("syncdesk.target")["Unit"]["Wants"].split()
    assert wanted == [f"syncdesk-{server}.service" for server in SERVERS] + ["syncdesk-purge.timer"]
    for server in SERVERS:
        service = unit(f"syncdesk-{server}.service")
        assert service["Service"]["ExecStart"] == f"/opt/syncdesk/scripts/run-server {server}"
        assert f"\n  {server})\n" in run_server
        assert service["Service"]["Restart"] == "on-failure"
        assert int(service["Service"]["RestartSec"]) > 0
        assert service["Service"]["EnvironmentFile"] == "/etc/syncdesk/syncdesk.env"
        assert service["Unit"]["PartOf"] == "syncdesk.target"
        assert {"StartLimitIntervalSec", "StartLimitBurst"} <= set(service["Unit"])


def test_the_example_settings_are_ones_syncdesk_reads():
    readers = "".join(
        (PROJECT_ROOT / path).read_text()
        for path in ("scripts/run-server", "web/serve.py", "web/page_headers.py", "bot/settings.py")
    )
    keys = re.findall(r"^([A-Z][A-Z0-9_]*)=", (UNITS / "syncdesk.env.example").read_text(), re.M)
    assert "RASA_PORT" in keys
    assert [key for key in keys if key not in readers] == []


def test_no_secret_on_a_command_line_and_loopback_unless_told():
    example = (UNITS / "syncdesk.env.example").read_text()
    for server in SERVERS:
        exec_start = unit(f"syncdesk-{server}.service")["Service"]["ExecStart"]
        assert not re.search(r"TOKEN|PASSWORD|KEY|--auth-token", exec_start)
    # Empty SYNCDESK_BIND: scripts/run-server listens on 127.0.0.1 only.
    assert re.search(r"^SYNCDESK_BIND=$", example, re.M)
    assert 'BIND=${SYNCDESK_BIND:-127.0.0.1}' in (PROJECT_ROOT / "scripts" / "run-server").read_text()


def test_the_retention_purge_runs_daily_through_run_server():
    run_server = (PROJECT_ROOT / "scripts" / "run-server").read_text()
    service = unit("syncdesk-purge.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service["ExecStart"] == "/opt/syncdesk/scripts/run-server purge"
    assert "\n  purge)\n" in run_server and "-m bot privacy purge" in run_server
    timer = unit("syncdesk-purge.timer")["Timer"]
    assert timer["OnCalendar"] == "daily" and timer["Persistent"] == "true"
