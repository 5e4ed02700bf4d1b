"""Build the blank English spaCy pipeline Rasa's SpacyNLP loads (no model download needed).

The pipeline labels the values a customer quotes in their own words ("VAT code OUTPUT2 on inv
10234") with the knowledge base's placeholder names; Rasa's SpacyEntityExtractor passes each on
as an entity of that name, the value alone as its text.

It uses only spaCy's built-in parts, because Rasa loads it with ``spacy.load`` and imports none
of ours. spaCy's EntityRuler would label the whole match ("inv 10234"), so the labels are set by
an AttributeRuler instead: a pattern matches label and value, and its ``index`` points at the
value token, which alone gets ``ENT_IOB``/``ENT_TYPE``. The tokenizer keeps identifiers such as
``40010-01`` or ``J-7781/A`` in one token (its ``token_match`` is saved with the pipeline).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from bot.kb.source import PLACEHOLDER, Source
from bot.kb.value_kinds import ValueKinds

__all__ = ["build_pipeline", "entity_patterns"]

Pattern = dict[str, Any]

# How customers name each kind of value before giving it (``customer_labels``), the values
# that name themselves (``self_evident``) and what a value after a label must also look like
# (``after_label``) are the registry's, in data/kb/value_kinds.yml. Kept there, not taken from
# data/nlu/synonyms.yml: those name kinds of record (plurals too).

#: An identifier the tokenizer must not split: letters and digits joined by - / or ., with a digit.
IDENTIFIER = r"(?=\S*\d)\w+(?:[-/.]\w+)+$"

#: Marks that may open and close a quoted value.
QUOTES = ("'", '"', "`", "\u2018", "\u2019", "\u201c", "\u201d")
#: Marks that may stand between a label and its value besides the template's own ("Amount: £",
#: "invoice number #1001").
_SEPARATORS = (":", "#")
#: Words that may stand between a label and its value in a sentence: "the account code is
#: actually 60401", "the invoice should be INV-88".
FILLERS = ("is", "was", "actually", "should", "be", "now", "it's", "its", "really")
#: How many tokens a quoted value (an account name) may have.
MAX_QUOTED_TOKENS = 8
#: How many words before a placeholder name its field ("Credit Note", "TaxType code").
_LABEL_WORDS = 2

_TOKEN = re.compile(r"\w+|[^\w\s]")  # as the blank English tokenizer splits labels


def entity_patterns(source: Source) -> list[Pattern]:
    """Return AttributeRuler patterns labelling the values the knowledge base's templates name.

    Later patterns win where two label the same token: self-evident shapes, then labelled
    values, then quoted names.
    """
    kinds = source.value_kinds
    labels = _template_labels(source)
    for kind in kinds:
        for phrase in kind.customer_labels:
            labels.setdefault(kind.name, {})[_label_tokens(phrase)] = ()
    patterns = [
        _entity(
            kind.name, [[{"LOWER": {"REGEX": _whole(kinds, kind.name, f"(?:{evident})$")}}]], -1
        )
        for kind in kinds
        if (evident := kind.self_evident)
    ]
    quoted: list[Pattern] = []
    for kind in kinds:
        name = kind.name
        if name not in labels:
            continue
        found = labels[name]
        if _spaced(kinds, name):
            quoted += _quoted_patterns(kinds, name, found)
            continue
        value = {"TEXT": {"REGEX": _whole(kinds, name, kind.after_label)}}
        # After "is"/"actually" a value needs three characters: "the invoice is 3 days late".
        spaced = {"TEXT": {"REGEX": _whole(kinds, name, kind.after_label + r"(?=.{3})")}}
        rows = [[*_before_value(label, marks), value] for label, marks in found.items()]
        rows += [
            [*_before_value(label, marks, fillers=True), spaced] for label, marks in found.items()
        ]
        patterns.append(_entity(name, rows, -1))
    return patterns + quoted


def build_pipeline(path: Path, patterns: list[Pattern] | None = None) -> Path:
    """Save a blank English pipeline whose AttributeRuler holds ``patterns`` to ``path``.

    Rewrites the folder only when its patterns changed, so repeated set-ups stay fast.
    """
    patterns = patterns or []
    stamp = json.dumps({"patterns": patterns, "token_match": IDENTIFIER}, sort_keys=True)
    stamp_file = path / "syncdesk-patterns.json"
    if stamp_file.exists() and stamp_file.read_text(encoding="utf-8") == stamp:
        return path
    # spaCy's import pulls in thinc and TensorFlow (seconds): only pay for it when building.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import spacy

    path.mkdir(parents=True, exist_ok=True)
    nlp = spacy.blank("en")
    nlp.tokenizer.token_match = re.compile(IDENTIFIER).match  # type: ignore[union-attr]
    if patterns:  # an empty ruler would warn on every message
        ruler = nlp.add_pipe("attribute_ruler", name="values", config={"validate": True})
        ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    nlp.meta["name"] = "syncdesk"
    nlp.meta["description"] = "Blank English pipeline labelling syncdesk's values as entities"
    nlp.to_disk(path)
    stamp_file.write_text(stamp, encoding="utf-8")
    return path


def _template_labels(source: Source) -> dict[str, dict[tuple[str, ...], tuple[str, ...]]]:
    """Return, per placeholder, the label words before it in any template and the marks between.

    ``"Payment: Invoice {invoice_number}, Amount: £ {amount}"`` gives ``("invoice",)`` with no
    marks for ``invoice_number`` and ``("amount",)`` with ``(":", "£")`` for ``amount``.
    """
    labels: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {}
    for entry in source.errors:
        for template in (entry.prefix or "", *entry.phrases):
            parts = PLACEHOLDER.split(template)
            for before, name in zip(parts[0:-1:2], parts[1::2], strict=True):
                tokens = _TOKEN.findall(before)
                marks: list[str] = []
                while tokens and not tokens[-1][0].isalnum():
                    marks.insert(0, tokens.pop())
                words: list[str] = []
                while tokens and tokens[-1][0].isalnum() and len(words) < _LABEL_WORDS:
                    words.insert(0, tokens.pop().lower())
                if words:
                    label = tuple(words)
                    known = labels.setdefault(name, {}).get(label, ())
                    labels[name][label] = tuple(sorted({*known, *marks}))
    return labels


def _label_tokens(phrase: str) -> tuple[str, ...]:
    """Split a label as the tokenizer does; a word's trailing "." stays, meaning optional."""
    tokens: list[str] = []
    for word in phrase.lower().split():
        stop = word.endswith(".") and len(word) > 1
        tokens += _TOKEN.findall(word[:-1] if stop else word)
        if stop:
            tokens[-1] += "."
    return tuple(tokens)


def _before_value(
    label: tuple[str, ...], marks: tuple[str, ...], quoted: bool = False, fillers: bool = False
) -> list[dict[str, Any]]:
    """Return token patterns for a label, the marks that may follow it and an opening quote."""
    tokens: list[dict[str, Any]] = []
    for token in label:
        if len(token) > 1 and token.endswith("."):
            tokens += [{"LOWER": token[:-1]}, {"ORTH": ".", "OP": "?"}]
        else:
            tokens.append({"LOWER": token})
    if fillers:
        tokens.append({"LOWER": {"IN": list(FILLERS)}, "OP": "+"})
    tokens.append({"ORTH": {"IN": sorted({*_SEPARATORS, *marks})}, "OP": "*"})
    quote = {"ORTH": {"IN": list(QUOTES)}}
    tokens.append(quote if quoted else {**quote, "OP": "?"})
    return tokens


def _quoted_patterns(
    kinds: ValueKinds, name: str, labels: dict[tuple[str, ...], tuple[str, ...]]
) -> list[Pattern]:
    """Return patterns for a value of several words, which free text bounds only by quotes."""
    not_a_quote = "(?!(?:" + "|".join(map(re.escape, QUOTES)) + ")$)"
    word = {"TEXT": {"REGEX": _whole(kinds, name, not_a_quote)}}
    quote = {"ORTH": {"IN": list(QUOTES)}}
    patterns = []
    for length in range(1, MAX_QUOTED_TOKENS + 1):
        rows = [
            [*_before_value(label, marks, quoted=True), *[word] * length, quote]
            for label, marks in labels.items()
        ]
        patterns += [_entity(name, rows, -1 - length + at, first=at == 0) for at in range(length)]
    return patterns


def _entity(name: str, rows: list[list[dict[str, Any]]], index: int, first: bool = True) -> Pattern:
    """Return an AttributeRuler pattern marking token ``index`` of each match as entity ``name``."""
    return {
        "patterns": rows,
        "attrs": {"ENT_TYPE": name, "ENT_IOB": "B" if first else "I"},
        "index": index,
    }


def _whole(kinds: ValueKinds, name: str, also: str) -> str:
    """Return a regex for a whole token of ``name``'s shape that also matches ``also``."""
    return f"^(?=(?:{kinds.pattern(name)})$){also}"


def _spaced(kinds: ValueKinds, name: str) -> bool:
    """Tell whether a value of placeholder ``name`` may contain spaces (an account's name)."""
    return re.fullmatch(kinds.pattern(name), "Sales Revenue") is not None
