"""syncdesk's two servers as `make run` starts them, on loopback and a throwaway database.

For the latency benches (turn_profile, conversation_length, rest_latency, load): the action
server and one Rasa server with the project's credentials and endpoints (the action endpoint
moved to a free port, everything else as in endpoints.yml), the knowledge base loaded into a
SQLite database in ``folder``. With ``profile`` both run under bench/_profiling.py, which
records where each turn's milliseconds go into ``folder``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _servers import bot_servers, server_env, throwaway_db_url

from harness.servers import RASA, Bot

PROFILER = str(Path(__file__).with_name("_profiling.py"))

__all__ = ["RASA", "Bot", "syncdesk_servers"]


@contextmanager
def syncdesk_servers(
    folder: Path,
    *,
    profile: bool = False,
    api_token: str | None = None,
    model: Path | None = None,
    **variables: str,
) -> Iterator[Bot]:
    """Run the action server and one Rasa server (``variables`` added to their environment)."""
    env = server_env(
        SYNCDESK_DB_URL=throwaway_db_url(folder), SYNCDESK_PROFILE_DIR=str(folder), **variables
    )
    print("Starting syncdesk (action server and Rasa)...", file=sys.stderr, flush=True)
    with bot_servers(
        folder,
        env,
        rasa_args=["--enable-api", "--auth-token", api_token] if api_token else [],
        model=model,
        launcher=[sys.executable, PROFILER] if profile else [RASA],
    ) as bot:
        yield bot
