from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.diagnosis import Match, Plan, Record, triage
from bot.diagnosis.triage import UnknownFailure
from bot.replies import value_summary
from harness.timing import cpu_seconds

TAX = (
    "Invoice: {inv} - The TaxType code {tax} does not exist or cannot be used for this type "
    "of transaction. The TaxType code {tax} cannot be used with account code {account}."
)
LINES = [
    TAX.format(inv="INV-1", tax="OUTPUT2", account="200"),
    "Invoice: INV-7 - Invoice # must be unique",
    TAX.format(inv="INV-2", tax="OUTPUT2", account="200"),
    "Service Unavailable - Fail to connect - The server is temporarily unable to service your "
    "request. Please try again later.",
    "Credit Note: CN-3 - The invoice of credit note does not exist in XERO",
    "Account: Petty Cash - The Code field is required",
    TAX.format(inv="INV-1", tax="OUTPUT2", account="200"),
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


def test_every_failure_is_counted_once_known_or_not(log, entries):
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
    # 12 ERROR lines: 11 the guide knows and 1 it doesn't. The unknown one used to be left
    # out of the count ("11 failures"); the 388 INFO, DEBUG and WARN lines are no failures.
    assert (plan.failures, plan.known_failures, plan.unknown_failures) == (12, 11, 1)
    (unknown,) = plan.unknown
    assert unknown.text.endswith("ERROR Invoice: INV-9 - Contact name must be unique")
    assert unknown.count == 1 and log.splitlines()[unknown.line - 1] == unknown.text


def test_each_fix_has_all_its_steps_filled_with_the_values_its_records_share(log, entries):
    items = {item.error_id: item for item in triage(log, entries).items}
    tax = items["tax-type-invalid"]
    assert tax.values == {"tax_code": "OUTPUT2", "account_code": "200"}
    entry = next(e for e in entries if e.id == "tax-type-invalid")
    assert [s.where for s in tax.steps] == [s.where for s in entry.steps]
    assert [s.label for s in tax.steps] == ["1a", "1b", "1c"]  # three alternative routes
    where, text = tax.first_step
    assert where.startswith("Xero › Accounting")
    assert "OUTPUT2" in text and "200" in text
    # Two invoices: the per-invoice step is the general one, not one invoice's.
    assert all("INV-1" not in s.text for s in tax.steps)
    assert "Petty Cash" in items["account-code-missing"].first_step[1]
    duplicate = items["invoice-number-duplicate"]
    assert "INV-7" in duplicate.steps[0].text and len(duplicate.steps) == 2


def test_render(log, entries):
    text = triage(log, entries).render()
    assert text.startswith(
        "Sync log triage: 12 failures: 11 known (8 fixes below, in the order to do them), "
        "1 not in the help guide (listed first)."
    )
    infos = sum(1 for line in log.splitlines() if " INFO " in line or " DEBUG " in line)
    assert f"Not counted: {infos} lines reporting success or information." in text
    unknown = text.index("Not in the help guide")
    assert unknown < text.index("Step 1 ·")
    assert "Contact name must be unique" in text[unknown : text.index("Step 1 ·")]
    assert "Step 1 · 1. Xero's service is temporarily unavailable — 2 times" in text
    assert (
        "4. Xero won't accept the tax code on an invoice (account code 200, tax code OUTPUT2) "
        "— 3 times, 2 records"
    ) in text
    assert "  - invoice INV-1, account code 200, tax code OUTPUT2 (×2)" in text
    # Values in the registry's order (data/kb/value_kinds.yml), as every summary names them.
    assert "  - invoice INV-5, account code 090, £1,234.50" in text
    assert '  - account "Petty Cash"' in text
    assert "Needs Joblogic support." in text
    assert "Joblogic support can help:" in text
    assert "Joblogic support: If you ask, the team changes the tax code" in text
    assert text.index("Step 1 ·") < text.index("Step 2 ·") < text.index("Step 8 ·")
    assert "INFO" not in text and "DEBUG" not in text and "sent to Xero" not in text


def test_to_json_round_trips(log, entries):
    data = triage(log, entries).to_json()
    assert json.loads(json.dumps(data)) == data
    infos = sum(1 for line in log.splitlines() if " INFO " in line or " DEBUG " in line)
    assert (data["failures"], data["errors"], data["fixes"], data["ok_lines"]) == (12, 8, 8, infos)
    assert data["unknown"][0]["text"].endswith("Contact name must be unique")
    first = data["items"][0]
    assert first["error_id"] == "service-unavailable"
    assert set(first) == {
        "error_id",
        "number",
        "title",
        "stage",
        "support",
        "values",
        "count",
        "records",
        "steps",
        "handover",
    }
    assert set(first["steps"][0]) == {"number", "option", "actor", "where", "text"}


def test_triage_of_matches(entries, diagnoser):
    matches = diagnoser.diagnose(
        "Tax rate must be Active\nInvoice: INV-1 - Invoice # must be unique"
    )
    plan = triage(matches, entries)
    assert [i.error_id for i in plan.items] == ["tax-rate-inactive", "invoice-number-duplicate"]
    assert plan.unknown == () and plan.failures == 2


def test_steps_name_their_actors_when_given(entries, source):
    plan = triage(
        "Invoice: INV-1 - Invoice # must be unique",
        entries,
        actors={a.id: a for a in source.actors},
    )
    assert plan.items[0].steps[0].line().startswith("1. You, in Xero (Xero › Business")


def test_empty_log(entries):
    plan = triage("2024-05-01 INFO all good\n", entries)
    assert plan == Plan(items=(), unknown=(), ok_lines=1, log_entries=1)
    assert plan.render() == (
        "Sync log triage: no failures found.\nNot counted: 1 line reporting success or information."
    )


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


def test_a_record_is_described_as_the_chat_summarises_values():
    values = {
        "tracking_option": "North",
        "amount": "12.50",
        "account_name": "Petty Cash",
        "tax_code": "OUTPUT2",
        "account_code": "200",
        "credit_note_number": "CN-7",
        "invoice_number": "INV-1",
    }
    described = Record(values).describe()
    assert described == value_summary(values)
    assert described == (
        'invoice INV-1, credit note CN-7, account "Petty Cash", account code 200, '
        "tax code OUTPUT2, £12.50, tracking option North"
    )


# --- Whole logs: what is a failure, and what isn't --------------------------------------------

SUCCESSES = [
    "2024-05-01 10:00:01 [INFO] Invoice INV-{n} synced successfully",
    "2024-05-01 10:00:01 INFO  Invoice: INV-{n} - Synced",
    "2024-05-01 10:00:01 SUCCESS Credit Note: CN-{n} - Synced",
    "01/05/2024 10:00:01 Invoice: INV-{n} - Skipped - already synced",
    "2024-05-01T10:00:01.123Z DEBUG POST https://api.xero.com/api.xro/2.0/Invoices took {n} ms",
    "2024-05-01 10:00:01 Sync completed: {n} synced, 0 errors",
    "01/05/2024 10:00:01\tInvoice\tINV-{n}\tSynced\tInvoice INV-{n} sent to Xero",
    "Invoice INV-{n} synced successfully",
    "Synced",
    "Success",
    "Completed",
    "Skipped - already synced",
    "0 errors",
    "Payment: Invoice INV-{n}, Amount: £ 12.00 - OK",
    "[Info] Contact 'Acme Facilities Ltd' up to date",
    "Errors: 0",
]
# Lines that report neither: not failures, but not successes either.
NEUTRAL = [
    "2024-05-01 10:00:01 WARN  Xero rate limit: {n} calls left this minute",
    "Refreshing access token",
]
UNKNOWN = [
    "2024-05-01 10:00:01 ERROR Contact: Acme Facilities Ltd - Contact name must be unique",
    "Invoice: INV-{n} - Account code '400' has been archived, or has been deleted.",
    "2024-05-01 10:00:01 WARN  Invoice INV-{n} not synced: the contact is archived in Xero",
    "01/05/2024 10:00:01\tInvoice\tINV-{n}\tFailed\tThe document date is before the lock date",
    "[2024-05-01 10:00:01] production.ERROR: Item: Boiler service - Item code already exists",
    "2024-05-01 10:00:01 | Error | Bill {n} was rejected by Xero",
]
KNOWN = [
    ("2024-05-01 10:00:01 ERROR " + TAX, "tax-type-invalid"),
    ("01/05/2024 10:00:01 [Error] Invoice: INV-{n} - Invoice # must be unique", None),
    ("Invoice: INV-{n} - Tax rate must be Active", "tax-rate-inactive"),
    ("2024-05-01 10:00:01 FATAL Object reference not set to an instance of an object", None),
    ("01/05/2024\tCredit Note\tCN-{n}\tFailed\tThe invoice of credit note does not exist", None),
    ("2024-05-01 10:00:01 ERROR Account: Van {n} Fuel - The Code field is required", None),
]


def _fill(template: str, n: int) -> str:
    return template.format(n=n, inv=f"INV-{n}", tax="OUTPUT2", account="200")


@pytest.mark.parametrize("line", SUCCESSES + NEUTRAL)
def test_success_and_information_are_not_failures(entries, line):
    plan = triage(_fill(line, 7), entries)
    assert plan.failures == 0 and plan.unknown == () and plan.items == ()
    assert plan.ok_lines == (line in SUCCESSES)


@pytest.mark.parametrize("line", UNKNOWN)
def test_unknown_failures_are_listed_in_full(entries, line):
    text = _fill(line, 7)
    plan = triage(text, entries)
    assert plan.unknown == (UnknownFailure(text, 1, 1),)
    assert plan.failures == 1


@pytest.mark.parametrize(("line", "error_id"), KNOWN)
def test_known_failures_in_log_shapes(entries, line, error_id):
    plan = triage(_fill(line, 7), entries)
    assert plan.failures == plan.known_failures == 1
    if error_id:
        assert plan.items[0].error_id == error_id


def test_a_real_failure_is_not_hidden_behind_synced_lines(entries):
    """158 "Synced" lines and 16 failures, one of them unknown to the guide (issue G)."""
    rng = random.Random(16)
    failures = [_fill(KNOWN[i % len(KNOWN)][0], 100 + i) for i in range(15)]
    failures.append("2024-05-01 10:07:00 ERROR Contact: Acme Ltd - Contact name must be unique")
    lines = failures + [f"2024-05-01 10:00:00 INFO Invoice: INV-{n} - Synced" for n in range(158)]
    rng.shuffle(lines)
    plan = triage("\n".join(lines), entries)
    assert plan.failures == 16 and plan.ok_lines == 158
    text = plan.render()
    assert text.startswith("Sync log triage: 16 failures: 15 known")
    assert "Synced" not in text and "more" not in text.split("Step 1 ·")[0]
    head = text.split("Step 1 ·")[0]
    assert "ERROR Contact: Acme Ltd - Contact name must be unique" in head


def test_continuation_lines_belong_to_their_entry(entries):
    log = "\n".join(
        [
            "2024-05-01 10:00:00 DEBUG Xero answered:",
            "{",
            '  "Elements": [{"InvoiceNumber": "INV-4", "ValidationErrors": [',
            '    {"Message": "Invoice # must be unique"}]}]',
            "}",
            "2024-05-01 10:00:00 ERROR Invoice: INV-4 - The TaxType code OUTPUT2 does not exist",
            "or cannot be used for this type of transaction. The TaxType code OUTPUT2 cannot be",
            "used with account code 200.",
            "2024-05-01 10:00:01 ERROR Contact: Acme Ltd - Contact name must be unique",
            "   at Joblogic.Sync.Xero.ContactSync.Push()",
            "Completed",
        ]
    )
    plan = triage(log, entries)
    # The DEBUG dump repeats a message; the wrapped message is one failure, not two.
    assert [(i.error_id, i.count) for i in plan.items] == [("tax-type-invalid", 1)]
    assert plan.items[0].records[0].values == {
        "invoice_number": "INV-4",
        "tax_code": "OUTPUT2",
        "account_code": "200",
    }
    (unknown,) = plan.unknown
    assert unknown.text.endswith(
        "Contact name must be unique\n   at Joblogic.Sync.Xero.ContactSync.Push()"
    )
    assert (plan.failures, plan.ok_lines) == (2, 2)


def test_an_unknown_line_above_a_known_message_is_still_counted(entries):
    log = (
        "Contact: Acme Ltd - Contact name must be unique\n"
        "Object reference not set to an instance of an object"
    )
    plan = triage(log, entries)
    assert [i.error_id for i in plan.items] == ["object-reference"]
    assert [u.text for u in plan.unknown] == ["Contact: Acme Ltd - Contact name must be unique"]


def test_repeated_unknown_failures_are_one_line_counted_each_time(entries):
    log = "\n".join(
        f"2024-05-01 10:0{i}:00 ERROR Contact: Acme Ltd - Contact name must be unique"
        for i in range(3)
    )
    plan = triage(log, entries)
    assert plan.unknown == (
        UnknownFailure(
            "2024-05-01 10:00:00 ERROR Contact: Acme Ltd - Contact name must be unique", 3, 1
        ),
    )
    assert plan.failures == 3 and "(×3)" in plan.render()


def test_known_messages_are_never_read_as_successes(samples, entries):
    """Whatever the guide's messages say, their own words never make them a success."""
    rng = random.Random(5)
    for entry in entries:
        line = samples.make(entry.id, "joblogic", rng).text
        plan = triage(line, entries)
        assert [i.error_id for i in plan.items] == [entry.id], line
        assert plan.ok_lines == 0


# --- One fix for records with the same problem ------------------------------------------------


def test_records_with_the_same_problem_are_one_fix(entries):
    log = "\n".join(
        [
            TAX.format(inv="INV-1", tax="OUTPUT2", account="200"),
            TAX.format(inv="INV-2", tax="OUTPUT2", account="200"),
            TAX.format(inv="INV-3", tax="INPUT2", account="200"),
            # Cut off before its account code: still the OUTPUT2 fix, the only one it fits.
            "Invoice: INV-4 - The TaxType code OUTPUT2 does not exist or cannot be used for "
            "this type of transaction.",
            "Payment: Invoice INV-5, Amount: £ 10.00, Account Code: 090 - Account type is "
            "invalid for making a payment to/from",
            "Payment: Invoice INV-6, Amount: £ 20.00, Account Code: 090 - Account type is "
            "invalid for making a payment to/from",
            "Invoice: INV-7 - Invoice # must be unique",
            "Invoice: INV-8 - Invoice # must be unique",
        ]
    )
    plan = triage(log, entries)
    fixes = [
        (i.error_id, i.values, [r.values.get("invoice_number") for r in i.records])
        for i in plan.items
    ]
    assert fixes == [
        (
            "tax-type-invalid",
            {"tax_code": "OUTPUT2", "account_code": "200"},
            ["INV-1", "INV-2", "INV-4"],
        ),
        ("payment-account-type-invalid", {"account_code": "090"}, ["INV-5", "INV-6"]),
        ("tax-type-invalid", {"tax_code": "INPUT2", "account_code": "200"}, ["INV-3"]),
        # Per-record errors stay one item listing every record.
        ("invoice-number-duplicate", {}, ["INV-7", "INV-8"]),
    ]
    assert plan.failures == 8
    one = plan.items[2]
    assert "INV-3" in one.steps[1].text  # one record: its own number in the steps
    assert "INPUT2" in one.steps[0].text


# --- Counts add up, whatever the log ----------------------------------------------------------

_LINE = st.tuples(
    st.sampled_from(["known", "unknown", "success", "neutral"]),
    st.integers(min_value=0, max_value=len(SUCCESSES) - 1),
    st.integers(min_value=1, max_value=99999),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(_LINE, max_size=40), stamped=st.booleans())
def test_reported_failures_are_the_failure_lines(entries, diagnoser, lines, stamped):
    pools = {"known": [k for k, _ in KNOWN], "unknown": UNKNOWN, "success": SUCCESSES}
    pools["neutral"] = NEUTRAL
    text = []
    for number, (kind, which, n) in enumerate(lines):
        pool = pools[kind]
        line = _fill(pool[which % len(pool)], n)
        if stamped and not line[0].isdigit():
            line = f"2024-05-02 11:{number % 60:02d}:00 {line}"
        text.append(line)
    plan = triage("\n".join(text), entries, diagnoser)
    kinds = [kind for kind, _, _ in lines]
    assert plan.known_failures == kinds.count("known")
    assert plan.unknown_failures == kinds.count("unknown")
    assert plan.failures == kinds.count("known") + kinds.count("unknown")
    assert plan.ok_lines == kinds.count("success")


# --- Cost -------------------------------------------------------------------------------------


class _Remembering:
    """A diagnoser that answers from memory once it has seen a text: leaves triage's own work."""

    def __init__(self, diagnoser):
        self.diagnoser = diagnoser
        self.seen = {}

    def diagnose(self, text):
        if text not in self.seen:
            self.seen[text] = self.diagnoser.diagnose(text)
        return self.seen[text]


def test_a_log_of_4000_invoices_is_quick_to_triage(entries, diagnoser):
    rng = random.Random(11)
    lines = []
    for n in range(4000):
        failure = rng.choice(
            [
                TAX.format(inv=f"INV-{n}", tax=rng.choice(["OUTPUT2", "INPUT2"]), account="200"),
                f"Invoice: INV-{n} - Invoice # must be unique",
                f"Payment: Invoice INV-{n}, Amount: £ {n}.00, Account Code: 0{n % 9}0 - "
                "Account type is invalid for making a payment to/from",
                f"Invoice: INV-{n} - Contact name must be unique",
            ]
        )
        lines.append(f"2024-05-01 10:{n // 60 % 60:02d}:{n % 60:02d} ERROR {failure}")
        lines.append(f"2024-05-01 10:{n // 60 % 60:02d}:{n % 60:02d} INFO Invoice S-{n} synced")
    log = "\n".join(lines)
    remembering = _Remembering(diagnoser)
    plan = triage(log, entries, remembering)  # the engine's part, done once
    assert plan.failures == 4000 and plan.ok_lines == 4000
    def triage_and_render():
        plan = triage(log, entries, remembering)
        plan.render()
        return plan

    seconds, again = cpu_seconds(triage_and_render)
    assert seconds < 0.5  # triage's own part; about 0.07 s
    assert again == plan
