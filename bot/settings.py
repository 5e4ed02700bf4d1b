"""syncdesk's configuration: environment variables with defaults, read once."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PROJECT_ROOT", "Settings", "settings"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    """Where syncdesk keeps its data.

    Attributes:
        db_url: SQLAlchemy URL of the knowledge base and tickets database
            (``SYNCDESK_DB_URL``); SQLite by default, PostgreSQL in production.
        kb_source: folder holding the knowledge base's YAML source (``SYNCDESK_KB_SOURCE``).
        spacy_model: folder the blank spaCy pipeline is saved to (``SYNCDESK_SPACY_MODEL``).
    """

    db_url: str
    kb_source: Path
    spacy_model: Path


@functools.lru_cache(maxsize=1)
def settings() -> Settings:
    """Read the settings from the environment (once per process)."""
    var = PROJECT_ROOT / ".var"
    spacy_model = PROJECT_ROOT / ".build" / "spacy" / "en_syncdesk"
    return Settings(
        db_url=os.environ.get("SYNCDESK_DB_URL") or f"sqlite:///{var / 'syncdesk.db'}",
        kb_source=Path(os.environ.get("SYNCDESK_KB_SOURCE") or PROJECT_ROOT / "data" / "kb"),
        spacy_model=Path(os.environ.get("SYNCDESK_SPACY_MODEL") or spacy_model),
    )
