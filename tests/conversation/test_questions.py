import re
from dataclasses import replace

import pytest

from bot.conversation.questions import (
    NO_ERROR_YET,
    QUESTION_KINDS,
    SIDE_LEADS,
    answer,
    answer_question,
    answer_unknown,
)
from bot.kb.source import SIDES

ERROR_IDS = [
    "service-unavailable",
    "object-reference",
    "account-code-missing",
    "tax-type-invalid",
    "payment-account-type-invalid",
    "payment-exceeds-outstanding",
    "payment-invoice-missing",
    "tax-rate-inactive",
    "line-account-code-missing",
    "account-number-exists",
    "account-code-invalid-for-document",
    "invoice-number-duplicate",
    "credit-note-invoice-missing",
    "credit-note-exceeds-outstanding",
]
#: One value of every kind, each unlike any word the answers use.
VALUES = {
    "invoice_number": "INV-7781",
    "credit_note_number": "CN-0042",
    "tax_code": "OUTPUT2",
    "account_code": "4711",
    "amount": "1,234.50",
    "account_name": "Boiler Sales",
}
PHONE, EMAIL = "0800 326 5561", "support@joblogic.com"


def _answer(source, kind, error_id, values=None, **options):
    entry = source.error(error_id)
    return answer(kind, entry, values or {}, source.contacts, source.settings, **options)


def test_all_fourteen_errors_are_covered(source):
    assert sorted(ERROR_IDS) == sorted(e.id for e in source.errors)


@pytest.mark.parametrize("kind", QUESTION_KINDS)
@pytest.mark.parametrize("error_id", ERROR_IDS)
@pytest.mark.parametrize("values", [{}, VALUES], ids=["no-values", "all-values"])
def test_every_question_about_every_error_has_a_finished_answer(source, error_id, kind, values):
    text = _answer(source, kind, error_id, values)
    assert len(text) > 20
    assert not re.search(r"\{\w*\}", text), text
    assert "None" not in text and "  " not in text, text


@pytest.mark.parametrize("error_id", ERROR_IDS)
def test_the_customers_values_are_echoed_in_why_and_if_ignored(source, error_id):
    entry = source.error(error_id)
    used = set(re.findall(r"\{(\w+)\}", " ".join(entry.cause + entry.if_ignored)))
    for name in used:
        echoed = _answer(source, "why", error_id, VALUES) + _answer(
            source, "if_ignored", error_id, VALUES
        )
        assert VALUES[name] in echoed, (error_id, name)


def test_where_names_the_places_of_the_customers_steps_and_the_values(source):
    text = _answer(
        source, "where", "tax-type-invalid", {"invoice_number": "INV-88", "tax_code": "T20"}
    )
    assert text.startswith("For invoice INV-88, tax code T20, here's where to go:")
    assert "- Xero › Accounting › Advanced › Tax rates" in text
    assert "- Joblogic › Invoices › All Invoices" in text
    assert "nowhere to go" in text  # support's step has no place for the customer
    assert "- Joblogic support" not in text


def test_where_lists_each_place_once(source):
    text = _answer(source, "where", "payment-account-type-invalid")
    assert text.count("Xero › Accounting › Chart of accounts") == 1


def test_where_gives_the_status_page_for_an_outage(source):
    text = _answer(source, "where", "service-unavailable")
    assert "- Xero status page: https://status.xero.com" in text
    assert text.count("Xero status page") == 1
    linked = _answer(source, "where", "service-unavailable", links=True)
    assert "[Xero status page](https://status.xero.com)" in linked


def test_why_comes_from_the_entrys_cause(source):
    entry = source.error("tax-rate-inactive")
    text = _answer(source, "why", "tax-rate-inactive", {"tax_code": "RR5"})
    assert text == entry.cause[0].replace("{tax_code}", "RR5")


@pytest.mark.parametrize(
    ("error_id", "lead"),
    [
        ("service-unavailable", "on Xero's side"),
        ("object-reference", "Joblogic support needs to sort this one out"),
        ("line-account-code-missing", "how Joblogic is set up"),
        ("account-code-missing", "your own records or set-up"),
    ],
)
def test_whose_side_leads_with_the_party(source, error_id, lead):
    text = _answer(source, "whose_side", error_id)
    assert lead in text.split(".")[0]


def test_every_side_has_a_lead():
    assert set(SIDE_LEADS) == set(SIDES)


def test_support_can_do_an_optional_fix_and_the_customer_can_too(source):
    text = _answer(source, "support_do_it", "tax-type-invalid")
    assert source.error("tax-type-invalid").handover in text
    assert PHONE in text and EMAIL in text
    assert "fix it yourself" in text


def test_support_must_do_an_always_fix_and_the_reference_is_quoted(source):
    text = _answer(source, "support_do_it", "invoice-number-duplicate", reference="SD-000042")
    assert text.startswith("Yes, this one is for Joblogic support.")
    assert "quote your reference SD-000042" in text


def test_support_does_not_promise_to_make_the_customers_own_changes(source):
    text = _answer(source, "support_do_it", "payment-account-type-invalid")
    assert "one you make yourself" in text
    assert PHONE in text  # still a way to get help


def test_nobody_can_fix_an_outage(source):
    text = _answer(source, "support_do_it", "service-unavailable")
    assert text.startswith("No one at Joblogic can fix this one.")
    assert PHONE not in text


def test_how_long_is_honest_when_the_desk_gives_no_time(source):
    text = _answer(source, "how_long", "tax-type-invalid")
    assert text.startswith("I can't promise a time")
    assert "there can be a wait" in text  # the guide's note for this fix, via its handover
    assert f"call {PHONE} or email {EMAIL}" in text
    assert not re.search(r"\d+\s*(hour|day|minute|working)", text)


def test_how_long_uses_the_desk_setting_once_it_is_set(source):
    entry = source.error("payment-invoice-missing")
    desk = {"support_response_time": "Support picks requests up within the test interval."}
    text = answer("how_long", entry, {}, source.contacts, desk)
    assert text.startswith("Support picks requests up within the test interval.")
    assert "can't promise" not in text


def test_how_long_for_a_fix_the_customer_makes_needs_no_support(source):
    text = _answer(source, "how_long", "tax-rate-inactive")
    assert text.startswith("This one doesn't need support")


def test_how_long_for_an_outage_points_at_the_status_page(source):
    text = _answer(source, "how_long", "service-unavailable")
    assert "https://status.xero.com" in text
    assert "can't promise" not in text


def test_contacts_become_links_where_the_channel_renders_them(source):
    text = _answer(source, "support_do_it", "object-reference", links=True)
    assert f"[{PHONE}](tel:08003265561)" in text
    assert f"[{EMAIL}](mailto:{EMAIL})" in text


def test_an_entry_without_answers_says_so_honestly(source):
    # A database from before the answers existed, not yet reloaded.
    bare = replace(source.error("tax-rate-inactive"), cause=(), side=None, if_ignored=())
    for kind in ("why", "whose_side", "if_ignored"):
        text = answer(kind, bare, {}, source.contacts, source.settings)
        assert text.startswith("I'm afraid I don't have that written down")
        assert PHONE in text


def test_an_unknown_question_is_a_developers_mistake(source):
    with pytest.raises(ValueError, match="unknown question 'when'"):
        _answer(source, "when", "tax-rate-inactive")


def test_answer_question_reads_the_knowledge_base(db_url):
    text = answer_question("why", "tax-rate-inactive", {"tax_code": "RR5"})
    assert "RR5" in text


@pytest.mark.parametrize("error_id", [None, "", "not-an-error"])
def test_answer_question_without_a_known_error_asks_for_the_message(db_url, error_id):
    assert answer_question("where", error_id, {}) == NO_ERROR_YET


def test_answer_question_survives_a_broken_database(tmp_path, use_settings):
    folder = tmp_path / "not-a-db"
    (folder / "kb.db").mkdir(parents=True)  # a directory where the file should be
    use_settings(SYNCDESK_DB_URL=f"sqlite:///{folder / 'kb.db'}")
    text = answer_question("support_do_it", "object-reference", {})
    assert PHONE in text and EMAIL in text


# -- an error syncdesk doesn't know (support offered) -------------------------------------------


def test_an_unknown_error_gets_support_and_an_honest_time(db_url):
    text = answer_question("how_long", None, {}, unknown_error=True)
    assert text.startswith("I can't promise a time")
    assert PHONE in text and EMAIL in text
    text = answer_question("support_do_it", None, {}, unknown_error=True, reference="SD-000009")
    assert text.startswith("Yes") and "quote your reference SD-000009" in text


@pytest.mark.parametrize("kind", ["where", "why", "whose_side", "if_ignored"])
def test_an_unknown_error_is_not_guessed_about(source, kind):
    text = answer_unknown(kind, source.contacts, source.settings)
    assert "without guessing" in text and PHONE in text
