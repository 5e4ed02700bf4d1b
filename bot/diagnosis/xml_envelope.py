"""Read Xero's XML error bodies out of pasted text, whole or cut off, as JSON-shaped data.

Xero's older endpoints answer in XML: a 400 is ``<ApiException><ErrorNumber>10</ErrorNumber>
<Elements><DataContractBase i:type="Invoice">...<ValidationErrors><ValidationError><Message>...``
and a ``summarizeErrors=false`` batch is ``<Response><Invoices><Invoice status="ERROR">...``.
`read_xml` turns one into the dicts and lists its JSON twin would decode to, so
`bot.diagnosis.envelope` reads both the same way: a collection element (``<Elements>``,
``<ValidationErrors>``, ``<LineItems>``...) becomes a list, any other parent a dict, a leaf its
text; ``i:type`` and ``status`` attributes become ``@type`` and ``@status``.

The reader is a tolerant scan of tags, not an XML parser, because pastes are cut off and sit in
log lines. It processes no DTD and expands no entity but the five predefined ones and character
references, so a hostile ``<!DOCTYPE>`` is just skipped; its work is metered like the JSON scan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["XML_ROOT", "read_xml"]

# The roots of Xero's XML bodies; the envelope scan looks for them where it looks for JSON.
XML_ROOT = r"<(?:[\w.-]+:)?(?:ApiException|Response)\b"
_ROOTS = {"ApiException", "Response"}
# A start, end or empty-element tag (any namespace prefix dropped), or markup to skip:
# comments, <?xml ...?>, <!DOCTYPE ...> and whatever a DTD holds.
_TAG = re.compile(r"<(/?)(?:[\w.-]+:)?([A-Za-z_][\w.-]*)((?:\s[^<>]*)?)>|<[!?][^<>]*>")
_CDATA = re.compile(r"<!\[CDATA\[(.*)\]\]>", re.DOTALL)
# Quotes may come backslash-escaped when the XML was logged inside a JSON string.
_ATTRIBUTE = re.compile(r"""(?:[\w.-]+:)?([\w.-]+)\s*=\s*\\?["']([^"'\\]*)""")
_ENTITY = re.compile(r"&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|(lt|gt|amp|quot|apos));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_MAX_DEPTH = 32
# Work (see `bot.diagnosis.envelope`): reading a body, and each tag in it.
_BODY_WORK = 8
_TAG_WORK = 3


@dataclass
class _Element:
    name: str
    attributes: dict[str, str]
    children: list[_Element] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


def read_xml(text: str, start: int, spend: Callable[[int], bool]) -> tuple[Any, int] | None:
    """Read the XML body whose root tag starts at ``text[start]``.

    Args:
        text: the pasted text.
        start: where the root's start tag begins.
        spend: takes units of work and says whether the scan may go on.

    Returns:
        The body as JSON-shaped data and where it ends: after the root's end tag, or where it
        was cut off (the end of the text, or of the last line that still reads as XML). None
        if the root's start tag itself is cut off.
    """
    root: _Element | None = None
    stack: list[_Element] = []
    done = start
    if not spend(_BODY_WORK):
        return None
    for tag in _TAG.finditer(text, start):
        if root is None and tag.start() != start:
            return None
        if stack and not _add_text(stack[-1], text, done, tag.start()):
            done = text.index("\n", done)  # the body stops on an earlier line: cut off there
            break
        if not spend(_TAG_WORK):
            break
        closing, name, rest = tag.groups()
        if name is None:  # markup to skip, or CDATA
            cdata = _CDATA.fullmatch(tag.group())
            if cdata and stack:
                stack[-1].text.append(cdata.group(1))
            done = tag.end()
            continue
        if root is not None and not closing and name in _ROOTS:
            break  # another body begins: this one was cut off before it
        done = tag.end()
        if closing:
            while stack and any(e.name == name for e in stack):
                if stack.pop().name == name:
                    break
            if not stack:
                break  # the root is closed
            continue
        element = _Element(name, _attributes(rest))
        if root is None:
            root = element
        else:
            stack[-1].children.append(element)
        if root is element and rest.endswith("/"):
            break  # an empty root
        if not rest.endswith("/"):
            if len(stack) == _MAX_DEPTH:
                break  # nested too deep to be Xero's: read what came before
            stack.append(element)
    else:  # the text ended inside the body: keep the cut-off text of its last element
        if stack and _add_text(stack[-1], text, done, len(text)):
            done = len(text)
        elif stack:
            done = text.index("\n", done)
    if root is None:
        return None
    return _value(root), done


def _add_text(element: _Element, text: str, start: int, end: int) -> bool:
    """Add ``text[start:end]``, the text before the next tag, to ``element``.

    Return False if the body stops at a line break in it: a line that doesn't start with a tag
    after one (a log line, or the customer's own words) means the paste was cut off there.
    """
    if start == end:
        return True
    gap = text[start:end]
    newline = gap.find("\n")
    if newline != -1 and gap[newline:].strip():
        element.text.append(gap[:newline])
        return False
    element.text.append(gap.split("<", 1)[0])  # a tag cut off at the end of the text
    return True


def _attributes(rest: str) -> dict[str, str]:
    """Return the attributes Xero's bodies use: ``i:type`` and ``status``."""
    found = dict(_ATTRIBUTE.findall(rest))
    return {name: found[name] for name in ("type", "status", "nil") if name in found}


def _value(element: _Element) -> Any:
    """Return ``element`` as its JSON twin would decode to."""
    children = element.children
    if not children:
        if element.attributes.get("nil") == "true":
            return ""
        return _unescape("".join(element.text)).strip()
    names = {child.name for child in children}
    if len(names) == 1 and (len(children) > 1 or element.name.endswith("s")):
        return [_value(child) for child in children]  # <LineItems><LineItem>...
    node: dict[str, Any] = {
        f"@{name}": value for name, value in element.attributes.items() if name != "nil"
    }
    repeated: dict[str, list[Any]] = {}
    for child in children:
        value = _value(child)
        if child.name in repeated:
            repeated[child.name].append(value)
        elif child.name in node:
            repeated[child.name] = node[child.name] = [node[child.name], value]
        else:
            node[child.name] = value
    return node


def _unescape(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(3):
            return _NAMED[m.group(3)]
        code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
        return chr(code) if 0 < code <= 0x10FFFF else m.group()

    return _ENTITY.sub(one, text) if "&" in text else text
