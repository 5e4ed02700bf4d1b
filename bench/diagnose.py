"""Benchmark the diagnosis engine: ``python bench/diagnose.py [--seconds N]``.

Prints, for one core: messages per second and per-message latency (p50/p95/p99) over a mix of
typical pastes in every form, the time to diagnose and to triage a 100 KB sync log, and the time
for 1 MB adversarial lines. Targets: >= 5,000 messages/s; a 100 KB log in < 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.diagnosis import Diagnoser, triage  # noqa: E402
from bot.kb.source import ErrorEntry, read_source  # noqa: E402
from bot.kb.value_kinds import ValueKind, value_kinds  # noqa: E402

KINDS = value_kinds()
# The help guide's [placeholders] -> the kinds of value they stand for.
GUIDE_LABELS = {kind.guide: kind for kind in KINDS}


def value(kind: ValueKind, rng: random.Random) -> str:
    """Return one of the kind's example values, its digits drawn afresh half of the time."""
    example = rng.choice(kind.examples)
    if rng.random() < 0.5:
        return example
    return re.sub(r"\d", lambda _: rng.choice("0123456789"), example)


OTHERS = [
    "Tax rate must be valid.",
    "Contact name must be unique",
    "The document date cannot be before the end of year lock date",
    "Account code '400' has been archived, or has been deleted.",
    "Hi, the sync has stopped working since this morning, can someone call me?",
    "Token expired",
]
NOISE = [
    "INFO  Xero live sync started for company {n}",
    "INFO  Invoice INV-{n} sent to Xero (200 OK)",
    "DEBUG POST https://api.xero.com/api.xro/2.0/Invoices took {n} ms",
    "WARN  Xero rate limit: {n} calls left this minute",
    "INFO  Payment for INV-{n} already passed to accounts, skipped",
]


def fill(message: str, rng: random.Random, quote: str = "") -> str:
    """Fill the guide's [placeholders] with generated values."""

    def one(m: re.Match[str]) -> str:
        kind = GUIDE_LABELS[m.group(1).lower()]
        written = value(kind, rng)
        return f"{quote}{written}{quote}" if kind.quoted_by_xero else written

    return re.sub(r"\[([^\]]+)\]", one, message)


def body(entry: ErrorEntry) -> str:
    """Return the guide's message without Joblogic's prefix."""
    # The guide writes some messages with Joblogic's prefix and some (8, 9) without it.
    if entry.prefix and " - " in entry.message:
        return entry.message.split(" - ", 1)[1]
    return entry.message


def paste(entry: ErrorEntry, rng: random.Random) -> str:
    """Return one typical paste of ``entry``'s message, in a random form."""
    form = rng.randrange(9)
    if form == 0:
        return fill(entry.message, rng)
    if form == 1:
        return fill(body(entry), rng, "'")
    if form == 2:
        return fill(body(entry), rng, "'").rstrip(".")
    if form == 3:
        element = {
            "InvoiceNumber": value(GUIDE_LABELS["invoice number"], rng),
            "ValidationErrors": [{"Message": fill(body(entry), rng, "'")}],
        }
        return json.dumps({"ErrorNumber": 10, "Type": "ValidationException", "Elements": [element]})
    if form == 4:
        return f"Hi, I'm getting this when syncing: {fill(entry.message, rng)}\nCan you help?"
    if form == 5:
        return fill(entry.message, rng).lower()
    if form == 6:
        text = fill(entry.message, rng)
        return text[: int(len(text) * 0.9)]
    if form == 7:
        return f"ErrorNumber:101 Error Message: {fill(entry.message, rng)}"
    return rng.choice(OTHERS)


def log(entries: tuple[ErrorEntry, ...], rng: random.Random, size: int) -> str:
    """Return a timestamped sync log of about ``size`` characters, 1 line in 10 an error."""
    lines: list[str] = []
    total = 0
    while total < size:
        if rng.random() < 0.1:
            text = "ERROR " + fill(rng.choice(entries).message, rng)
        else:
            text = rng.choice(NOISE).format(n=rng.randint(1, 99999))
        line = f"2024-05-01 10:{len(lines) // 60 % 60:02d}:{len(lines) % 60:02d} {text}"
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines)


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Return the best and median seconds of ``repeat`` runs of ``action``."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return min(runs), statistics.median(runs)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time for the throughput run")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    entries = read_source().errors

    started = time.perf_counter()
    diagnoser = Diagnoser(entries)
    built = f"build diagnoser ({len(entries)} errors):"
    print(f"{built:<30} {(time.perf_counter() - started) * 1000:8.2f} ms")

    pastes = [paste(rng.choice(entries), rng) for _ in range(5000)]
    found = sum(bool(diagnoser.diagnose(text)) for text in pastes)  # also warms up
    latencies: list[int] = []
    count = 0
    deadline = time.perf_counter() + args.seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        for text in pastes:
            before = time.perf_counter_ns()
            diagnoser.diagnose(text)
            latencies.append(time.perf_counter_ns() - before)
        count += len(pastes)
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    mean_length = statistics.mean(len(t) for t in pastes)
    print(
        f"typical pastes:                {count / elapsed:8.0f} messages/s "
        f"({len(pastes)} distinct, mean {mean_length:.0f} chars, {found} with a known error)"
    )
    print(
        f"latency per message:           p50 {cuts[49] / 1000:.1f} µs, "
        f"p95 {cuts[94] / 1000:.1f} µs, p99 {cuts[98] / 1000:.1f} µs, "
        f"max {max(latencies) / 1000:.1f} µs"
    )

    # The exact rung alone on the same pastes, in the same run: the approximate rung must cost
    # little on typical pastes (it runs only where the exact one finds nothing).
    recognised = [text for text in pastes if diagnoser.diagnose_exactly(text)]
    rates = {}
    for name, rung in (
        ("exact rung alone", diagnoser.diagnose_exactly),
        ("whole ladder", diagnoser.diagnose),
    ):
        started = time.perf_counter()
        runs = 0
        while time.perf_counter() - started < args.seconds / 2:
            for text in recognised:
                rung(text)
            runs += len(recognised)
        rates[name] = runs / (time.perf_counter() - started)
    ratio = rates["whole ladder"] / rates["exact rung alone"]
    print(
        f"pastes the exact rung knows:   {rates['whole ladder']:8.0f} messages/s with the whole "
        f"ladder, {rates['exact rung alone']:.0f} exact rung alone ({ratio:.0%}; aim >= 90%)"
    )

    text = log(entries, rng, 100_000)
    best, median = timed(lambda: diagnoser.diagnose(text), 20)
    matches = diagnoser.diagnose(text)
    print(
        f"100 KB log ({text.count(chr(10)) + 1} lines):      diagnose best {best * 1000:.1f} ms, "
        f"median {median * 1000:.1f} ms ({len(matches)} distinct matches)"
    )
    best, median = timed(lambda: triage(text, entries, diagnoser), 10)
    print(
        f"100 KB log triage:             best {best * 1000:.1f} ms, median {median * 1000:.1f} ms"
    )
    text = log(entries, rng, 1_000_000)
    best, _ = timed(lambda: diagnoser.diagnose(text), 3)
    print(f"1 MB log:                      diagnose best {best * 1000:.1f} ms")

    adversarial = {
        "'Invoice: ' x 1 MB": "Invoice: " * 116_000,
        "'The TaxType code ' x 1 MB": "The TaxType code " * 62_000,
        "'a' x 1 MB": "a" * 1_000_000,
        "'{\"ErrorNumber\":' x 1 MB": '{"ErrorNumber":' * 67_000,
        "'Tax rate must be Act\\n' x 1 MB": "Tax rate must be Act\n" * 48_000,
        "'Account code ' x 1 MB": "Account code " * 77_000,
    }
    for name, line in adversarial.items():
        best, _ = timed(lambda line=line: diagnoser.diagnose(line), 2)
        print(f"adversarial {name:32s} {best * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
