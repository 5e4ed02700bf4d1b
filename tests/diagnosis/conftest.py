"""Fixtures for the diagnosis tests: a diagnoser over the real entries, and sample messages.

The sample generators live in harness/samples.py (the benchmarks use them too).
"""

from __future__ import annotations

import pytest

from bot.diagnosis import Diagnoser
from bot.kb.source import ErrorEntry, Source
from harness.samples import Samples


@pytest.fixture(scope="session")
def entries(source: Source) -> tuple[ErrorEntry, ...]:
    """The knowledge base's error entries, from data/kb."""
    return source.errors


@pytest.fixture(scope="session")
def diagnoser(entries: tuple[ErrorEntry, ...]) -> Diagnoser:
    """A diagnoser over the real entries, built once."""
    return Diagnoser(entries)


@pytest.fixture(scope="session")
def samples(source: Source) -> Samples:
    """Sample messages in every form, for the real entries."""
    return Samples(source)
