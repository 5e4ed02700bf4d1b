from __future__ import annotations

import json

from bot.diagnosis.envelope import find_envelopes

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
