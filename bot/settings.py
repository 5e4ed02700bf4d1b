"""syncdesk's configuration: environment variables with defaults, read into one value."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PROJECT_ROOT", "SPACY_PIPELINE", "Settings", "settings"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]

#: Where ``python -m bot nlp build`` saves the blank spaCy pipeline. Not a setting: config.yml
#: names this folder (relative to the project) and Rasa reads only config.yml.
SPACY_PIPELINE = PROJECT_ROOT / ".build" / "spacy" / "en_syncdesk"


@dataclass(frozen=True)
class Settings:
    """Where syncdesk keeps its data.

    Attributes:
        db_url: SQLAlchemy URL of the knowledge base and tickets database
            (``SYNCDESK_DB_URL``); SQLite by default, PostgreSQL in production.
        kb_source: folder holding the knowledge base's YAML source (``SYNCDESK_KB_SOURCE``).
    """

    db_url: str
    kb_source: Path

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` (default: the process environment)."""
        env = os.environ if environ is None else environ
        database = PROJECT_ROOT / ".var" / "syncdesk.db"
        return cls(
            db_url=env.get("SYNCDESK_DB_URL") or f"sqlite:///{database}",
            kb_source=Path(env.get("SYNCDESK_KB_SOURCE") or PROJECT_ROOT / "data" / "kb"),
        )


def settings() -> Settings:
    """Return the settings the environment gives now (cheap: nothing is cached)."""
    return Settings.from_env()
