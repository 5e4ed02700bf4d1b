from __future__ import annotations

import json
import random
import time

import pytest

from bot.diagnosis import Match, Plan, Record, triage

TAX = (
    "Invoice: {inv} - The TaxType code OUTPUT2 does not exist or cannot be used for this type "
    "of transaction. The TaxType code OUTPUT2 cannot be used with account code 200."
)
LINES = [
    TAX.format(inv="INV-1"),
    "Invoice: INV-7 - Invoice # must be unique",
    TAX.format(inv="INV-2"),
    "Service Unavailable - Fail to connect - The server is temporarily unable to service your "
    "request. Please try again later.",
    "Credit Note: CN-3 - The invoice of credit note does not exist in XERO",
    "Account: Petty Cash - The Code field is required",
    TAX.format(inv="INV-1"),
    "Payment: Invoice INV-5, Amount: £ 1,234.50, Account Code: 090 - Account type is invalid "
    "for making a payment to/from",
    "Invoice: INV-8 - The Account Number already exists. Please enter a different Account Number",
    "Invoice: INV-9 - Contact name must be unique",
    "Object reference not set to an instance of an object",
    "Service Unavailable - Fail to connect - The server is temporarily unable to service your "
    "request. Please try again later.",
]


@pytest.fixture(scope="module")
def log(samples) -> str:
    return samples.log(LINES, random.Random(3), 400)


def test_plan_orders_connection_then_set_up_then_records_then_support(log, entries):
    plan = triage(log, entries)
    assert [item.error_id for item in plan.items] == [
        "service-unavailable",
        "tax-type-invalid",  # set-up, two invoices
        "account-code-missing",  # set-up, one record each, by guide number
        "payment-account-type-invalid",
        "account-number-exists",  # per record
        "credit-note-invoice-missing",
        "object-reference",  # only support can clear these
        "invoice-number-duplicate",
    ]
    assert [item.stage for item in plan.items[:2]] == ["connection", "set-up"]
    assert plan.items[-1].needs_support


def test_plan_counts_and_names_the_records(log, entries):
    plan = triage(log, entries)
    items = {item.error_id: item for item in plan.items}
    tax = items["tax-type-invalid"]
    assert tax.count == 3
    assert [(r.values["invoice_number"], r.count) for r in tax.records] == [
        ("INV-1", 2),
        ("INV-2", 1),
    ]
    assert items["service-unavailable"].count == 2
    assert items["payment-account-type-invalid"].records[0].values == {
        "invoice_number": "INV-5",
        "amount": "1,234.50",
        "account_code": "090",
    }
    assert plan.failures == 11
    (line,) = plan.unrecognised
    assert line.endswith("ERROR Invoice: INV-9 - Contact name must be unique")


def test_first_step_is_filled_with_values_all_records_share(log, entries):
    items = {item.error_id: item for item in triage(log, entries).items}
    where, text = items["tax-type-invalid"].first_step
    assert where.startswith("Xero › Accounting")
    assert "OUTPUT2" in text and "200" in text and "INV-1" not in text
    assert "Petty Cash" in items["account-code-missing"].first_step[1]


def test_render(log, entries):
    text = triage(log, entries).render()
    assert text.startswith("Sync log triage: 8 errors, 11 failures.")
    assert "Step 1 · 1. Xero's service is temporarily unavailable — 2 times" in text
    assert "4. Xero won't accept the tax code on an invoice — 3 times, 2 records" in text
    assert "  - invoice INV-1, tax code OUTPUT2, account code 200 (×2)" in text
    assert "  - invoice INV-5, £1,234.50, account code 090" in text
    assert '  - account "Petty Cash"' in text
    assert "Needs Joblogic support." in text
    assert "Joblogic support can help:" in text
    assert "Lines not recognised" in text and "Contact name must be unique" in text
    assert text.index("Step 1 ·") < text.index("Step 2 ·") < text.index("Step 8 ·")


def test_to_json_round_trips(log, entries):
    data = triage(log, entries).to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["errors"] == 8 and data["failures"] == 11
    first = data["items"][0]
    assert first["error_id"] == "service-unavailable"
    assert set(first) == {
        "error_id",
        "number",
        "title",
        "stage",
        "support",
        "count",
        "records",
        "first_step",
        "handover",
    }


def test_triage_of_matches(entries, diagnoser):
    matches = diagnoser.diagnose(
        "Tax rate must be Active\nInvoice: INV-1 - Invoice # must be unique"
    )
    plan = triage(matches, entries)
    assert [i.error_id for i in plan.items] == ["tax-rate-inactive", "invoice-number-duplicate"]
    assert plan.unrecognised == ()


def test_empty_log(entries):
    plan = triage("2024-05-01 INFO all good\n", entries)
    assert plan == Plan(items=(), unrecognised=())
    assert plan.render() == "Sync log triage: no known Xero sync errors found."


def test_unknown_error_fails_loudly(entries):
    with pytest.raises(ValueError, match="not-an-error"):
        triage([Match("not-an-error", 1.0)], entries)


def test_many_records_are_shortened(entries):
    log = "\n".join(f"Invoice: INV-{n} - Invoice # must be unique" for n in range(30))
    text = triage(log, entries).render()
    assert "30 times, 30 records" in text
    assert "… and 18 more" in text


def test_record_described_without_values():
    assert Record({}, 2).describe() == "record not named in the log"
    assert Record({"tracking_option": "North"}).describe() == "tracking option North"


def test_big_log_triage_is_quick(samples, entries, diagnoser):
    rng = random.Random(11)
    lines = [TAX.format(inv=f"INV-{n}") for n in range(200)]
    log = samples.log(lines, rng, 5000)
    started = time.perf_counter()
    plan = triage(log, entries, diagnoser)
    assert time.perf_counter() - started < 2.0
    assert len(plan.items[0].records) == 200
