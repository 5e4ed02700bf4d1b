import re

import pytest

from bot.advice import fill
from bot.kb.source import PLACEHOLDERS, SIDES, SourceError, read_source
from bot.settings import PROJECT_ROOT

ISSUE_IDS = {
    1: "service-unavailable",
    2: "object-reference",
    3: "account-code-missing",
    4: "tax-type-invalid",
    5: "payment-account-type-invalid",
    6: "payment-exceeds-outstanding",
    7: "payment-invoice-missing",
    8: "tax-rate-inactive",
    9: "line-account-code-missing",
    10: "account-number-exists",
    11: "account-code-invalid-for-document",
    12: "invoice-number-duplicate",
    13: "credit-note-invoice-missing",
    14: "credit-note-exceeds-outstanding",
}


def _normalise_quotes(text: str) -> str:
    return text.replace("\u201c", '"').replace("\u201d", '"')


def test_all_fourteen_errors_with_the_agreed_ids(source):
    assert {e.number: e.id for e in source.errors} == ISSUE_IDS


def test_messages_are_quoted_exactly_from_the_guide(source, guide_text):
    for entry in source.errors:
        assert entry.message in _normalise_quotes(guide_text), entry.id


def test_contacts_are_exactly_the_guides(source, guide_text):
    values = {c.id: c.value for c in source.contacts}
    assert values == {
        "support-phone": "0800 326 5561",
        "support-email": "support@joblogic.com",
        "customer-success-email": "customersuccess@joblogic.com",
    }
    for value in values.values():
        assert value in guide_text


def test_status_page_link_for_service_unavailable(source):
    entry = source.error("service-unavailable")
    assert [link.url for link in entry.links] == ["https://status.xero.com"]
    assert entry.confirm_fix is False


@pytest.mark.parametrize("number", sorted(ISSUE_IDS))
def test_every_text_renders_without_any_values(source, number):
    entry = source.error(ISSUE_IDS[number])
    texts = [fill(entry.explanation, {})] + [fill(step.text, {}) for step in entry.steps]
    for text in texts:
        assert not re.search(r"\{\w+\}", text), (entry.id, text)


#: Values that name the record the customer has to find: an explanation that knows one says it.
RECORD_NAMES = ("invoice_number", "credit_note_number", "account_name")


@pytest.mark.parametrize("number", sorted(ISSUE_IDS))
def test_the_record_the_message_names_is_named_back(source, number):
    entry = source.error(ISSUE_IDS[number])
    given = set(re.findall(r"\{(\w+)\}", " ".join([entry.prefix or "", *entry.phrases])))
    everything = {name: f"VALUE-{n}" for n, name in enumerate(sorted(given))}
    for name in set(RECORD_NAMES) & given:
        # With every value the message gives, and with only this one (a message cut short).
        assert everything[name] in fill(entry.explanation, everything), (entry.id, name)
        assert "ONLY-1" in fill(entry.explanation, {name: "ONLY-1"}), (entry.id, name)


def test_every_phrase_uses_only_known_placeholders(source):
    for entry in source.errors:
        for phrase in entry.phrases:
            assert set(re.findall(r"\{(\w+)\}", phrase)) <= set(PLACEHOLDERS)


def test_support_policy_follows_the_guide(source):
    always = {e.id for e in source.errors if e.support == "always"}
    assert always == {
        "object-reference",
        "payment-exceeds-outstanding",
        "payment-invoice-missing",
        "invoice-number-duplicate",
    }


def test_a_bad_entry_names_its_file_and_problem(source_copy):
    target = source_copy
    path = target / "errors" / "tax-rate-inactive.yml"
    path.write_text(path.read_text().replace("support: never", "support: sometimes"))
    with pytest.raises(SourceError, match=r"tax-rate-inactive\.yml: support must be one of"):
        read_source(target)


def test_an_unknown_placeholder_is_refused(source_copy):
    target = source_copy
    path = target / "errors" / "tax-rate-inactive.yml"
    path.write_text(path.read_text().replace("{tax_code}", "{vat_code}", 1))
    with pytest.raises(SourceError, match=r"unknown placeholder \{vat_code\}"):
        read_source(target)


def test_a_repeated_number_is_refused(source_copy):
    target = source_copy
    path = target / "errors" / "tax-rate-inactive.yml"
    path.write_text(path.read_text().replace("number: 8", "number: 4"))
    with pytest.raises(SourceError, match="repeated error number: 4"):
        read_source(target)


def test_missing_field_is_named(source_copy):
    target = source_copy
    path = target / "errors" / "tax-rate-inactive.yml"
    path.write_text(re.sub(r"(?m)^title:.*\n", "", path.read_text()))
    with pytest.raises(SourceError, match="missing field 'title'"):
        read_source(target)


def test_examples_are_read_verbatim_from_strings_and_mappings(source_copy, add_test_error):
    new = add_test_error(source_copy)
    assert new.examples[-1] == "invoice [INV-0042](invoice_number) failed, contact ref over the test limit"
    assert all(entry.examples for entry in read_source(source_copy).errors)


def _add_sourced_example(kb_directory, source_id):
    path = kb_directory / "errors" / "tax-rate-inactive.yml"
    path.write_text(
        path.read_text() + f"  - text: the vat rate is switched off in xero\n    source: {source_id}\n"
    )


def _write_sources(kb_directory):
    # The project's own sources (its KB files cite them) plus two made-up ones.
    own = (PROJECT_ROOT / "data" / "sources.yml").read_text(encoding="utf-8")
    (kb_directory.parent / "sources.yml").write_text(
        own.rstrip("\n") + "\n"
        "- {id: forum-1, url: 'https://example.com/1', title: A thread, kind: forum, split: train}\n"
        "- {id: forum-2, url: 'https://example.com/2', title: Another, kind: forum, split: heldout}\n"
    )


def test_an_example_from_a_training_source_is_accepted(source_copy):
    _write_sources(source_copy)
    _add_sourced_example(source_copy, "forum-1")
    entry = read_source(source_copy).error("tax-rate-inactive")
    assert entry.examples[-1] == "the vat rate is switched off in xero"


def test_an_example_from_a_held_out_source_is_refused(source_copy):
    _write_sources(source_copy)
    _add_sourced_example(source_copy, "forum-2")
    with pytest.raises(SourceError, match=r"tax-rate-inactive\.yml: examples item \d+: source 'forum-2' is a heldout source"):
        read_source(source_copy)


def test_an_example_from_an_unknown_source_is_refused(source_copy):
    _write_sources(source_copy)
    _add_sourced_example(source_copy, "forum-9")
    with pytest.raises(SourceError, match=r"tax-rate-inactive\.yml: .*'forum-9' is not in sources\.yml"):
        read_source(source_copy)


def test_missing_examples_are_named(source_copy):
    path = source_copy / "errors" / "tax-rate-inactive.yml"
    path.write_text(path.read_text().split("examples:")[0])
    with pytest.raises(SourceError, match=r"tax-rate-inactive\.yml: missing field 'examples'"):
        read_source(source_copy)


def test_an_example_under_two_errors_is_refused(source_copy, source):
    taken = source.error("tax-type-invalid").examples[0]
    path = source_copy / "errors" / "tax-rate-inactive.yml"
    path.write_text(path.read_text() + f"  - {taken.upper()}\n")
    with pytest.raises(
        SourceError, match=r"tax-type-invalid\.yml: examples: .* is already an example of tax-rate-inactive"
    ):
        read_source(source_copy)


# -- answers to the customer's questions about an error ----------------------------------------


@pytest.mark.parametrize("number", sorted(ISSUE_IDS))
def test_every_error_answers_the_customers_questions(source, number):
    entry = source.error(ISSUE_IDS[number])
    assert entry.side is not None and entry.side.party in SIDES
    for texts in (entry.cause, entry.side.text, entry.if_ignored):
        assert texts and all(t.strip() for t in texts), entry.id
        assert not re.search(r"\{\w+\}", fill(texts, {})), (entry.id, texts)


def test_whose_side_follows_the_support_policy(source):
    # Errors only support can fix are on support's side; no error support must act on is
    # put on the customer's side.
    for entry in source.errors:
        assert (entry.side.party == "joblogic-support") == (entry.support == "always"), entry.id
    assert source.error("service-unavailable").side.party == "xero"


def test_an_unknown_side_is_refused(source_copy):
    path = source_copy / "errors" / "tax-rate-inactive.yml"
    path.write_text(path.read_text().replace("party: your-data", "party: somebody-else"))
    with pytest.raises(SourceError, match=r"tax-rate-inactive\.yml: side: party must be one of"):
        read_source(source_copy)


@pytest.mark.parametrize(
    ("twin", "problem"),
    [
        ("credit-note-gone-missing", "twin 'credit-note-gone-missing' is not an error's id"),
        ("payment-exceeds-outstanding", "is about the same kind of record"),
        ("credit-note-exceeds-outstanding", "as its twin too"),
    ],
)
def test_a_twin_is_another_kind_of_records_error_that_names_it_back(source_copy, twin, problem):
    path = source_copy / "errors" / "payment-invoice-missing.yml"
    path.write_text(path.read_text().replace("twin: credit-note-invoice-missing", f"twin: {twin}"))
    with pytest.raises(SourceError, match=re.escape(problem)):
        read_source(source_copy)


def test_a_missing_answer_is_named(source_copy):
    path = source_copy / "errors" / "tax-rate-inactive.yml"
    text = re.sub(r"(?ms)^if_ignored:.*?(?=^steps:)", "", path.read_text())
    path.write_text(text)
    with pytest.raises(SourceError, match="missing field 'if_ignored'"):
        read_source(source_copy)


def test_an_unknown_placeholder_in_an_answer_is_refused(source_copy):
    path = source_copy / "errors" / "tax-rate-inactive.yml"
    text = path.read_text()
    path.write_text(text.replace("Anything that uses tax rate {tax_code}", "Rate {vat_rate}", 1))
    with pytest.raises(SourceError, match=r"unknown placeholder \{vat_rate\}"):
        read_source(source_copy)


def test_desk_settings_are_shipped_unset(source):
    # The help guide gives no response time: syncdesk must say it doesn't know, not guess.
    assert source.settings == {"support_response_time": None}


def test_a_desk_setting_must_be_text_or_unset(source_copy):
    path = source_copy / "desk.yml"
    path.write_text(
        path.read_text().replace("support_response_time: null", "support_response_time: [1, 2]")
    )
    with pytest.raises(SourceError, match="support_response_time must be text, or null"):
        read_source(source_copy)


def test_alternative_routes_share_their_choice(source):
    """An `either:` gives one step per route, all with the either's place in the fix."""
    assert [s.choice for s in source.error("tax-type-invalid").steps] == [1, 1, 1]
    assert [s.choice for s in source.error("credit-note-invoice-missing").steps] == [
        None,
        2,
        2,
        2,
    ]
    assert [s.choice for s in source.error("account-code-invalid-for-document").steps] == [
        None,
        2,
        2,
    ]
    assert all(s.choice is None for s in source.error("payment-invoice-missing").steps)


def _replace_steps(kb_directory, steps_yaml):
    path = kb_directory / "errors" / "tax-rate-inactive.yml"
    text = re.sub(r"(?ms)^steps:.*?(?=^support:)", steps_yaml, path.read_text())
    path.write_text(text)


STEP = "actor: customer-xero\n{indent}where: Xero › Accounting\n{indent}text: Do it."


@pytest.mark.parametrize(
    ("steps_yaml", "problem"),
    [
        ("steps: []\n", "steps must be a list of at least one step"),
        (
            "steps:\n  - either:\n      - " + STEP.format(indent="        ") + "\n",
            r"steps item 1: either needs exactly a list of two or more alternative steps",
        ),
        (
            "steps:\n  - either: []\n    actor: support\n",
            r"steps item 1: either needs exactly",
        ),
        (
            "steps:\n  - " + STEP.format(indent="    ") + "\n  - either:\n      - "
            + STEP.format(indent="        ")
            + "\n      - either:\n          - x\n          - y\n",
            r"steps item 2, either item 2 needs exactly the fields actor, where and text",
        ),
        (
            "steps:\n  - actor: customer-xero\n    text: Do it.\n",
            r"steps item 1 needs exactly the fields actor, where and text",
        ),
        (
            "steps:\n  - actor: customer-xero\n    where: Xero\n    text: []\n",
            r"steps item 1: text must be one or more non-empty texts",
        ),
    ],
    ids=["empty", "one-route", "either-with-more", "nested-either", "no-where", "no-text"],
)
def test_a_malformed_step_or_either_is_refused(source_copy, steps_yaml, problem):
    _replace_steps(source_copy, steps_yaml)
    with pytest.raises(SourceError, match=r"tax-rate-inactive\.yml: " + problem):
        read_source(source_copy)


def test_an_unknown_actor_in_an_alternative_is_refused(source_copy):
    _replace_steps(
        source_copy,
        "steps:\n  - either:\n      - " + STEP.format(indent="        ")
        + "\n      - actor: accountant\n        where: Xero\n        text: Do it.\n",
    )
    with pytest.raises(SourceError, match="unknown actor 'accountant'"):
        read_source(source_copy)
