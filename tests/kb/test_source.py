import re

import pytest

from bot.advice import fill
from bot.kb.source import PLACEHOLDERS, SourceError, read_source

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
