"""Servers the tests and benches start: free ports, waiting until ready, stopping; throwaway
PostgreSQL and Redis.

One helper each, used by every test and bench that starts a process: ``free_port``, ``wait_until`` (and
``wait_for`` a URL on top of it), ``stop``, ``latest_model``. Each server lives in its own
temporary directory on a free 127.0.0.1 port and is stopped and deleted on exit. PostgreSQL
refuses to run as root, so as root its directory belongs to the ``postgres`` user (Debian's
package creates it) and initdb and the server run as that user.

    with postgres_server() as pg, redis_server() as redis:
        os.environ["SYNCDESK_DB_URL"] = pg.url()

``http_servers`` runs the action and Rasa servers the same way, ``server_env`` quiets them;
``bot_servers`` starts syncdesk's pair as ``make run`` does (the project's endpoints and
credentials, the knowledge base loaded) on free ports.
No pytest here, so failures read the same in a test and in a bench.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "NotReady",
    "Postgres",
    "Redis",
    "ServiceUnavailable",
    "Bot",
    "answers",
    "bot_servers",
    "endpoints_file",
    "free_port",
    "http_servers",
    "latest_model",
    "listening_addresses",
    "listening_pids",
    "missing_services",
    "postgres_server",
    "production_env",
    "redis_server",
    "server_env",
    "stop",
    "wait_for",
    "wait_until",
]

_START_SECONDS = 60
_ROOT = Path(__file__).resolve().parents[1]
_MODELS = _ROOT / "models"
RASA = str(Path(sys.executable).with_name("rasa"))


def latest_model() -> Path:
    """Return the newest trained model in models/; fail with what to run if there is none."""
    models = sorted(_MODELS.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("No trained model in models/: run `make train` (make test does it)")
    return models[-1]


def server_env(**variables: str) -> dict[str, str]:
    """Return this process's environment for a Rasa or action server, quiet, plus ``variables``."""
    return dict(
        os.environ,
        TF_CPP_MIN_LOG_LEVEL="3",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore",
        **variables,
    )


class ServiceUnavailable(RuntimeError):
    """A server's binaries are not installed (scripts/setup-services installs them)."""


@dataclass(frozen=True)
class Postgres:
    """A running PostgreSQL: one database, one password-protected superuser."""

    host: str
    port: int
    user: str
    password: str
    database: str

    def url(self, driver: str = "postgresql+psycopg2") -> str:
        """Return the SQLAlchemy URL of the database."""
        return f"{driver}://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"


@dataclass(frozen=True)
class Redis:
    """A running Redis without persistence."""

    host: str
    port: int
    password: str


def production_env(pg: Postgres, redis: Redis, action_server_url: str) -> dict[str, str]:
    """Return the variables endpoints.prod.yml and syncdesk read in production.

    The same names as deploy/docker-compose.yml sets (deploy/.env.example).
    """
    return {
        "SYNCDESK_ENV": "production",
        "SYNCDESK_DB_URL": pg.url(),
        "ACTION_SERVER_URL": action_server_url,
        "POSTGRES_HOST": pg.host,
        "POSTGRES_PORT": str(pg.port),
        "POSTGRES_DB": pg.database,
        "POSTGRES_USER": pg.user,
        "POSTGRES_PASSWORD": pg.password,
        "REDIS_HOST": redis.host,
        "REDIS_PORT": str(redis.port),
        "REDIS_DB": "1",
        "REDIS_PASSWORD": redis.password,
    }


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _postgres_bin() -> Path | None:
    """Return the newest installed PostgreSQL's bin folder, or None."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return found[-1].parent if found else None


def missing_services() -> list[str]:
    """Return the Debian packages to install for these servers (empty when all are present)."""
    missing = []
    if _postgres_bin() is None:
        missing.append("postgresql")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    return missing


class NotReady(RuntimeError):
    """A process did not get ready in time, or exited while it was awaited."""


def wait_until(
    ready: Callable[[], bool],
    what: str,
    *,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
    seconds: float = _START_SECONDS,
    every: float = 0.2,
) -> float:
    """Wait until ``ready()``; return the seconds it took.

    Raises:
        NotReady: ``process`` exited first, or ``seconds`` went by; with the tail of ``log``.
    """
    started = time.monotonic()
    deadline = started + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise NotReady(f"{what}: the process exited with {process.returncode}:\n{_tail(log)}")
        if ready():
            return time.monotonic() - started
        time.sleep(every)
    raise NotReady(f"{what}: not within {seconds:.0f}s:\n{_tail(log)}")


def wait_for(
    url: str, process: subprocess.Popen[bytes] | None, log: Path | None, seconds: float = 240
) -> float:
    """Wait until ``url`` answers, failing early if ``process`` exits; return the seconds."""
    return wait_until(
        lambda: answers(url, timeout=2), url, process=process, log=log, seconds=seconds, every=0.5
    )


def answers(url: str, timeout: float = 5) -> bool:
    """Whether ``url`` answers an HTTP GET with success."""
    try:
        urllib.request.urlopen(url, timeout=timeout).close()
        return True
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _tail(log: Path | None) -> str:
    if log is None or not log.exists():
        return "(no log)"
    return log.read_text(errors="replace")[-4000:]


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def postgres_server(database: str = "syncdesk", user: str = "syncdesk") -> Iterator[Postgres]:
    """Run a fresh PostgreSQL cluster on a free loopback port; yield how to reach it."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        raise ServiceUnavailable("PostgreSQL is not installed (run scripts/setup-services)")
    # As root, run everything as `postgres`; tempfile's private dir is then handed over to it.
    run_as = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="syncdesk-pg-"))
    data, log, password_file = root / "data", root / "postgres.log", root / "password"
    password = f"pw{os.urandom(6).hex()}"
    password_file.write_text(password + "\n")
    if run_as:
        account = pwd.getpwnam(run_as)
        for path in (root, password_file):
            os.chown(path, account.pw_uid, account.pw_gid)
    port = free_port()
    # Loopback TCP only, the socket in our own folder, and no durability: it is thrown away.
    settings = {
        "listen_addresses": "127.0.0.1",
        "port": str(port),
        "unix_socket_directories": str(root),
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
    }
    try:
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", user, f"--pwfile={password_file}",
             "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
            user=run_as,
            check=True,
            capture_output=True,
        )  # fmt: skip
    except subprocess.CalledProcessError as failed:
        shutil.rmtree(root, ignore_errors=True)
        output = (failed.stderr or b"").decode(errors="replace")
        raise RuntimeError(f"initdb failed:\n{output}") from None
    # Run the server ourselves (not pg_ctl's daemon) so it is our child to stop and reap.
    arguments = [f"-c{name}={value}" for name, value in settings.items()]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(bin_dir / "postgres"), "-D", str(data), *arguments],
            user=run_as,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: _accepts(port), "PostgreSQL", process=process, log=log)
        server = Postgres("127.0.0.1", port, user, password, database)
        _create_database(server)
        yield server
    finally:
        stop(process, signal.SIGINT)  # SIGINT: "fast" shutdown, clients are disconnected
        shutil.rmtree(root, ignore_errors=True)


def _create_database(server: Postgres) -> None:
    import psycopg2

    connection = psycopg2.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        dbname="postgres",
    )
    try:
        connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{server.database}"')
    finally:
        connection.close()


@contextmanager
def redis_server() -> Iterator[Redis]:
    """Run a password-protected Redis without persistence on a free loopback port."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceUnavailable("Redis is not installed (run scripts/setup-services)")
    root = Path(tempfile.mkdtemp(prefix="syncdesk-redis-"))
    log = root / "redis.log"
    port = free_port()
    password = f"pw{os.urandom(6).hex()}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(root), "--requirepass", password, "--daemonize", "no"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until(lambda: _accepts(port), "Redis", process=process, log=log)
        yield Redis("127.0.0.1", port, password)
    finally:
        stop(process)
        shutil.rmtree(root, ignore_errors=True)


def stop(process: subprocess.Popen[bytes], stop_signal: int = signal.SIGTERM) -> None:
    """Stop ``process`` with ``stop_signal``; kill it if it is still there after 20 s."""
    if process.poll() is None:
        process.send_signal(stop_signal)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def http_servers(
    commands: Sequence[tuple[list[str], str, Path]],
    *,
    env: dict[str, str],
    cwd: Path,
    seconds: float = 300,
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start every (command, URL, log) at once, wait until each URL answers; stop all on exit.

    For the action and Rasa servers: Rasa replicas load their models in parallel.
    """
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for args, _url, log in commands:
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
                )
        for process, (_args, url, log) in zip(processes, commands, strict=True):
            wait_for(url, process, log, seconds)
        yield processes
    finally:
        for process in reversed(processes):
            stop(process)


@dataclass(frozen=True)
class Bot:
    """syncdesk's two servers, started by `bot_servers`: where they answer and what they write."""

    url: str  # Rasa
    actions_url: str
    db_url: str
    folder: Path

    @property
    def rasa_log(self) -> Path:
        return self.folder / "rasa.log"

    @property
    def actions_log(self) -> Path:
        return self.folder / "actions.log"


def endpoints_file(actions_port: int, folder: Path) -> Path:
    """Write the project's endpoints.yml with the action server on ``actions_port``; return it."""
    text = (_ROOT / "endpoints.yml").read_text()
    text, found = re.subn(
        r'url: "http://localhost:5055/webhook"',
        f'url: "http://127.0.0.1:{actions_port}/webhook"',
        text,
    )
    if found != 1:
        raise RuntimeError("endpoints.yml no longer names the action server as localhost:5055")
    path = folder / "endpoints.yml"
    path.write_text(text)
    return path


@contextmanager
def bot_servers(
    folder: Path,
    env: dict[str, str],
    *,
    rasa_args: Sequence[str] = (),
    model: Path | None = None,
    launcher: Sequence[str] = (RASA,),
    load_kb: bool = True,
) -> Iterator[Bot]:
    """Run the action server and one Rasa server on free ports; stop both on exit.

    ``env`` (from `server_env`) names the database in ``SYNCDESK_DB_URL``; the knowledge base is
    loaded into it first unless ``load_kb`` is false. Rasa gets the project's credentials, its
    endpoints with the action server's port, and ``rasa_args`` (``--enable-api`` ...).
    ``launcher`` runs ``rasa``'s subcommands (a profiler in front of it, for the benches). Logs
    go to ``folder``.
    """
    if load_kb:
        subprocess.run(
            [sys.executable, "-m", "bot", "kb", "load"],
            env=env, cwd=_ROOT, check=True, capture_output=True,
        )  # fmt: skip
    actions_port, rasa_port = free_port(), free_port()
    endpoints = endpoints_file(actions_port, folder)
    bot = Bot(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}",
              env["SYNCDESK_DB_URL"], folder)  # fmt: skip
    commands = [
        ([*launcher, "run", "actions", "--actions", "actions", "--port", str(actions_port)],
         f"{bot.actions_url}/health", bot.actions_log),
        ([*launcher, "run", "--model", str(model or latest_model()), "--port", str(rasa_port),
          "--credentials", "credentials.yml", "--endpoints", str(endpoints), *rasa_args],
         f"{bot.url}/", bot.rasa_log),
    ]  # fmt: skip
    with http_servers(commands, env=env, cwd=_ROOT):
        yield bot


# --- who listens on a port (Linux /proc) ------------------------------------------------------------


def _listening(port: int) -> Iterator[tuple[str, str]]:
    """Yield (local address, ``socket:[inode]``) of each TCP socket listening on ``port``."""
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                # /proc prints each 32-bit word in host (little-endian) order
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                yield socket.inet_ntop(family, words), f"socket:[{fields[9]}]"


def listening_addresses(port: int) -> set[str]:
    """Return the local addresses something listens on at TCP ``port``."""
    return {address for address, _inode in _listening(port)}


def listening_pids(port: int) -> set[int]:
    """Return the PIDs of the processes listening on TCP ``port``."""
    inodes = {inode for _address, inode in _listening(port)}
    pids = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) in inodes for fd in fd_dir.iterdir()):
                pids.add(int(fd_dir.parent.name))
        except OSError:  # gone, or not ours to look at
            continue
    return pids
