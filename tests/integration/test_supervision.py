"""`make run` keeps syncdesk up when one of its servers dies, and stops all of it on request.

scripts/serve runs as a customer runs it (only the ports are moved, and the knowledge base is a
fresh file), its output piped through ``tee`` as in ``make run | tee log``. One start serves the
module's first two tests. Measured: the start ~26 s (Rasa loading its model); killing the action
server, the web pages and the Rasa server one at a time ~30 s (Rasa loads again: ~25 s); Ctrl-C
~5 s. The ``make shell`` test ~10 s (stopped while ``rasa shell`` still loads). Each restart's
time is printed (``pytest -s``).

``make run`` keeps conversation trackers in memory: a restarted Rasa server has forgotten the
turns before it died, so the conversation that outlives all three kills ends with a handover asked
for outright, while the one that outlives the action server's restart carries on where it was.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot import db
from bot.handover import list_tickets
from bot.settings import PROJECT_ROOT

from .services import answers, free_port, listening_pids, wait_until

pytestmark = pytest.mark.integration

SERVE = PROJECT_ROOT / "scripts" / "serve"
PASTE = "Invoice: INV-0042 - The TaxType code OUTPUT2 does not exist or cannot be used for this type of transaction."
PHONE = "0800 326 5561"
START_SECONDS = 240
BACK_WITHIN = 30.0


# --- processes and ports, from /proc (Linux) ----------------------------------------------------


def session_processes(session_id: int) -> dict[int, str]:
    """Return {pid: command line} of every live process in the session ``session_id``."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[3]) == session_id:
                command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(stat.parent.name)] = command.decode(errors="replace").strip()
        except (OSError, IndexError, ValueError):
            continue
    return found


def child_processes(parent: int) -> dict[int, str]:
    """Return {pid: command line} of the live children of ``parent``."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(stat.parent.name)] = command.decode(errors="replace").strip()
        except (OSError, IndexError, ValueError):
            continue
    return found


def refused(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def terminal_like() -> None:
    """In the child: Ctrl-C's default action, as in a terminal (a background parent may ignore it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def serve_env(ports: dict[str, int], db_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"BOT_API_TOKEN", "SYNCDESK_ENV", "SYNCDESK_CORS_ORIGINS", "SYNCDESK_BOT_URL"}
    }
    env.update(
        RASA_PORT=str(ports["rasa"]),
        SYNCDESK_ACTIONS_PORT=str(ports["actions"]),
        SYNCDESK_WEB_PORT=str(ports["web"]),
        SYNCDESK_DB_URL=db_url,
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONWARNINGS="ignore",
    )
    return env


def wait_for_line(log: Path, text: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    wait_until(
        lambda: log.exists() and text in log.read_text(errors="replace"),
        f"scripts/serve printing {text!r}",
        process=process,
        log=log,
        seconds=seconds,
        every=0.5,
    )


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-5000:] if log.exists() else "(no output)"


def end_session(process: subprocess.Popen[bytes]) -> None:
    """Clean up after a failed test: SIGTERM, then SIGKILL, whatever is left of the session."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in session_processes(process.pid):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        if not session_processes(process.pid):
            return
        time.sleep(2)


def assert_nothing_left(process: subprocess.Popen[bytes], ports: dict[str, int]) -> None:
    # supervisord gives each server stopwaitsecs
    wait_until(lambda: not session_processes(process.pid), "no process left", seconds=30)
    for name, port in ports.items():
        assert not listening_pids(port) and refused(port), f"{name}'s port {port} is still taken"


# --- the served bot -----------------------------------------------------------------------------


@dataclass
class Served:
    """``scripts/serve 2>&1 | tee log`` in a session of its own, as a terminal runs ``make run``."""

    process: subprocess.Popen[bytes]
    ports: dict[str, int]
    db_url: str
    log: Path
    started_in: float  # seconds until all three answered: mostly Rasa loading its model
    restarts: dict[str, float] = field(default_factory=dict)

    def back_within(self, name: str) -> float:
        """30 s; Rasa loads its model again (~25 s here): no less than 1.5 times its first start.

        A busy machine slows Rasa's restart as much as its first start.
        """
        return max(BACK_WITHIN, 1.5 * self.started_in) if name == "rasa" else BACK_WITHIN

    def url(self, name: str) -> str:
        path = {"actions": "/health", "rasa": "/", "web": "/config.js"}[name]
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def say(self, sender: str, message: str) -> str:
        body = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.ports['rasa']}/webhooks/rest/webhook",
            body,
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            replies = json.load(response)
        assert replies, f"no reply to {message[:60]!r}"
        return "\n".join(r.get("text") or "" for r in replies)

    def server_pid(self, name: str) -> int:
        pids = listening_pids(self.ports[name])
        assert len(pids) == 1, f"{name}: listeners {pids}"
        return pids.pop()

    def tickets(self, sender: str) -> list[str | None]:
        with db.session_factory(self.db_url).begin() as session:
            return [t.error_id for t in list_tickets(session) if t.conversation_id == sender]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("serve")
    ports = {"actions": free_port(), "rasa": free_port(), "web": free_port()}
    db_url = f"sqlite:///{folder / 'syncdesk.db'}"
    log = folder / "serve.log"
    process = subprocess.Popen(
        ["bash", "-c", f'"{SERVE}" 2>&1 | tee "{log}"'],
        cwd=PROJECT_ROOT,
        env=serve_env(ports, db_url),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=terminal_like,
    )
    started = time.monotonic()
    try:
        wait_for_line(log, "Press Ctrl-C to stop.", process, START_SECONDS)
        started_in = time.monotonic() - started
        print(f"\nscripts/serve answered on all three ports in {started_in:.1f}s")
        yield Served(process, ports, db_url, log, started_in)
    finally:
        if process.poll() is None or session_processes(process.pid):
            end_session(process)


@contextmanager
def kept_answering(served: Served, names: list[str]) -> Iterator[None]:
    """Poll ``names``' URLs every 0.25 s while the block runs; fail if any did not answer in 10 s."""
    failures: list[str] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            for name in names:
                # 10 s: a sibling's restart (Rasa loading its model) starves both cores a while.
                if not answers(served.url(name), timeout=10):
                    failures.append(f"{name} did not answer at {time.strftime('%X')}")
            done.wait(0.25)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
    assert not failures, failures


def kill_and_wait_back(
    served: Served, name: str, meanwhile: Callable[[], None] = lambda: None
) -> None:
    """SIGKILL ``name``'s server, as a crash would, run ``meanwhile``, wait until it answers again.

    The other two servers are the same processes afterwards.
    """
    others = {n: served.server_pid(n) for n in ("actions", "rasa", "web") if n != name}
    victim = served.server_pid(name)
    killed = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    meanwhile()
    wait_until(
        lambda: answers(served.url(name), timeout=2),
        f"{name} back",
        log=served.log,
        seconds=served.back_within(name) - (time.monotonic() - killed),
        every=0.1,
    )
    served.restarts[name] = time.monotonic() - killed
    print(f"{name} answered again {served.restarts[name]:.1f}s after SIGKILL")
    assert served.server_pid(name) != victim
    assert {n: served.server_pid(n) for n in others} == others, "another server restarted"


def test_each_killed_server_comes_back_while_the_others_keep_answering(served):
    diagnosed, asks_later = f"diag-{uuid.uuid4()}", f"later-{uuid.uuid4()}"
    assert "Did that fix it?" in served.say(diagnosed, PASTE)
    assert served.say(asks_later, "hi")

    def customer_meanwhile() -> None:  # pastes an error while the action server is down
        assert PHONE in served.say(f"down-{uuid.uuid4()}", PASTE)

    with kept_answering(served, ["rasa", "web"]):
        kill_and_wait_back(served, "actions", customer_meanwhile)
    # The conversation that was going on carries on where it was: no fix, a ticket.
    reply = served.say(diagnosed, "no, still failing")
    assert "Your reference is SD-" in reply and PHONE in reply
    assert served.tickets(diagnosed) == ["tax-type-invalid"]

    with kept_answering(served, ["actions", "rasa"]):
        kill_and_wait_back(served, "web")
    with kept_answering(served, ["actions", "web"]):
        kill_and_wait_back(served, "rasa")

    output = served.log.read_text(errors="replace")
    for name in ("actions", "web", "rasa"):
        assert f"exited: {name} (terminated by SIGKILL; not expected)" in output
    # A conversation started before the kills ends with a ticket (Rasa forgot its earlier turns).
    # Asked for a person with nothing told yet, syncdesk asks what it's about, then files it.
    assert "What's it about?" in served.say(asks_later, "/request_human")
    assert "Your reference is SD-" in served.say(asks_later, "our invoices won't go across")
    assert served.tickets(asks_later) == [None]
    print("restarts (s):", {name: round(took, 1) for name, took in served.restarts.items()})


def test_ctrl_c_with_output_piped_leaves_no_process_and_no_port(served):
    assert served.process.poll() is None
    os.killpg(served.process.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
    served.process.wait(timeout=60)
    assert_nothing_left(served.process, served.ports)  # (tee ended at once: the log stops there)


def test_make_shell_supervises_the_action_server_and_sigterm_stops_everything(tmp_path):
    ports = {"actions": free_port()}
    env = serve_env(
        {**ports, "rasa": free_port(), "web": free_port()}, f"sqlite:///{tmp_path / 'kb.db'}"
    )
    log = tmp_path / "shell.log"
    process = subprocess.Popen(
        ["bash", "-c", f'"{SERVE}" --shell 2>&1 | tee "{log}"; exit "${{PIPESTATUS[0]}}"'],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.PIPE,  # rasa shell's input, left open
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # bash's notes on the pipeline's end
        start_new_session=True,
        preexec_fn=terminal_like,
    )
    try:
        health = f"http://127.0.0.1:{ports['actions']}/health"
        wait_for_line(log, "The action server answers", process, START_SECONDS)
        victim = listening_pids(ports["actions"]).pop()
        killed = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        wait_until(
            lambda: answers(health, timeout=2),
            "make shell's action server back",
            log=log,
            seconds=BACK_WITHIN,
            every=0.1,
        )
        print(
            f"\nmake shell's action server answered again {time.monotonic() - killed:.1f}s after SIGKILL"
        )
        assert process.poll() is None, f"scripts/serve --shell ended early:\n{tail(log)}"
        assert "exited: actions (terminated by SIGKILL; not expected)" in log.read_text()

        # The reader of the output goes away (tee), then SIGTERM to scripts/serve alone.
        children = child_processes(process.pid)
        [serve] = [pid for pid, command in children.items() if f"{SERVE} --shell" in command]
        [tee] = [pid for pid, command in children.items() if command.startswith("tee ")]
        os.kill(tee, signal.SIGKILL)
        os.kill(serve, signal.SIGTERM)
        assert process.wait(timeout=60) == 143
        assert_nothing_left(process, ports)
    finally:
        if process.poll() is None or session_processes(process.pid):
            end_session(process)
