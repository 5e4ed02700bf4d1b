import pytest

from bot.understanding import read_ranking

KNOWN = {"tax-type-invalid", "tax-rate-inactive", "credit-note-invoice-missing"}


def rank(*pairs):
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


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
        ([], "unplaced", None, ()),
    ],
)
def test_reading_the_intent_ranking(ranking, kind, error_id, guesses):
    reading = read_ranking(ranking, KNOWN)
    assert (reading.kind, reading.error_id, reading.guesses) == (kind, error_id, guesses)


def test_at_most_three_guesses():
    ranking = rank(*[(name, 0.3) for name in sorted(KNOWN)], ("other", 0.1))
    assert len(read_ranking(ranking, KNOWN | {"other"}, max_guesses=3).guesses) == 3
