"""syncdesk's configuration: every environment variable it reads, read here into one value.

``Settings.from_env()`` is the only place the process environment is read; every module takes
the settings it needs as an argument (``services.settings.mail``), and tests build their own
``Settings.from_env({...})``. :data:`VARIABLES` documents each variable once: the README's
configuration table is :func:`configuration_table` (tests/test_settings.py keeps them equal).

Keys come from ``SYNCDESK_<NAME>_KEY`` or a file named by ``SYNCDESK_<NAME>_KEY_FILE`` (a
Docker/systemd secret). Outside production a missing key is made once, at random, in
``.var/<name>.key``, so the local demo and the servers share it; in production
(``SYNCDESK_ENV=production``) there is no default: a missing identity key turns verification
off (every in-app identity stays "unverified"), a missing session key is made at random once
per process, and a short or ``change-me`` key is refused.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = [
    "PROJECT_ROOT",
    "SPACY_PIPELINE",
    "VARIABLES",
    "ConsoleSettings",
    "InsecureKey",
    "MailSettings",
    "SecuritySettings",
    "Settings",
    "SmtpServer",
    "Variable",
    "WebSettings",
    "configuration_table",
    "parse_smtp_url",
    "process_environment",
    "read_key",
    "settings",
]

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]

#: Where ``python -m bot nlp build`` saves the blank spaCy pipeline. Not a setting: config.yml
#: names this folder (relative to the project) and Rasa reads only config.yml.
SPACY_PIPELINE = PROJECT_ROOT / ".build" / "spacy" / "en_syncdesk"

DEFAULT_RETENTION_DAYS = 180

#: Shorter keys are refused in production (RFC 7518 §3.2: HS256 keys of at least 256 bits).
MIN_KEY_BYTES = 32
_PLACEHOLDERS = ("change-me", "changeme", "secret", "example")


# -- what each variable is (the README's table) ---------------------------------------------


@dataclass(frozen=True)
class Variable:
    """One environment variable: its name, its default as people read it, and what it does.

    ``script`` names the shell script that reads it when no Python code does (``make train``'s).
    """

    name: str
    default: str
    what: str
    script: str | None = None


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "SYNCDESK_DB_URL",
        "`sqlite:///.var/syncdesk.db`",
        "knowledge base, feedback and tickets (any SQLAlchemy URL; `postgresql+psycopg2://…` "
        "in production)",
    ),
    Variable("SYNCDESK_KB_SOURCE", "`data/kb`", "the knowledge base's source YAML"),
    Variable(
        "SYNCDESK_ENV",
        "unset",
        "`production`: use `endpoints.prod.yml` (PostgreSQL trackers, Redis locks), no default "
        "keys, HTTPS-only console cookie",
    ),
    Variable(
        "BOT_API_TOKEN",
        "unset (API off)",
        "turns Rasa's HTTP API on, protected by this token; the console's takeover uses it",
    ),
    Variable(
        "SYNCDESK_CORS_ORIGINS",
        "`http://localhost:8000`",
        "origins allowed to call the Rasa server (and the screenshot upload) from a browser "
        "(space-separated)",
    ),
    Variable("RASA_PORT", "`5005`", "the Rasa server's port"),
    Variable("SYNCDESK_ACTIONS_PORT", "`5055`", "the action server's port (Rasa is pointed at it)"),
    Variable("SYNCDESK_BIND", "`127.0.0.1`", "the address `make run`'s servers listen on"),
    Variable("SYNCDESK_WEB_HOST", "`$SYNCDESK_BIND`", "the address the web chat pages listen on"),
    Variable("SYNCDESK_WEB_PORT", "`8000`", "the web chat pages' port"),
    Variable(
        "SYNCDESK_BOT_URL", "`http://localhost:$RASA_PORT`", "where the web chat finds the bot"
    ),
    Variable("SYNCDESK_WEB_LOG", "unset", "`1`: the web server logs every request"),
    Variable(
        "SYNCDESK_FRAME_ANCESTORS",
        "none",
        "origins (besides the site) allowed to frame the pages, space-separated "
        "(`https://app.example.com`)",
    ),
    Variable(
        "SYNCDESK_IDENTITY_KEY / _FILE",
        "`.var/identity.key` locally; none in production",
        "HS256 key shared with the Joblogic app (signed identity)",
    ),
    Variable(
        "SYNCDESK_SESSION_KEY / _FILE",
        "`.var/session.key` locally; per process in production",
        "signs conversation tokens",
    ),
    Variable(
        "SYNCDESK_IDENTITY_MAX_AGE",
        "`3600`",
        "longest lifetime (`exp - iat`, seconds) of an identity token",
    ),
    Variable("SYNCDESK_MAX_MESSAGE_CHARS", "`3000000`", "longest message (whole sync logs)"),
    Variable(
        "SYNCDESK_MAX_VALUE_CHARS",
        "`200`",
        'longest value in a button payload `/intent{"slot": "…"}`',
    ),
    Variable(
        "SYNCDESK_MESSAGES_PER_MINUTE_CLIENT", "`120`", "messages a minute from one client address"
    ),
    Variable(
        "SYNCDESK_MESSAGES_PER_MINUTE_CONVERSATION", "`30`", "messages a minute in one conversation"
    ),
    Variable("SYNCDESK_TICKETS_PER_CONVERSATION", "`5`", "new tickets one conversation may open"),
    Variable(
        "SYNCDESK_TICKETS_PER_CLIENT_HOUR", "`10`", "new tickets an hour from one client address"
    ),
    Variable(
        "SYNCDESK_TRUSTED_PROXIES",
        "none",
        "proxies (addresses or networks) whose `X-Forwarded-For` is believed",
    ),
    Variable(
        "SYNCDESK_UNLIMITED_CLIENTS", "`127.0.0.1 ::1`", "addresses the per-client limits skip"
    ),
    Variable(
        "SYNCDESK_SMTP_URL",
        "unset (no email)",
        "where tickets are emailed to the support inbox: `smtp://user:password@host:port` "
        "(STARTTLS when offered) or `smtps://…`",
    ),
    Variable(
        "SYNCDESK_MAIL_FROM",
        "the SMTP user if an address, else `syncdesk@localhost`",
        "the From address of those emails",
    ),
    Variable(
        "SYNCDESK_OUTBOX_RETRY_SECONDS",
        "`30`",
        "first wait before a failed email is tried again (doubled each time, up to 30 minutes)",
    ),
    Variable(
        "SYNCDESK_RETENTION_DAYS",
        "`180`",
        "days conversations, tickets and trackers are kept (`python -m bot privacy purge`)",
    ),
    Variable(
        "SYNCDESK_CONSOLE_USERS", "unset (nobody can log in)", "the support console's agents file"
    ),
    Variable(
        "SYNCDESK_CONSOLE_RASA_URL",
        "`$SYNCDESK_BOT_URL`",
        "the Rasa server the console calls",
    ),
    Variable(
        "SYNCDESK_CONSOLE_WAITING_MINUTES",
        "`30`",
        "how long after a handover a conversation is listed as waiting for a person",
    ),
    Variable("SYNCDESK_CONSOLE_SESSION_HOURS", "`12`", "how long a console login lasts"),
    Variable(
        "SYNCDESK_SOCKETIO_REDIS_URL",
        "unset (one server)",
        "Redis shared by several Rasa servers (`redis://:password@host:port`), so a socket.io "
        "message sent on any of them (the console's) reaches the customer's socket on another",
    ),
    Variable(
        "SYNCDESK_TESSDATA",
        "Debian's `tessdata` folder",
        "the folder holding Tesseract's `eng.traineddata` (screenshots)",
    ),
    Variable(
        "SYNCDESK_MODELS",
        "`models`",
        "where `make train` saves Rasa models",
        script="scripts/train",
    ),
    Variable(
        "SYNCDESK_KEEP_MODELS",
        "`3`",
        "how many older models `make train` keeps",
        script="scripts/train",
    ),
)


def configuration_table() -> str:
    """Return the README's configuration table (Markdown), one row per variable."""
    rows = ["| variable | default | what |", "|---|---|---|"]
    for variable in VARIABLES:
        names = " / ".join(f"`{name}`" for name in variable.name.split(" / "))
        rows.append(f"| {names} | {variable.default} | {variable.what} |")
    return "\n".join(rows)


# -- the groups ----------------------------------------------------------------------------


class InsecureKey(RuntimeError):
    """A signing key that must not be used in production (missing, short or a placeholder)."""


@dataclass(frozen=True)
class SecuritySettings:
    """What the channels and actions enforce.

    Attributes:
        identity_key: HS256 key shared with the Joblogic app's backend (``SYNCDESK_IDENTITY_KEY``
            or ``_FILE``); None: no in-app identity is ever verified.
        session_key: syncdesk's own key for conversation tokens (``SYNCDESK_SESSION_KEY``
            or ``_FILE``).
        identity_max_age: longest lifetime (exp - iat, seconds) an identity token may claim.
        max_message_chars: longest message accepted (``SYNCDESK_MAX_MESSAGE_CHARS``).
        max_value_chars: longest value in a button payload ``/intent{"slot": "…"}``.
        messages_per_minute_client: per client address (``SYNCDESK_MESSAGES_PER_MINUTE_CLIENT``).
        messages_per_minute_conversation: per conversation.
        tickets_per_conversation: new tickets one conversation may open.
        tickets_per_client_hour: new tickets one client address may open per hour.
        trusted_proxies: peers whose ``X-Forwarded-For`` names the client (nginx).
        unlimited_clients: addresses no rate limit applies to (loopback: tests and benches).
    """

    identity_key: bytes | None
    session_key: bytes
    identity_max_age: int = 3600
    # Customers paste whole sync logs (a busy day's is ~2 MB): the diagnosis is bounded per
    # paste; what this guards against is memory, not amplification (values have their own limit).
    max_message_chars: int = 3_000_000
    max_value_chars: int = 200
    messages_per_minute_client: int = 120
    messages_per_minute_conversation: int = 30
    tickets_per_conversation: int = 5
    tickets_per_client_hour: int = 10
    trusted_proxies: tuple[str, ...] = ()
    unlimited_clients: tuple[str, ...] = ("127.0.0.1", "::1")

    def __repr__(self) -> str:
        """Show the settings without the keys."""
        return (
            f"SecuritySettings(identity_key={'***' if self.identity_key else None}, "
            f"session_key=***, limits={self.max_message_chars}/{self.max_value_chars}/"
            f"{self.messages_per_minute_client}/{self.messages_per_minute_conversation}/"
            f"{self.tickets_per_conversation}/{self.tickets_per_client_hour}, "
            f"trusted_proxies={self.trusted_proxies}, unlimited_clients={self.unlimited_clients})"
        )

    def is_trusted_proxy(self, address: str) -> bool:
        """Whether ``address`` is a proxy whose ``X-Forwarded-For`` we believe."""
        return _in(address, self.trusted_proxies)

    def is_unlimited(self, address: str | None) -> bool:
        """Whether ``address`` is exempt from the per-client limits."""
        return address is not None and _in(address, self.unlimited_clients)


def _in(address: str, networks: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)


@dataclass(frozen=True)
class SmtpServer:
    """Where to deliver: ``smtp://user:pass@host:port`` (STARTTLS if offered) or ``smtps://``."""

    host: str
    port: int
    tls: bool  # implicit TLS (smtps); plain smtp upgrades with STARTTLS when the server offers it
    user: str | None = None
    password: str | None = None

    def __repr__(self) -> str:
        """Show the server without its password."""
        scheme = "smtps" if self.tls else "smtp"
        user = f"{self.user}:***@" if self.user else ""
        return f"SmtpServer({scheme}://{user}{self.host}:{self.port})"


@dataclass(frozen=True)
class MailSettings:
    """Email to support.

    Attributes:
        smtp: the SMTP server (``SYNCDESK_SMTP_URL``); None: no email, as in local development.
        sender: the From address (``SYNCDESK_MAIL_FROM``; default the SMTP user when it is an
            address, else ``syncdesk@localhost``).
        retry_seconds: the first wait before trying a failed delivery again, doubled each time
            up to ``max_retry_seconds`` (``SYNCDESK_OUTBOX_RETRY_SECONDS``, default 30).
    """

    smtp: SmtpServer | None
    sender: str = "syncdesk@localhost"
    retry_seconds: float = 30.0
    max_retry_seconds: float = 1800.0

    @property
    def enabled(self) -> bool:
        """Say whether tickets are emailed at all."""
        return self.smtp is not None

    @property
    def domain(self) -> str:
        """Return the domain of the sender address, for Message-IDs."""
        return self.sender.rpartition("@")[2] or "localhost"


def parse_smtp_url(url: str) -> SmtpServer:
    """Return the server an ``smtp://`` or ``smtps://`` URL names; ValueError if it is not one."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(
            "SYNCDESK_SMTP_URL must look like smtp://user:password@host:port or smtps://…"
        )
    tls = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or (465 if tls else 25),
        tls=tls,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


@dataclass(frozen=True)
class ConsoleSettings:
    """The support console's settings.

    Attributes:
        agents_file: ``SYNCDESK_CONSOLE_USERS``, the agents file (unset: nobody can log in).
        rasa_url: ``SYNCDESK_CONSOLE_RASA_URL``, the Rasa server the console calls (None: the
            bot URL the pages use).
        api_token: ``BOT_API_TOKEN``, Rasa's HTTP API token (unset: no takeover).
        waiting_minutes: ``SYNCDESK_CONSOLE_WAITING_MINUTES``, how long after a handover a
            conversation is listed as waiting for a person (30).
        session_hours: ``SYNCDESK_CONSOLE_SESSION_HOURS``, how long a login lasts (12).
        secure_cookie: the login cookie is HTTPS-only (``SYNCDESK_ENV=production``).
    """

    agents_file: Path | None = None
    rasa_url: str | None = None
    api_token: str | None = field(default=None, repr=False)
    waiting_minutes: float = 30
    session_hours: float = 12
    secure_cookie: bool = False


@dataclass(frozen=True)
class WebSettings:
    """The servers ``make run`` starts, as the web pages' server sees them.

    Attributes:
        rasa_port: ``RASA_PORT`` (5005).
        actions_port: ``SYNCDESK_ACTIONS_PORT`` (5055).
        bind: ``SYNCDESK_BIND``, the address the servers listen on (127.0.0.1).
        host: ``SYNCDESK_WEB_HOST``, the address the pages listen on ("": all interfaces).
        port: ``SYNCDESK_WEB_PORT`` (8000).
        bot_url: ``SYNCDESK_BOT_URL``, where the browser finds the bot.
        cors_origins: ``SYNCDESK_CORS_ORIGINS``, the origins allowed to call from a browser.
        log_requests: ``SYNCDESK_WEB_LOG=1``: log every request.
        frame_ancestors: ``SYNCDESK_FRAME_ANCESTORS`` as set (web/page_headers.py checks it).
    """

    rasa_port: int = 5005
    actions_port: int = 5055
    bind: str = "127.0.0.1"
    host: str = ""
    port: int = 8000
    bot_url: str = "http://localhost:5005"
    cors_origins: tuple[str, ...] = ("http://localhost:8000",)
    log_requests: bool = False
    frame_ancestors: str = ""


@dataclass(frozen=True)
class Settings:
    """Everything syncdesk is configured with (hashable: :func:`bot.services.default` keys on it).

    Attributes:
        db_url: SQLAlchemy URL of the knowledge base and tickets database
            (``SYNCDESK_DB_URL``); SQLite by default, PostgreSQL in production.
        kb_source: folder holding the knowledge base's YAML source (``SYNCDESK_KB_SOURCE``).
        production: ``SYNCDESK_ENV=production``.
        retention_days: how many days conversations are kept (``SYNCDESK_RETENTION_DAYS``).
        security: keys and limits (channels, actions).
        mail: email to the support inbox (outbox).
        console: the support console.
        web: the servers' addresses and the pages' server.
        socketio_redis_url: ``SYNCDESK_SOCKETIO_REDIS_URL``, the Redis through which several
            Rasa servers pass socket.io messages to each other's sockets (None: one server).
        tessdata: ``SYNCDESK_TESSDATA``, Tesseract's data folder (None: Debian's).
    """

    db_url: str
    kb_source: Path
    production: bool = False
    retention_days: int = DEFAULT_RETENTION_DAYS
    security: SecuritySettings = field(
        default_factory=lambda: SecuritySettings(identity_key=None, session_key=b"")
    )
    mail: MailSettings = field(default_factory=lambda: MailSettings(smtp=None))
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    web: WebSettings = field(default_factory=WebSettings)
    socketio_redis_url: str | None = field(default=None, repr=False)  # may hold a password
    tessdata: Path | None = None

    @property
    def endpoints(self) -> Path:
        """Return the endpoints file Rasa is started with (scripts/run-server's choice)."""
        return PROJECT_ROOT / ("endpoints.prod.yml" if self.production else "endpoints.yml")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` (default: the process environment).

        Raises:
            ValueError: a setting is not valid (the message names the variable).
            InsecureKey: a key production must not use.
        """
        env = os.environ if environ is None else environ
        database = PROJECT_ROOT / ".var" / "syncdesk.db"
        production = env.get("SYNCDESK_ENV") == "production"
        tessdata = env.get("SYNCDESK_TESSDATA")
        return cls(
            db_url=env.get("SYNCDESK_DB_URL") or f"sqlite:///{database}",
            kb_source=Path(env.get("SYNCDESK_KB_SOURCE") or PROJECT_ROOT / "data" / "kb"),
            production=production,
            retention_days=_retention_days(env),
            security=_security(env, production),
            mail=_mail(env),
            console=_console(env, production),
            web=_web(env),
            socketio_redis_url=_redis_url(env, "SYNCDESK_SOCKETIO_REDIS_URL"),
            tessdata=Path(tessdata) if tessdata else None,
        )


def settings() -> Settings:
    """Return the settings the environment gives now (cheap: nothing is cached)."""
    return Settings.from_env()


def process_environment() -> Mapping[str, str]:
    """Return the process environment, for files that name variables themselves.

    Rasa's endpoints files say ``${POSTGRES_HOST}``; :mod:`bot.privacy.trackers` expands them
    as Rasa does, from this.
    """
    return os.environ


# -- reading -------------------------------------------------------------------------------


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    return int(value) if value else default


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name)
    return float(value if value else default)


def _words(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = env.get(name)
    return default if value is None else tuple(value.replace(",", " ").split())


def _retention_days(env: Mapping[str, str]) -> int:
    raw = (env.get("SYNCDESK_RETENTION_DAYS") or "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"SYNCDESK_RETENTION_DAYS must be a whole number of days, not {raw!r}")
    return int(raw)


def _security(env: Mapping[str, str], production: bool) -> SecuritySettings:
    defaults = SecuritySettings(identity_key=None, session_key=b"")
    return SecuritySettings(
        identity_key=read_key("identity", env, required=False),
        session_key=read_key("session", env, required=True) or b"",
        identity_max_age=_int(env, "SYNCDESK_IDENTITY_MAX_AGE", defaults.identity_max_age),
        max_message_chars=_int(env, "SYNCDESK_MAX_MESSAGE_CHARS", defaults.max_message_chars),
        max_value_chars=_int(env, "SYNCDESK_MAX_VALUE_CHARS", defaults.max_value_chars),
        messages_per_minute_client=_int(
            env, "SYNCDESK_MESSAGES_PER_MINUTE_CLIENT", defaults.messages_per_minute_client
        ),
        messages_per_minute_conversation=_int(
            env,
            "SYNCDESK_MESSAGES_PER_MINUTE_CONVERSATION",
            defaults.messages_per_minute_conversation,
        ),
        tickets_per_conversation=_int(
            env, "SYNCDESK_TICKETS_PER_CONVERSATION", defaults.tickets_per_conversation
        ),
        tickets_per_client_hour=_int(
            env, "SYNCDESK_TICKETS_PER_CLIENT_HOUR", defaults.tickets_per_client_hour
        ),
        trusted_proxies=_words(env, "SYNCDESK_TRUSTED_PROXIES", defaults.trusted_proxies),
        unlimited_clients=_words(env, "SYNCDESK_UNLIMITED_CLIENTS", defaults.unlimited_clients),
    )


#: Production keys made at random when none is set: one per process, so the settings read
#: twice are equal (and sessions last as long as the process).
_process_keys: dict[str, bytes] = {}
_process_keys_lock = threading.Lock()


def read_key(name: str, environ: Mapping[str, str], *, required: bool) -> bytes | None:
    """Return the key ``SYNCDESK_<NAME>_KEY`` (or from its ``_FILE``); see the module's notes."""
    production = environ.get("SYNCDESK_ENV") == "production"
    variable = f"SYNCDESK_{name.upper()}_KEY"
    value = environ.get(variable)
    path = environ.get(f"{variable}_FILE")
    if not value and path:
        value = Path(path).read_text(encoding="utf-8").strip()
    if value:
        if production and (
            len(value.encode()) < MIN_KEY_BYTES
            or any(word in value.lower() for word in _PLACEHOLDERS)
        ):
            raise InsecureKey(
                f"{variable} is too short or a placeholder: use at least {MIN_KEY_BYTES} random "
                "bytes, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return value.encode()
    if production:
        if required:
            # Not a default: a fresh key per process (sessions don't survive a restart).
            with _process_keys_lock:
                if variable not in _process_keys:
                    log.warning(
                        "%s is not set: conversation tokens work on this server only", variable
                    )
                    _process_keys[variable] = secrets.token_bytes(MIN_KEY_BYTES)
                return _process_keys[variable]
        log.warning("%s is not set: in-app identities are kept as unverified", variable)
        return None
    return _local_key(PROJECT_ROOT / ".var" / f"{name}.key")


def _local_key(path: Path) -> bytes:
    """Return the development key in ``path``, made at random by whoever reads it first."""
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        key = ""
    if key:
        return key.encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
    for _ in range(50):  # another process may be between creating and writing it
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key.encode()
        time.sleep(0.02)
    raise InsecureKey(f"{path} is empty: delete it and start again")


def _mail(env: Mapping[str, str]) -> MailSettings:
    url = env.get("SYNCDESK_SMTP_URL", "").strip()
    smtp = parse_smtp_url(url) if url else None
    default_sender = smtp.user if smtp and smtp.user and "@" in smtp.user else None
    return MailSettings(
        smtp=smtp,
        sender=env.get("SYNCDESK_MAIL_FROM") or default_sender or "syncdesk@localhost",
        retry_seconds=_float(env, "SYNCDESK_OUTBOX_RETRY_SECONDS", 30),
    )


def _redis_url(env: Mapping[str, str], name: str) -> str | None:
    url = env.get(name, "").strip()
    if url and urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"{name} must look like redis://:password@host:port or rediss://…")
    return url or None


def _console(env: Mapping[str, str], production: bool) -> ConsoleSettings:
    users = env.get("SYNCDESK_CONSOLE_USERS", "").strip()
    return ConsoleSettings(
        agents_file=Path(users) if users else None,
        rasa_url=env.get("SYNCDESK_CONSOLE_RASA_URL") or None,
        api_token=env.get("BOT_API_TOKEN") or None,
        waiting_minutes=_float(env, "SYNCDESK_CONSOLE_WAITING_MINUTES", 30),
        session_hours=_float(env, "SYNCDESK_CONSOLE_SESSION_HOURS", 12),
        secure_cookie=production,
    )


def _web(env: Mapping[str, str]) -> WebSettings:
    rasa_port = _int(env, "RASA_PORT", 5005)
    bind = env.get("SYNCDESK_BIND") or "127.0.0.1"
    return WebSettings(
        rasa_port=rasa_port,
        actions_port=_int(env, "SYNCDESK_ACTIONS_PORT", 5055),
        bind=bind,
        host=env.get("SYNCDESK_WEB_HOST", ""),
        port=_int(env, "SYNCDESK_WEB_PORT", 8000),
        bot_url=(env.get("SYNCDESK_BOT_URL") or f"http://localhost:{rasa_port}").rstrip("/"),
        cors_origins=tuple(env.get("SYNCDESK_CORS_ORIGINS", "http://localhost:8000").split()),
        log_requests=env.get("SYNCDESK_WEB_LOG") == "1",
        frame_ancestors=env.get("SYNCDESK_FRAME_ANCESTORS", ""),
    )
