"""Intent accuracy and F1 of the trained model on the held-out descriptions (tests/nlu/).

    .venv/bin/python bench/nlu_heldout.py [--model models/x.tar.gz]

The held-out set is never trained on (tests/test_project_data.py checks that).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # harness/
sys.path.insert(0, str(ROOT / "bench"))

from _servers import latest_model, server_env, throwaway_db_url  # noqa: E402

RASA = str(Path(sys.executable).with_name("rasa"))
HELD_OUT = ROOT / "tests" / "nlu" / "held_out.yml"
DOMAIN = str(ROOT / "domain")


def evaluate(model: Path) -> dict:
    """Run `rasa test nlu` on the held-out set; return Rasa's intent report."""
    command = [RASA, "test", "nlu", "--nlu", str(HELD_OUT), "--domain", DOMAIN]
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [*command, "--model", str(model), "--out", out],
            cwd=ROOT,
            # The pasted-error component builds the KB on first use: in a throwaway database.
            env=server_env(SYNCDESK_DB_URL=throwaway_db_url(Path(out))),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        report = json.loads((Path(out) / "intent_report.json").read_text())
        errors_file = Path(out) / "intent_errors.json"
        report["_errors"] = json.loads(errors_file.read_text()) if errors_file.exists() else []
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    report = evaluate(args.model or latest_model())
    weighted = report["weighted avg"]
    print(f"held-out examples: {weighted['support']}")
    print(f"intent accuracy:   {report['accuracy']:.4f}")
    print(f"weighted F1:       {weighted['f1-score']:.4f}")
    averages = ("weighted avg", "macro avg", "micro avg")
    lows = sorted(
        (v["f1-score"], k)
        for k, v in report.items()
        if isinstance(v, dict) and "f1-score" in v and k not in averages
    )
    print("lowest per-intent F1: " + ", ".join(f"{k} {f:.2f}" for f, k in lows[:5]))
    for error in report["_errors"]:
        predicted = error["intent_prediction"]
        guess = f"{predicted['name']} ({predicted['confidence']:.2f})"
        print(f"  {error['intent']} -> {guess}: {error['text']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
