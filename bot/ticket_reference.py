"""Ticket references: short enough to read over the phone, random so nobody can guess another's.

A reference is ``SD-`` and eight characters in two groups, ``SD-7KQ4-M2XH``: seven random symbols
of Crockford's base-32 alphabet (digits and letters without I, L, O and U, so nothing reads as
another character) and a check symbol from the same alphabet (Luhn mod N), which catches any one
mistyped character and nearly every pair of swapped neighbours before a look-up. (Crockford's own
mod-37 check needs * ~ $ = as symbols: awkward on the phone and in a mailto: link.)
32**7 = 34 billion references: guessing one that exists is hopeless, unlike the sequential
``SD-000123`` used before (those still resolve as typed).
"""

from __future__ import annotations

import re
import secrets

__all__ = ["new_reference", "read_reference"]

_SYMBOLS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
_RANDOM_LENGTH = 7
# What people say or type for a symbol that is not in the alphabet (Crockford's decoding rules).
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_LEGACY = re.compile(r"SD-\d{6}")


def new_reference() -> str:
    """Return a fresh random reference with its check symbol."""
    body = "".join(secrets.choice(_SYMBOLS) for _ in range(_RANDOM_LENGTH))
    code = body + _check(body)
    return f"SD-{code[:4]}-{code[4:]}"


def read_reference(text: str) -> str | None:
    """Return the stored reference for what someone typed, or None if it cannot be one.

    Case, spaces, dashes and the look-alikes O/I/L are forgiven; a wrong check symbol is not.
    """
    compact = re.sub(r"[\s\-–—]", "", text.strip().upper())
    if compact.startswith("SD"):
        compact = compact[2:]
    legacy = f"SD-{compact}"
    if _LEGACY.fullmatch(legacy):
        return legacy
    if len(compact) != _RANDOM_LENGTH + 1:
        return None
    body = compact[:_RANDOM_LENGTH].translate(_READ_AS)
    check = compact[_RANDOM_LENGTH].translate(_READ_AS)
    if any(symbol not in _SYMBOLS for symbol in body) or _check(body) != check:
        return None
    code = body + check
    return f"SD-{code[:4]}-{code[4:]}"


def _check(body: str) -> str:
    # Luhn mod N: double every other symbol's value from the right, fold, sum; the check symbol
    # makes the total a multiple of N.
    base = len(_SYMBOLS)
    total = 0
    for position, symbol in enumerate(reversed(body)):
        value = _SYMBOLS.index(symbol) * (2 if position % 2 == 0 else 1)
        total += value // base + value % base
    return _SYMBOLS[-total % base]
