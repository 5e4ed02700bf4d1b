"""Rasa's own checks on the project: data validation and the conversation test stories."""

import shutil
import subprocess

import pytest

from bot.settings import PROJECT_ROOT

from .conftest import RASA, latest_model, rasa_env
from .services import rasa_data_warnings, responses_sent_by_actions

pytestmark = pytest.mark.integration
DOMAIN = "domain"
DATA = ["data/nlu", "data/rules", "data/stories"]


def test_training_data_validates_without_warnings(kb_database, tmp_path):
    """Rasa warns of nothing but responses only actions send, and of a response nobody sends.

    One run: the project's domain plus one response that neither a rule nor an action uses, so
    the check is seen to catch what it must while the actions' own responses pass.
    """
    domain = tmp_path / "domain"
    shutil.copytree(PROJECT_ROOT / DOMAIN, domain)
    (domain / "forgotten.yml").write_text(
        'version: "3.1"\nresponses:\n  utter_forgotten:\n    - text: Nobody says this.\n'
    )
    warnings = rasa_data_warnings(domain, [PROJECT_ROOT / d for d in DATA], rasa_env(kb_database))
    assert warnings == ["The utterance 'utter_forgotten' is not used in any story or rule."]
    assert {"utter_unsure", "utter_ticket_reference"} <= responses_sent_by_actions()


def test_conversation_stories_pass(kb_database, endpoints_file, tmp_path):
    out = tmp_path / "results"
    result = subprocess.run(
        [
            RASA,
            "test",
            "core",
            "--model",
            str(latest_model()),
            "--stories",
            "tests/stories",
            "--endpoints",
            str(endpoints_file),
            "--out",
            str(out),
            "--fail-on-prediction-errors",
        ],
        cwd=PROJECT_ROOT,
        env=rasa_env(kb_database),
        capture_output=True,
        text=True,
    )
    failed = out / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, (details or (result.stdout + result.stderr))[-8000:]


def test_held_out_descriptions_are_recognised():
    import sys

    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    from nlu_heldout import evaluate

    report = evaluate(latest_model())
    # The target is 0.95; the floor leaves room for DIET's run-to-run variation (about 0.02).
    assert report["accuracy"] >= 0.92, report["_errors"]


def test_real_customers_wording_is_never_misdiagnosed(kb_database):
    """Messages from public sources kept out of training (bench/understanding.py)."""
    import json
    import sys

    result = subprocess.run(
        [sys.executable, "bench/understanding.py", "--split", "heldout", "--json"],
        cwd=PROJECT_ROOT,
        env=rasa_env(kb_database),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    groups = summary["groups"]

    def share(group, *verdicts):
        counts = groups[group]
        return sum(counts.get(v, 0) for v in verdicts) / sum(counts.values())

    # A wrong diagnosis costs a customer's books: at most 1 % of all messages (measured: 0).
    assert len(summary["wrong"]) <= summary["messages"] // 100, summary["wrong"]
    # Floors a little under the measured figures (README), for DIET's run-to-run variation.
    assert share("pasted", "identified", "confirmed") >= 0.85
    assert share("described", "identified", "confirmed") >= 0.5
    assert share("other-xero-error", "identified") >= 0.75
