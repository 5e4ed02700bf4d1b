"""The registry of value kinds (data/kb/value_kinds.yml) is the one place a kind is described."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.diagnosis import Diagnoser
from bot.diagnosis.envelope import find_envelopes
from bot.kb.generate import render
from bot.kb.source import (
    DEFAULT_SOURCE_DIR,
    PLACEHOLDER,
    PLACEHOLDERS,
    Source,
    SourceError,
    read_source,
)
from bot.kb.value_kinds import DEFAULT_FILE, ValueKindsError, read_value_kinds, value_kinds
from bot.nlp import entity_patterns
from bot.replies import value_summary
from bot.settings import PROJECT_ROOT

# TEST DATA: a made-up kind of value and a made-up error that carries it (neither is Xero's).
JOB_NUMBER = {
    "name": "job_number",
    "label": "job number",
    "summary": "job {value}",
    "guide": "job number",
    "pattern": r"JB-\d{4}",
    "quoted_by_xero": False,
    "examples": ["JB-0042", "JB-7781"],
    "customer_labels": ["job no."],
    "self_evident": r"jb-\d{4}",
    "envelope": {"record": ["JobNumber"], "child": ["Job.JobNumber"]},
}
TEST_ERROR = """\
# TEST DATA: a made-up error (not a Xero one), carrying the made-up kind of value.
id: test-job-locked
number: {number}
title: (Test data) The job is locked by the syncdesk test
short_title: Job locked (test data)
record_type: invoice
message: "Job: [job number] - The job [job number] is locked by the syncdesk test"
prefix: "Job: {{job_number}} -"
phrases:
  - "The job {{job_number}} is locked by the syncdesk test"
explanation: Job {{job_number}} is locked by the syncdesk test.
cause: The syncdesk test locked it.
side:
  party: your-data
  text: The job is locked in Joblogic by the test.
if_ignored: The job stays out of the test system.
steps:
  - actor: customer-joblogic
    where: Joblogic › Jobs
    text: Unlock job {{job_number}}, then run the sync again.
support: never
examples:
  - the syncdesk test job is locked and will not sync
"""


def test_the_registry_names_every_placeholder_the_templates_use(source: Source) -> None:
    kinds = value_kinds()
    assert kinds.names == tuple(PLACEHOLDERS) == source.value_kinds.names
    used = {
        name
        for entry in source.errors
        for template in (entry.prefix or "", *entry.phrases, *entry.explanation)
        for name in PLACEHOLDER.findall(template)
    }
    assert used <= set(kinds.names)
    for kind in kinds:
        assert all(re.fullmatch(kind.pattern, example) for example in kind.examples), kind.name


def test_the_help_guides_placeholders_are_the_registrys(source: Source) -> None:
    guide = {kind.guide for kind in value_kinds()}
    for entry in source.errors:
        assert {p.lower() for p in re.findall(r"\[([^\]]+)\]", entry.message)} <= guide, entry.id


def test_one_summary_in_the_registrys_order() -> None:
    values = {"amount": "50.00", "tax_code": "OUTPUT2", "invoice_number": "INV-1", "x": ""}
    assert value_summary(values) == "invoice INV-1, tax code OUTPUT2, £50.00"
    assert value_summary({"account_name": "Sales & Marketing"}) == 'account "Sales & Marketing"'


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A copy of data/kb, with its registry of value kinds."""
    target = tmp_path / "kb"
    shutil.copytree(DEFAULT_SOURCE_DIR, target)
    return target


def _add_kind(kb: Path, kind: dict[str, object]) -> None:
    path = kb / "value_kinds.yml"
    registry = yaml.safe_load(path.read_text(encoding="utf-8"))
    registry["kinds"].append(kind)
    path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")


def test_a_new_kind_of_value_is_one_data_edit(kb_copy: Path, tmp_path: Path) -> None:
    number = max(e.number for e in read_source(kb_copy).errors) + 1
    (kb_copy / "errors" / "test-job-locked.yml").write_text(TEST_ERROR.format(number=number))
    with pytest.raises(SourceError, match=r"unknown placeholder \{job_number\}"):
        read_source(kb_copy)

    _add_kind(kb_copy, JOB_NUMBER)
    source = read_source(kb_copy)
    kinds = source.value_kinds
    assert kinds.names[-1] == "job_number"
    diagnoser = Diagnoser(source.errors, kinds)

    # Extraction: the kind's own shape reads the value, in text and from its envelope field.
    (match,) = diagnoser.diagnose("Job: JB-0042 - The job JB-0042 is locked by the syncdesk test")
    assert (match.error_id, match.values) == ("test-job-locked", {"job_number": "JB-0042"})
    envelope = {
        "Elements": [
            {
                "Job": {"JobNumber": "JB-7781"},
                "ValidationErrors": [{"Message": "The job JB-7781 is locked by the syncdesk test"}],
            }
        ]
    }
    (found,) = find_envelopes(json.dumps(envelope), kinds)
    assert found.messages[0].values == {"job_number": "JB-7781"}
    (match,) = diagnoser.diagnose(json.dumps(envelope))
    assert match.values == {"job_number": "JB-7781"}
    assert find_envelopes(json.dumps(envelope))[0].messages[0].values == {}  # not the project's

    # The customer's own words: the spaCy pipeline's patterns label it after its labels.
    labelled = [p for p in entity_patterns(source) if p["attrs"]["ENT_TYPE"] == "job_number"]
    assert labelled and any({"LOWER": "job"} in row for p in labelled for row in p["patterns"])

    # Summaries, in the registry's order, in the kind's own words.
    values = {"job_number": "JB-0042", "invoice_number": "INV-1"}
    assert kinds.summary(values) == "invoice INV-1, job JB-0042"

    # The domain: an entity and a slot of its own, generated.
    (domain,) = [g for g in render(source) if g.path == Path("domain/values.yml")]
    generated = yaml.safe_load(domain.text)
    assert generated["entities"][-1] == "job_number"
    assert generated["slots"]["job_number"]["mappings"] == [{"type": "custom"}]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"pattern": r"(JB)-\d{4}"}, "no capturing groups"),
        ({"pattern": r"JB-[\d"}, "not a regular expression"),
        ({"bounded": r"(JB) \d{4}"}, "bounded must have no capturing groups"),
        ({"examples": ["JOB-1"]}, "doesn't match its pattern"),
        ({"summary": "job"}, "summary must hold"),
        ({"name": "Job Number"}, "lowercase_underscored"),
        ({"name": "invoice_number", "pattern": ".{1,9}"}, "repeated kind name: invoice_number"),
        ({"envelope": {"child": ["JobNumber"]}}, "must be Object.Field"),
        ({"colour": "blue"}, "needs the fields"),
    ],
)
def test_a_malformed_kind_is_refused_by_name(
    kb_copy: Path, change: dict[str, object], problem: str
) -> None:
    _add_kind(kb_copy, {**JOB_NUMBER, **change})
    with pytest.raises(ValueKindsError, match=re.escape(problem)):
        read_value_kinds(kb_copy / "value_kinds.yml")
    with pytest.raises(SourceError, match=re.escape(problem)):
        read_source(kb_copy)


def test_the_registry_is_read_from_the_project_once() -> None:
    assert value_kinds() is value_kinds(DEFAULT_FILE)
    assert value_kinds().path == DEFAULT_FILE


def test_only_the_generated_domain_declares_the_kinds() -> None:
    names = set(value_kinds().names)
    for path in sorted((PROJECT_ROOT / "domain").glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        declared = set(part.get("entities") or []) | set(part.get("slots") or {})
        if path.name == "values.yml":
            assert names <= declared
        else:
            assert not names & declared, f"{path.name} declares {sorted(names & declared)}"
