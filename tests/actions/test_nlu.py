"""Rasa's parse data becomes the core's Interpretation."""

from actions.nlu import interpretation
from bot.understanding import Entity, Interpretation


def test_rasa_parse_data_becomes_the_cores_terms():
    parse = {
        "text": "credit note CN-7 for invoice INV-1",
        "intent": {"name": "tax-type-invalid", "confidence": 0.8},
        "intent_ranking": [{"name": "tax-type-invalid", "confidence": 0.8}, {"name": "greet"}],
        "entities": [
            {"entity": "record_type", "value": "credit-note", "start": 0, "end": 11},
            {"entity": "invoice_number", "value": "INV-1", "start": 29},
            {"entity": "amount", "value": None},
        ],
    }
    assert interpretation(parse) == Interpretation(
        intent="tax-type-invalid",
        confidence=0.8,
        ranking=(("tax-type-invalid", 0.8), ("greet", 0.0)),
        entities=(Entity("record_type", "credit-note", 0), Entity("invoice_number", "INV-1", 29)),
    )


def test_no_parse_data_is_an_empty_reading():
    assert interpretation(None) == interpretation({}) == Interpretation()
