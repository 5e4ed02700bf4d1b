"""One slug names an error everywhere: the KB, the domain, the NLU data, the rules and tests."""

import re
from collections import Counter

import pytest
import yaml

from bot.settings import PROJECT_ROOT


def _yaml(path):
    return yaml.safe_load((PROJECT_ROOT / path).read_text(encoding="utf-8"))


def _examples(path):
    counts = Counter()
    for item in _yaml(path)["nlu"]:
        if "intent" in item:
            counts[item["intent"]] += sum(
                1 for line in item["examples"].splitlines() if line.strip().startswith("- ")
            )
    return counts


@pytest.fixture(scope="module")
def error_ids(source):
    return [e.id for e in source.errors]


def test_every_error_is_an_intent_in_the_domain(error_ids):
    assert set(error_ids) <= set(_yaml("domain.yml")["intents"])


def test_every_error_has_enough_training_and_held_out_examples(error_ids):
    training, held_out = _examples("data/nlu/errors.yml"), _examples("tests/nlu/held_out.yml")
    for error_id in error_ids:
        assert training[error_id] >= 15, error_id
        assert held_out[error_id] >= 5, error_id


def test_held_out_examples_are_never_trained_on():
    trained = set()
    for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml"):
        for item in _yaml(path.relative_to(PROJECT_ROOT))["nlu"]:
            if "examples" in item and "intent" in item:
                trained |= {line.strip()[2:].lower() for line in item["examples"].splitlines()}
    for item in _yaml("tests/nlu/held_out.yml")["nlu"]:
        for line in item["examples"].splitlines():
            if line.strip().startswith("- ") and item["intent"] != "paste_error":
                assert line.strip()[2:].lower() not in trained, line


def test_every_error_intent_leads_to_the_diagnosis(error_ids):
    rules = _yaml("data/rules/diagnosis.yml")["rules"]
    (diagnose,) = [r for r in rules if r["rule"] == "a pasted or described error is diagnosed"]
    intents = {step["intent"] for step in diagnose["steps"][0]["or"]}
    assert set(error_ids) | {"paste_error", "nlu_fallback"} == intents


def test_record_types_match_the_kb_and_the_nlu_synonyms(source):
    synonyms = {item["synonym"] for item in _yaml("data/nlu/synonyms.yml")["nlu"] if "synonym" in item}
    assert synonyms <= {r.id for r in source.record_types}


def test_the_fallback_rasa_says_by_itself_has_exactly_the_kbs_contacts(source):
    # utter_default must work with the action server down, so it can't read the KB at run time.
    (fallback,) = _yaml("domain.yml")["responses"]["utter_default"]
    for contact in source.contacts:
        assert contact.value in fallback["text"], contact.id
    numbers = re.findall(r"\b0\d{3} \d{3} \d{4}\b", fallback["text"])
    emails = re.findall(r"[\w.]+@[\w.]+\w", fallback["text"])
    assert set(numbers + emails) == {c.value for c in source.contacts}
