"""Calibrate the approximate rung: ``python bench/approximate_calibration.py [--seeds N]``.

Generates variants of every error (``bot.diagnosis.variants``: typos, reordered or missing
clauses, cut-offs, ellipses, pasted characters, fragments) and reads the near-miss messages
(``tests/diagnosis/data/near_misses.yml``: real Xero messages that are not ours, and
constructed look-alikes). For each threshold it prints the recall of each kind of variant (the
ladder's answer: the exact rung, or else the approximate one at that threshold) and how many
near-misses the approximate rung would claim. Then, at the thresholds in use, the values read
correctly and the scores closest to the line on both sides.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.diagnosis import Diagnoser  # noqa: E402
from bot.diagnosis.approximate import ACCEPT, ASSERT  # noqa: E402
from bot.diagnosis.normalise import normalise  # noqa: E402
from bot.diagnosis.variants import KINDS, variant  # noqa: E402
from bot.kb.source import read_source  # noqa: E402

NEAR_MISSES = Path(__file__).resolve().parents[1] / "tests/diagnosis/data/near_misses.yml"
THRESHOLDS = [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]


def best_scores(diagnoser: Diagnoser, text: str) -> dict[str, float]:
    """Return each error's best approximate score in ``text`` (however low)."""
    scores: dict[str, float] = {}
    for found in diagnoser.approximate.find(normalise(text), accept=0.0):
        scores[found.error_id] = max(found.score, scores.get(found.error_id, 0.0))
    return scores


def main() -> None:
    """Print recall and false claims per threshold, then detail at the thresholds in use."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=40, help="variants per error and kind")
    args = parser.parse_args()
    entries = read_source().errors
    diagnoser = Diagnoser(entries)
    data = yaml.safe_load(NEAR_MISSES.read_text(encoding="utf-8"))
    negatives = [(n["text"], "real") for n in data["near_misses"]]
    negatives += [(n["text"], "constructed") for n in data["look_alikes"]]

    started = time.perf_counter()
    # kind -> list of (exact found it, approximate score of the right error, top wrong score)
    outcomes: dict[str, list[tuple[bool, float, float, bool]]] = defaultdict(list)
    for entry in entries:
        for kind in KINDS:
            for seed in range(args.seeds):
                made = variant(entry, kind, random.Random(f"{entry.id}/{kind}/{seed}"))
                if made is None:
                    continue
                exact = diagnoser.diagnose_exactly(made.text)
                if exact:
                    right = exact[0].error_id == entry.id
                    outcomes[kind].append((True, 1.0 if right else 0.0, 0.0, right))
                    continue
                scores = best_scores(diagnoser, made.text)
                mine = scores.pop(entry.id, 0.0)
                wrong = max(scores.values(), default=0.0)
                matches = diagnoser.diagnose(made.text)
                values_right = bool(matches) and matches[0].values == made.values
                outcomes[kind].append((False, mine, wrong, values_right))
    claimed = []
    for text, origin in negatives:
        if diagnoser.diagnose_exactly(text):
            print(f"EXACT RUNG CLAIMS A NEAR-MISS: {text!r}")
        scores = best_scores(diagnoser, text)
        claimed.append(
            (
                max(scores.values(), default=0.0),
                max(scores, key=scores.get, default=""),
                text,
                origin,
            )
        )
    elapsed = time.perf_counter() - started

    total = sum(len(v) for v in outcomes.values())
    print(
        f"{total} variants of {len(entries)} errors, {len(negatives)} near-misses "
        f"({sum(o == 'real' for _, o in negatives)} real), {elapsed:.1f} s\n"
    )
    header = "threshold  " + "  ".join(f"{k:>9s}" for k in KINDS) + "   wrong error   false claims"
    print("recall by kind of variant (exact rung, else approximate at the threshold)")
    print(header)
    for threshold in THRESHOLDS:
        cells = []
        for kind in KINDS:
            rows = outcomes[kind]
            hit = sum(
                1
                for exact, mine, wrong, _ in rows
                if (exact and mine) or (not exact and mine >= threshold and mine > wrong)
            )
            cells.append(f"{hit / len(rows):9.1%}")
        wrong = sum(
            1
            for rows in outcomes.values()
            for exact, mine, other, _ in rows
            if (exact and not mine) or (not exact and other >= threshold and other >= mine)
        )
        false = sum(1 for score, *_ in claimed if score >= threshold)
        real = sum(1 for score, _, _, origin in claimed if score >= threshold and origin == "real")
        mark = " <- ACCEPT" if abs(threshold - ACCEPT) < 1e-9 else ""
        mark += " <- ASSERT" if abs(threshold - ASSERT) < 1e-9 else ""
        print(
            f"{threshold:9.2f}  "
            + "  ".join(cells)
            + f"   {wrong:11d}   {false:3d} ({real} real){mark}"
        )

    print(f"\nat ACCEPT={ACCEPT} / ASSERT={ASSERT}:")
    for kind in KINDS:
        rows = outcomes[kind]
        exact = sum(1 for e, *_ in rows if e)
        approx = [r for r in rows if not r[0] and r[1] >= ACCEPT and r[1] > r[2]]
        asserted = sum(1 for r in approx if r[1] >= ASSERT)
        values = sum(1 for r in approx if r[3]) + sum(1 for r in rows if r[0] and r[3])
        found = exact + len(approx)
        print(
            f"  {kind:9s} {len(rows):4d} variants: exact {exact:4d}, approximate {len(approx):4d} "
            f"({asserted} asserted), missed {len(rows) - found:4d}; values exact in "
            f"{values / max(1, found):.1%} of those found"
        )
    scores = sorted(claimed, reverse=True)
    print("\nnear-misses scoring highest (must stay below ACCEPT):")
    for score, error_id, text, origin in scores[:8]:
        print(f"  {score:.3f} {error_id:34s} {origin:11s} {text[:70]!r}")
    lows = sorted(r[1] for rows in outcomes.values() for r in rows if not r[0] and r[1] >= ACCEPT)
    if lows:
        median = statistics.median(lows)
        print(f"\napproximate scores accepted: min {lows[0]:.3f}, median {median:.3f}")


if __name__ == "__main__":
    main()
