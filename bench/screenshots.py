"""How well syncdesk reads screenshots of the 14 errors: identified, values exact, none wrong.

Renders the test set in Chromium (tests/screenshots/scenes.py: Joblogic's sync log and Xero's
banner at several widths, zooms, fonts, light and dark; each as PNG, JPEG and blurred copy),
reads each with bot.screenshots on one core, and prints the figures and every miss.

    .venv/bin/python bench/screenshots.py [--per-error 8] [--seed 15] [--save DIR]
"""

from __future__ import annotations

import os

# One core, as the aim says: Tesseract's OpenMP would otherwise spread one image over all.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.diagnosis import Diagnoser  # noqa: E402
from bot.kb.source import read_source  # noqa: E402
from bot.screenshots import diagnose_screenshot  # noqa: E402
from harness.scenes import judge, plan, render  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-error", type=int, default=8, help="looks per error (x3 copies)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--save", type=Path, help="save the images read wrongly here")
    args = parser.parse_args()

    entries = read_source().errors
    diagnoser = Diagnoser(entries)
    diagnose_screenshot(next(render(plan(entries[:1], 1), copies=["png"])).image, diagnoser)

    counts: Counter[str] = Counter()
    values: Counter[str] = Counter()
    by_copy: Counter[tuple[str, str]] = Counter()
    times: list[float] = []
    cpu_times: list[float] = []  # CPU time: what one image costs, whatever else the machine runs
    misses: list[str] = []
    for shot in render(plan(entries, args.per_error, seed=args.seed)):
        started, cpu = time.perf_counter(), time.process_time()
        result = diagnose_screenshot(shot.image, diagnoser)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu)
        verdict = judge(shot, result)
        counts["images"] += 1
        counts["identified"] += bool(verdict["identified"])
        counts["asserted"] += bool(verdict["asserted"])
        counts["wrong error"] += bool(verdict["wrong_error"])
        by_copy[(shot.copy, "n")] += 1
        by_copy[(shot.copy, "ok")] += bool(verdict["identified"])
        outcome = verdict["values"]
        assert isinstance(outcome, dict)
        if outcome:
            counts["with values"] += 1
            counts["values exact"] += all(v == "exact" for v in outcome.values())
            counts["values asked"] += all(v in ("exact", "asked") for v in outcome.values())
            counts["value wrong, not asked"] += any(v == "wrong" for v in outcome.values())
        values.update(outcome.values())
        bad = not verdict["identified"] or verdict["wrong_error"] or any(
            v != "exact" for v in outcome.values())
        if bad:
            misses.append(f"  {shot.label}: {verdict} values={shot.values} "
                          f"read={[m.values for m in result.matches]}")
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"{shot.label}.png").write_bytes(shot.image)

    n, v = counts["images"], counts["with values"]
    print(f"screenshots: {n} images ({len(entries)} errors x {args.per_error} looks x 3 copies)")
    print(f"  identified           {counts['identified'] / n:7.1%}  ({counts['identified']}/{n}; "
          f"asserted outright {counts['asserted']})")
    print(f"  wrong error          {counts['wrong error']:7d}")
    exact = counts["values exact"]
    print(f"  values exact         {exact / v:7.1%}  ({exact}/{v} images with values: "
          "every value exact, none asked)")
    print(f"  exact or asked right {counts['values asked'] / v:7.1%}")
    print(f"  a value wrong, not asked {counts['value wrong, not asked']:3d}")
    print(f"  each value: {dict(values)}")
    for copy in ("png", "jpeg", "blur"):
        print(f"  identified, {copy:4}: {by_copy[(copy, 'ok')]}/{by_copy[(copy, 'n')]}")
    print(f"  time per image (one core): CPU median {statistics.median(cpu_times):.2f} s, "
          f"p95 {statistics.quantiles(cpu_times, n=20)[-1]:.2f} s, max {max(cpu_times):.2f} s; "
          f"wall median {statistics.median(times):.2f} s (load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    if misses:
        print("misses:")
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
