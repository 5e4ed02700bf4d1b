"""Start the real action server and Rasa server on free ports, against a temporary KB."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.settings import PROJECT_ROOT

# One helper each, for every test that starts a server; the tests import them from here too.
from .services import RASA, free_port, latest_model, server_env, stop, wait_for


def rasa_env(db_url: str) -> dict[str, str]:
    """The environment for a quiet Rasa or action server on the knowledge base at ``db_url``."""
    return server_env(SYNCDESK_DB_URL=db_url)


@dataclass
class Bot:
    """A running syncdesk: Rasa on ``url``, its action server, and the API token."""

    url: str
    token: str
    db_url: str
    actions: subprocess.Popen[bytes]
    logs: Path

    def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        body = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(
            f"{self.url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return list(json.load(response))

    def tracker(self, sender: str, token: str | None = None) -> dict[str, Any]:
        query = f"?token={token if token is not None else self.token}"
        with urllib.request.urlopen(
            f"{self.url}/conversations/{sender}/tracker{query}", timeout=30
        ) as r:
            return dict(json.load(r))


@pytest.fixture(scope="session")
def kb_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'syncdesk.db'}"
    subprocess.run(
        [sys.executable, "-m", "bot", "kb", "load"], env=rasa_env(url), check=True, cwd=PROJECT_ROOT
    )
    return url


def start_action_server(port: int, db_url: str, log: Path) -> subprocess.Popen[bytes]:
    """Start `rasa run actions` on ``port`` and wait until it is healthy."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [RASA, "run", "actions", "--actions", "actions", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=rasa_env(db_url),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_for(f"http://127.0.0.1:{port}/health", process, log)
    return process


def start_rasa(
    port: int, endpoints: Path, db_url: str, log: Path, *extra: str
) -> subprocess.Popen[bytes]:
    """Start `rasa run` with the newest model on ``port`` and wait until it answers."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                RASA,
                "run",
                "--model",
                str(latest_model()),
                "--port",
                str(port),
                "--credentials",
                "credentials.yml",
                "--endpoints",
                str(endpoints),
                *extra,
            ],
            cwd=PROJECT_ROOT,
            env=rasa_env(db_url),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_for(f"http://127.0.0.1:{port}/", process, log)
    return process


def write_endpoints(path: Path, action_url: str) -> Path:
    """Write an endpoints file pointing Rasa at ``action_url``, as endpoints.yml does."""
    path.write_text(f'action_endpoint:\n  url: "{action_url}"\n  enable_selective_domain: true\n')
    return path


def start_private_bot(
    folder: Path, db_url: str
) -> tuple[str, int, subprocess.Popen[bytes], subprocess.Popen[bytes]]:
    """Start an action server and a Rasa server of a test's own; return (url, actions port, ...)."""
    actions_port, rasa_port = free_port(), free_port()
    endpoints = write_endpoints(
        folder / "endpoints.yml", f"http://127.0.0.1:{actions_port}/webhook"
    )
    actions = start_action_server(actions_port, db_url, folder / "actions.log")
    rasa = start_rasa(rasa_port, endpoints, db_url, folder / "rasa.log")
    return f"http://127.0.0.1:{rasa_port}", actions_port, actions, rasa


@pytest.fixture(scope="session")
def action_server(kb_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    process = start_action_server(port, kb_database, tmp_path_factory.mktemp("actions") / "log")
    yield f"http://127.0.0.1:{port}/webhook"
    stop(process)


@pytest.fixture(scope="session")
def endpoints_file(action_server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_endpoints(tmp_path_factory.mktemp("endpoints") / "endpoints.yml", action_server)


@pytest.fixture(scope="session")
def running_bot(
    kb_database: str,
    endpoints_file: Path,
    web_origin: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Bot]:
    port = free_port()
    token = "test-token-" + str(port)
    logs = tmp_path_factory.mktemp("rasa")
    extra = ("--enable-api", "--auth-token", token, "--cors", web_origin)
    process = start_rasa(port, endpoints_file, kb_database, logs / "rasa.log", *extra)
    url = f"http://127.0.0.1:{port}"
    yield Bot(url=url, token=token, db_url=kb_database, actions=process, logs=logs)
    stop(process)


# The web chat (web/serve.py): its pages are served from their own origin, which the bot allows.
WEB_SERVER = PROJECT_ROOT / "web" / "serve.py"
WEBCHAT_BUNDLE = PROJECT_ROOT / "web" / "node_modules" / "rasa-webchat" / "lib" / "index.js"


@pytest.fixture(scope="session")
def web_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def web_origin(web_port: int) -> str:
    """The web chat pages' origin: the only one the test bot's CORS settings allow."""
    return f"http://127.0.0.1:{web_port}"


def serve_pages(port: int, bot_url: str, log: Path) -> subprocess.Popen[bytes]:
    if not WEBCHAT_BUNDLE.is_file():
        pytest.fail("rasa-webchat is not installed: run scripts/setup-web (make test does it)")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                str(WEB_SERVER),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--bot-url",
                bot_url,
            ],
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_for(f"http://127.0.0.1:{port}/config.js", process, log, seconds=30)
    return process


@pytest.fixture(scope="session")
def web_pages(
    running_bot: Bot, web_port: int, web_origin: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The support page and in-app demo, talking to the running bot; yields their base URL."""
    process = serve_pages(web_port, running_bot.url, tmp_path_factory.mktemp("web") / "web.log")
    yield web_origin
    stop(process)


@pytest.fixture(scope="session")
def web_pages_bot_down(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same pages pointed at a port where no bot listens; yields their base URL."""
    port = free_port()
    nobody = f"http://127.0.0.1:{free_port()}"
    process = serve_pages(port, nobody, tmp_path_factory.mktemp("web-down") / "web.log")
    yield f"http://127.0.0.1:{port}"
    stop(process)
