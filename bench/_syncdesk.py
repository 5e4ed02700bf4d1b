"""syncdesk's two servers as `make run` starts them, on loopback and a throwaway database.

For the latency benches (turn_profile, conversation_length, rest_latency, load): the action
server and one Rasa server with the project's credentials and endpoints (the action endpoint
moved to a free port, everything else as in endpoints.yml), the knowledge base loaded into a
SQLite database in ``folder``. With ``profile`` both run under bench/_profiling.py, which
records where each turn's milliseconds go into ``folder``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from _servers import free_port, http_servers, latest_model, server_env, throwaway_db_url

ROOT = Path(__file__).resolve().parents[1]
RASA = str(Path(sys.executable).with_name("rasa"))
PROFILER = str(Path(__file__).with_name("_profiling.py"))

__all__ = ["RASA", "Syncdesk", "endpoints_file", "syncdesk_servers"]


@dataclass(frozen=True)
class Syncdesk:
    """Where the started servers answer, and what they write."""

    url: str
    db_url: str
    folder: Path


def endpoints_file(actions_port: int, folder: Path) -> Path:
    """Write the project's endpoints.yml with the action server on ``actions_port``; return it."""
    text = (ROOT / "endpoints.yml").read_text()
    text, found = re.subn(
        r'url: "http://localhost:5055/webhook"',
        f'url: "http://127.0.0.1:{actions_port}/webhook"',
        text,
    )
    if found != 1:
        raise SystemExit("endpoints.yml no longer names the action server as localhost:5055")
    path = folder / "endpoints.yml"
    path.write_text(text)
    return path


@contextmanager
def syncdesk_servers(
    folder: Path,
    *,
    profile: bool = False,
    api_token: str | None = None,
    model: Path | None = None,
    **variables: str,
) -> Iterator[Syncdesk]:
    """Run the action server and one Rasa server (``variables`` added to their environment)."""
    db_url = throwaway_db_url(folder)
    env = server_env(SYNCDESK_DB_URL=db_url, SYNCDESK_PROFILE_DIR=str(folder), **variables)
    subprocess.run(
        [sys.executable, "-m", "bot", "kb", "load"],
        env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    actions_port, rasa_port = free_port(), free_port()
    endpoints = endpoints_file(actions_port, folder)
    prefix = [sys.executable, PROFILER] if profile else [RASA]
    api = ["--enable-api", "--auth-token", api_token] if api_token else []
    commands = [
        (
            [*prefix, "run", "actions", "--actions", "actions", "--port", str(actions_port)],
            f"http://127.0.0.1:{actions_port}/health",
            folder / "actions.log",
        ),
        (
            [*prefix, "run", "--model", str(model or latest_model()), "--port", str(rasa_port),
             "--credentials", "credentials.yml", "--endpoints", str(endpoints), *api],
            f"http://127.0.0.1:{rasa_port}/",
            folder / "rasa.log",
        ),
    ]  # fmt: skip
    print("Starting syncdesk (action server and Rasa)...", file=sys.stderr, flush=True)
    with http_servers(commands, env=env, cwd=ROOT):
        yield Syncdesk(f"http://127.0.0.1:{rasa_port}", db_url, folder)
