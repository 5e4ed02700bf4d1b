"""Run `rasa run` or `rasa run actions` with timers on the steps of a turn (bench/turn_profile.py).

    python bench/_profiling.py run ...            # the Rasa server, as `rasa run ...`
    python bench/_profiling.py run actions ...    # the action server, as `rasa run actions ...`

The real servers, unchanged: this only wraps some of Rasa's and rasa-sdk's functions with a
timer before handing over to Rasa's own command line. Each timing is one JSON line
``{"p": process, "step": name, "ms": duration, ...}`` appended to
``$SYNCDESK_PROFILE_DIR/profile-<process>.jsonl``; the bench reads what a turn added.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_lock = threading.Lock()
_out: Any = None
_process = ""


def record(step: str, ms: float, **extra: Any) -> None:
    """Append one timing."""
    line = json.dumps({"p": _process, "step": step, "ms": round(ms, 3), **extra})
    with _lock:
        _out.write(line + "\n")
        _out.flush()


def timed(owner: Any, attribute: str, step: str | Callable[..., str]) -> None:
    """Replace ``owner.attribute`` (a function or coroutine function) by a timed one."""
    original = getattr(owner, attribute)
    name = step if callable(step) else (lambda *_a, **_k: step)

    if _is_coroutine(original):

        @functools.wraps(original)
        async def timed_coroutine(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                record(name(*args, **kwargs), (time.perf_counter() - started) * 1000)

        setattr(owner, attribute, timed_coroutine)
    else:

        @functools.wraps(original)
        def timed_function(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                record(name(*args, **kwargs), (time.perf_counter() - started) * 1000)

        setattr(owner, attribute, timed_function)


def _is_coroutine(function: Any) -> bool:
    import inspect

    return inspect.iscoroutinefunction(function)


def _database_timers() -> None:
    """Time every SQL statement and count the transactions committed, in any engine."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        conn.info.setdefault("started", []).append(time.perf_counter())

    @event.listens_for(Engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        started = conn.info["started"].pop()
        verb = statement.lstrip().split(None, 1)[0].upper()
        kind = "db read" if verb in ("SELECT", "PRAGMA") else "db write"
        record(kind, (time.perf_counter() - started) * 1000)

    from sqlalchemy.engine.base import Connection

    timed(Connection, "_commit_impl", "db commit")


def _rasa_timers() -> None:
    from rasa.core import processor
    from rasa.core.actions import action
    from rasa.core.channels import channel
    from rasa.engine import graph
    from rasa.utils import endpoints

    timed(graph.GraphNode, "__call__", lambda node, *_: f"graph {node._node_name}")
    timed(processor.MessageProcessor, "handle_message", "rasa handle_message (total)")
    timed(processor.MessageProcessor, "fetch_tracker_and_update_session", "rasa tracker fetch")
    timed(processor.MessageProcessor, "save_tracker", "rasa tracker save")
    timed(processor.MessageProcessor, "parse_message", "rasa parse_message (NLU)")
    timed(processor.MessageProcessor, "_predict_next_with_tracker", "rasa predict next action")
    timed(action.RemoteAction, "run", lambda a, *_: f"rasa custom action {a.name()} (total)")
    timed(action.RemoteAction, "_action_call_format", "rasa tracker -> dict for the action server")
    timed(endpoints.EndpointConfig, "request", "rasa HTTP to the action server (incl. JSON)")
    timed(channel.CollectingOutputChannel, "_persist_message", "rasa collect reply")

    original_format = action.RemoteAction._action_call_format

    def sized(self: Any, tracker: Any, domain: Any) -> Any:
        body = original_format(self, tracker, domain)
        started = time.perf_counter()
        encoded = json.dumps(body)
        record(
            "json.dumps of the action call (measured apart)",
            (time.perf_counter() - started) * 1000,
            bytes=len(encoded),
            events=len(body["tracker"]["events"] or []),
        )
        return body

    action.RemoteAction._action_call_format = sized  # type: ignore[method-assign]


def _action_server_timers() -> None:
    from rasa_sdk import executor, interfaces
    from sanic import request, response

    timed(executor.ActionExecutor, "run", lambda _e, call: f"sdk run {call.get('next_action')}")
    timed(interfaces.Tracker, "from_dict", "sdk Tracker.from_dict")
    timed(request.Request, "load_json", "sdk JSON parse of the request")
    timed(response, "json", "sdk JSON of the response")


def main() -> None:
    """Install the timers for this server, then run Rasa's command line."""
    global _out, _process
    _process = "actions" if sys.argv[1:3] == ["run", "actions"] else "rasa"
    folder = Path(os.environ.get("SYNCDESK_PROFILE_DIR", "."))
    _out = (folder / f"profile-{_process}.jsonl").open("a", buffering=1)
    _database_timers()
    if _process == "rasa":
        _rasa_timers()
    else:
        _action_server_timers()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
