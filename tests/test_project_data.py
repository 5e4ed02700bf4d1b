"""One slug names an error everywhere: the KB, the domain, the NLU data, the rules and tests."""

import re
from collections import Counter

import pytest
import yaml

from bot.kb.source import read_source
from bot.settings import PROJECT_ROOT, SPACY_PIPELINE


def _yaml(path):
    return yaml.safe_load((PROJECT_ROOT / path).read_text(encoding="utf-8"))


def _domain():
    """The domain as Rasa merges its folder: lists joined, mappings combined."""
    merged = {"intents": [], "responses": {}, "slots": {}}
    for path in sorted((PROJECT_ROOT / "domain").glob("*.yml")):
        part = _yaml(path.relative_to(PROJECT_ROOT))
        merged["intents"] += part.get("intents", [])
        merged["responses"] |= part.get("responses", {})
        merged["slots"] |= part.get("slots", {})
    return merged


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
    assert set(error_ids) <= set(_domain()["intents"])


def test_every_error_intent_sets_the_diagnosing_stage(error_ids):
    (from_intent,) = [m for m in _domain()["slots"]["stage"]["mappings"] if "intent" in m]
    assert set(error_ids) | {"paste_error", "nlu_fallback"} <= set(from_intent["intent"])


def test_the_training_examples_are_the_kbs(source):
    assert _examples("data/nlu/errors.yml") == {e.id: len(e.examples) for e in source.errors}


def test_every_error_has_enough_training_and_held_out_examples(error_ids):
    training, held_out = _examples("data/nlu/errors.yml"), _examples("tests/nlu/held_out.yml")
    for error_id in error_ids:
        assert training[error_id] >= 15, error_id
        assert held_out[error_id] >= 5, error_id


def _trained():
    """Every training example's text, lower-cased, with where it came from (or None)."""
    trained = {}
    for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml"):
        for item in _yaml(path.relative_to(PROJECT_ROOT))["nlu"]:
            if "examples" not in item or "intent" not in item:
                continue
            examples = item["examples"]
            if isinstance(examples, str):
                for line in examples.splitlines():
                    if line.strip().startswith("- "):
                        trained[" ".join(line.strip()[2:].lower().split())] = None
            else:
                for example in examples:
                    source = (example.get("metadata") or {}).get("source")
                    trained[" ".join(example["text"].lower().split())] = source
    return trained


def test_real_wording_trained_on_comes_only_from_training_sources():
    splits = {s["id"]: s["split"] for s in _yaml("data/sources.yml")["sources"]}
    trained = _trained()
    cited = {source for source in trained.values() if source}
    assert cited, "the NLU data cites its real sources"
    assert {source: splits.get(source) for source in cited} == dict.fromkeys(cited, "train")
    held_out = [
        example["text"]
        for example in _yaml("data/corpus/real_wording.yml")["examples"]
        if splits[example["source"]] == "heldout"
    ]
    # The guide's own wording, pasted bare, is everyone's: not a copy of the held-out source.
    guide = {
        " ".join(phrase.lower().split())
        for entry in read_source().errors
        for phrase in (*entry.phrases, entry.message)
    }
    for text in held_out:
        key = " ".join(text.lower().split())
        if key.rstrip(".") not in guide:
            assert key not in trained, text


def test_held_out_examples_are_never_trained_on():
    trained = _trained()
    for item in _yaml("tests/nlu/held_out.yml")["nlu"]:
        for line in item["examples"].splitlines():
            if line.strip().startswith("- ") and item["intent"] != "paste_error":
                assert line.strip()[2:].lower() not in trained, line


def test_every_error_intent_leads_to_the_diagnosis(error_ids):
    diagnosed = set()
    for path in ("data/rules/diagnosis.yml", "data/rules/errors.yml"):
        for rule in _yaml(path)["rules"]:
            if {"action": "action_diagnose"} in rule["steps"]:
                first = rule["steps"][0]
                diagnosed |= {s["intent"] for s in first.get("or", [first]) if "intent" in s}
    assert set(error_ids) | {"paste_error", "nlu_fallback"} <= diagnosed


def test_record_types_match_the_kb_and_the_nlu_synonyms(source):
    synonyms = {item["synonym"] for item in _yaml("data/nlu/record_types.yml")["nlu"] if "synonym" in item}
    assert synonyms <= {r.id for r in source.record_types}


def test_the_fallback_rasa_says_by_itself_has_exactly_the_kbs_contacts(source):
    # utter_default must work with the action server down, so it can't read the KB at run time.
    (fallback,) = _domain()["responses"]["utter_default"]
    for contact in source.contacts:
        assert contact.value in fallback["text"], contact.id
    numbers = re.findall(r"\b0\d{3} \d{3} \d{4}\b", fallback["text"])
    emails = re.findall(r"[\w.]+@[\w.]+\w", fallback["text"])
    assert set(numbers + emails) == {c.value for c in source.contacts}


def test_config_names_the_spacy_pipeline_the_nlp_build_command_writes():
    # Rasa reads only config.yml: the folder `python -m bot nlp build` saves to must be its.
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    spacy = next(c for c in config["pipeline"] if c["name"] == "SpacyNLP")
    assert PROJECT_ROOT / spacy["model"] == SPACY_PIPELINE
