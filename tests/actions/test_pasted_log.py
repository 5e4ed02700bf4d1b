"""A whole sync log pasted in the chat: triaged, not read error by error."""

from sqlalchemy import select

from actions.diagnosis import ActionDiagnose
from bot import db
from bot.records import DiagnosisRow

from .conftest import make_tracker, slots_set, texts

TAX = (
    "2024-05-01 10:00:0{n} ERROR Invoice: INV-{n} - The TaxType code OUTPUT2 does not exist or "
    "cannot be used for this type of transaction. The TaxType code OUTPUT2 cannot be used with "
    "account code 200."
)
SYNCED = "2024-05-01 10:00:0{n} INFO Invoice: INV-2{n} - Synced"
UNKNOWN = "2024-05-01 10:00:09 ERROR Contact: Acme Ltd - Contact name must be unique"
DUPLICATE = "2024-05-01 10:00:08 ERROR Invoice: JL10234 - Invoice # must be unique"


def _rows(db_url, conversation):
    with db.session_factory(db_url).begin() as session:
        query = select(DiagnosisRow).where(DiagnosisRow.conversation_id == conversation)
        return [(r.error_id, r.how, r.excerpt) for r in session.scalars(query.order_by("id"))]


def test_a_pasted_log_is_planned_unknown_failures_first_one_fix_per_problem(db_url, run):
    log = "\n".join(
        [SYNCED.format(n=1), TAX.format(n=2), SYNCED.format(n=3), TAX.format(n=4)]
        + [DUPLICATE, SYNCED.format(n=5), UNKNOWN]
    )
    messages, events = run(ActionDiagnose(), make_tracker(log, "paste_error", sender_id="log-1"))
    plan = messages[0]["text"]
    assert plan.startswith(
        "I found 4 errors in what you pasted (I left out 3 lines reporting success or information):"
    )
    assert plan.index(UNKNOWN) < plan.index("1. Xero won't accept the tax code")
    assert (
        "1. Xero won't accept the tax code on an invoice "
        "(account code 200, tax code OUTPUT2; invoice INV-2, invoice INV-4) — 2 times"
    ) in plan
    assert "Synced" not in plan
    slots = slots_set(events)
    assert (slots["sync_error"], slots["tax_code"], slots["account_code"]) == (
        "tax-type-invalid",
        "OUTPUT2",
        "200",
    )
    assert slots["invoice_number"] is None  # two invoices: the steps name neither
    assert slots["pending_errors"] == [
        {"error_id": "invoice-number-duplicate", "values": {"invoice_number": "JL10234"}}
    ]
    assert "- You, in Xero (Xero › Accounting › Advanced › Tax rates)" in texts(messages)
    # The report gets the failures, never the lines that went across.
    assert _rows(db_url, "log-1") == [
        ("tax-type-invalid", "pasted", None),
        ("invoice-number-duplicate", "pasted", None),
        (None, "unknown", UNKNOWN),
    ]


def test_a_log_where_nothing_failed(db_url, run):
    log = "\n".join(SYNCED.format(n=n) for n in range(3)) + "\n2024-05-01 Sync completed: 0 errors"
    messages, events = run(ActionDiagnose(), make_tracker(log, "paste_error", sender_id="log-2"))
    assert texts(messages) == (
        "Nothing in what you pasted failed (I left out 4 lines reporting success or information)."
    )
    assert slots_set(events) == {"sync_error": None, "stage": "done"}
    assert _rows(db_url, "log-2") == []


def test_a_log_of_unknown_failures_offers_support_with_only_the_failures(db_url, run):
    log = "\n".join([SYNCED.format(n=1), UNKNOWN, SYNCED.format(n=2)])
    messages, events = run(ActionDiagnose(), make_tracker(log, "paste_error", sender_id="log-3"))
    assert messages[0]["text"] == (
        "I found 1 error in what you pasted "
        "(I left out 2 lines reporting success or information):\n"
        "Not in my help guide, so Joblogic support needs to see it:\n"
        f"- {UNKNOWN}"
    )
    assert slots_set(events)["stage"] == "handover_offer"
    assert _rows(db_url, "log-3") == [(None, "unknown", UNKNOWN)]


def test_a_long_log_goes_through_its_first_fixes_and_says_how_many_are_left(db_url, run):
    tax = [
        f"2024-05-01 10:{n:02d}:00 ERROR Invoice: INV-{n} - The TaxType code CODE{n} does not "
        f"exist or cannot be used for this type of transaction."
        for n in range(15)
    ]  # one fix per tax code: 15 fixes
    unknown = [
        f"2024-05-01 11:{n:02d}:00 ERROR Contact: Acme {n} - " + "name must be unique " * 40
        for n in range(8)
    ]
    messages, events = run(
        ActionDiagnose(), make_tracker("\n".join(tax + unknown), "paste_error", sender_id="log-4")
    )
    plan = messages[0]["text"]
    assert "They come down to 15 fixes" in plan or "The rest come down to 15 fixes" in plan
    assert "10. Xero won't accept the tax code" in plan and "\n11. " not in plan
    assert "… and 5 more fixes. Let's do these 10 first" in plan
    quoted = [line for line in plan.splitlines() if line.startswith("- ") and "Acme" in line]
    assert len(quoted) == 5 and all(len(line) < 320 for line in quoted)
    assert "- … and 3 more" in plan
    assert len(plan) < 4000
    pending = slots_set(events)["pending_errors"]
    assert len(pending) == 9  # the other 9 of the 10 in the chat, one at a time
    assert pending[-1] == {
        "error_id": "tax-type-invalid",
        "values": {"invoice_number": "INV-9", "tax_code": "CODE9"},
    }
