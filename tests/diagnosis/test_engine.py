from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.diagnosis import Diagnoser, Match
from bot.kb.source import ErrorEntry, read_source
from bot.kb.value_kinds import value_kinds
from harness.samples import Samples
from harness.samples import fill as _fill
from harness.timing import cpu_seconds

ERROR_IDS = [e.id for e in read_source().errors]
SEEDS = range(3)


def only(matches: list[Match], error_id: str) -> Match:
    found = [m for m in matches if m.error_id == error_id]
    assert len(found) == 1, matches
    return found[0]


# -- every error in every form, with generated values ------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
# Every whole form; the cut-off ones have their own test below.
@pytest.mark.parametrize(
    "form", [f for f in Samples.FORMS if f not in ("json_truncated", "truncated")]
)
@pytest.mark.parametrize("error_id", ERROR_IDS)
def test_each_error_in_each_form(diagnoser, samples, error_id, form, seed):
    sample = samples.make(error_id, form, random.Random(f"{error_id}/{form}/{seed}"))
    matches = diagnoser.diagnose(sample.text)
    assert {m.error_id for m in matches} == {error_id, *sample.others}, sample.text
    match = only(matches, error_id)
    assert match.values == sample.values, sample.text
    assert match.confidence >= 0.9
    assert not match.truncated
    assert match.count == 1


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("form", ["truncated", "json_truncated"])
@pytest.mark.parametrize("error_id", ERROR_IDS)
def test_each_error_cut_off_near_its_end(diagnoser, samples, error_id, form, seed):
    sample = samples.make(error_id, form, random.Random(f"{error_id}/{form}/{seed}"))
    matches = diagnoser.diagnose(sample.text)
    assert [m.error_id for m in matches] == [error_id], sample.text
    match = matches[0]
    assert match.truncated
    assert match.values == sample.values, sample.text
    assert 0.6 <= match.confidence <= 0.8


def _halves() -> list[tuple[str, int]]:
    return [(e.id, i) for e in read_source().errors for i in range(len(e.phrases))]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("error_id", "index"), _halves())
def test_each_phrase_alone(diagnoser, samples, error_id, index, seed):
    rng = random.Random(f"{error_id}/{index}/{seed}")
    entry = samples.entry(error_id)
    values = samples.values(rng)
    phrase = entry.phrases[index]
    from_phrase = {n: values[n] for n in re.findall(r"\{(\w+)\}", phrase)}
    for quote, stop in [("'", "."), ("", ""), ('"', ".")]:
        text = _fill(phrase, values, quote) + stop
        match = only(diagnoser.diagnose(text), error_id)
        assert match.values == from_phrase, text
        expected = 1.0 if len(entry.phrases) == 1 else 0.9
        assert match.confidence == expected
        # With Joblogic's prefix before it, a phrase is the full line and takes its values.
        if entry.prefix:
            line = f"{_fill(entry.prefix, values)} {text}"
            prefixed = only(diagnoser.diagnose(line), error_id)
            assert prefixed.confidence == 1.0
            assert prefixed.values == {
                n: values[n] for n in re.findall(r"\{(\w+)\}", entry.prefix + phrase)
            }


# -- the help guide's own examples -------------------------------------------------------------

GUIDE_EXAMPLE_VALUES = {kind.guide: kind.examples[0] for kind in value_kinds()}


def _guide_fill(message: str) -> str:
    return re.sub(r"\[([^\]]+)\]", lambda m: GUIDE_EXAMPLE_VALUES[m.group(1).lower()], message)


@pytest.mark.parametrize("error_id", ERROR_IDS)
def test_guide_message_of_each_entry(diagnoser, samples, error_id):
    text = _guide_fill(samples.entry(error_id).message)
    matches = diagnoser.diagnose(text)
    assert [m.error_id for m in matches] == [error_id]
    assert matches[0].confidence >= 0.9


def test_guide_messages_as_quoted_in_the_guide(diagnoser, guide_text, entries):
    quoted = re.findall(r"^(\d+)\. [\u201c\"](.+?)[\u201d\"]\s*$", guide_text, re.MULTILINE)
    assert len(quoted) == len(entries)
    by_number = {e.number: e.id for e in entries}
    for number, message in quoted:
        matches = diagnoser.diagnose(_guide_fill(message))
        assert [m.error_id for m in matches] == [by_number[int(number)]], message


def test_guide_examples_give_their_values(diagnoser):
    text = (
        "Invoice: INV-0042 - The TaxType code OUTPUT2 does not exist or cannot be used for this "
        "type of transaction. The TaxType code OUTPUT2 cannot be used with account code 200."
    )
    assert [m.to_json() for m in diagnoser.diagnose(text)] == [
        {
            "error_id": "tax-type-invalid",
            "confidence": 1.0,
            "values": {"invoice_number": "INV-0042", "tax_code": "OUTPUT2", "account_code": "200"},
            "how": "exact",
        }
    ]
    text = (
        "Payment: Invoice INV-0042, Amount: £ 1,234.50, Account Code: 090 - "
        "Account type is invalid for making a payment to/from"
    )
    match = only(diagnoser.diagnose(text), "payment-account-type-invalid")
    assert match.values == {
        "invoice_number": "INV-0042",
        "amount": "1,234.50",
        "account_code": "090",
    }
    match = only(
        diagnoser.diagnose("Account: Petty Cash - The Code field is required"),
        "account-code-missing",
    )
    assert match.values == {"account_name": "Petty Cash"}


# -- Xero's raw wording and its envelopes ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error_id", "values"),
    [
        (
            "The TaxType code 'OUTPUT2' cannot be used with account code '200'.",
            "tax-type-invalid",
            {"tax_code": "OUTPUT2", "account_code": "200"},
        ),
        (
            # Xero quotes back what it was sent: a tax rate's display name, spaces and all.
            "The TaxType code 'GST on Income' cannot be used with account code '60410'.",
            "tax-type-invalid",
            {"tax_code": "GST on Income", "account_code": "60410"},
        ),
        (
            # Joblogic writes it unquoted: the wording after it says where the name ends.
            "Invoice: INV-0042 - The TaxType code GST on Income does not exist or cannot be used "
            "for this type of transaction. The TaxType code GST on Income cannot be used with "
            "account code 200.",
            "tax-type-invalid",
            {"invoice_number": "INV-0042", "tax_code": "GST on Income", "account_code": "200"},
        ),
        (
            "The TaxType code GST on Income does not exist or cannot be used for this type of "
            "transaction.",
            "tax-type-invalid",
            {"tax_code": "GST on Income"},
        ),
        (
            "The TaxType code \u201c20% (VAT on Income)\u201d does not exist or cannot be used "
            "for this type of transaction.",
            "tax-type-invalid",
            {"tax_code": "20% (VAT on Income)"},
        ),
        (
            "Account code '400' is not a valid code for this document.",
            "account-code-invalid-for-document",
            {"account_code": "400"},
        ),
        (
            "Account code \u2018451.1\u2019 is not a valid code for this document",
            "account-code-invalid-for-document",
            {"account_code": "451.1"},
        ),
        ("Account code or ID must be specified", "line-account-code-missing", {}),
        ("Invoice number must be unique.", "invoice-number-duplicate", {}),
        (
            "ErrorNumber:101 Error Message: Invoice: JL10234 - Invoice # must be unique",
            "invoice-number-duplicate",
            {"invoice_number": "JL10234"},
        ),
        (
            "Account: Sales - Trade & Co's 2 - The Code field is required",
            "account-code-missing",
            {"account_name": "Sales - Trade & Co's 2"},
        ),
        (
            "Invoice: J-7781/2 \u2013 Account code 40010-01 is not a valid code for this document.",
            "account-code-invalid-for-document",
            {"invoice_number": "J-7781/2", "account_code": "40010-01"},
        ),
        (
            "Payment: Invoice 104552, Amount: £1,234.50, Account Code: SALES - The invoice of "
            "payment does not exist in XERO",
            "payment-invoice-missing",
            {"invoice_number": "104552", "amount": "1,234.50", "account_code": "SALES"},
        ),
        (
            'The TaxType code \\"TAX001\\" cannot be used with account code \\u0027200\\u0027',
            "tax-type-invalid",
            {"tax_code": "TAX001", "account_code": "200"},
        ),
        (
            "The TaxType code &#39;DRCHARGE20&#39; cannot be used with account code &#39;4000&#39;",
            "tax-type-invalid",
            {"tax_code": "DRCHARGE20", "account_code": "4000"},
        ),
    ],
)
def test_raw_wording(diagnoser, text, error_id, values):
    match = only(diagnoser.diagnose(text), error_id)
    assert match.values == values


def test_envelope_with_several_elements(diagnoser):
    text = (
        '{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception '
        'occurred","Elements":[{"InvoiceNumber":"INV-1","ValidationErrors":[{"Message":"The '
        "TaxType code 'OUTPUT2' does not exist or cannot be used for this type of transaction."
        '"},{"Message":"The TaxType code \'OUTPUT2\' cannot be used with account code \'200\'."}]'
        '},{"InvoiceNumber":"INV-2","ValidationErrors":[{"Message":"Tax rate must be Active"}]},'
        '{"CreditNoteNumber":"CN-7","ValidationErrors":[{"Message":"The invoice of credit note '
        'does not exist in XERO"}]}]}'
    )
    found = {m.error_id: m for m in diagnoser.diagnose(text)}
    assert found["tax-type-invalid"].values == {
        "invoice_number": "INV-1",
        "tax_code": "OUTPUT2",
        "account_code": "200",
    }
    assert found["tax-type-invalid"].confidence == 1.0
    assert found["tax-rate-inactive"].values == {"invoice_number": "INV-2"}
    assert found["credit-note-invoice-missing"].values == {"credit_note_number": "CN-7"}


def test_prefix_before_an_envelope(diagnoser):
    text = (
        'Invoice: INV-77 - {"ErrorNumber":10,"Type":"ValidationException","Elements":[{'
        '"ValidationErrors":[{"Message":"Invoice # must be unique"}]}]}'
    )
    match = only(diagnoser.diagnose(text), "invoice-number-duplicate")
    assert match.values == {"invoice_number": "INV-77"}


def test_record_fields_win_over_a_prefix_before_the_envelope(diagnoser):
    text = (
        'Invoice: INV-77 - {"Elements":[{"InvoiceNumber":"INV-1","ValidationErrors":[{"Message":'
        '"Invoice # must be unique"}]},{"InvoiceNumber":"INV-2","ValidationErrors":[{"Message":'
        '"Invoice # must be unique"}]}]}'
    )
    found = sorted(m.values["invoice_number"] for m in diagnoser.diagnose(text))
    assert found == ["INV-1", "INV-2"]


def test_log_lines_each_with_an_envelope(diagnoser):
    lines = [
        f'2024-05-01 10:00:0{i} ERROR {{"ErrorNumber":10,"Type":"ValidationException",'
        f'"Elements":[{{"InvoiceNumber":"INV-{i}","ValidationErrors":[{{"Message":'
        f'"Invoice # must be unique"}}]}}]}}'
        for i in range(5)
    ]
    lines[2] = lines[2][:-30]  # one line cut off by the logger
    matches = diagnoser.diagnose("\n".join(lines))
    assert {m.values.get("invoice_number") for m in matches} >= {"INV-0", "INV-1", "INV-3"}


# -- several errors, repeats, distinct values --------------------------------------------------


def test_several_errors_in_one_text(diagnoser):
    text = (
        "Invoice: INV-1 - Invoice # must be unique\n"
        "Tax rate must be Active; Account code must be specified\n"
        "Service Unavailable - Fail to connect - The server is temporarily unable to service "
        "your request. Please try again later."
    )
    assert {m.error_id for m in diagnoser.diagnose(text)} == {
        "invoice-number-duplicate",
        "tax-rate-inactive",
        "line-account-code-missing",
        "service-unavailable",
    }


def test_same_error_different_values_is_one_match_each(diagnoser, samples):
    rng = random.Random(7)
    lines = [
        f"Invoice: {inv} - The TaxType code OUTPUT2 does not exist or cannot be used for this "
        f"type of transaction. The TaxType code OUTPUT2 cannot be used with account code 200."
        for inv in ("INV-1", "INV-2", "INV-1", "INV-3", "INV-1")
    ]
    matches = diagnoser.diagnose(samples.log(lines, rng, 300))
    counts = {m.values["invoice_number"]: m.count for m in matches}
    assert counts == {"INV-1": 3, "INV-2": 1, "INV-3": 1}
    assert all(m.error_id == "tax-type-invalid" for m in matches)
    assert all(m.values["tax_code"] == "OUTPUT2" for m in matches)


def test_repeated_same_message_is_one_match_with_a_count(diagnoser):
    text = "\n".join(["Tax rate must be Active"] * 4)
    (match,) = diagnoser.diagnose(text)
    assert (match.error_id, match.count, match.line) == ("tax-rate-inactive", 4, 1)


def test_a_bare_message_beside_its_full_line_is_the_same_occurrence(diagnoser):
    text = (
        "I get 'Invoice # must be unique', the log says Invoice: INV-5 - Invoice # must be unique"
    )
    (match,) = diagnoser.diagnose(text)
    assert match.values == {"invoice_number": "INV-5"}
    assert match.count == 2


def test_characters_that_lower_to_two_keep_values_exact(diagnoser):
    text = "İstanbul office: Invoice: İNV-1 - Invoice # must be unique"
    (match,) = diagnoser.diagnose(text)
    assert match.values == {"invoice_number": "İNV-1"}


def test_match_reports_where_it_is(diagnoser):
    text = "first line\nsecond line\nthird: Tax rate must be Active"
    (match,) = diagnoser.diagnose(text)
    assert match.line == 3
    assert text[slice(*match.span)] == "Tax rate must be Active"


def test_best_match_first(diagnoser):
    text = "Tax rate must be Act\nInvoice: INV-1 - Invoice # must be unique"
    assert [m.error_id for m in diagnoser.diagnose(text)] == [
        "invoice-number-duplicate",
        "tax-rate-inactive",
    ]


def test_to_json_has_only_the_public_fields(diagnoser):
    (match,) = diagnoser.diagnose("Tax rate must be Active")
    assert match.to_json() == {
        "error_id": "tax-rate-inactive",
        "confidence": 1.0,
        "values": {},
        "how": "exact",
    }


# -- cut-off messages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error_id"),
    [
        ("Tax rate must be Act", "tax-rate-inactive"),
        ("The Code field is requ", "account-code-missing"),
        ("Account code must be spec...", "line-account-code-missing"),
        ("Object reference not set to an instance of an obj\u2026", "object-reference"),
        ('"Message": "Invoice # must be uni"', "invoice-number-duplicate"),
        ("Service Unavailable - Fail to con", "service-unavailable"),
        (
            "The TaxType code OUTPUT2 cannot be used with account code \nnext line",
            "tax-type-invalid",
        ),
    ],
)
def test_cut_off(diagnoser, text, error_id):
    (match,) = diagnoser.diagnose(text)
    assert match.error_id == error_id
    assert match.truncated
    assert 0.6 <= match.confidence <= 0.75


@pytest.mark.parametrize(
    "text",
    [
        "Tax rate must be",  # "... must be valid" just as well
        "Account code must be",  # "... must be unique"
        "Tax rate must be A",
        "Service Unavailable",
        "Service Unavailable - Fail to",
        "Object reference not set",
        "The TaxType code OUTPUT2",
        "Account code 400 is not a valid code",
        "The Code field is required2",
        "Invoice # must be uniq and more text after it",
        "Payments can only be made against",
    ],
)
def test_too_little_of_a_cut_off_phrase_is_nothing(diagnoser, text):
    assert diagnoser.diagnose(text) == []


def test_cut_off_second_sentence_keeps_the_first(diagnoser):
    text = (
        "Invoice: INV-9 - The TaxType code NONE does not exist or cannot be used for this type "
        "of transaction. The TaxType code NONE cannot be use"
    )
    (match,) = diagnoser.diagnose(text)
    assert (match.confidence, match.truncated) == (0.8, True)
    assert match.values == {"invoice_number": "INV-9", "tax_code": "NONE"}


# -- things that are not one of the 14 ---------------------------------------------------------

NOT_IN_THE_GUIDE = [
    "Tax rate must be valid.",
    "Account code '400' has been archived, or has been deleted.",
    "The TaxType code 'X' is not valid",
    "The TaxType code 'OUTPUT2' is not valid for this account",
    "Invoice not of valid status for modification",
    "Contact name must be unique",
    "Please try again later",
    "Service Unavailable",
    "The remote server returned an error: (503) Server Unavailable.",
    "Account code must be unique",
    "The document date cannot be before the end of year lock date",
    "The document date cannot be before the period lock date",
    "Organisation is not subscribed to currency USD",
    "Token expired",
    "The access token has expired",
    "AuthenticationUnsuccessful",
    "You have exceeded the minute rate limit",
    "Rate limit exceeded. Please retry after 60 seconds",
    "Email address must be valid.",
    "A Contact must be specified",
    "Line Items must be specified",
    "Invoice Date must be specified",
    "Account code '400' is not a valid code",
    "Payment amount must be greater than zero",
    "Payment amount cannot be zero",
    "The invoice has already been paid",
    "Credit Note number must be unique",
    "Reference must be unique",
    "The Account Number field is required",
    "The Name field is required",
    "TaxRate 'OUTPUT2' is inactive",
    "Tax rate is not active",
    "Account type is invalid",
    "Unable to connect to the remote server",
    "The operation has timed out.",
    "An error occurred in Xero. Check the API Status page for current service status.",
    "Overpayment amount exceeds the amount outstanding on this document",
    "NullReferenceException: Object reference",
    "Invoice: INV-9 - Contact name must be unique",
    "Payment: Invoice INV-9, Amount: £ 10.00, Account Code: 090 - Payment date is in the future",
    "Credit Note: CN-1 - Credit note date cannot be before the end of year lock date",
    "Account: Petty Cash - Account code must be unique",
    '{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception '
    'occurred","Elements":[{"InvoiceNumber":"INV-1","ValidationErrors":[{"Message":'
    '"Invoice not of valid status for modification"}]}]}',
    '{"Title":"Unauthorized","Status":401,"Detail":"AuthenticationUnsuccessful"}',
    "",
    "   \n\t ",
]


@pytest.mark.parametrize("text", NOT_IN_THE_GUIDE)
def test_other_xero_errors_are_not_claimed(diagnoser, text):
    assert diagnoser.diagnose(text) == []
    assert diagnoser.diagnose(f"Hi, the sync says: {text}\nAny idea?") == []


def test_our_wording_without_its_values_is_ours_only_approximately(diagnoser):
    # Error 4's second sentence as help pages quote it: every word of it, no values.
    text = "The TaxType code cannot be used with account code"
    assert diagnoser.diagnose_exactly(text) == []
    (match,) = diagnoser.diagnose(text)
    assert (match.error_id, match.how, match.values) == ("tax-type-invalid", "approximate", {})


# -- robustness --------------------------------------------------------------------------------

ADVERSARIAL = [
    "Invoice: " * 120_000,
    "The TaxType code " * 60_000,
    "The TaxType code OUTPUT2 " * 40_000,
    "a" * 10**6,
    " " * 10**6,
    "\n" * 10**6,
    "{" * 10**6,
    '{"ErrorNumber":' * 60_000,
    '{"Message":"' * 80_000,
    '{"Message":"x"}' * 60_000,
    "Account: " + "x " * 500_000 + "- The Code field is required",
    "Payment: Invoice " + "1," * 500_000,
    "Account code " * 80_000,
    "Tax rate must be Act\n" * 48_000,  # many cut-off hits: linear, but each costs a little
    "Invoice: INV-1 - " * 60_000 + "Invoice # must be unique",
    "'" * 10**6,
    "-" * 10**6,
    "a\u200b" * 500_000,  # invisible characters to drop
    "&amp;" * 200_000,  # entities to decode
    "\u0406nv\u043e\u0456ce # must be un\u0456que " * 40_000,  # look-alikes, all exact
    "Acount cde is not a vaild code for ths document " * 20_000,  # work for the approximate rung
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: repr(t[:24]))
def test_adversarial_input_completes_quickly(diagnoser, text):
    seconds, matches = cpu_seconds(lambda: diagnoser.diagnose(text))
    assert seconds < 2.0
    assert all(0 < m.confidence <= 1 for m in matches)


def test_a_log_of_many_distinct_records_is_counted_in_near_linear_time(diagnoser):
    # Each distinct invoice is its own match; folding repeats once took quadratic time.
    text = "\n".join(f"Invoice: INV-{i} - Invoice # must be unique" for i in range(4000))
    seconds, matches = cpu_seconds(lambda: diagnoser.diagnose(text))
    assert seconds < 1.0
    assert len(matches) == 4000
    assert {m.count for m in matches} == {1}


# Shapes that have made text engines slow: a phrase's start over and over, an unclosed quote
# running on, many distinct records, entities and invisible characters, our words jumbled.
_PIECES = [
    "Tax rate must be Act\n",
    "The TaxType code ",
    "Account: '",
    "Invoice: INV-{n} - Invoice # must be unique\n",
    "Payment: Invoice {n}, Amount: £ {n}, Account Code: {n} - ",
    '{"Message":"',
    "&amp;\u200b",
    "the invoice of credit note payment account code does not exist ",
    "Acount cde is not a vaild code for ths document … ",
    "\u0406nv\u043e\u0456ce # must be un\u0456que ",
]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pieces=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=3),
    size=st.integers(min_value=20_000, max_value=300_000),
)
def test_any_shape_of_input_takes_time_in_proportion_to_its_size(pieces, size):
    unit = "".join(pieces)
    count = size // len(unit) + 1
    text = "".join(unit.replace("{n}", str(i)) for i in range(count))[:size]
    seconds, _ = cpu_seconds(lambda: _DIAGNOSER.diagnose(text))
    # Under a second a megabyte, with room for a slow machine.
    assert seconds < 0.1 + 1.5 * len(text) / 1_000_000


def test_huge_repeated_message_is_counted(diagnoser):
    (match,) = diagnoser.diagnose("Tax rate must be Active. " * 40_000)
    assert match.count == 40_000


# -- a new error is data, not code -------------------------------------------------------------


def _new_entry(**fields: object) -> ErrorEntry:
    base: dict[str, object] = dict(
        id="tracking-option-inactive",
        number=15,
        title="A tracking option is archived in Xero",
        short_title="Tracking option archived",
        record_type="invoice",
        message="Invoice: [invoice number] - The tracking option [option] is not active",
        phrases=("The tracking option {tracking_option} is not active",),
        explanation=("...",),
        steps=(),
        support="never",
        prefix="Invoice: {invoice_number} -",
    )
    base.update(fields)
    return ErrorEntry(**base)  # type: ignore[arg-type]


def test_a_fifteenth_error_needs_only_data(entries):
    diagnoser = Diagnoser([*entries, _new_entry()])
    text = "Invoice: JL10234 - The tracking option 'North-West' is not active."
    (match,) = diagnoser.diagnose(text)
    assert match.error_id == "tracking-option-inactive"
    assert match.values == {"invoice_number": "JL10234", "tracking_option": "North-West"}
    assert match.confidence == 1.0
    cut = diagnoser.diagnose("The tracking option X12 is not act")
    assert [(m.error_id, m.truncated) for m in cut] == [("tracking-option-inactive", True)]
    # ... and the 14 are unaffected.
    assert [m.error_id for m in diagnoser.diagnose("Tax rate must be Active")] == [
        "tax-rate-inactive"
    ]


def test_a_new_error_with_known_placeholders_reads_their_shapes(entries):
    entry = _new_entry(
        id="credit-note-amount-invalid",
        phrases=("Credit note amount {amount} is more than invoice {invoice_number} allows",),
        prefix="Credit Note: {credit_note_number} -",
    )
    diagnoser = Diagnoser([*entries, entry])
    text = "Credit Note: CR10001 - Credit note amount 1,250.00 is more than invoice INV-1 allows"
    (match,) = diagnoser.diagnose(text)
    assert match.values == {
        "credit_note_number": "CR10001",
        "amount": "1,250.00",
        "invoice_number": "INV-1",
    }


def test_entries_need_distinct_ids_and_some_phrases(entries):
    with pytest.raises(ValueError, match="twice"):
        Diagnoser([*entries, entries[0]])
    with pytest.raises(ValueError, match="no phrases"):
        Diagnoser([_new_entry(phrases=())])


def test_diagnoser_knows_its_errors(diagnoser, entries):
    assert diagnoser.error_ids[0] == "service-unavailable"
    assert len(diagnoser.error_ids) == len(entries)


# -- properties --------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_gives_well_formed_matches(text):
    for match in _DIAGNOSER.diagnose(text):
        assert match.error_id in _DIAGNOSER.error_ids
        assert 0 < match.confidence <= 1
        assert match.count >= 1
        assert all(isinstance(v, str) and v for v in match.values.values())


_INVOICE = st.from_regex(r"\A[A-Z]{0,4}[-/]?[0-9]{1,7}(/[0-9])?\Z")
_TAX = st.from_regex(r"\A[A-Z][A-Z0-9]{1,19}\Z")
_ACCOUNT = st.from_regex(r"\A[0-9A-Z]{1,6}([-.][0-9]{1,3})?\Z")
_NAME = st.from_regex(r"\A[A-Z][a-z]{1,8}( [&'A-Za-z0-9-]{1,8}){0,3}\Z")


@settings(max_examples=300, deadline=None)
@given(invoice=_INVOICE, tax=_TAX, account=_ACCOUNT, quote=st.sampled_from(["", "'", '"']))
def test_tax_type_values_are_exact(invoice, tax, account, quote):
    text = (
        f"Invoice: {invoice} - The TaxType code {quote}{tax}{quote} does not exist or cannot be "
        f"used for this type of transaction. The TaxType code {quote}{tax}{quote} cannot be used "
        f"with account code {quote}{account}{quote}."
    )
    (match,) = _DIAGNOSER.diagnose(text)
    assert match.values == {"invoice_number": invoice, "tax_code": tax, "account_code": account}


@settings(max_examples=200, deadline=None)
@given(name=_NAME)
def test_account_names_are_exact(name):
    (match,) = _DIAGNOSER.diagnose(f"Account: {name} - The Code field is required")
    assert match.values == {"account_name": name}


_DIAGNOSER = Diagnoser(read_source().errors)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Account: 'Sales' - The Code field is required", "Sales"),
        ("Account: \u2018Director's Loan\u2019 - The Code field is required", "Director's Loan"),
        ("Account: Director's Loan - The Code field is required", "Director's Loan"),
        ('Account: "Petty Cash" - The Code field is required', "Petty Cash"),
    ],
)
def test_quoted_account_names_lose_their_quotes_but_keep_apostrophes(diagnoser, text, name):
    (match,) = diagnoser.diagnose(text)
    assert match.values == {"account_name": name}
