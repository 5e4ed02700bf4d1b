"""The shapes of the values a sync error message carries, as regular-expression fragments.

This is the only place the diagnosis knows about values: what an invoice number, a tax type
or an account code can look like, and how Xero quotes them. Nothing here names an error.
Every fragment is bounded and uses only non-capturing groups, so a compiled template
captures exactly one group per placeholder and cannot backtrack without limit.
"""

from __future__ import annotations

__all__ = ["QUOTE", "value_pattern"]

#: How a value may be quoted: plainly, typographically, JSON-escaped or HTML-escaped.
QUOTE = r"(?:['\"`\u2018\u2019\u201c\u201d]|\\u0027|\\u0022|\\\"|&#39;|&#x27;|&quot;|&apos;)"

# A record number (invoice, credit note): any printable run, e.g. INV-0042, JL10234, J-7781/2.
# It never ends in a full stop or colon, so "invoice INV-1." gives "INV-1".
_RECORD_NUMBER = r"[^\s,;'\"\\<>]{0,39}[^\s,;:.'\"\\<>]"

_SHAPES = {
    "invoice_number": _RECORD_NUMBER,
    "credit_note_number": _RECORD_NUMBER,
    # Xero tax types: OUTPUT2, ZERORATEDOUTPUT, DRCHARGE20, TAX001 (custom rates), NONE.
    "tax_code": r"[A-Za-z0-9_]{1,40}",
    # Account codes: 200, 4000, 40010-01, SALES, 451.1; a trailing full stop is punctuation.
    "account_code": r"[A-Za-z0-9](?:[A-Za-z0-9_/\-]|\.(?=[A-Za-z0-9])){0,29}",
    # Money as written, without the currency sign: 1,234.50, 250, -12.00.
    "amount": r"-?(?:\d{1,3}(?:,\d{3})+|\d{1,15})(?:\.\d{1,4})?",
    # An account's name: words with spaces, &, apostrophes, hyphens and digits.
    "account_name": r"[^\s:;\"\\<>](?:[^\r\n:;\"\\<>]{0,98}[^\s:;\"\\<>])?",
}

# A value whose placeholder has no shape of its own yet: one run without spaces.
_GENERIC = r"[^\s,;'\"\\<>]{0,59}[^\s,;:.'\"\\<>]"


def value_pattern(name: str) -> str:
    """Return the regex fragment (no capturing group) for the value of placeholder ``name``."""
    return _SHAPES.get(name, _GENERIC)
