"""A fresh database with the outbox, emailing to an SMTP server on a free loopback port."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import bot.outbox  # noqa: F401  # registers the outbox table before the schema is built
from bot import db
from bot.kb.load import create_schema

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
import services  # noqa: E402


@pytest.fixture
def smtp_port() -> int:
    return services.free_port()


@pytest.fixture
def mail_db(db_url: str, smtp_port: int, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh knowledge base with the outbox, emailing to an SMTP server on ``smtp_port``."""
    create_schema(db.engine(db_url))
    monkeypatch.setenv("SYNCDESK_SMTP_URL", f"smtp://127.0.0.1:{smtp_port}")
    monkeypatch.setenv("SYNCDESK_MAIL_FROM", "syncdesk@bot.example.test")
    monkeypatch.setenv("SYNCDESK_OUTBOX_RETRY_SECONDS", "0.3")
    return db_url  # Settings.from_env() reads them: nothing is cached


@pytest.fixture
def sessions(mail_db: str):  # type: ignore[no-untyped-def]
    return db.session_factory(mail_db)
