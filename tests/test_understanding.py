import pytest

from bot.understanding import Entity, Interpretation, described_pending, read_ranking, twin_on

KNOWN = {"tax-type-invalid", "tax-rate-inactive", "credit-note-invoice-missing"}


def rank(*pairs):
    return tuple(pairs)


@pytest.mark.parametrize(
    ("ranking", "kind", "error_id", "guesses"),
    [
        (
            rank(("tax-type-invalid", 0.91), ("tax-rate-inactive", 0.05)),
            "identified",
            "tax-type-invalid",
            (),
        ),
        (rank(("tax-type-invalid", 1.0)), "identified", "tax-type-invalid", ()),
        (
            rank(
                ("nlu_fallback", 0.4),
                ("tax-type-invalid", 0.45),
                ("tax-rate-inactive", 0.4),
                ("greet", 0.1),
            ),
            "unsure",
            None,
            ("tax-type-invalid", "tax-rate-inactive"),
        ),
        (rank(("greet", 0.9), ("tax-type-invalid", 0.02)), "unplaced", None, ()),
        (rank(("nlu_fallback", 0.4)), "unplaced", None, ()),
        ((), "unplaced", None, ()),
    ],
)
def test_reading_the_intent_ranking(ranking, kind, error_id, guesses):
    reading = read_ranking(ranking, KNOWN)
    assert (reading.kind, reading.error_id, reading.guesses) == (kind, error_id, guesses)


def test_at_most_three_guesses():
    ranking = [(name, 0.3) for name in sorted(KNOWN)] + [("other", 0.1)]
    assert len(read_ranking(ranking, KNOWN | {"other"}, max_guesses=3).guesses) == 3


# --- understand(): the engine's matches first, then the NLU's reading ---------------------

from bot.diagnosis import Match  # noqa: E402
from bot.understanding import understand  # noqa: E402

RECORD_TYPES = {
    "tax-type-invalid": "invoice",
    "tax-rate-inactive": "invoice",
    "credit-note-invoice-missing": "credit-note",
    "credit-note-exceeds-outstanding": "credit-note",
}


def heard(intent=None, confidence=1.0, ranking=None, entities=()):
    """What the NLU made of a message (actions/nlu.py makes it from Rasa's parse data)."""
    ranking = ranking if ranking is not None else rank((intent, confidence))
    return Interpretation(intent, confidence, ranking, tuple(entities))


def match(error_id, confidence=1.0, how="exact", **values):
    return Match(error_id=error_id, confidence=confidence, values=values, how=how)


def test_an_exact_match_is_the_error_whatever_the_nlu_says():
    seen = understand(
        [match("tax-rate-inactive", 0.6), match("tax-type-invalid")],
        heard("greet", 0.99),
        RECORD_TYPES,
    )
    assert (seen.kind, seen.error_id, seen.how) == ("identified", "tax-rate-inactive", "exact")
    assert [m.error_id for m in seen.others] == ["tax-type-invalid"]


@pytest.mark.parametrize(("confidence", "kind"), [(0.95, "identified"), (0.7, "confirm")])
def test_an_approximate_match_is_asserted_only_when_sure(confidence, kind):
    seen = understand(
        [match("tax-type-invalid", confidence, "approximate", tax_code="OUTPUT2")],
        heard("paste_error"),
        RECORD_TYPES,
    )
    assert (seen.kind, seen.error_id, dict(seen.values)) == (
        kind,
        "tax-type-invalid",
        {"tax_code": "OUTPUT2"},
    )


def test_another_xero_error_is_never_guessed():
    seen = understand(
        [],
        heard(
            "other_xero_error",
            0.7,
            ranking=rank(("other_xero_error", 0.7), ("tax-type-invalid", 0.25)),
        ),
        RECORD_TYPES,
    )
    assert seen.kind == "unknown_error" and seen.error_id is None


def test_an_error_shaped_message_the_engine_does_not_know_is_unknown():
    assert understand([], heard("paste_error", 0.9), RECORD_TYPES).kind == "unknown_error"


def test_a_described_error_keeps_the_customers_values():
    seen = understand(
        [],
        heard(
            "tax-type-invalid",
            0.97,
            entities=[Entity("invoice_number", "40213")],
        ),
        RECORD_TYPES,
    )
    # Asked, never asserted: DIET is as confident when wrong as when right.
    assert (seen.kind, seen.error_id, seen.how, dict(seen.values)) == (
        "confirm",
        "tax-type-invalid",
        "described",
        {"invoice_number": "40213"},
    )


def test_a_named_record_type_narrows_the_guesses_or_lists_its_errors():
    credit = [Entity("record_type", "credit-note")]
    ranking = rank(
        ("credit-note-invoice-missing", 0.4),
        ("tax-type-invalid", 0.35),
        ("credit-note-exceeds-outstanding", 0.2),
    )
    seen = understand([], heard("nlu_fallback", 0.4, ranking, credit), RECORD_TYPES)
    assert (seen.kind, seen.record_type) == ("record_type", "credit-note")
    # A confident reading of another kind of record than the one named is not asserted.
    seen = understand([], heard("tax-type-invalid", 0.9, entities=credit), RECORD_TYPES)
    assert (seen.kind, seen.record_type) == ("record_type", "credit-note")


def test_a_picked_error_is_certain():
    seen = understand([], heard("tax-rate-inactive", 1.0), RECORD_TYPES, picked=True)
    assert (seen.kind, seen.how) == ("identified", "picked")


def test_a_probable_description_is_asked_not_asserted():
    seen = understand([], heard("tax-type-invalid", 0.8), RECORD_TYPES)
    assert (seen.kind, seen.error_id, seen.how) == ("confirm", "tax-type-invalid", "described")


# --- follow-ups: corrections and the other errors of a paste ------------------------------

from bot.understanding import corrected_values, named_record_types, pending_choice  # noqa: E402


def entity(name, value, start):
    return Entity(name, value, start)


@pytest.mark.parametrize(
    ("entities", "current", "changed"),
    [
        # "the invoice is INV-88 not INV-8": the value that isn't the current one.
        ([entity("invoice_number", "INV-88", 20), entity("invoice_number", "INV-8", 31)],
         {"invoice_number": "INV-8"}, {"invoice_number": "INV-88"}),
        # "INV-8, sorry, I mean INV-88" in the other order.
        ([entity("invoice_number", "INV-8", 0), entity("invoice_number", "INV-88", 20)],
         {"invoice_number": "INV-8"}, {"invoice_number": "INV-88"}),
        ([entity("account_code", "60401", 30)], {"account_code": "60410"}, {"account_code": "60401"}),
        ([entity("invoice_number", "INV-8", 0)], {"invoice_number": "INV-8"}, {}),
        ([], {"invoice_number": "INV-8"}, {}),
    ],
)
def test_corrected_values(entities, current, changed):
    assert corrected_values(Interpretation(entities=tuple(entities)), current) == changed


KINDS = {"tax-type-invalid": "invoice", "credit-note-invoice-missing": "credit-note",
         "payment-invoice-missing": "payment"}
PENDING = [{"error_id": "payment-invoice-missing"}, {"error_id": "credit-note-invoice-missing"}]


@pytest.mark.parametrize(
    ("text", "entities", "chosen"),
    [
        ("what about the credit note?", [entity("record_type", "credit-note", 15)], 1),
        ("and the payment one", [entity("record_type", "payment", 8)], 0),
        ("what about the second one?", [], 0),
        ("and the last one", [], 1),
        ("what about the other one", [], 0),
    ],
)
def test_the_pending_error_asked_about(text, entities, chosen):
    assert pending_choice(text, Interpretation(entities=tuple(entities)), PENDING, KINDS) == chosen


def test_nothing_pending_is_no_choice():
    assert pending_choice("and the other one?", Interpretation(), [], KINDS) is None


def test_record_types_in_the_order_named():
    named = (entity("record_type", "payment", 30), entity("record_type", "credit-note", 9))
    assert named_record_types(Interpretation(entities=named), {"payment", "credit-note"}) == [
        "credit-note",
        "payment",
    ]


@pytest.mark.parametrize(
    ("ranking", "chosen"),
    [
        # "what about the credit note one?": not sure enough to ask about it alone, but it is
        # one of the two errors of the paste.
        (rank(("credit-note-invoice-missing", 0.45), ("ask_other_error", 0.3)), 1),
        (rank(("ask_other_error", 0.5), ("payment-invoice-missing", 0.35)), 0),
        (rank(("credit-note-invoice-missing", 0.25), ("tax-type-invalid", 0.2)), None),  # unsure
        (rank(("tax-type-invalid", 0.9), ("credit-note-invoice-missing", 0.05)), None),  # not pending
    ],
)
def test_a_description_of_an_error_waiting_from_the_same_paste(ranking, chosen):
    heard = Interpretation(ranking=ranking)
    assert described_pending(heard, PENDING, KINDS) == chosen
    assert described_pending(heard, [], KINDS) is None


def test_the_twin_on_a_kind_of_record(source):
    errors = source.errors
    assert twin_on(errors, "payment-invoice-missing", "credit-note") == "credit-note-invoice-missing"
    assert twin_on(errors, "payment-invoice-missing", "invoice") is None
    assert twin_on(errors, "tax-type-invalid", "payment") is None
    assert twin_on(errors, None, "payment") is None
