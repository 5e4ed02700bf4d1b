from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.diagnosis.cli import main, register
from bot.kb.source import read_source

ROOT = Path(__file__).resolve().parents[2]
TAX_LINE = (
    "Invoice: INV-0042 - The TaxType code OUTPUT2 does not exist or cannot be used for this "
    "type of transaction. The TaxType code OUTPUT2 cannot be used with account code 200."
)


def test_diagnose_prints_a_json_array(capsys):
    assert main(["diagnose", TAX_LINE]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "error_id": "tax-type-invalid",
            "confidence": 1.0,
            "values": {"invoice_number": "INV-0042", "tax_code": "OUTPUT2", "account_code": "200"},
            "how": "exact",
        }
    ]


def test_diagnose_prints_empty_array_when_nothing_is_known(capsys):
    assert main(["diagnose", "Contact name must be unique"]) == 0
    assert capsys.readouterr().out == "[]\n"


def test_diagnose_reads_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Tax rate must be Active\n"))
    assert main(["diagnose", "-"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["error_id"] == "tax-rate-inactive"


def test_diagnose_jsonl(capsys, monkeypatch):
    lines = [
        json.dumps("Tax rate must be Active"),
        "not json",
        json.dumps({"text": "an object"}),
        json.dumps("nothing known here"),
        "",
        json.dumps("Account: Petty Cash - The Code field is required\nInvoice # must be unique"),
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["diagnose", "--jsonl"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == len(lines)
    assert out[0][0]["error_id"] == "tax-rate-inactive"
    assert out[1] == {"error": out[1]["error"]} and out[1]["error"].startswith("line 2: not JSON")
    assert out[2]["error"] == "line 3: expected a JSON string, got dict"
    assert out[3] == []
    assert out[4]["error"].startswith("line 5")
    assert {m["error_id"] for m in out[5]} == {"account-code-missing", "invoice-number-duplicate"}


def test_diagnose_jsonl_answers_each_line_as_it_comes():
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.diagnosis.cli", "diagnose", "--jsonl"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        for text, expected in [
            ("Tax rate must be Active", "tax-rate-inactive"),
            ("Invoice # must be unique", "invoice-number-duplicate"),
        ]:
            process.stdin.write(json.dumps(text) + "\n")
            process.stdin.flush()
            # stdin is still open: the answer must come without waiting for the end.
            assert json.loads(process.stdout.readline())[0]["error_id"] == expected
    finally:
        process.stdin.close()
        assert process.wait(timeout=30) == 0


def test_triage_file(tmp_path, capsys):
    log = tmp_path / "sync.log"
    log.write_text(f"2024-05-01 INFO start\n2024-05-01 ERROR {TAX_LINE}\n", encoding="utf-8")
    assert main(["triage", str(log)]) == 0
    out = capsys.readouterr().out
    assert (
        "Step 1 · 4. Xero won't accept the tax code on an invoice "
        "(account code 200, tax code OUTPUT2) — 1 time"
    ) in out
    assert "invoice INV-0042" in out
    assert "Not counted: 1 line reporting success or information." in out


def test_triage_of_a_whole_log_lists_unknown_failures_first_and_counts_every_one(tmp_path, capsys):
    synced = [f"2024-05-01 10:00:{n % 60:02d} INFO Invoice: INV-{n} - Synced" for n in range(158)]
    failures = [f"2024-05-01 10:01:00 ERROR {TAX_LINE}"] * 15 + [
        "2024-05-01 10:02:00 ERROR Contact: Acme Ltd - Contact name must be unique"
    ]
    log = tmp_path / "sync.log"
    log.write_text("\r\n".join(synced[:80] + failures + synced[80:]), encoding="utf-8")
    assert main(["triage", str(log)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Sync log triage: 16 failures: 15 known (1 fix below")
    assert out.index("Contact name must be unique") < out.index("Step 1 ·")
    assert "Synced" not in out
    assert main(["triage", "--json", str(log)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["failures"], data["ok_lines"], data["fixes"]) == (16, 158, 1)
    assert data["unknown"] == [
        {
            "text": "2024-05-01 10:02:00 ERROR Contact: Acme Ltd - Contact name must be unique",
            "count": 1,
            "line": 96,
        }
    ]
    assert len(data["items"][0]["steps"]) == 3


def test_triage_json_from_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Tax rate must be Active\n" * 3))
    assert main(["triage", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["items"][0]["error_id"] == "tax-rate-inactive"
    assert data["items"][0]["count"] == 3


def test_triage_reads_utf16_logs(tmp_path, capsys):
    log = tmp_path / "sync.log"
    log.write_bytes("Account: Café Float - The Code field is required".encode("utf-16"))
    assert main(["triage", "--json", str(log)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["items"][0]["records"][0]["values"] == {"account_name": "Café Float"}


def test_triage_missing_file_is_a_user_error(tmp_path, capsys):
    assert main(["triage", str(tmp_path / "nope.log")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_register_adds_commands_to_another_parser(capsys):
    calls = []

    def provider():
        calls.append(1)
        return read_source().errors

    parser = argparse.ArgumentParser(prog="python -m bot")
    register(parser.add_subparsers(required=True), provider)
    args = parser.parse_args(["diagnose", "Tax rate must be Active"])
    assert args.handler(args) == 0
    assert calls == [1]
    assert json.loads(capsys.readouterr().out)[0]["error_id"] == "tax-rate-inactive"


def test_python_m_bot_has_the_commands():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "diagnose", "Tax rate must be Active"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode == 2 and "invalid choice" in result.stderr:
        pytest.skip("python -m bot does not register the diagnosis commands yet")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["error_id"] == "tax-rate-inactive"
