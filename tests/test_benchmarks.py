"""The benchmarks still run on today's data: their inputs are generated from the knowledge base."""

import importlib
import random
import sys

import pytest

from bot.diagnosis import Diagnoser
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    sys.path.insert(0, str(PROJECT_ROOT / "tests" / "integration"))
    try:
        yield importlib.import_module
    finally:
        sys.path.remove(str(PROJECT_ROOT / "bench"))
        sys.path.remove(str(PROJECT_ROOT / "tests" / "integration"))


def test_diagnose_bench_pastes_and_logs_are_mostly_known_errors(bench, source):
    diagnose = bench("diagnose")
    diagnoser = Diagnoser(source.errors)
    rng = random.Random(3)
    pastes = [(entry.id, diagnose.paste(entry, rng)) for entry in source.errors for _ in range(30)]
    recognised = sum(1 for error_id, text in pastes if error_id in {m.error_id for m in diagnoser.diagnose(text)})
    # One form in nine is deliberately another Xero error; the rest must be recognised.
    assert recognised >= 0.8 * len(pastes)
    assert diagnoser.diagnose(diagnose.log(source.errors, rng, 20_000))


def test_rest_latency_bench_pastes_each_diagnose_as_expected(bench, source):
    rest_latency = bench("rest_latency")
    diagnoser = Diagnoser(source.errors)
    cases = rest_latency.pastes(list(source.errors), random.Random(7))
    assert len(cases) == 5 * len(source.errors)
    for form, text, expected in cases:
        assert [m.error_id for m in diagnoser.diagnose(text)][:1] == [expected], (form, text)


def test_load_bench_paste_is_a_known_error(bench, source):
    load = bench("load")
    diagnoser = Diagnoser(source.errors)
    paste, *_ = load.syncdesk_messages(7)
    assert [m.error_id for m in diagnoser.diagnose(paste)] == ["tax-type-invalid"]
