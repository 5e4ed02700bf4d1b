"""Ticket references: random, readable over the phone, with a check symbol."""

from __future__ import annotations

import re
import secrets

from hypothesis import given
from hypothesis import strategies as st

from bot.ticket_reference import new_reference, read_reference

SHAPE = re.compile(r"SD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


def test_references_are_random_and_shaped_for_the_phone():
    references = {new_reference() for _ in range(2000)}
    assert len(references) == 2000
    assert all(SHAPE.fullmatch(reference) for reference in references)


def test_a_reference_reads_back_however_it_is_typed():
    reference = new_reference()
    code = reference[3:].replace("-", "")
    typed = [reference, reference.lower(), f"sd {code[:4]} {code[4:]}", code, f" SD{code} "]
    assert {read_reference(text) for text in typed} == {reference}


def test_look_alike_letters_are_read_as_the_digits_they_stand_for():
    reference = next(r for r in iter(new_reference, None) if "0" in r[3:-1] and "1" in r[3:-1])
    spoken = reference[:-1].replace("0", "O").replace("1", "l") + reference[-1]
    assert read_reference(spoken) == reference


@given(st.integers(min_value=0, max_value=7), st.sampled_from("0123456789ABCDEFGHJKMNPQRSTVWXYZ"))
def test_one_wrong_character_is_refused(position, symbol):
    reference = new_reference()
    code = reference[3:].replace("-", "")
    if code[position] == symbol:
        return
    mistyped = code[:position] + symbol + code[position + 1 :]
    assert read_reference(mistyped) is None


def test_swapped_neighbours_are_nearly_always_refused():
    swapped = 0
    caught = 0
    for _ in range(2000):
        code = new_reference()[3:].replace("-", "")
        position = secrets.randbelow(7)
        if code[position] == code[position + 1]:
            continue
        swapped += 1
        mistyped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        caught += read_reference(mistyped) is None
    assert caught / swapped > 0.99


def test_old_sequential_references_still_resolve():
    assert read_reference("sd-000123") == "SD-000123"
    assert read_reference("SD-12") is None
    assert read_reference("") is None
