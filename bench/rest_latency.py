"""Per-turn REST latency of syncdesk next to a stock `rasa init` assistant, in the same run.

Each message goes to a fresh conversation. For syncdesk the messages are pasted sync errors in
every form the diagnosis engine knows (Joblogic's line, Xero's raw wording, the JSON envelope,
`ErrorNumber:` prefixes, several joined with `;`); after each one the tracker is read through
the HTTP API to check that `sync_error` holds the right error. The stock assistant gets short
chit-chat, as `rasa init` was trained on.

    .venv/bin/python bench/rest_latency.py [--messages 200] [--runs 3]

Needs a trained syncdesk model in models/ (`make train`). Builds the stock assistant in
.build/bench/rasa-init on first use (about two minutes). Both run at once, on free loopback
ports, and the timed messages alternate between them, so both meet the same machine load;
syncdesk runs as `make run` starts it (bench/_syncdesk.py) on a throwaway database, never the
real one.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _servers import free_port, http_servers, server_env  # noqa: E402
from _syncdesk import RASA, syncdesk_servers  # noqa: E402

from bot.kb.source import ErrorEntry, read_source  # noqa: E402

STOCK_DIR = ROOT / ".build" / "bench" / "rasa-init"
TOKEN = "bench-token"
VALUES = {
    "invoice_number": ["INV-0042", "JL10234", "104552", "J-7781/2"],
    "credit_note_number": ["CN-0012", "CR-1044"],
    "tax_code": ["OUTPUT2", "INPUT2", "ZERORATEDOUTPUT", "DRCHARGE20"],
    "account_code": ["200", "4000", "40010-01", "SALES", "451.1"],
    "amount": ["1,234.50", "89.99", "12,000.00"],
    "account_name": ["Petty Cash", "Sales - Labour"],
}


def fill(template: str, values: dict[str, str], quote: str = "") -> str:
    return re.sub(r"\{(\w+)\}", lambda m: f"{quote}{values[m.group(1)]}{quote}", template)


def pastes(entries: list[ErrorEntry], rng: random.Random) -> list[tuple[str, str, str]]:
    """Return (form, text, expected error id) for every error in every form."""
    cases = []
    for entry in entries:
        values = {name: rng.choice(options) for name, options in VALUES.items()}
        body = " ".join(p if p.endswith(".") else p + "." for p in entry.phrases[:1])
        line = (
            f"{fill(entry.prefix, values)} {fill(body, values)}"
            if entry.prefix
            else fill(body, values)
        )
        raw = fill(entry.phrases[-1], values, "'")
        envelope = json.dumps(
            {
                "ErrorNumber": 10,
                "Type": "ValidationException",
                "Message": "A validation exception occurred",
                "Elements": [{"ValidationErrors": [{"Message": raw}]}],
            }
        )
        cases += [
            ("joblogic line", line, entry.id),
            ("xero raw", raw, entry.id),
            ("json envelope", envelope, entry.id),
            ("ErrorNumber prefix", f"ErrorNumber:101 Error Message: {raw}", entry.id),
            ("in a sentence", f"I'm getting this when syncing: {line.lower()}", entry.id),
        ]
    return cases


def post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def build_stock_assistant(env: dict[str, str]) -> Path:
    models = sorted(STOCK_DIR.glob("models/*.tar.gz"))
    if models:
        return models[-1]
    STOCK_DIR.mkdir(parents=True, exist_ok=True)
    print("Building the stock `rasa init` assistant (once)...", file=sys.stderr, flush=True)
    subprocess.run(
        [RASA, "init", "--no-prompt", "--init-dir", str(STOCK_DIR)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return sorted(STOCK_DIR.glob("models/*.tar.gz"))[-1]


def turn_ms(url: str, message: str, sender: str) -> float:
    started = time.perf_counter()
    post(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": message})
    return (time.perf_counter() - started) * 1000


def measure(
    ours_url: str, ours: list[str], stock_url: str, stock: list[str], count: int
) -> tuple[list[float], list[float]]:
    """Alternate one message to each assistant, each to a fresh conversation; return timings.

    Alternating puts both under the same machine load, whatever else runs on it.
    """
    timings: tuple[list[float], list[float]] = ([], [])
    for i in range(count):
        sender = f"bench-{time.time_ns()}-{i}"
        timings[0].append(turn_ms(ours_url, ours[i % len(ours)], sender))
        timings[1].append(turn_ms(stock_url, stock[i % len(stock)], sender))
    return timings


def percentile(timings: list[float], share: float) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def percentiles(timings: list[float]) -> str:
    return (
        f"p50 {statistics.median(timings):7.1f} ms   p95 {percentile(timings, 0.95):7.1f} ms   "
        f"max {max(timings):7.1f} ms"
    )


def check_diagnoses(url: str, cases: list[tuple[str, str, str]]) -> list[tuple[str, ...]]:
    """Send every paste to a fresh conversation; return those whose sync_error is wrong."""
    wrong = []
    for form, text, expected in cases:
        sender = f"check-{time.time_ns()}"
        post(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": text})
        tracker_url = f"{url}/conversations/{sender}/tracker?token={TOKEN}"
        with urllib.request.urlopen(tracker_url, timeout=30) as response:
            got = json.load(response)["slots"].get("sync_error")
        if got != expected:
            wrong.append((form, expected, str(got), text[:80]))
    return wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200, help="timed messages per assistant")
    parser.add_argument("--runs", type=int, default=3, help="timed runs, reported one by one")
    args = parser.parse_args()
    stock_model = build_stock_assistant(server_env())
    cases = pastes(list(read_source().errors), random.Random(7))
    texts = [text for _form, text, _expected in cases]
    stock_texts = [
        "hi", "I am sad", "yes", "bye", "great", "are you a bot?", "no", "hello there",
    ]  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="syncdesk-latency-") as tmp:
        folder = Path(tmp)
        stock_port = free_port()
        stock_command = [RASA, "run", "--model", str(stock_model), "--port", str(stock_port)]
        stock_url = f"http://127.0.0.1:{stock_port}"
        with (
            syncdesk_servers(folder, api_token=TOKEN) as syncdesk,
            http_servers(
                [(stock_command, f"{stock_url}/", folder / "stock.log")],
                env=server_env(),
                cwd=STOCK_DIR,
            ),
        ):
            wrong = check_diagnoses(syncdesk.url, cases)
            print(
                f"sync_error set correctly: {len(cases) - len(wrong)}/{len(cases)} pastes "
                f"({len(cases) // 5} errors x 5 forms)"
            )
            for form, expected, got, text in wrong:
                print(f"  WRONG [{form}] expected {expected}, got {got}: {text}")
            measure(syncdesk.url, texts, stock_url, stock_texts, 20)  # warm-up
            results = [
                measure(syncdesk.url, texts, stock_url, stock_texts, args.messages)
                for _ in range(args.runs)
            ]

    met = True
    for number, (ours, stock) in enumerate(results, 1):
        p50 = statistics.median(ours) / statistics.median(stock)
        p95 = percentile(ours, 0.95) / percentile(stock, 0.95)
        met = met and p50 <= 1.0 and p95 <= 1.2
        print(f"run {number}:")
        print(f"  syncdesk (paste -> diagnosis -> advice, {len(ours)} turns): {percentiles(ours)}")
        print(f"  stock rasa init ({len(stock)} turns):                   {percentiles(stock)}")
        print(f"  syncdesk / stock: p50 {p50:.2f}x (target <= 1.0x), p95 {p95:.2f}x (<= 1.2x)")
    return 1 if wrong or not met else 0


if __name__ == "__main__":
    sys.exit(main())
