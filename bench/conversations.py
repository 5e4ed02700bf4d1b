"""Whole conversations, played over REST as a new customer would, checked on meaning.

    .venv/bin/python bench/conversations.py                # start a private bot, play all
    .venv/bin/python bench/conversations.py --only <id>    # one script (repeatable)
    .venv/bin/python bench/conversations.py --json         # machine-readable report
    .venv/bin/python bench/conversations.py --url http://127.0.0.1:5005 --token T   # a running bot

Without --url it loads the knowledge base into a temporary SQLite file, starts the action server
and a Rasa server (newest model in models/, HTTP API on with a random token) on free loopback
ports, plays the scripts and stops both. With --url the bot must run with
`--enable-api --auth-token T`, because the checks read the conversation's tracker, and with
SYNCDESK_DB_URL pointing at a throwaway database: the scripts' handovers write tickets, so the
bench refuses to run unless its own SYNCDESK_DB_URL names one (never the default, real one).

syncdesk asks one confirming question ("Is that right?") before explaining an error it read
from a description or recognised only approximately. When a turn expects an error and the bot
asks about exactly that one, the bench clicks "Yes" as the customer would and checks the turn
on what follows; the report counts those questions. A question about another error is left
unanswered and fails the turn's checks.

Prints the pass rate (a script passes when every check of every turn holds) overall and per
category, then every failure: script id, turn, check, expected vs got. Always exits 0: it is a
bench, not a test (tests/test_conversation_scripts.py only checks the scripts parse).

Scripts: bench/conversations/<category>.yml
-------------------------------------------

    scripts:
      - id: correct-invoice-number          # unique across all files
        source: team                        # a data/sources.yml id, or "team"
        note: optional free text
        turns:
          - user: "Invoice: INV-8 - The TaxType code OUTPUT2 does not exist ..."   # or "/affirm"
            expect: {sync_error: tax-type-invalid, stage: fix_check}
          - user: sorry, misread the screen - the invoice is INV-88 not INV-8
            expect: {slots: {invoice_number: INV-88}, says_any: [INV-88]}

Each ``user`` is sent as is (a button payload like "/affirm" too) to POST
/webhooks/rest/webhook with one fresh sender per script. After the turn the tracker is read
(GET /conversations/<sender>/tracker?token=...). Checks, all optional, all on meaning:

  sync_error: <slug>|[slugs]|null  the sync_error slot after the turn (a list: any of them)
  slots: {name: value}           slot values after the turn; value may be a list (any of),
                                 null (unset) or "*" (set to anything); compared ignoring case
                                 and surrounding spaces
  stage: <value>|[values]        the stage slot after the turn
  says_any: [text, ...]          at least one appears in the reply's visible text (ignoring case;
  says_all: [text, ...]          every one appears            link targets are not visible text)
  says_none: [text, ...]         none appears
  shows_contact: name|[names]    each contact shown, by its value in data/kb/desk.yml:
                                 phone | support-email | customer-success
  ticket: true|false|same        true: a reference SD-... is shown in this reply; false: no *new*
                                 reference (none, or only one shown before); same: one is shown
                                 and it is the one shown before
  offers: [payload, ...]         buttons with these payloads ("/<payload>"), e.g. error slugs or
                                 request_human
  offers_person: true            a way to a person: a /request_human button, the support phone
                                 or email, or a ticket reference
  not_diagnosed: true            no error asserted or guessed this turn: sync_error not changed
                                 to another error, no candidate set, no error slug as a button
  switches_error: true           sync_error is set and is not the error before this turn ("what
                                 about the other one?" when the bot chose the order)

Every turn also checks, implicitly, that the bot replied and did not fall back to its
"couldn't finish that" apology (utter_default / action_default_fallback in the turn's events).
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # harness/
sys.path.insert(0, str(ROOT / "bench"))

import _servers as servers  # noqa: E402
from _servers import latest_model  # noqa: E402

SCRIPTS = ROOT / "bench" / "conversations"
DESK = ROOT / "data" / "kb" / "desk.yml"
ERRORS = ROOT / "data" / "kb" / "errors"
SOURCES = ROOT / "data" / "sources.yml"
REQUEST_TIMEOUT = 120

#: Every check a turn's ``expect`` may hold (tests/test_conversation_scripts.py keeps this honest).
CHECKS = frozenset({
    "sync_error", "slots", "stage", "says_any", "says_all", "says_none", "shows_contact",
    "ticket", "offers", "offers_person", "not_diagnosed", "switches_error",
})  # fmt: skip
#: The names ``shows_contact`` takes, and the contact ids in desk.yml they stand for.
CONTACTS = {
    "phone": "support-phone",
    "support-email": "support-email",
    "customer-success": "customer-success-email",
}
FALLBACK_ACTIONS = frozenset({"utter_default", "action_default_fallback"})
REFERENCE = re.compile(r"\bSD-(?:[0-9A-Z]{4}-[0-9A-Z]{4}|\d{6})\b")  # random now; sequential before
_LINK_TARGET = re.compile(r"\]\([^)]*\)")  # markdown [label](target): keep the label only


# ---------------------------------------------------------------- scripts


@dataclass(frozen=True)
class Turn:
    user: str
    expect: Mapping[str, Any]


@dataclass(frozen=True)
class Script:
    id: str
    category: str
    source: str
    turns: tuple[Turn, ...]
    note: str = ""


def load_scripts(folder: Path = SCRIPTS) -> list[Script]:
    """Read every script of every category file; raise ValueError on a malformed one."""
    scripts: list[Script] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        if not isinstance(data, dict) or not isinstance(data.get("scripts"), list):
            raise ValueError(f"{path.name}: expected a top-level 'scripts:' list")
        for raw in data["scripts"]:
            where = f"{path.name}: {raw.get('id', '?') if isinstance(raw, dict) else raw!r}"
            if not isinstance(raw, dict) or not raw.get("id") or not raw.get("source"):
                raise ValueError(f"{where}: every script needs an id and a source")
            unknown = set(raw) - {"id", "source", "note", "turns"}
            if unknown:
                raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
            turns = []
            for number, turn in enumerate(raw.get("turns") or [], 1):
                if not isinstance(turn, dict) or not isinstance(turn.get("user"), str):
                    raise ValueError(f"{where}, turn {number}: needs a 'user' text")
                if set(turn) - {"user", "expect"}:
                    raise ValueError(f"{where}, turn {number}: only 'user' and 'expect' allowed")
                expect = turn.get("expect") or {}
                if not isinstance(expect, dict):
                    raise ValueError(f"{where}, turn {number}: 'expect' must be a mapping")
                unknown_checks = set(expect) - CHECKS
                if unknown_checks:
                    raise ValueError(
                        f"{where}, turn {number}: unknown checks {sorted(unknown_checks)}"
                    )
                for check, value in expect.items():
                    problem = _bad_value(check, value)
                    if problem:
                        raise ValueError(f"{where}, turn {number}: {check}: {problem}")
                turns.append(Turn(turn["user"], expect))
            if not turns:
                raise ValueError(f"{where}: no turns")
            scripts.append(
                Script(
                    str(raw["id"]), path.stem, str(raw["source"]), tuple(turns), raw.get("note", "")
                )
            )
    ids = Counter(s.id for s in scripts)
    doubled = [i for i, n in ids.items() if n > 1]
    if doubled:
        raise ValueError(f"script ids used twice: {doubled}")
    return scripts


def _texts(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _bad_value(check: str, value: Any) -> str:
    """Return what is wrong with one check's expected value ("" when it is well formed)."""
    names = value if isinstance(value, list) else [value]
    if check == "sync_error":
        unknown = [v for v in names if v is not None and v not in error_slugs()]
        return f"not an error slug: {unknown}" if unknown else ""
    if check == "slots":
        ok = isinstance(value, dict) and value and all(isinstance(k, str) for k in value)
        return "" if ok else "expected a mapping of slot names to values"
    if check == "stage":
        return "" if all(isinstance(v, str) for v in names) else "expected a stage or a list"
    if check in ("says_any", "says_all", "says_none", "offers"):
        return "" if _texts(value) else "expected a non-empty list of texts"
    if check == "shows_contact":
        unknown = [v for v in names if v not in CONTACTS]
        return f"expected some of {sorted(CONTACTS)}, not {unknown}" if unknown else ""
    if check == "ticket":
        ok = isinstance(value, bool) or value == "same"
        return "" if ok else "expected true, false or same"
    if check == "offers_person":
        return "" if isinstance(value, bool) else "expected true or false"
    if check in ("not_diagnosed", "switches_error"):
        return "" if value is True else "expected true (leave it out otherwise)"
    return ""


@functools.cache
def error_slugs() -> frozenset[str]:
    return frozenset(path.stem for path in ERRORS.glob("*.yml"))


def contact_values() -> dict[str, str]:
    """Return shows_contact's names -> the contact's value, as desk.yml has it today."""
    desk = yaml.safe_load(DESK.read_text())
    by_id = {c["id"]: str(c["value"]) for c in desk.get("contacts", [])}
    return {name: by_id[cid] for name, cid in CONTACTS.items() if cid in by_id}


def heldout_sources() -> set[str]:
    sources = yaml.safe_load(SOURCES.read_text()).get("sources", [])
    return {s["id"] for s in sources if s.get("split") == "heldout"}


# ---------------------------------------------------------------- talking to the bot


@dataclass
class Client:
    url: str
    token: str

    def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        body = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(
            f"{self.url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            return list(json.load(response) or [])

    def tracker(self, sender: str) -> dict[str, Any]:
        query = urllib.parse.urlencode({"token": self.token})
        sender_path = urllib.parse.quote(sender, safe="")
        with urllib.request.urlopen(
            f"{self.url}/conversations/{sender_path}/tracker?{query}", timeout=REQUEST_TIMEOUT
        ) as response:
            return dict(json.load(response))


# ---------------------------------------------------------------- checking a turn


@dataclass
class Failure:
    script: str
    category: str
    turn: int
    user: str
    check: str
    expected: Any
    got: Any


@dataclass
class State:
    """What the conversation showed so far: the references and the error before this turn."""

    references: list[str] = field(default_factory=list)
    sync_error: str | None = None


def visible_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(_LINK_TARGET.sub("]", str(m.get("text") or "")) for m in messages)


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    found = []
    for message in messages:
        for button in message.get("buttons") or []:
            payload = str(button.get("payload") or "")
            found.append(re.sub(r"\{.*$", "", payload.removeprefix("/")))
    return found


def turn_events(tracker: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The events after the latest user message: what the bot did in this turn."""
    events = list(tracker.get("events") or [])
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "user":
            return events[index + 1 :]
    return events


def _norm(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


def _slot_matches(expected: Any, actual: Any) -> bool:
    if expected is None:
        return actual in (None, "", [])
    if expected == "*":
        return actual not in (None, "", [])
    options = expected if isinstance(expected, list) else [expected]
    return actual is not None and any(_norm(o) == _norm(actual) for o in options)


def _contact_shown(value: str, text: str) -> bool:
    digits = re.sub(r"\D", "", value)
    if digits and len(digits) >= 6 and not re.search(r"[A-Za-z@]", value):
        return digits in re.sub(r"[\s\-()]", "", text)  # a phone number, however it is spaced
    return value.casefold() in text.casefold()


def _short(text: str, limit: int = 240) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_turn(
    expect: Mapping[str, Any],
    messages: list[dict[str, Any]],
    tracker: Mapping[str, Any],
    state: State,
    contacts: Mapping[str, str],
    slugs: frozenset[str],
) -> list[tuple[str, Any, Any]]:
    """Return (check, expected, got) for every check that does not hold."""
    failed: list[tuple[str, Any, Any]] = []
    text = visible_text(messages)
    buttons = payloads(messages)
    slots = tracker.get("slots") or {}
    events = turn_events(tracker)
    actions = [e.get("name") for e in events if e.get("event") == "action"]
    shown = REFERENCE.findall(text)

    if not text.strip() and not buttons:
        failed.append(("replied", "a reply", "nothing"))
    fallback = sorted(FALLBACK_ACTIONS.intersection(actions))
    if fallback:
        failed.append(("no_fallback", "no fallback apology", f"{fallback}: {_short(text, 120)}"))

    for check, expected in expect.items():
        if check == "sync_error":
            if not _slot_matches(expected, slots.get("sync_error")):
                failed.append((check, expected, slots.get("sync_error")))
        elif check == "slots":
            for name, value in expected.items():
                if not _slot_matches(value, slots.get(name)):
                    failed.append((f"slots.{name}", value, slots.get(name)))
        elif check == "stage":
            if not _slot_matches(expected, slots.get("stage")):
                failed.append((check, expected, slots.get("stage")))
        elif check in ("says_any", "says_all", "says_none"):
            found = [t for t in expected if str(t).casefold() in text.casefold()]
            ok = {
                "says_any": bool(found),
                "says_all": len(found) == len(expected),
                "says_none": not found,
            }[check]
            if not ok:
                failed.append((check, expected, _short(text)))
        elif check == "shows_contact":
            names = expected if isinstance(expected, list) else [expected]
            missing = [n for n in names if not _contact_shown(contacts.get(n, n), text)]
            if missing:
                failed.append((check, names, f"missing {missing}: {_short(text, 160)}"))
        elif check == "ticket":
            new = [r for r in shown if r not in state.references]
            if expected is True and not shown:
                failed.append((check, "a reference SD-…", _short(text, 160)))
            elif expected is False and new:
                failed.append(
                    (check, "no new reference", f"new {new[0]} (before: {state.references})")
                )
            elif expected == "same":
                if not state.references:
                    failed.append((check, "the earlier reference", "no reference shown before"))
                elif state.references[-1] not in shown:
                    failed.append((check, state.references[-1], shown or _short(text, 160)))
        elif check == "offers":
            missing = [p for p in expected if p.removeprefix("/") not in buttons]
            if missing:
                failed.append((check, expected, f"buttons {buttons}"))
        elif check == "offers_person":
            person = (
                "request_human" in buttons
                or bool(shown)
                or any(
                    _contact_shown(contacts[n], text)
                    for n in ("phone", "support-email")
                    if n in contacts
                )
            )
            if bool(expected) != person:
                failed.append((check, expected, f"buttons {buttons}: {_short(text, 160)}"))
        elif check == "switches_error":
            now = slots.get("sync_error")
            if not now or now == state.sync_error:
                failed.append((check, f"another error than {state.sync_error!r}", now))
        elif check == "not_diagnosed" and expected:
            reasons = []
            if slots.get("sync_error") and slots.get("sync_error") != state.sync_error:
                reasons.append(f"sync_error {state.sync_error!r} -> {slots.get('sync_error')!r}")
            candidates = [
                e.get("value") for e in events
                if e.get("event") == "slot" and e.get("name") == "candidate" and e.get("value")
            ]  # fmt: skip
            if candidates:
                last = candidates[-1]
                asked = last.get("error_id", last) if isinstance(last, dict) else last
                reasons.append(f"asked about {asked}")
            guessed = [b for b in buttons if b in slugs]
            if guessed:
                reasons.append(f"offered {guessed}")
            if reasons:
                failed.append((check, "no error asserted or guessed", "; ".join(reasons)))
    return failed


# ---------------------------------------------------------------- playing scripts


@dataclass
class Outcome:
    script: Script
    failures: list[Failure]
    error: str = ""
    questions: int = 0  # confirming questions the customer answered "yes" to

    @property
    def passed(self) -> bool:
        return not self.failures and not self.error


def play(
    client: Client, script: Script, contacts: Mapping[str, str], slugs: frozenset[str]
) -> Outcome:
    sender = f"bench-{script.id}-{uuid.uuid4().hex[:8]}"
    state = State()
    failures: list[Failure] = []
    confirmed = 0
    for number, turn in enumerate(script.turns, 1):
        try:
            messages = client.say(sender, turn.user)
            tracker = client.tracker(sender)
            messages, tracker, answered = _confirm_like_a_customer(
                client, sender, turn, messages, tracker
            )
            confirmed += answered
        except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as problem:
            failures.append(
                Failure(
                    script.id,
                    script.category,
                    number,
                    turn.user,
                    "request",
                    "an answer",
                    repr(problem),
                )
            )
            return Outcome(script, failures, error=repr(problem))
        for check, expected, got in check_turn(
            turn.expect, messages, tracker, state, contacts, slugs
        ):
            failures.append(
                Failure(script.id, script.category, number, turn.user, check, expected, got)
            )
        for reference in REFERENCE.findall(visible_text(messages)):
            if reference not in state.references:
                state.references.append(reference)
        state.sync_error = (tracker.get("slots") or {}).get("sync_error")
    return Outcome(script, failures, questions=confirmed)


def _confirm_like_a_customer(
    client: Client,
    sender: str,
    turn: Turn,
    messages: list[dict[str, Any]],
    tracker: dict[str, Any],
) -> tuple[list[dict[str, Any]], dict[str, Any], int]:
    """Answer syncdesk's one confirming question ("Is that right?") as the customer would.

    The bot asks before it explains an error it recognised only approximately or from a
    description. When the turn expects an error and the bot asks about exactly that one, the
    customer clicks "Yes" and the turn is checked on what follows; any other question is left
    for the checks to judge (asking about the wrong error fails them).
    """
    slots = tracker.get("slots") or {}
    candidate = slots.get("candidate") or {}
    expected = turn.expect.get("sync_error")
    wanted = expected if isinstance(expected, list) else [expected]
    if slots.get("stage") != "confirm" or candidate.get("error_id") not in wanted:
        return messages, tracker, 0
    answer = client.say(sender, "/affirm")
    return messages + answer, client.tracker(sender), 1


def play_all(client: Client, scripts: list[Script], workers: int) -> list[Outcome]:
    contacts, slugs = contact_values(), error_slugs()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda s: play(client, s, contacts, slugs), scripts))


# ---------------------------------------------------------------- a private bot


@contextmanager
def private_bot(logs: Path, model: Path) -> Iterator[Client]:
    """Run the action server and Rasa (API on, random token) on free ports; yield a client."""
    env = servers.server_env(SYNCDESK_DB_URL=servers.throwaway_db_url(logs))
    token = secrets.token_hex(12)
    rasa_args = ["--enable-api", "--auth-token", token]
    with servers.bot_servers(logs, env, rasa_args=rasa_args, model=model) as bot:
        yield Client(bot.url, token)


# ---------------------------------------------------------------- report


def summary(outcomes: list[Outcome], model: str, seconds: float) -> dict[str, Any]:
    heldout = heldout_sources()
    categories: dict[str, dict[str, int]] = {}
    for outcome in outcomes:
        row = categories.setdefault(outcome.script.category, {"passed": 0, "total": 0})
        row["total"] += 1
        row["passed"] += outcome.passed
    held = [o for o in outcomes if o.script.source in heldout]
    failures = [f for o in outcomes for f in o.failures]
    passed = sum(o.passed for o in outcomes)
    return {
        "model": model,
        "seconds": round(seconds, 1),
        "scripts": len(outcomes),
        "passed": passed,
        "pass_rate": round(passed / len(outcomes), 4) if outcomes else 0.0,
        "heldout_sources": {"passed": sum(o.passed for o in held), "total": len(held)},
        "confirming_questions": sum(o.questions for o in outcomes),
        "categories": dict(sorted(categories.items())),
        "failure_kinds": dict(Counter(f.check.split(".")[0] for f in failures).most_common()),
        "failures": [asdict(f) for f in failures],
    }


def print_report(report: dict[str, Any]) -> None:
    def rate(passed: int, total: int) -> str:
        return f"{passed}/{total} ({100 * passed / total:.0f}%)" if total else "0/0"

    print(f"Conversation bench: {report['model']}, {report['seconds']} s")
    print(f"  overall                  {rate(report['passed'], report['scripts'])}")
    held = report["heldout_sources"]
    print(f"  on held-out sources      {rate(held['passed'], held['total'])}")
    asked = report["confirming_questions"]
    print(f"  confirming questions answered 'yes' by the customer: {asked}")
    for name, row in report["categories"].items():
        print(f"  {name:<24} {rate(row['passed'], row['total'])}")
    if report["failure_kinds"]:
        kinds = ", ".join(f"{k} {n}" for k, n in report["failure_kinds"].items())
        print(f"\nFailed checks by kind: {kinds}")
        print(f"\nFailures ({len(report['failures'])}):")
    for f in report["failures"]:
        print(f"- {f['script']} [{f['category']}] turn {f['turn']}: {_short(f['user'], 90)!r}")
        print(f"    {f['check']}: expected {f['expected']!r}")
        print(f"    {' ' * len(f['check'])}  got      {f['got']!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        help="a running Rasa server (with --enable-api) instead of starting one; it and this "
        "bench need SYNCDESK_DB_URL set to a throwaway database (the real one is refused)",
    )
    parser.add_argument("--token", default="", help="its --auth-token (with --url)")
    parser.add_argument(
        "--only", action="append", default=[], help="run only this script id (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--model", type=Path, default=None, help="model to start (default: newest)")
    parser.add_argument("--workers", type=int, default=3, help="conversations played at once")
    parser.add_argument("--scripts", type=Path, default=SCRIPTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.url:
        servers.refuse_real_database()

    try:
        scripts = load_scripts(args.scripts)
    except (ValueError, yaml.YAMLError) as problem:
        print(f"The scripts do not parse: {problem}", file=sys.stderr)
        return 0
    if args.only:
        unknown = set(args.only) - {s.id for s in scripts}
        if unknown:
            print(f"No script with id {sorted(unknown)}", file=sys.stderr)
            return 0
        scripts = [s for s in scripts if s.id in args.only]

    started = time.monotonic()
    try:
        if args.url:
            outcomes = play_all(Client(args.url.rstrip("/"), args.token), scripts, args.workers)
            model = args.url
        else:
            model_path = args.model or latest_model()
            model = model_path.name
            with tempfile.TemporaryDirectory(prefix="syncdesk-conversations-") as folder:
                print(f"Starting syncdesk ({model})...", file=sys.stderr, flush=True)
                with private_bot(Path(folder), model_path) as client:
                    print(f"Playing {len(scripts)} scripts...", file=sys.stderr, flush=True)
                    outcomes = play_all(client, scripts, args.workers)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as problem:
        print(f"Could not run the bench: {problem}", file=sys.stderr)
        return 0
    report = summary(outcomes, model, time.monotonic() - started)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
