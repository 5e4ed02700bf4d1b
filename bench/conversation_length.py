"""Does a turn cost more as the conversation grows? Turn 1, 10, 30 and 60 of one conversation.

Rasa posts the conversation's whole tracker to the action server on every custom action, and its
policies read the tracker's events, so every event a turn leaves behind can make later turns
slower; a megabyte paste that stayed in the tracker would make each of them carry a megabyte.
This plays conversations of 60 turns (pastes of different errors, "it didn't work", questions,
thanks, greetings, in a cycle) against the real servers on a throwaway database. Around turns
1, 10, 30 and 60 (three turns each: 1-3, 10-12, 30-32, 58-60) the customer pastes the same
error with a new invoice number, so those turns do the same work. Two variants: as is, and with
a 1 MB sync log pasted at turn 5. Several conversations advance in step; each figure is the
median over the conversations and the window's three turns, as the machine's load comes and
goes. Turn 60 / turn 1 is the figure to watch (target <= 1.2).

    .venv/bin/python bench/conversation_length.py [--conversations 8] [--turns 60]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _syncdesk import syncdesk_servers  # noqa: E402
from diagnose import log  # noqa: E402

from bot.kb.source import read_source  # noqa: E402

TOKEN = "bench-token"
WINDOWS = {1: (1, 2, 3), 10: (10, 11, 12), 30: (30, 31, 32), 60: (58, 59, 60)}
MEASURED = {turn: at for at, turns in WINDOWS.items() for turn in turns}
BIG_LOG_TURN = 5
PROBE = (
    "Invoice: INV-{n} - The TaxType code OUTPUT2 does not exist or cannot be used for this type "
    "of transaction. The TaxType code OUTPUT2 cannot be used with account code 200."
)
FILLER = (
    "Invoice: INV-{n} - Invoice # must be unique.",
    "it didn't work",
    "thanks",
    "what's your phone number?",
    "Credit Note: CN-{n} - The TaxType code INPUT2 does not exist or cannot be used for this "
    "type of transaction.",
    "why does this happen?",
    "it worked",
    "hi",
)
MEGABYTE = 1_000_000


def post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)


def message(turn: int, big_log: str | None) -> str:
    """Return what the customer sends at ``turn`` (1-based)."""
    if turn in MEASURED:
        return PROBE.format(n=4000 + turn)
    if turn == BIG_LOG_TURN and big_log is not None:
        return big_log
    return FILLER[turn % len(FILLER)].format(n=5000 + turn)


def tracker_size(url: str, sender: str) -> tuple[int, int]:
    """Return the events and bytes of the conversation's tracker as the action server gets it."""
    with urllib.request.urlopen(
        f"{url}/conversations/{sender}/tracker?include_events=ALL&token={TOKEN}", timeout=60
    ) as response:
        body = response.read()
    return len(json.loads(body)["events"]), len(body)


def play(url: str, conversations: int, turns: int, big_log: str | None) -> dict[int, Any]:
    """Advance ``conversations`` in step for ``turns`` turns; return timings per measured turn."""
    senders = [f"length-{time.time_ns()}-{i}" for i in range(conversations)]
    timings: dict[int, list[float]] = {}
    sizes: dict[int, tuple[int, int]] = {}
    for turn in range(1, turns + 1):
        for sender in senders:
            started = time.perf_counter()
            body = {"sender": sender, "message": message(turn, big_log)}
            post(f"{url}/webhooks/rest/webhook", body)
            elapsed = (time.perf_counter() - started) * 1000
            if turn in MEASURED:
                timings.setdefault(MEASURED[turn], []).append(elapsed)
        if turn in WINDOWS or (turn == BIG_LOG_TURN and big_log is not None):
            sizes[turn] = tracker_size(url, senders[0])
    return {
        turn: (statistics.median(timings[turn]), min(timings[turn]), *sizes[turn])
        for turn in timings
        if turn in sizes
    }


def show(title: str, found: dict[int, Any]) -> float:
    print(f"\n{title}")
    print("  turns   p50 ms   min ms   tracker events   tracker KB (at the window's start)")
    for turn, (median, least, events, size) in sorted(found.items()):
        window = "-".join(str(t) for t in WINDOWS[turn][:: len(WINDOWS[turn]) - 1])
        print(f"  {window:>5}  {median:7.1f}  {least:7.1f}  {events:15}  {size / 1024:11.1f}")
    last = max(found)
    ratio = found[last][0] / found[1][0]
    print(f"  turn {last} / turn 1: {ratio:.2f}x (target <= 1.2x)")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=8)
    parser.add_argument("--turns", type=int, default=60)
    args = parser.parse_args()
    big_log = log(read_source().errors, random.Random(5), MEGABYTE)
    with tempfile.TemporaryDirectory(prefix="syncdesk-length-") as tmp:
        with syncdesk_servers(
            Path(tmp),
            api_token=TOKEN,
            # A 60-turn conversation in a minute and a 1 MB paste are what is measured here.
            SYNCDESK_MESSAGES_PER_MINUTE_CONVERSATION="100000",
            SYNCDESK_MAX_MESSAGE_CHARS=str(2 * MEGABYTE),
        ) as servers:
            play(servers.url, 2, 12, None)  # warm-up
            plain = play(servers.url, args.conversations, args.turns, None)
            pasted = play(servers.url, args.conversations, args.turns, big_log)
    ratios = [
        show(f"{args.conversations} conversations of {args.turns} turns", plain),
        show(
            f"the same, with a {len(big_log) / 1e6:.1f} MB sync log pasted at turn {BIG_LOG_TURN}",
            pasted,
        ),
    ]
    return 0 if max(ratios) <= 1.2 else 1


if __name__ == "__main__":
    sys.exit(main())
