"""The throwaway database benches write into, and the servers they start (harness/servers.py).

Benchmarks never write into the real database: servers they start get ``throwaway_db_url`` and a
bench that loads servers it did not start refuses the default one (``refuse_real_database``).
The servers themselves (free ports, the action and Rasa servers, PostgreSQL, Redis) are started
by the same code as the tests', ``harness.servers``.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.settings import Settings
from harness.servers import (
    Postgres,
    Redis,
    ServiceUnavailable,
    bot_servers,
    endpoints_file,
    free_port,
    http_servers,
    latest_model,
    missing_services,
    postgres_server,
    production_env,
    redis_server,
    server_env,
)

__all__ = [
    "Postgres",
    "Redis",
    "ServiceUnavailable",
    "bot_servers",
    "endpoints_file",
    "free_port",
    "http_servers",
    "latest_model",
    "missing_services",
    "postgres_server",
    "production_env",
    "redis_server",
    "refuse_real_database",
    "server_env",
    "throwaway_db_url",
]


def throwaway_db_url(folder: Path) -> str:
    """Return the URL of a new SQLite database in ``folder`` (a temporary directory)."""
    return f"sqlite:///{folder / 'syncdesk.db'}"


def refuse_real_database(environ: dict[str, str] | None = None) -> str:
    """Return ``SYNCDESK_DB_URL``; exit if it is unset or syncdesk's default (real) database.

    For benches that load servers they did not start: those servers write where they were told,
    so the bench must be told the same throwaway database.
    """
    environ = dict(os.environ if environ is None else environ)
    url = environ.get("SYNCDESK_DB_URL", "")
    if not url or url == Settings.from_env({}).db_url:
        raise SystemExit(
            "Refusing to load servers that write into the real database: start them with "
            "SYNCDESK_DB_URL pointing at a throwaway database (e.g. sqlite:////tmp/bench.db) "
            "and run this bench with the same SYNCDESK_DB_URL."
        )
    return url


