"""How well syncdesk understands real customers' messages, rung by rung, wrong diagnoses apart.

    .venv/bin/python bench/understanding.py [--model models/x.tar.gz] [--split heldout|train|all]

Runs every example of the real-wording corpus (data/corpus/real_wording.yml, each from a public
source listed in data/sources.yml) through the trained model and the same decision the bot
makes (`bot.understanding.understand`), and reports, per form of message (pasted, described,
another Xero error, unrelated):

- **identified**: the right error asserted (or, for other errors and unrelated messages,
  correctly not diagnosed as one of the known errors);
- **confirmed**: the right error put to the customer as one question ("Does your message
  say ...?"), or offered among a short list of guesses or in the record type's guided list;
- **wrong**: a *different* error asserted — the costly mistake — and **wrong asked**: a different
  error put as a question;
- **missed**: nothing offered (the customer is asked again or handed over).

The held-out split is made of whole sources never trained on (tests check it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _servers import latest_model, throwaway_db_url  # noqa: E402

CORPUS = ROOT / "data" / "corpus" / "real_wording.yml"
SOURCES = ROOT / "data" / "sources.yml"
OTHER, UNRELATED = "other-xero-error", "unrelated"
#: Intents whose messages Rasa's rules send to action_diagnose (data/rules).
ROUTED = {"paste_error", "nlu_fallback", "other_xero_error"}
#: Intents after which a named kind of record leads straight to its errors (data/rules).
GUIDED = {"report_sync_error", "no_error_message"}


@dataclass(frozen=True)
class Example:
    """One message of the corpus."""

    text: str
    label: str
    form: str
    source: str
    values: Mapping[str, str]

    @property
    def group(self) -> str:
        """Return the row of the report this example counts in."""
        if self.label in (OTHER, UNRELATED):
            return self.label
        return self.form


@dataclass(frozen=True)
class Outcome:
    """What the bot made of one example."""

    example: Example
    verdict: str  # identified | confirmed | wrong | wrong_asked | missed
    rung: str  # exact | approximate | described | routed elsewhere | ...
    said: str  # the error or intent the bot settled on


def load_examples(split: str) -> list[Example]:
    """Return the corpus examples whose source is in ``split`` (``all`` for every one)."""
    listed = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))["sources"]
    sources = {s["id"]: s for s in listed}
    examples = []
    for item in yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["examples"]:
        source = sources[item["source"]]
        if split != "all" and source["split"] != split:
            continue
        examples.append(
            Example(
                text=str(item["text"]),
                label=str(item["label"]),
                form=str(item.get("form") or "described"),
                source=str(item["source"]),
                values={str(k): str(v) for k, v in (item.get("values") or {}).items()},
            )
        )
    return examples


def judge(example: Example, parse: Mapping[str, Any], record_types: Mapping[str, str]) -> Outcome:
    """Decide what the bot does with ``parse`` (Rasa's parse data) and grade it."""
    import bot
    from actions.nlu import interpretation
    from bot.understanding import (
        CONFIRM,
        IDENTIFIED,
        RECORD_TYPE,
        UNSURE,
        mentioned_record_type,
        passed_on_matches,
        understand,
    )

    intent = str((parse.get("intent") or {}).get("name"))
    known = example.label not in (OTHER, UNRELATED)
    if intent not in ROUTED and intent not in record_types:
        named = mentioned_record_type(interpretation(parse), set(record_types.values()))
        if intent in GUIDED and named is not None and known:
            offered = record_types[example.label] == named
            return Outcome(example, "confirmed" if offered else "missed", "guided", named)
        return Outcome(example, "missed" if known else "identified", "routed elsewhere", intent)

    matches = passed_on_matches(parse)
    if matches is None:
        matches = bot.diagnose(example.text)
    seen = understand(matches, interpretation(parse), record_types, picked=False)
    rung = seen.how or seen.kind
    if seen.kind in (IDENTIFIED, CONFIRM):
        right = seen.error_id == example.label
        if seen.kind == IDENTIFIED:
            verdict = "identified" if right else "wrong"
        else:
            verdict = "confirmed" if right else "wrong_asked"
        return Outcome(example, verdict, rung, str(seen.error_id))
    if not known:
        if seen.kind == UNSURE:  # known errors offered for one that isn't: not handled right
            return Outcome(example, "wrong_asked", "guesses", ",".join(seen.guesses))
        return Outcome(example, "identified", rung, seen.kind)
    if seen.kind == UNSURE and example.label in seen.guesses:
        return Outcome(example, "confirmed", "guesses", ",".join(seen.guesses))
    if seen.kind == RECORD_TYPE and record_types[example.label] == seen.record_type:
        return Outcome(example, "confirmed", "guided", str(seen.record_type))
    return Outcome(example, "missed", rung, seen.kind)


async def evaluate(model: Path, examples: Iterable[Example]) -> list[Outcome]:
    """Parse every example with the model and grade what the bot would do."""
    from rasa.core.agent import Agent

    from bot.kb.source import read_source

    # From the KB's source files, not the database: a bench never touches the real one.
    record_types = {e.id: e.record_type for e in read_source().errors}
    agent = Agent.load(str(model))
    logging.disable(logging.INFO)  # Rasa logs every parse at debug level
    outcomes = []
    for example in examples:
        parse = await agent.parse_message(example.text)
        outcomes.append(judge(example, parse, record_types))
    return outcomes


def report(outcomes: list[Outcome]) -> str:
    """Return the figures as a table, then every wrong or missed example."""
    verdicts = ("identified", "confirmed", "wrong", "wrong_asked", "missed")
    by_group: dict[str, Counter[str]] = defaultdict(Counter)
    by_rung: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for outcome in outcomes:
        by_group[outcome.example.group][outcome.verdict] += 1
        by_rung[(outcome.example.group, outcome.rung)][outcome.verdict] += 1
    lines = [f"{'messages':<22}{'n':>5}" + "".join(f"{v:>13}" for v in verdicts)]
    for group in ("pasted", "described", OTHER, UNRELATED):
        counts = by_group.get(group)
        if not counts:
            continue
        total = sum(counts.values())
        cells = "".join(f"{counts[v]:>6} {100 * counts[v] / total:5.1f}%" for v in verdicts)
        lines.append(f"{group:<22}{total:>5}{cells}")
    total = len(outcomes)
    wrong = sum(1 for o in outcomes if o.verdict == "wrong")
    lines.append(
        f"wrong diagnoses: {wrong} of {total} messages ({100 * wrong / max(total, 1):.1f} %)"
    )
    lines.append("")
    lines.append("by rung (group / rung: verdicts)")
    for (group, rung), counts in sorted(by_rung.items()):
        verdicts_seen = ", ".join(f"{v} {n}" for v, n in counts.items())
        lines.append(f"  {group:<18} {rung:<18} {verdicts_seen}")
    bad = [o for o in outcomes if o.verdict in ("wrong", "wrong_asked", "missed")]
    if bad:
        lines.append("")
        lines.append("not right:")
        for o in bad:
            text = o.example.text.replace("\n", " ")
            lines.append(
                f"  [{o.verdict}] {o.example.label} -> {o.said} ({o.rung}) "
                f"[{o.example.source}]: {text[:140]}"
            )
    return "\n".join(lines)


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """Return the counts as JSON-ready data: per group, per verdict; and the wrong ones."""
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for outcome in outcomes:
        groups[outcome.example.group][outcome.verdict] += 1
    return {
        "messages": len(outcomes),
        "groups": {group: dict(counts) for group, counts in groups.items()},
        "wrong": [
            {"text": o.example.text, "label": o.example.label, "said": o.said, "rung": o.rung}
            for o in outcomes
            if o.verdict == "wrong"
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--split", choices=("heldout", "train", "all"), default="heldout")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    examples = load_examples(args.split)
    with tempfile.TemporaryDirectory(prefix="syncdesk-understanding-") as folder:
        # The diagnosis engine builds its knowledge base on first use: in a throwaway database.
        os.environ["SYNCDESK_DB_URL"] = throwaway_db_url(Path(folder))
        outcomes = asyncio.run(evaluate(args.model or latest_model(), examples))
    if args.json:
        print(json.dumps(summary(outcomes)))
        return 0
    print(f"split: {args.split}, {len(examples)} messages from real sources")
    print(report(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
