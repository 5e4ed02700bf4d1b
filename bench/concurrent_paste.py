"""Does one customer's huge paste hold up another customer's turn? Prints the figures.

    .venv/bin/python bench/concurrent_paste.py [--kb 100] [--rounds 5]

Starts a private bot (action server + Rasa, latest model), then measures a short turn (a pasted
error) of conversation B: alone, and while conversation A's turn with a ``--kb`` KB sync log
(successes, with a few known and unknown failures) is being answered. The NLU component
diagnoses only the first 20,000 characters inside Rasa's event loop; the whole log is read by
the action server in a worker thread (components/pasted_error.py, actions/diagnosis.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from conversations import latest_model, private_bot  # noqa: E402

SHORT = "Invoice: INV-0042 - Invoice # must be unique"


def sync_log(kilobytes: int) -> str:
    """Return a Joblogic-like sync log of about ``kilobytes`` KB with a few failures in it."""
    lines = []
    size, number = 0, 0
    while size < kilobytes * 1024:
        number += 1
        stamp = f"2026-11-25 10:00:{number % 60:02d}"
        if number % 400 == 0:
            line = f"{stamp} ERROR Invoice: INV-{number} - Invoice # must be unique"
        elif number % 997 == 0:
            line = f"{stamp} ERROR Invoice: INV-{number} - Contact name must be unique"
        else:
            line = f"{stamp} INFO Invoice INV-{number} synced to Xero"
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


def timed(say, sender: str, message: str) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    say(sender, message)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=int, default=100, help="size of the big paste, in KB")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    big = sync_log(args.kb)
    with tempfile.TemporaryDirectory() as folder, private_bot(Path(folder), latest_model()) as bot:
        for _ in range(3):  # warm up: models, KB, caches
            timed(bot.say, f"warm-{uuid.uuid4()}", SHORT)
        alone = [timed(bot.say, f"b-{uuid.uuid4()}", SHORT) for _ in range(args.rounds * 2)]
        during, big_turns = [], []
        for _ in range(args.rounds):
            result: list[float] = []

            def paste_big(into: list[float] = result) -> None:
                into.append(timed(bot.say, f"a-{uuid.uuid4()}", big))

            paste = threading.Thread(target=paste_big)
            paste.start()
            time.sleep(0.02)  # A's turn is under way
            while paste.is_alive():
                during.append(timed(bot.say, f"b-{uuid.uuid4()}", SHORT))
            paste.join()
            big_turns += result
    print(f"big paste: {len(big) / 1024:.0f} KB, {big.count(chr(10)) + 1} lines")
    print(f"A's turn with the big paste: median {statistics.median(big_turns):.0f} ms")
    print(
        f"B's short turn alone:        median {statistics.median(alone):.0f} ms, "
        f"max {max(alone):.0f} ms ({len(alone)} turns)"
    )
    print(
        f"B's short turn during A's:   median {statistics.median(during):.0f} ms, "
        f"max {max(during):.0f} ms ({len(during)} turns)"
    )
    delay = statistics.median(during) - statistics.median(alone)
    print(f"delay added to B (median):   {delay:.0f} ms (aim: at most 100 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
