"""Per-turn REST latency of syncdesk next to a stock `rasa init` assistant, in the same run.

Each message goes to a fresh conversation. For syncdesk the messages are pasted sync errors in
every form the diagnosis engine knows (Joblogic's line, Xero's raw wording, the JSON envelope,
`ErrorNumber:` prefixes, several joined with `;`); after each one the tracker is read through
the HTTP API to check that `sync_error` holds the right error. The stock assistant gets short
chit-chat, as `rasa init` was trained on.

    .venv/bin/python bench/rest_latency.py [--messages 200]

Needs a trained syncdesk model in models/ (`make train`). Builds the stock assistant in
.build/bench/rasa-init on first use (about two minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.kb.source import ErrorEntry, read_source  # noqa: E402

RASA = str(Path(sys.executable).with_name("rasa"))
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


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server for {url} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer in {seconds}s")


@contextmanager
def serve(args: list[str], cwd: Path, url: str, env: dict[str, str], log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(url, process)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


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


def measure(url: str, messages: list[str]) -> list[float]:
    timings = []
    for i, message in enumerate(messages):
        started = time.perf_counter()
        post(
            f"{url}/webhooks/rest/webhook",
            {"sender": f"bench-{time.time_ns()}-{i}", "message": message},
        )
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def percentiles(timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    median = statistics.median(ordered)
    return f"p50 {median:7.1f} ms   p95 {p95:7.1f} ms   max {ordered[-1]:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200, help="timed messages per assistant")
    args = parser.parse_args()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", SQLALCHEMY_SILENCE_UBER_WARNING="1")
    logs = ROOT / ".build" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    model = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)[-1]
    stock_model = build_stock_assistant(env)
    cases = pastes(list(read_source().errors), random.Random(7))

    with serve(
        [RASA, "run", "actions", "--actions", "actions", "--port", "5155"],
        ROOT,
        "http://127.0.0.1:5155/health",
        env,
        logs / "actions.log",
    ):
        endpoints = logs / "endpoints.yml"
        endpoints.write_text(
            'action_endpoint:\n  url: "http://127.0.0.1:5155/webhook"\n'
            "  enable_selective_domain: true\n"
        )
        with serve(
            [
                RASA,
                "run",
                "--model",
                str(model),
                "--port",
                "5105",
                "--endpoints",
                str(endpoints),
                "--enable-api",
                "--auth-token",
                TOKEN,
            ],
            ROOT,
            "http://127.0.0.1:5105/",
            env,
            logs / "rasa.log",
        ):
            url = "http://127.0.0.1:5105"
            wrong = []
            for form, text, expected in cases:
                sender = f"check-{time.time_ns()}"
                post(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": text})
                tracker_url = f"{url}/conversations/{sender}/tracker?token={TOKEN}"
                with urllib.request.urlopen(tracker_url, timeout=30) as response:
                    got = json.load(response)["slots"].get("sync_error")
                if got != expected:
                    wrong.append((form, expected, got, text[:80]))
            print(
                f"sync_error set correctly: {len(cases) - len(wrong)}/{len(cases)} pastes "
                f"({len(cases) // 5} errors x 5 forms)"
            )
            for form, expected, got, text in wrong:
                print(f"  WRONG [{form}] expected {expected}, got {got}: {text}")
            texts = [text for _form, text, _expected in cases]
            measure(url, texts[:10])  # warm-up
            ours = measure(url, [texts[i % len(texts)] for i in range(args.messages)])

    stock_texts = ["hi", "I am sad", "yes", "bye", "great", "are you a bot?", "no", "hello there"]
    with serve(
        [RASA, "run", "--model", str(stock_model), "--port", "5106"],
        STOCK_DIR,
        "http://127.0.0.1:5106/",
        env,
        logs / "stock.log",
    ):
        url = "http://127.0.0.1:5106"
        measure(url, stock_texts)  # warm-up
        stock = measure(url, [stock_texts[i % len(stock_texts)] for i in range(args.messages)])

    print(f"syncdesk (paste -> diagnosis -> advice, {len(ours)} turns): {percentiles(ours)}")
    print(f"stock rasa init ({len(stock)} turns):                   {percentiles(stock)}")
    print(
        f"syncdesk p50 / stock p50: {statistics.median(ours) / statistics.median(stock):.2f}x "
        "(target <= 1.3x)"
    )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
