"""Many customers at once over REST: per-turn latency, throughput, failed turns, tickets kept.

Each simulated customer pastes a Xero sync error, says the fix didn't work (syncdesk hands over
and opens a ticket), then says thanks. The same load goes to a stock `rasa init` assistant
(hi -> "I am sad" -> yes) in the same run, as the yardstick.

    .venv/bin/python bench/load.py --start sqlite --start pg1 --start pg2 --customers 20
    .venv/bin/python bench/load.py --start pg2 --customers 100 --mode paced --think 10
    .venv/bin/python bench/load.py --target http://127.0.0.1:5005 --customers 20

--target (repeatable; conversations go round-robin over the targets) measures servers that are
already running: they must have been started with SYNCDESK_DB_URL pointing at a throwaway
database, and this bench needs the same SYNCDESK_DB_URL (it refuses the default, real one) to
read the tickets. --start runs syncdesk itself on 127.0.0.1, on a throwaway database: `sqlite`
is the default `make run` shape (one Rasa server, in-memory trackers, SQLite in a temporary
directory); `pg1`/`pg2` are the production shape (endpoints.prod.yml: PostgreSQL trackers and
tickets, Redis locks) with one or two Rasa servers, on throwaway PostgreSQL and Redis
(bench/_servers.py; scripts/setup-services installs them).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _servers as servers  # noqa: E402
from _servers import endpoints_file, latest_model, server_env  # noqa: E402
from rest_latency import STOCK_DIR, build_stock_assistant  # noqa: E402

RASA = str(Path(sys.executable).with_name("rasa"))
PASTE = (
    "Invoice: {invoice} - The TaxType code OUTPUT2 does not exist or cannot be used for this type "
    "of transaction. The TaxType code OUTPUT2 cannot be used with account code 200."
)
SYNCDESK_TURNS = ("paste error", "it didn't work", "thanks")
STOCK_TURNS = ("hello", "I am sad", "yes")
REQUEST_TIMEOUT = 120


@dataclass
class Result:
    """What one run against one setup measured."""

    name: str
    customers: int
    seconds: float = 0.0
    timings: list[list[float]] = field(default_factory=lambda: [[], [], []])  # ms, per turn
    failed: int = 0
    senders: list[str] = field(default_factory=list)
    tickets: tuple[int, int] | None = None  # (conversations with a ticket, ticket rows)
    tickets_note: str = ""


def syncdesk_messages(number: int) -> list[str]:
    return [PASTE.format(invoice=f"INV-{10000 + number}"), "it didn't work", "thanks"]


async def customer(
    session: aiohttp.ClientSession,
    url: str,
    sender: str,
    messages: list[str],
    think: float,
    rng: random.Random,
    result: Result,
) -> None:
    if think:
        await asyncio.sleep(rng.uniform(0, think))  # customers arrive spread over one think time
    for turn, message in enumerate(messages):
        if turn and think:
            await asyncio.sleep(think * rng.uniform(0.8, 1.2))
        started = time.perf_counter()
        try:
            async with session.post(
                f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message}
            ) as response:
                replies = await response.json() if response.status == 200 else None
        except (aiohttp.ClientError, asyncio.TimeoutError):
            replies = None
        result.timings[turn].append((time.perf_counter() - started) * 1000)
        if not replies or not any(r.get("text") or r.get("buttons") for r in replies):
            result.failed += 1


async def run_load(
    name: str,
    targets: list[str],
    customers: int,
    think: float,
    stock: bool,
) -> Result:
    result = Result(name, customers)
    rng = random.Random(11)
    run_id = f"{int(time.time())}-{os.getpid()}"
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        for index, url in enumerate(targets):  # warm every replica up; not timed
            warm = Result(name, 1)
            messages = list(STOCK_TURNS) if stock else syncdesk_messages(90000 + index)
            await customer(session, url, f"warm-{run_id}-{index}", messages, 0, rng, warm)
        jobs = []
        for number in range(customers):
            sender = f"load-{run_id}-{number}"
            result.senders.append(sender)
            messages = list(STOCK_TURNS) if stock else syncdesk_messages(number)
            url = targets[number % len(targets)]
            jobs.append(customer(session, url, sender, messages, think, rng, result))
        started = time.perf_counter()
        await asyncio.gather(*jobs)
        result.seconds = time.perf_counter() - started
    return result


def count_tickets(result: Result, db_url: str) -> None:
    """Count the run's tickets in the tickets table: one per customer is expected."""
    from sqlalchemy import func, select

    from bot import db
    from bot.handover import TicketRow

    try:
        with db.session_factory(db_url).begin() as session:
            rows = session.execute(
                select(TicketRow.conversation_id, func.count())
                .where(TicketRow.conversation_id.in_(result.senders))
                .group_by(TicketRow.conversation_id)
            ).all()
    except Exception as problem:  # a bench reports what it could not check, and goes on
        result.tickets_note = f"not checked ({type(problem).__name__})"
        return
    finally:
        db.engine(db_url).dispose()
    result.tickets = (len(rows), sum(count for _sender, count in rows))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def report(results: list[Result], mode: str) -> None:
    print(f"\n{mode}: per turn p50 / p95 / p99 in ms")
    header = (
        f"{'setup':<28}{'turn':<16}{'p50':>8}{'p95':>8}{'p99':>8}"
        f"{'turns/s':>9}{'failed':>8}  tickets kept"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        labels = STOCK_TURNS if result.name.startswith("stock") else SYNCDESK_TURNS
        every = [t for turn in result.timings for t in turn]
        rows = [(label, timings) for label, timings in zip(labels, result.timings, strict=True)]
        for index, (label, timings) in enumerate([*rows, ("all turns", every)]):
            first = index == 0
            summary = (
                f"{len(every) / result.seconds:9.1f}{result.failed:8d}  {tickets(result)}"
                if first
                else ""
            )
            print(
                f"{result.name if first else '':<28}{label:<16}{percentile(timings, 0.5):8.0f}"
                f"{percentile(timings, 0.95):8.0f}{percentile(timings, 0.99):8.0f}{summary}"
            )


def tickets(result: Result) -> str:
    if result.name.startswith("stock"):
        return "-"
    if result.tickets is None:
        return result.tickets_note or "not checked"
    kept, rows = result.tickets
    extra = f" ({rows - kept} duplicates)" if rows != kept else ""
    return f"{kept}/{result.customers}{extra}"


# ---------------------------------------------------------------- servers this bench starts


def rasa_command(port: int, endpoints: Path | str) -> list[str]:
    return [
        RASA, "run", "--model", str(latest_model()), "--port", str(port),
        "--credentials", "credentials.yml", "--endpoints", str(endpoints),
    ]  # fmt: skip


class Backing:
    """PostgreSQL and Redis for the production-shaped setups: started once, on first use."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._servers: tuple[servers.Postgres, servers.Redis] | None = None

    def servers(self) -> tuple[servers.Postgres, servers.Redis]:
        if self._servers is None:
            missing = servers.missing_services()
            if missing:
                raise SystemExit(
                    f"{' and '.join(missing)} not installed: run scripts/setup-services"
                )
            self._servers = (
                self._stack.enter_context(servers.postgres_server()),
                self._stack.enter_context(servers.redis_server()),
            )
        return self._servers


@contextmanager
def syncdesk(setup: str, logs: Path, backing: Backing) -> Iterator[tuple[list[str], str]]:
    """Run syncdesk as ``setup`` (sqlite, pg1, pg2); yield its Rasa URLs and database URL."""
    actions_port = servers.free_port()
    actions_url = f"http://127.0.0.1:{actions_port}/webhook"
    if setup == "sqlite":
        db_url = servers.throwaway_db_url(logs)
        env = server_env(SYNCDESK_DB_URL=db_url)
        # As `make run` has it: endpoints.yml (selective domain, the bounded tracker store).
        endpoints: Path | str = endpoints_file(actions_port, logs)
        replicas = 1
    else:
        pg, redis = backing.servers()
        env = server_env(**servers.production_env(pg, redis, actions_url))
        db_url = pg.url()
        endpoints = "endpoints.prod.yml"
        replicas = int(setup.removeprefix("pg"))
    subprocess.run(
        [sys.executable, "-m", "bot", "kb", "load"],
        env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    ports = [servers.free_port() for _ in range(replicas)]
    commands = [
        (
            [RASA, "run", "actions", "--actions", "actions", "--port", str(actions_port)],
            f"http://127.0.0.1:{actions_port}/health",
            logs / f"{setup}-actions.log",
        ),
        *[
            (
                rasa_command(port, endpoints),
                f"http://127.0.0.1:{port}/",
                logs / f"{setup}-{port}.log",
            )
            for port in ports
        ],
    ]
    print(f"Starting syncdesk ({setup}: {replicas} Rasa server(s))...", file=sys.stderr, flush=True)
    with servers.http_servers(commands, env=env, cwd=ROOT):
        yield [f"http://127.0.0.1:{port}" for port in ports], db_url


@contextmanager
def stock_assistant(logs: Path) -> Iterator[str]:
    model = build_stock_assistant(server_env())
    port = servers.free_port()
    command = [RASA, "run", "--model", str(model), "--port", str(port)]
    print("Starting the stock rasa init assistant...", file=sys.stderr, flush=True)
    with servers.http_servers(
        [(command, f"http://127.0.0.1:{port}/", logs / "stock.log")],
        env=server_env(),
        cwd=STOCK_DIR,
    ):
        yield f"http://127.0.0.1:{port}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20, help="simulated customers at once")
    parser.add_argument("--mode", choices=["burst", "paced"], default="burst")
    parser.add_argument("--think", type=float, default=10.0, help="seconds between turns (paced)")
    parser.add_argument("--target", action="append", default=[], help="a running Rasa server URL")
    parser.add_argument(
        "--start", action="append", default=[], choices=["sqlite", "pg1", "pg2"],
        help="start syncdesk in this shape and load it (repeatable)",
    )  # fmt: skip
    parser.add_argument("--no-stock", action="store_true", help="skip the rasa init yardstick")
    args = parser.parse_args()
    if not args.target and not args.start:
        parser.error("give --target URL or --start sqlite|pg1|pg2")
    if not 1 <= args.customers <= 1000:
        parser.error("--customers must be between 1 and 1000")
    think = args.think if args.mode == "paced" else 0.0
    for url in args.target:
        if not url.startswith(("http://127.0.0.1", "http://localhost")):
            parser.error(f"{url}: this bench only sends load to 127.0.0.1")
    target_db_url = servers.refuse_real_database() if args.target else ""

    def load(name: str, targets: list[str], stock: bool = False) -> Result:
        print(f"Loading {name}...", file=sys.stderr, flush=True)
        return asyncio.run(run_load(name, targets, args.customers, think, stock))

    results = []
    with tempfile.TemporaryDirectory(prefix="syncdesk-load-") as tmp, ExitStack() as stack:
        logs = Path(tmp)
        if args.target:
            result = load(f"target x{len(args.target)}", [u.rstrip("/") for u in args.target])
            count_tickets(result, target_db_url)
            results.append(result)
        backing = Backing(stack)
        for setup in args.start:
            with syncdesk(setup, logs, backing) as (urls, db_url):
                result = load(f"syncdesk {setup} (x{len(urls)})", urls)
                count_tickets(result, db_url)
                results.append(result)
        if not args.no_stock:
            with stock_assistant(logs) as url:
                results.append(load("stock rasa init (x1)", [url], stock=True))

    mode = f"{args.mode}, {args.customers} customers x 3 turns"
    if think:
        mode += f", ~{think:g} s think time"
    report(results, mode)
    lost = any(r.tickets is not None and r.tickets[0] < r.customers for r in results)
    return 1 if any(r.failed for r in results) or lost else 0


if __name__ == "__main__":
    sys.exit(main())
