"""Support agents who may use the console: one line each in the file ``SYNCDESK_CONSOLE_USERS``.

    sam:Sam:pbkdf2_sha256$200000$<salt hex>$<hash hex>

Login, the name the customer sees ("Sam from Joblogic support has joined") and a PBKDF2 hash of
the password (``python -m bot.console add-agent FILE LOGIN NAME`` writes the line). There is no
default account and no default password: without the file the console refuses everyone.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Agent",
    "AgentFileError",
    "Agents",
    "agent_line",
    "hash_password",
    "read_agents",
    "verify_password",
]

_SCHEME = "pbkdf2_sha256"
_ITERATIONS = 200_000  # ~0.2 s per login on one core: cheap for people, dear for guessing
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
_MIN_PASSWORD = 12


class AgentFileError(ValueError):
    """The agents file is not valid: the developer or operator must fix it."""


@dataclass(frozen=True)
class Agent:
    """A support agent: login and the name the customer sees."""

    login: str
    name: str


def hash_password(
    password: str, *, iterations: int = _ITERATIONS, salt: bytes | None = None
) -> str:
    """Return the stored form of ``password`` (PBKDF2-SHA256 with a random salt).

    Raises:
        ValueError: the password is shorter than 12 characters.
    """
    if len(password) < _MIN_PASSWORD:
        raise ValueError(f"a console password needs at least {_MIN_PASSWORD} characters")
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{_SCHEME}${iterations}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Say whether ``password`` matches ``stored`` (constant time)."""
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != _SCHEME:
            return False
        computed = hashlib.pbkdf2_hmac(
            "sha256", password.encode(), bytes.fromhex(salt), int(iterations)
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)


def agent_line(login: str, name: str, password: str) -> str:
    """Return the agents-file line for a new agent.

    Raises:
        ValueError: the login, name or password is not acceptable.
    """
    if not _LOGIN.match(login):
        raise ValueError("a login is lower-case letters, digits, '.', '_' or '-' (at most 80)")
    name = " ".join(name.split())
    if not name or ":" in name or len(name) > 80:
        raise ValueError("a name is 1-80 characters without ':'")
    return f"{login}:{name}:{hash_password(password)}"


class Agents:
    """The agents of a file, read once."""

    def __init__(self, entries: Mapping[str, tuple[Agent, str]]) -> None:
        """Hold ``login -> (agent, stored password)``."""
        self._entries = dict(entries)

    def __len__(self) -> int:
        """Return how many agents there are."""
        return len(self._entries)

    def check(self, login: str, password: str) -> Agent | None:
        """Return the agent if the login and password match, else None."""
        entry = self._entries.get(login.strip().lower())
        if entry is None:
            # Same work for an unknown login, so timing does not tell which logins exist.
            verify_password(password, hash_password("x" * _MIN_PASSWORD, iterations=_ITERATIONS))
            return None
        agent, stored = entry
        return agent if verify_password(password, stored) else None


def read_agents(path: Path | None) -> Agents:
    """Read the agents file; no file named means no agents (the console refuses everyone).

    Raises:
        AgentFileError: the file is missing or a line is malformed.
    """
    if path is None:
        return Agents({})
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as problem:
        raise AgentFileError(f"{path}: cannot read the console's agents ({problem})") from None
    entries: dict[str, tuple[Agent, str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.strip().split(":")
        if len(parts) != 3 or not _LOGIN.match(parts[0]) or not parts[1].strip():
            raise AgentFileError(f"{path}:{number}: expected login:Name:{_SCHEME}$…")
        if not parts[2].startswith(f"{_SCHEME}$"):
            raise AgentFileError(f"{path}:{number}: the password must be a {_SCHEME} hash")
        entries[parts[0]] = (Agent(parts[0], parts[1].strip()), parts[2])
    return Agents(entries)
