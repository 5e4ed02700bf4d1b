from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.diagnosis.envelope import find_envelopes
from harness.timing import cpu_seconds

ENVELOPE = {
    "ErrorNumber": 10,
    "Type": "ValidationException",
    "Message": "A validation exception occurred",
    "Elements": [
        {
            "InvoiceNumber": "INV-1",
            "ValidationErrors": [{"Message": "first."}, {"Message": "second."}],
        },
        {
            "Invoice": {"InvoiceNumber": "INV-2"},
            "Account": {"Code": "090"},
            "ValidationErrors": [{"Message": "payment"}],
        },
        {"CreditNoteNumber": "CN-1", "ValidationErrors": [{"Message": "credit"}]},
    ],
}


def texts(text: str) -> list[tuple[str, dict[str, str]]]:
    return [(m.text, m.values) for e in find_envelopes(text) for m in e.messages]


def test_reads_each_element_with_its_record_values():
    assert texts(json.dumps(ENVELOPE)) == [
        ("A validation exception occurred", {}),
        ("first.\nsecond.", {"invoice_number": "INV-1"}),
        ("payment", {"invoice_number": "INV-2", "account_code": "090"}),
        ("credit", {"credit_note_number": "CN-1"}),
    ]


def test_finds_it_inside_text_and_reports_where():
    raw = json.dumps(ENVELOPE, indent=2)
    text = f"the sync said:\n{raw}\nthanks"
    (envelope,) = find_envelopes(text)
    assert text[envelope.start : envelope.end] == raw


def test_closes_up_a_cut_off_envelope():
    raw = json.dumps(ENVELOPE)
    cut = raw[: raw.index("second.") + 3]
    assert texts(cut)[-1] == ("first.\nsec", {"invoice_number": "INV-1"})


def test_cut_off_at_awkward_places():
    raw = json.dumps(ENVELOPE)
    for end in range(raw.index('"Elements"'), len(raw)):
        find_envelopes(raw[:end])  # never raises
    assert texts(raw[: raw.index("first.") - 2])  # just after "Message":
    assert texts('{"Message": "Tax rate must be Active", "Inv\\u00')[0][0] == (
        "Tax rate must be Active"
    )


def test_cut_off_envelope_inside_a_log_line():
    raw = json.dumps(ENVELOPE)
    text = f"10:00 ERROR {raw[:200]}\n10:01 INFO next line"
    assert any(values == {"invoice_number": "INV-1"} for _, values in texts(text))


def test_envelope_logged_as_a_string():
    text = json.dumps({"level": "error", "response": json.dumps(ENVELOPE)})
    assert ("credit", {"credit_note_number": "CN-1"}) in texts(text)


def test_ignores_what_is_not_an_envelope():
    assert find_envelopes("no braces at all") == []
    assert find_envelopes('{"a": 1} {not json} {"Type": "x"}') == []
    assert find_envelopes("{" * 10_000) == []
    assert find_envelopes('{"ErrorNumber":' * 10_000) == []


def test_non_text_fields_are_not_messages():
    assert texts('{"Type": "ValidationException", "Message": "x", "InvoiceNumber": 7}') == [
        ("x", {"invoice_number": "7"})
    ]


# -- other envelopes: Xero's XML, summarizeErrors=false batches, problem details ---------------
# The bodies in fixtures/ copy real ones; fixtures/README.md names the source of each.

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_xml_api_exception():
    # Values come from the same element, however far from its message (after the contact, here).
    assert texts(fixture("api_exception_invoice.xml")) == [
        ("A validation exception occurred", {}),
        (
            "Invoice # must be unique.",
            # Both lines agree on their tax type and account code, so the invoice has them.
            {"invoice_number": "INV-0042", "tax_code": "OUTPUT2", "account_code": "200"},
        ),
    ]


def test_xml_payment_gives_its_invoice_account_and_amount():
    assert texts(fixture("api_exception_payment.xml"))[-1] == (
        "Payment amount exceeds the amount outstanding on this document",
        {"invoice_number": "INV-0007", "account_code": "090", "amount": "250.00"},
    )


def test_xml_cut_off_or_in_a_log_line():
    raw = fixture("api_exception_invoice.xml")
    cut = raw[: raw.index("be unique") + 5]
    assert texts(f"Xero said:\n{cut}")[-1] == ("Invoice # must be un", {})
    # Cut inside a tag, then the customer's own words: the body stops on the line before.
    cut = raw[: raw.index("<Warnings />") + 5] + "\n\nThanks, Dave"
    (envelope,) = find_envelopes(cut)
    assert envelope.messages[-1].text == "Invoice # must be unique."
    assert "Thanks" not in cut[envelope.start : envelope.end]
    line = " ".join(raw.split())  # logged on one line, then cut off by the log
    text = f"10:00 ERROR {line[:700]}\n10:01 INFO next invoice"
    (envelope,) = find_envelopes(text)
    assert envelope.messages[-1].text == "Invoice # must be unique."
    assert text[envelope.end :] == "\n10:01 INFO next invoice"
    for end in range(raw.index("<ApiException"), len(raw), 7):
        find_envelopes(raw[:end])  # never raises


def test_xml_logged_inside_json():
    raw = fixture("api_exception_payment.xml")
    assert texts(json.dumps({"level": "error", "response": raw}))[-1][1]["amount"] == "250.00"
    escaped = "Response: " + " ".join(raw.split()).replace('"', '\\"')  # quotes backslashed
    assert texts(escaped)[-1][0].startswith("Payment amount exceeds")


def test_xml_expands_no_entities():
    bomb = (
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<ApiException><Message>&b; &amp; &#65;&#x42; &lt;x&gt;</Message></ApiException>"
    )
    assert texts(bomb) == [("&b; & AB <x>", {})]


def test_xml_batch_reply_reads_only_failed_records():
    # summarizeErrors=false in XML: <Response><Invoices><Invoice status="ERROR">...
    text = (
        '<Response xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Status>OK</Status>'
        '<Invoices><Invoice status="OK"><InvoiceNumber>INV-1</InvoiceNumber><Warnings><Warning>'
        "<Message>Rounding</Message></Warning></Warnings></Invoice>"
        '<Invoice status="ERROR"><ValidationErrors><ValidationError><Message>Invoice # must be '
        "unique.</Message></ValidationError></ValidationErrors><InvoiceNumber>INV-2"
        "</InvoiceNumber></Invoice></Invoices></Response>"
    )
    assert texts(text) == [("Invoice # must be unique.", {"invoice_number": "INV-2"})]


def test_batch_reply_reads_only_failed_records():
    # OK and WARNING records went through: neither they nor their warnings are messages.
    assert texts(fixture("has_errors_invoices.json")) == [
        (
            "The TaxType code 'OUTPUT2' does not exist or cannot be used for this type of "
            "transaction.\nThe TaxType code 'OUTPUT2' cannot be used with account code '200'.",
            {"invoice_number": "INV-0045", "tax_code": "OUTPUT2", "account_code": "200"},
        )
    ]
    assert texts(fixture("has_errors_payments.json")) == [
        (
            "Account type is invalid for making a payment to/from",
            {"invoice_number": "INV-0007", "account_code": "090", "amount": "250.00"},
        )
    ]


def test_batch_records_that_went_through_say_nothing():
    for record in (
        {"HasErrors": False, "Message": "x"},
        {"StatusAttributeString": "OK", "ValidationErrors": [{"Message": "x"}]},
        {"StatusAttributeString": "WARNING", "Warnings": [{"Message": "x"}]},
        {"hasErrors": False, "detail": "x"},
    ):
        assert texts(json.dumps({"Invoices": [record]})) == [], record
    # Xero names a record's error "Description" in some replies (Receipts, Expense claims).
    failed = {"StatusAttributeString": "ERROR", "ValidationErrors": [{"Description": "y"}]}
    assert texts(json.dumps({"Receipts": [failed]})) == [("y", {})]


def test_problem_details():
    assert texts(fixture("problem_validation.json")) == [
        ("One or more validation errors occurred.", {}),
        ("The Code field is required.", {}),  # errors: {"Code": [...]}
    ]
    assert [t for t, _ in texts(fixture("problem_payroll.json"))] == [
        "BadRequest",
        "Validation error occurred.",
        "Please add a salary & wage.",  # invalidFields[].reason
    ]
    assert [t for t, _ in texts(fixture("problem_unauthorized.json"))] == [
        "Unauthorized",
        "TokenExpired: token expired at 05/01/2024 10:16:59",
    ]
    # An error's code sits beside its message: only the message is text.
    assert [t for t, _ in texts(fixture("problem_proxy.json"))] == [
        "Xero rejected the invoice",
        "Invoice: INV-0042 - Invoice # must be unique",
        "Invoice # must be unique.",
    ]


def test_record_values_as_written_and_only_when_unambiguous():
    payment = '{"Payments":[{"Invoice":{"InvoiceNumber":"INV-7"},"Amount":250.00,"HasErrors":true,"ValidationErrors":[{"Message":"m"}]}]}'
    assert texts(payment) == [("m", {"invoice_number": "INV-7", "amount": "250.00"})]
    # Lines that disagree on their tax type give none; they agree on the account code.
    lines = [{"TaxType": "OUTPUT2", "AccountCode": "200"}, {"TaxType": "NONE", "AccountCode": "200"}]
    invoice = {"InvoiceNumber": 42, "LineItems": lines, "ValidationErrors": [{"Message": "m"}]}
    assert texts(json.dumps({"Elements": [invoice]})) == [
        ("m", {"invoice_number": "42", "account_code": "200"})
    ]
    # An account's TaxType is its default, not the document's; its Name is the account name.
    account = {"AccountID": "a1", "Code": "", "Name": "Petty Cash", "TaxType": "INPUT2"}
    account["ValidationErrors"] = [{"Message": "The Code field is required."}]
    assert texts(json.dumps({"Elements": [account]})) == [
        ("The Code field is required.", {"account_name": "Petty Cash"})
    ]
    # camelCase, as SDKs log them.
    camel = {"invoiceNumber": "INV-9", "validationErrors": [{"message": "m"}]}
    assert texts(json.dumps({"elements": [camel]})) == [("m", {"invoice_number": "INV-9"})]


# -- end to end: the diagnoser reads the errors and their values out of every body -------------


@pytest.mark.parametrize(
    ("name", "error_id", "values"),
    [
        ("api_exception_invoice.xml", "invoice-number-duplicate", {"invoice_number": "INV-0042"}),
        (
            "api_exception_payment.xml",
            "payment-exceeds-outstanding",
            {"invoice_number": "INV-0007", "account_code": "090", "amount": "250.00"},
        ),
        (
            "has_errors_invoices.json",
            "tax-type-invalid",
            {"invoice_number": "INV-0045", "tax_code": "OUTPUT2", "account_code": "200"},
        ),
        (
            "has_errors_payments.json",
            "payment-account-type-invalid",
            {"invoice_number": "INV-0007", "account_code": "090", "amount": "250.00"},
        ),
        ("problem_validation.json", "account-code-missing", {}),
        ("problem_proxy.json", "invoice-number-duplicate", {"invoice_number": "INV-0042"}),
    ],
)
def test_diagnoses_each_body(diagnoser, name, error_id, values):
    text = f"Hi, the sync failed with this:\n\n{fixture(name)}\n\nThanks, Dave"
    matches = [m for m in diagnoser.diagnose(text) if m.error_id == error_id]
    assert len(matches) == 1, diagnoser.diagnose(text)
    assert {k: v for k, v in matches[0].values.items() if k in values} == values
    assert matches[0].confidence >= 0.9


def test_diagnoses_a_cut_off_xml_body(diagnoser):
    raw = fixture("api_exception_invoice.xml")
    (match,) = diagnoser.diagnose(raw[: raw.index("be unique") + 6])
    assert (match.error_id, match.truncated) == ("invoice-number-duplicate", True)


# -- cost: linear in the text, whatever its shape ----------------------------------------------


def _seconds(text: str) -> float:
    """Return the CPU time ``find_envelopes(text)`` takes (a busy machine slows the clock).

    The garbage collector is paused: late in a full test run its full collections walk every
    object the earlier tests left, which makes any allocating code look super-linear.
    """
    return cpu_seconds(lambda: find_envelopes(text))[0]


def test_a_long_unclosed_string_is_cheap():
    # 32 KB cut off inside a string, then a character a literal can't hold: ~11 s before.
    for after in ('\\" more', ", more", "}x", ":x"):
        assert _seconds('{"Message": "' + "a" * 32 * 1024 + after) < 0.2


def test_many_envelopes_in_a_long_log_are_all_found():
    body = json.dumps(ENVELOPE)
    xml = " ".join(fixture("api_exception_payment.xml").split())
    lines = [f"2024-05-01 10:00:{i % 60:02d} INFO invoice INV-{i} sent (200 OK)" for i in range(20_000)]
    for i in range(0, len(lines), 200):
        lines[i] = f"2024-05-01 10:00:00 ERROR {body if i % 400 else xml}"
    text = "\n".join(lines)
    assert len(text) > 1_000_000
    assert len(find_envelopes(text)) == 100


# Pieces of hostile pastes: starts of objects and XML bodies, open strings, escape runs,
# brackets, deep nesting, cut literals, line breaks. A paste is a few pieces, then a few more
# repeated up to a megabyte.
_PIECES = [
    '{"', '{"a":', '{"Message": "', '"', "\\", "\\\\", "[", "]", "{", "}", "[]", "{}", ",", ":",
    "\n", " ", "x", "1", "1.5", "tru", '"ValidationErrors":[', '{"Elements":[{', "<ApiException>",
    "<Message>", "</Message>", "<a>", "</a>", "<!--", "<!DOCTYPE x [", "&amp;", "<",
]
_SIZE = 1_000_000


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(st.sampled_from(_PIECES), max_size=4),
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12),
)
# The slowest shapes found by hand: one tiny envelope or object after another, open lines, a
# megabyte-long escape run or array, a deep array of arrays, XML bodies and tags.
@example([], ['{"Message": "', "x", '"', "}", "\n"])
@example([], ['{"a":', "1", "}", " "])
@example([], ['{"Message": "', "x", "\n"])
@example([], ['{"a":', "[", "1", ",", "\n"])
@example(['{"Message": "'], ["\\"])
@example(['{"Message":', '"', "x", '"', ",", '"a":', "["], ["[", "[", "]", "]", ","])
@example(['{"Message":', '"', "x", '"', ",", '"a":', "["], ["1", ","])
@example([], ["<ApiException>", "<Message>", "x", "</Message>", "\n"])
@example(["<ApiException>"], ["<a>", "1", "</a>"])
def test_any_shape_is_read_in_linear_time(head, pieces):
    unit = "".join(pieces)
    text = "".join(head) + unit * (_SIZE // len(unit) + 1)
    quarter, whole = text[: _SIZE // 4], text[:_SIZE]
    times = [(_seconds(quarter), _seconds(whole))]
    while not _linear(*times[-1]) and len(times) < 3:  # a busy machine: measure again
        times.append((_seconds(quarter), _seconds(whole)))
    assert _linear(min(t for t, _ in times), min(t for _, t in times)), times


def _linear(quarter: float, whole: float) -> bool:
    # Well under a second (about 0.2 s at worst on a laptop), and four times the text takes
    # about four times as long: quadratic would be sixteen; the margin absorbs a busy machine
    # (caches, the collector) without letting a quadratic path through.
    return whole < 1.0 and whole < 10 * quarter + 0.1
