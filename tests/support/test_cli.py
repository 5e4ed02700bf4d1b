from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.cli import main

TAX = "tax-type-invalid"


def now(minutes=0):
    return datetime.now(timezone.utc) - timedelta(minutes=minutes)


@pytest.fixture
def tickets(seed):
    def fill(s):
        older = s.ticket(
            "conv-1",
            TAX,
            now(60),
            values={"invoice_number": "INV-0042", "tax_code": "OUTPUT2"},
            steps=["1. You, in Xero (Tax rates): add OUTPUT2"],
            answers=[{"question": "if_fixed", "answer": "no"}],
            transcript=[
                {"who": "customer", "text": "my invoice won't sync"},
                {"who": "bot", "text": "Which error did Xero show?\nPaste it here."},
                {"who": "customer", "text": "\x1b[31mred\x1b[0m"},
            ],
            customer={"account_id": "ACME-1", "user_name": "Sam Jones"},
        )
        newer = s.ticket("conv-2", None, now(5), channel="rest", reason="unknown_error")
        return older, newer

    return seed(fill)


def test_list_prints_a_table_newest_first(tickets, capsys):
    older, newer = tickets
    assert main(["tickets", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "REFERENCE",
        "CREATED",
        "(UTC)",
        "STATUS",
        "ERROR",
        "DETAILS",
        "CHANNEL",
        "ACCOUNT",
    ]
    assert lines[1].startswith(newer) and "(unknown)" in lines[1] and "rest" in lines[1]
    assert lines[2].startswith(older)
    for text in (TAX, "open", "invoice INV-0042", "socketio", "ACME-1 (unverified)"):
        assert text in lines[2]


def test_list_json_is_an_array_of_tickets(tickets, capsys):
    assert main(["tickets", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [t["reference"] for t in listed] == [tickets[1], tickets[0]]
    assert listed[1]["customer"] == {
        "account_id": "ACME-1",
        "user_name": "Sam Jones",
        "verified": "no",
    }


def test_show_prints_everything_with_the_transcript(tickets, capsys):
    assert main(["tickets", "show", tickets[0].lower()]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{tickets[0]} (open)\n")
    assert "Error:         tax-type-invalid: Xero won't accept the tax code on an invoice" in out
    for line in (
        "  invoice_number: INV-0042",
        "  tax_code: OUTPUT2",
        "  account_id: ACME-1",
        "  1. You, in Xero (Tax rates): add OUTPUT2",
        "  if_fixed: no",
        "  customer: my invoice won't sync",
        "  bot: Which error did Xero show?\n    Paste it here.",
    ):
        assert line in out
    # Terminal escapes a customer typed are shown, not obeyed.
    assert "  customer: \\x1b[31mred\\x1b[0m" in out
    assert "\x1b" not in out


def test_show_json(tickets, capsys):
    assert main(["tickets", "show", tickets[1], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["reference"] == tickets[1]
    assert shown["error_id"] is None


def test_close_with_a_note_keeps_it_and_show_prints_it(tickets, capsys):
    note = "Added OUTPUT2 in the customer's Xero; sync re-run, invoice INV-0042 went through."
    assert main(["tickets", "close", tickets[0], "--note", note]) == 0
    assert capsys.readouterr().out == f"Closed {tickets[0]}. The note is kept on it.\n"
    assert main(["tickets", "show", tickets[0]]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{tickets[0]} (closed)\n")
    notes = out.split("Support notes:\n", 1)[1].splitlines()
    assert len(notes) == 1 and notes[0].endswith(f" UTC  {note}")
    # Closing again with another note keeps both, oldest first.
    assert main(["tickets", "close", tickets[0], "--note", "Customer confirmed by phone."]) == 0
    assert "was already closed. The note is kept on it." in capsys.readouterr().out
    assert main(["tickets", "show", tickets[0], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "closed"
    assert [n["text"] for n in shown["support_notes"]] == [note, "Customer confirmed by phone."]
    # The other ticket has none.
    assert main(["tickets", "show", tickets[1]]) == 0
    assert capsys.readouterr().out.endswith("Support notes:\n  (none)\n")


def test_close_refuses_an_empty_note_and_changes_nothing(tickets, capsys):
    assert main(["tickets", "close", tickets[0], "--note", "  "]) == 2
    assert "--note is empty" in capsys.readouterr().err
    assert main(["tickets", "show", tickets[0], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "open"


def test_close_then_list_open_excludes_it(tickets, capsys):
    assert main(["tickets", "close", tickets[0]]) == 0
    assert capsys.readouterr().out == f"Closed {tickets[0]}.\n"
    assert main(["tickets", "close", tickets[0]]) == 0
    assert capsys.readouterr().out == f"{tickets[0]} was already closed.\n"
    assert main(["tickets", "list", "--status", "open", "--json"]) == 0
    assert [t["reference"] for t in json.loads(capsys.readouterr().out)] == [tickets[1]]
    assert main(["tickets", "list", "--status", "closed"]) == 0
    assert tickets[0] in capsys.readouterr().out


@pytest.mark.parametrize("command", ["show", "close"])
def test_unknown_reference_exits_1(tickets, capsys, command):
    assert main(["tickets", command, "SD-999999"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "No ticket SD-999999" in captured.err


def test_list_with_no_tickets(db_url, capsys):
    assert main(["tickets", "list", "--status", "open"]) == 0
    assert capsys.readouterr().out == "No open tickets.\n"


def test_report_writes_one_html_file(tickets, tmp_path, capsys):
    out = tmp_path / "tmp" / "x.html"
    assert main(["report", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "(2 conversations)" in printed
    page = out.read_text(encoding="utf-8")
    assert "Syncdesk support report" in page
    assert '<img src="data:image/png;base64,' in page


def test_report_for_an_empty_range(db_url, tmp_path, capsys):
    out = tmp_path / "x.html"
    assert main(["report", "--from", "2020-01-01", "--to", "2020-01-31", "--out", str(out)]) == 0
    assert "Report for 2020-01-01 to 2020-01-31 (0 conversations)" in capsys.readouterr().out
    assert "There is no data for this range" in out.read_text()


def test_report_rejects_a_backwards_range(db_url, tmp_path, capsys):
    out = tmp_path / "x.html"
    assert main(["report", "--from", "2024-06-01", "--to", "2024-05-01", "--out", str(out)]) == 2
    assert "is after --to" in capsys.readouterr().err
    assert not out.exists()


def test_report_rejects_a_bad_date(db_url, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--from", "31/05/2024"])
    assert exit_.value.code == 2
    assert "is not a date like 2024-05-31" in capsys.readouterr().err


@pytest.fixture
def many(seed):
    """25 tickets, one a minute, alternating channels; every third one closed."""

    def fill(s):
        return [
            s.ticket(
                f"many-{n}",
                TAX,
                datetime(2024, 5, 1, 9, n, tzinfo=timezone.utc),
                status="closed" if n % 3 == 0 else "open",
                channel="rest" if n % 2 else "socketio",
            )
            for n in range(25)
        ]

    return seed(fill)  # oldest first


def listed(capsys, *options):
    assert main(["tickets", "list", "--json", *options]) == 0
    return [t["reference"] for t in json.loads(capsys.readouterr().out)]


def test_list_shows_the_newest_20_by_default_and_says_so(many, capsys):
    assert main(["tickets", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:21]] == many[::-1][:20]
    assert lines[21:] == ["", "The newest 20 of 25 tickets: --limit N shows more (0 for all)."]
    assert listed(capsys) == many[::-1][:20]


def test_list_limit(many, capsys):
    assert listed(capsys, "--limit", "3") == many[::-1][:3]
    assert listed(capsys, "--limit", "0") == many[::-1]
    with pytest.raises(SystemExit):
        main(["tickets", "list", "--limit", "-1"])
    assert "is not a number of tickets" in capsys.readouterr().err


def test_list_since_channel_and_status_combine(many, capsys):
    assert listed(capsys, "--since", "2024-05-01T09:20") == many[20:][::-1]
    assert listed(capsys, "--since", "2024-05-01T11:20+02:00") == many[20:][::-1]
    assert listed(capsys, "--since", "2024-05-02") == []
    assert listed(capsys, "--channel", "rest", "--limit", "0") == many[1::2][::-1]
    closed_rest = [r for n, r in enumerate(many) if n % 3 == 0 and n % 2][::-1]
    assert listed(capsys, "--channel", "rest", "--status", "closed") == closed_rest
    assert listed(capsys, "--channel", "email") == []
    with pytest.raises(SystemExit):
        main(["tickets", "list", "--since", "last week"])
    assert "is not a date like 2024-05-31" in capsys.readouterr().err


@pytest.fixture
def hostile(seed):
    def fill(s):
        return s.ticket(
            "conv-hostile",
            None,
            now(1),
            reason="unknown_error",
            transcript=[
                {"who": "customer", "text": "clear \x1b[2J then CSI \x9b31m and \u202eevil"},
                {"who": "bot", "text": "isolate \u2066x\u2069, bell \x07, del \x7f"},
            ],
            customer={"account_id": "ACME\u202e-9", "user_name": "Sam\x9b"},
            values={"invoice_number": "INV\x1b[2J-1"},
        )

    return seed(fill)


@pytest.mark.parametrize(
    "command",
    [["show", "{ref}"], ["show", "{ref}", "--json"], ["list"], ["list", "--json"]],
    ids=["show", "show-json", "list", "list-json"],
)
def test_no_raw_control_or_bidi_characters_reach_the_terminal(hostile, capsys, command):
    assert main(["tickets", *(part.format(ref=hostile) for part in command)]) == 0
    out = capsys.readouterr().out
    unsafe = [c for c in out if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F]
    unsafe += [c for c in out if 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069]
    assert unsafe == []
    if "--json" in command:
        data = json.loads(out)
        ticket = data if isinstance(data, dict) else data[0]
        # Escaped for the terminal, the same text for a program.
        assert ticket["transcript"][0]["text"] == "clear \x1b[2J then CSI \x9b31m and \u202eevil"
        assert ticket["customer"]["account_id"] == "ACME\u202e-9"
        assert "\\u202e" in out and "\\u009b" in out and "\\u001b" in out
    elif command[0] == "show":
        assert "customer: clear \\x1b[2J then CSI \\x9b31m and \\u202eevil" in out
        assert "bot: isolate \\u2066x\\u2069, bell \\x07, del \\x7f" in out
        assert "account_id: ACME\\u202e-9" in out
    else:
        assert "ACME\\u202e-9" in out


def test_tickets_say_whether_the_app_signed_the_customer(seed, capsys):
    def fill(s):
        claim = {"account_id": "JL-1042", "user_name": "Sam Patel"}
        return (
            s.ticket("conv-claimed", TAX, now(2), customer=claim),
            s.ticket("conv-signed", TAX, now(1), customer={**claim, "verified": True}),
        )

    claimed, signed = seed(fill)
    assert main(["tickets", "list"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert "JL-1042 (unverified)" in rows[claimed]
    assert "JL-1042" in rows[signed] and "unverified" not in rows[signed]

    assert main(["tickets", "show", claimed]) == 0
    assert "Customer (UNVERIFIED: sent by the browser" in capsys.readouterr().out
    assert main(["tickets", "show", signed]) == 0
    out = capsys.readouterr().out
    assert "Customer (verified by the Joblogic app):" in out and "verified: yes" not in out
