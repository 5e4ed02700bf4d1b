"""Where a turn's milliseconds go, end to end: Rasa's NLU and policies, the action server, the DB.

Starts the real action and Rasa servers (on loopback, a throwaway database) under
bench/_profiling.py, which times Rasa's graph nodes (each NLU component and policy), the tracker
store, the calls to the action server, and on the action server the JSON, rasa-sdk's tracker,
each action and every SQL statement. Then plays the load bench's conversation (paste ->
"it didn't work" -> "thanks") and a pasted sync log, each on fresh conversations, and prints the
median of each step per kind of turn.

    .venv/bin/python bench/turn_profile.py [--conversations 30] [--after 60]

--after N first plays N turns of bench/conversation_length.py's conversation in each one, so
the profile is of a turn late in a long conversation.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _syncdesk import syncdesk_servers  # noqa: E402
from conversation_length import FILLER  # noqa: E402

PASTE = (
    "Invoice: INV-{n} - The TaxType code OUTPUT2 does not exist or cannot be used for this type "
    "of transaction. The TaxType code OUTPUT2 cannot be used with account code 200."
)
LOG = "\n".join(
    [
        "12/11/2026 09:14 Invoice: INV-{n} - Invoice # must be unique.",
        "12/11/2026 09:14 Invoice: INV-{n}1 - Sent to Xero successfully.",
        "12/11/2026 09:15 Credit Note: CN-{n} - The TaxType code OUTPUT2 does not exist or "
        "cannot be used for this type of transaction.",
    ]
)
TURNS = (("paste", PASTE), ("didn't work", "it didn't work"), ("thanks", "thanks"), ("log", LOG))


def post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


class Recorder:
    """Reads what the servers' profiles gained since the last look."""

    def __init__(self, folder: Path) -> None:
        self.files = [folder / "profile-rasa.jsonl", folder / "profile-actions.jsonl"]
        self.offsets = {path: 0 for path in self.files}
        self.since()

    def since(self) -> list[dict[str, Any]]:
        found = []
        for path in self.files:
            if not path.exists():
                continue
            with path.open() as lines:
                lines.seek(self.offsets[path])
                found += [json.loads(line) for line in lines if line.strip()]
                self.offsets[path] = lines.tell()
        return found


def turn(url: str, sender: str, text: str, recorder: Recorder) -> tuple[float, list[dict]]:
    """Send one message; return the client's milliseconds and the steps the servers timed."""
    started = time.perf_counter()
    post(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": text})
    elapsed = (time.perf_counter() - started) * 1000
    time.sleep(0.02)  # let the last lines land (they are flushed before the reply is sent)
    return elapsed, recorder.since()


def summarise(records: list[dict[str, Any]]) -> dict[str, tuple[float, int, int]]:
    """Return step -> (total ms, calls, largest bytes) for one turn."""
    steps: dict[str, list[float]] = defaultdict(lambda: [0.0, 0, 0])  # type: ignore[arg-type]
    for item in records:
        key = f"{item['p']:7} {item['step']}"
        steps[key][0] += item["ms"]
        steps[key][1] += 1
        steps[key][2] = max(steps[key][2], item.get("bytes", 0))
    return {k: (v[0], int(v[1]), int(v[2])) for k, v in steps.items()}


def report(kind: str, totals: list[float], turns: list[dict[str, tuple[float, int, int]]]) -> None:
    names = sorted({name for t in turns for name in t})
    print(f"\n== {kind}: client round trip p50 {statistics.median(totals):.1f} ms "
          f"(min {min(totals):.1f}, n={len(totals)})")  # fmt: skip
    rows = []
    for name in names:
        ms = [t.get(name, (0.0, 0, 0))[0] for t in turns]
        calls = [t.get(name, (0.0, 0, 0))[1] for t in turns]
        size = max(t.get(name, (0.0, 0, 0))[2] for t in turns)
        rows.append((statistics.median(ms), name, statistics.median(calls), size))
    for ms, name, calls, size in sorted(rows, key=lambda r: r[1]):
        extra = f"  ({size / 1024:.1f} KB)" if size else ""
        print(f"  {ms:8.2f} ms  x{calls:<4g} {name}{extra}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=30)
    parser.add_argument("--after", type=int, default=0, help="turns played before the profile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="syncdesk-profile-") as tmp:
        folder = Path(tmp)
        with syncdesk_servers(
            folder, profile=True, SYNCDESK_MESSAGES_PER_MINUTE_CONVERSATION="100000"
        ) as servers:
            recorder = Recorder(folder)
            for n in range(5):  # warm-up: first calls load models, the KB, connections
                for _kind, text in TURNS:
                    post(f"{servers.url}/webhooks/rest/webhook",
                         {"sender": f"warm-{n}", "message": text.format(n=n)})  # fmt: skip
            time.sleep(0.2)
            recorder.since()
            totals: dict[str, list[float]] = defaultdict(list)
            steps: dict[str, list[dict[str, tuple[float, int, int]]]] = defaultdict(list)
            for n in range(args.conversations):
                sender = f"profile-{time.time_ns()}"
                for number in range(1, args.after + 1):
                    text = FILLER[number % len(FILLER)].format(n=number)
                    body = {"sender": sender, "message": text}
                    post(f"{servers.url}/webhooks/rest/webhook", body)
                recorder.since()
                for kind, text in TURNS[:3]:
                    ms, records = turn(servers.url, sender, text.format(n=1000 + n), recorder)
                    totals[kind].append(ms)
                    steps[kind].append(summarise(records))
                ms, records = turn(servers.url, sender + "-log", LOG.format(n=n), recorder)
                totals["log"].append(ms)
                steps["log"].append(summarise(records))
    for kind, _text in TURNS:
        report(kind, totals[kind], steps[kind])
    print(
        "\nSteps nest: 'handle_message (total)' holds the tracker fetch, NLU, predictions, the "
        "custom actions and the save; a custom action's total holds its HTTP call; on the action "
        "server 'sdk run' holds Tracker.from_dict, the action and its DB statements."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
