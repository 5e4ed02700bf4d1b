"""The shapes of the values a sync error message carries, as regular-expression fragments.

What an invoice number, a tax type or an account code can look like is data, in the registry
of value kinds (``data/kb/value_kinds.yml``, `bot.kb.value_kinds`); this module adds how Xero
quotes any of them. Nothing here names an error. Every shape is bounded and uses only
non-capturing groups (the registry checks), so a compiled template captures exactly one group
per placeholder and cannot backtrack without limit.
"""

from __future__ import annotations

from bot.kb.value_kinds import ValueKinds, value_kinds

__all__ = ["QUOTE", "value_pattern"]

#: How a value may be quoted: plainly, typographically, JSON-escaped or HTML-escaped.
QUOTE = r"(?:['\"`\u2018\u2019\u201c\u201d]|\\u0027|\\u0022|\\\"|&#39;|&#x27;|&quot;|&apos;)"


def value_pattern(name: str, kinds: ValueKinds | None = None) -> str:
    """Return the regex fragment (no capturing group) for the value of placeholder ``name``.

    ``kinds`` is the registry to read (the project's by default); a placeholder it doesn't
    name has the shape of one run without spaces.
    """
    return (kinds or value_kinds()).pattern(name)
