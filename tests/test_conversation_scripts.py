"""The conversation bench's scripts parse and use only known checks (no servers started).

bench/conversations.py plays them against a running bot; here they are only read, and the
checker is tried on hand-made replies.
"""

import importlib
import sys
from collections import Counter

import pytest
import yaml

from bot.settings import PROJECT_ROOT

#: The kinds of follow-up issue H lists; each has its own file of scripts.
CATEGORIES = {
    "happy_paths", "corrections", "questions", "coming_back", "multi_error", "contacts",
    "unknown", "vagueness", "noise",
}  # fmt: skip


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    try:
        yield importlib.import_module("conversations")
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))


@pytest.fixture(scope="module")
def scripts(bench):
    return bench.load_scripts()


def test_scripts_parse_and_cover_every_kind_of_follow_up(scripts):
    assert len(scripts) >= 60
    assert set(Counter(s.category for s in scripts)) == CATEGORIES


def test_every_check_is_one_the_bench_knows(bench, scripts):
    used = {check for s in scripts for turn in s.turns for check in turn.expect}
    assert used <= bench.CHECKS
    assert all(turn.user.strip() for s in scripts for turn in s.turns)


def test_named_slots_and_buttons_exist_in_the_domain(bench, scripts):
    domain = {}
    for path in (PROJECT_ROOT / "domain").glob("*.yml"):
        part = yaml.safe_load(path.read_text()) or {}
        domain.setdefault("slots", set()).update(part.get("slots") or {})
        domain.setdefault("intents", set()).update(
            i if isinstance(i, str) else next(iter(i)) for i in part.get("intents") or []
        )
    for script in scripts:
        for turn in script.turns:
            assert set(turn.expect.get("slots", {})) <= domain["slots"], script.id
            offered = set(turn.expect.get("offers", []))
            assert offered <= domain["intents"] | bench.error_slugs(), script.id


def test_sources_are_real_and_their_wording_is_quoted(bench, scripts):
    """A script built on a corpus source sends one of that source's messages verbatim.

    (Within a turn: a greeting may come before it, as customers write.)
    """
    sources = {s["id"] for s in yaml.safe_load(bench.SOURCES.read_text())["sources"]}
    corpus = yaml.safe_load((PROJECT_ROOT / "data" / "corpus" / "real_wording.yml").read_text())
    texts: dict[str, set[str]] = {}
    for example in corpus["examples"]:
        texts.setdefault(example["source"], set()).add(example["text"])
    for script in scripts:
        if script.source == "team":
            continue
        assert script.source in sources, script.id
        quoted = texts.get(script.source, set())
        assert any(text in turn.user for turn in script.turns for text in quoted), script.id
    heldout = [s for s in scripts if s.source in bench.heldout_sources()]
    assert len(heldout) >= len(scripts) // 3


def test_malformed_scripts_are_refused(bench, tmp_path):
    (tmp_path / "x.yml").write_text(
        "scripts:\n  - id: a\n    source: team\n    turns:\n"
        "      - user: hi\n        expect: {says: [hello]}\n"
    )
    with pytest.raises(ValueError, match="unknown checks"):
        bench.load_scripts(tmp_path)
    (tmp_path / "x.yml").write_text(
        "scripts:\n  - id: a\n    source: team\n    turns:\n"
        "      - user: hi\n        expect: {ticket: maybe}\n"
    )
    with pytest.raises(ValueError, match="ticket"):
        bench.load_scripts(tmp_path)


def test_checks_read_meaning_not_markup(bench):
    contacts = {"phone": "0800 326 5561", "support-email": "support@joblogic.com"}
    tracker = {
        "slots": {"sync_error": "tax-type-invalid", "invoice_number": "INV-88"},
        "events": [{"event": "user"}, {"event": "action", "name": "action_diagnose"}],
    }
    messages = [
        {"text": "Call [0800 3265561](tel:08003265561). Your reference is SD-000007."},
        {"text": "Did that fix it?", "buttons": [{"payload": "/affirm"}, {"payload": "/deny"}]},
    ]
    state = bench.State(references=["SD-000007"], sync_error="tax-type-invalid")
    expect = {
        "sync_error": "tax-type-invalid",
        "slots": {"invoice_number": "inv-88", "tax_code": None},
        "shows_contact": "phone",
        "ticket": "same",
        "offers": ["affirm"],
        "offers_person": True,
        "not_diagnosed": True,
        "says_none": ["08003265561"],  # a link target is not visible text
    }
    assert bench.check_turn(expect, messages, tracker, state, contacts, frozenset()) == []
    failed = bench.check_turn(
        {"ticket": False, "shows_contact": "support-email", "sync_error": None},
        messages,
        {**tracker, "events": [{"event": "user"}, {"event": "action", "name": "utter_default"}]},
        bench.State(),
        contacts,
        frozenset(),
    )
    assert sorted(check for check, _, _ in failed) == [
        "no_fallback", "shows_contact", "sync_error", "ticket",
    ]  # fmt: skip
