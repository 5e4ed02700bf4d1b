"""The spaCy pipeline labels the values customers quote, as the diagnosis engine reads them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.diagnosis import Diagnoser
from bot.kb.source import Source
from bot.kb.value_kinds import value_kinds
from bot.nlp import build_pipeline, entity_patterns

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
spacy = pytest.importorskip("spacy")


@pytest.fixture(scope="module")
def pipeline_path(tmp_path_factory: pytest.TempPathFactory, source: Source) -> Path:
    """The pipeline built from data/kb, saved to a fresh folder."""
    return build_pipeline(tmp_path_factory.mktemp("spacy") / "en_syncdesk", entity_patterns(source))


@pytest.fixture(scope="module")
def nlp(pipeline_path: Path) -> Any:
    """The saved pipeline, loaded as Rasa's SpacyNLP loads it."""
    return spacy.load(pipeline_path)


def entities(nlp: Any, text: str) -> list[tuple[str, str]]:
    return [(ent.label_, ent.text) for ent in nlp(text).ents]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "xero keeps rejecting the VAT code OUTPUT2 on inv 10234",
            [("tax_code", "OUTPUT2"), ("invoice_number", "10234")],
        ),
        # Corrections: "is", "actually" between the label and the value.
        ("oops, the account code is actually 60401", [("account_code", "60401")]),
        ("sorry the amount was £210.00 not £120", [("amount", "210.00"), ("amount", "120")]),
        ("the CN-0012 for the boiler job won't go", [("credit_note_number", "CN-0012")]),
        (
            "payment of £1,234.50 on invoice JL10234 to nom code 090",
            [("amount", "1,234.50"), ("invoice_number", "JL10234"), ("account_code", "090")],
        ),
        (
            "invoice no. 104552 has tax type ZERORATEDOUTPUT",
            [("invoice_number", "104552"), ("tax_code", "ZERORATEDOUTPUT")],
        ),
        (
            "invoice #104552, inv. J-7781/2 and invoice number INV-0042.",
            [
                ("invoice_number", "104552"),
                ("invoice_number", "J-7781/2"),
                ("invoice_number", "INV-0042"),
            ],
        ),
        (
            "I already have invoice number #1001 in Xero, and invoice no. #1002 too",
            [("invoice_number", "1001"), ("invoice_number", "1002")],
        ),
        (
            "nominal code '40010-01', a/c 451.1 and acc. code SALES",
            [("account_code", "40010-01"), ("account_code", "451.1"), ("account_code", "SALES")],
        ),
        ("it says DRCHARGE20 isn't allowed", [("tax_code", "DRCHARGE20")]),
        ("tax code NONE on that one", [("tax_code", "NONE")]),
        ("vat code exemptoutput", [("tax_code", "exemptoutput")]),
        ("GL code: 4000 please", [("account_code", "4000")]),
        ("cr note 5566 for £-12.00", [("credit_note_number", "5566"), ("amount", "-12.00")]),
        ('the account "Director\'s Loan" has no code', [("account_name", "Director's Loan")]),
        ("account name \u201cMotor Vehicles\u201d is blank", [("account_name", "Motor Vehicles")]),
    ],
)
def test_values_in_own_words(nlp: Any, text: str, expected: list[tuple[str, str]]) -> None:
    assert entities(nlp, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I have 2 invoices failing since 2024",
        "5% VAT",
        "the tax rate 20% is wrong",
        "the invoice is 3 days late and the account is wrong",
        "the invoice for the boiler job won't go",
        "Invoice number must be unique",
        "the account code must be specified",
        "the output of the sync is 2023-2024",
        "the account Sales Revenue has no code",
    ],
)
def test_ordinary_text_has_no_values(nlp: Any, text: str) -> None:
    assert entities(nlp, text) == []


def _sample(name: str) -> str:
    """Return a value of kind ``name`` as a customer writes it after a label (a name quoted)."""
    example = value_kinds().get(name).examples[-1]  # type: ignore[union-attr]
    return f'"{example}"' if " " in example else example


@pytest.mark.parametrize(
    ("name", "label"),
    [(kind.name, label) for kind in value_kinds() for label in kind.customer_labels],
)
@pytest.mark.parametrize("stops", [True, False], ids=["with-stops", "without-stops"])
def test_every_customer_label_is_recognised(nlp: Any, name: str, label: str, stops: bool) -> None:
    if not stops:
        label = label.replace(".", "")
    value = _sample(name)
    assert entities(nlp, f"it fails on the {label} {value} again") == [(name, value.strip('"'))]


_VALUE_SETS = [
    {
        "invoice_number": "INV-0042",
        "credit_note_number": "CN-0012",
        "tax_code": "OUTPUT2",
        "account_code": "451.1",
        "amount": "1,234.50",
        "account_name": '"Director\'s Loan"',
    },
    {
        "invoice_number": "J-7781/2",
        "credit_note_number": "5566",
        "tax_code": "DRCHARGE20",
        "account_code": "40010-01",
        "amount": "-12.00",
        "account_name": '"Sales"',
    },
    {
        "invoice_number": "104552",
        "credit_note_number": "CR/77",
        "tax_code": "NONE",
        "account_code": "SALES",
        "amount": "250",
        "account_name": '"Motor Vehicles"',
    },
]


# Account names in double quotes: free text bounds a name only by quotes, and the engine keeps
# a closing ' or \u201d as part of a name (its shape allows apostrophes).
@pytest.mark.parametrize("values", _VALUE_SETS, ids=["set1", "set2", "set3"])
def test_pasted_errors_give_the_diagnosis_engines_values(
    nlp: Any, source: Source, values: dict[str, str]
) -> None:
    diagnoser = Diagnoser(source.errors)
    for entry in source.errors:
        for phrase in entry.phrases:
            text = f"{entry.prefix or ''} {phrase}".format(**values).strip()
            (match,) = diagnoser.diagnose(text)
            assert dict(entities(nlp, text)) == match.values, text


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("INV-0042", ["INV-0042"]),
        ("J-7781/A,", ["J-7781/A", ","]),
        ("£1,234.50", ["£", "1,234.50"]),
        ("'200'", ["'", "200", "'"]),
        ("(40010-01).", ["(", "40010-01", ")", "."]),
        ("451.1.", ["451.1", "."]),
        ("a/c ABC-DEF", ["a", "/", "c", "ABC", "-", "DEF"]),
    ],
)
def test_identifiers_stay_one_token(nlp: Any, text: str, tokens: list[str]) -> None:
    assert [token.text for token in nlp(text)] == tokens


def test_pipeline_loads_in_a_fresh_process(pipeline_path: Path) -> None:
    script = (
        "import json, sys, spacy\n"
        "doc = spacy.load(sys.argv[1])('inv 10234 to nominal code 40010-01')\n"
        "print(json.dumps([[e.label_, e.text] for e in doc.ents]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(pipeline_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(run.stdout) == [["invoice_number", "10234"], ["account_code", "40010-01"]]


def test_pipeline_is_rewritten_only_when_its_patterns_change(tmp_path: Path) -> None:
    path = tmp_path / "en_syncdesk"
    ref = [
        {
            "patterns": [[{"LOWER": "ref"}, {}]],
            "attrs": {"ENT_TYPE": "ref", "ENT_IOB": "B"},
            "index": -1,
        }
    ]
    build_pipeline(path, ref)
    stamp = path / "syncdesk-patterns.json"
    earlier = stamp.stat().st_mtime_ns - 10**9
    os.utime(stamp, ns=(earlier, earlier))

    build_pipeline(path, ref)
    assert stamp.stat().st_mtime_ns == earlier
    assert entities(spacy.load(path), "ref 7") == [("ref", "7")]

    build_pipeline(path, [{**ref[0], "attrs": {"ENT_TYPE": "reference", "ENT_IOB": "B"}}])
    assert stamp.stat().st_mtime_ns != earlier
    assert entities(spacy.load(path), "ref 7") == [("reference", "7")]


def test_rasa_components_extract_the_values(pipeline_path: Path) -> None:
    from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
    from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
    from rasa.nlu.utils.spacy_utils import SpacyNLP
    from rasa.shared.nlu.training_data.message import Message

    # case_sensitive: SpacyNLP lower-cases the text by default, and the values with it.
    config = {"model": str(pipeline_path), "case_sensitive": True}
    spacy_nlp = SpacyNLP.create({**SpacyNLP.get_default_config(), **config}, *[None] * 3)  # type: ignore[arg-type]
    tokenizer = SpacyTokenizer(SpacyTokenizer.get_default_config())
    extractor = SpacyEntityExtractor(SpacyEntityExtractor.get_default_config())
    model = spacy_nlp.provide()
    messages = [Message.build(text="xero keeps rejecting the VAT code OUTPUT2 on inv 10234")]
    messages = extractor.process(tokenizer.process(spacy_nlp.process(messages, model)), model)

    found = [(e["entity"], e["value"]) for e in messages[0].get("entities")]
    assert found == [("tax_code", "OUTPUT2"), ("invoice_number", "10234")]
