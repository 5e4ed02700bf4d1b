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
    for text in (TAX, "open", "invoice INV-0042", "socketio", "ACME-1"):
        assert text in lines[2]


def test_list_json_is_an_array_of_tickets(tickets, capsys):
    assert main(["tickets", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [t["reference"] for t in listed] == [tickets[1], tickets[0]]
    assert listed[1]["customer"] == {"account_id": "ACME-1", "user_name": "Sam Jones"}


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
