"""Start the real action server and Rasa server on free ports, against a temporary KB."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.settings import PROJECT_ROOT

RASA = str(Path(sys.executable).with_name("rasa"))
MODELS = PROJECT_ROOT / "models"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {seconds}s:\n{log.read_text()[-4000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def latest_model() -> Path:
    models = sorted(MODELS.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        pytest.fail("No trained model in models/: run `make train` (make test does it for you)")
    return models[-1]


def rasa_env(db_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SYNCDESK_DB_URL=db_url,
        TF_CPP_MIN_LOG_LEVEL="3",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore",
    )
    return env


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


@pytest.fixture(scope="session")
def action_server(kb_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    logs = tmp_path_factory.mktemp("actions")
    log = logs / "actions.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [RASA, "run", "actions", "--actions", "actions", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=rasa_env(kb_database),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_for(f"http://127.0.0.1:{port}/health", process, log)
    yield f"http://127.0.0.1:{port}/webhook"
    stop(process)


@pytest.fixture(scope="session")
def endpoints_file(action_server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("endpoints") / "endpoints.yml"
    path.write_text(f'action_endpoint:\n  url: "{action_server}"\n')
    return path


@pytest.fixture(scope="session")
def running_bot(
    kb_database: str, endpoints_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Bot]:
    port = free_port()
    token = "test-token-" + str(port)
    logs = tmp_path_factory.mktemp("rasa")
    log = logs / "rasa.log"
    with log.open("wb") as out:
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
                str(endpoints_file),
                "--enable-api",
                "--auth-token",
                token,
            ],
            cwd=PROJECT_ROOT,
            env=rasa_env(kb_database),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/", process, log)
    yield Bot(url=url, token=token, db_url=kb_database, actions=process, logs=logs)
    stop(process)
