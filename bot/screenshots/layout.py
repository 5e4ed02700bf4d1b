"""Put the words Tesseract read back into the order a person reads them, cell by cell.

Tesseract reads a table row straight across, so a sync log's message that wraps inside its cell
comes out interleaved with the other columns ("Account Code:" / "09:14 2783/3 - Account type…").
Here each line is split into cells where words stand far apart, cells that sit under one
another at the same left edge are stacked into one block (a wrapped cell, a paragraph), and
the blocks are written one after the other. A value the browser wrapped after a hyphen
(``JOB-`` / ``368-3``) is joined again: browsers only break after hyphens that are there.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

__all__ = ["Box", "arrange"]

# Words further apart than this many character widths are in different cells: a space is about
# half a character in proportional fonts and one in monospace; table cells are >= 2 apart.
_CELL_GAP = 1.6
# Cells whose left edges differ by less than this many text heights are one column.
_SAME_EDGE = 0.6
# A cell continues the block above when it starts within this many text heights below it.
_NEXT_LINE = 1.2


@dataclass(frozen=True)
class Box:
    """A word read, its confidence and where it stands on the page (pixels)."""

    text: str
    confidence: float
    left: int
    top: int
    right: int
    bottom: int
    line: int  # Tesseract's text line, in reading order
    # Other characters Tesseract weighed for some of the word's: (index, character, confidence).
    choices: tuple[tuple[int, str, float], ...] = ()
    # Tesseract's confidence (0-100) in each of the word's characters.
    sureness: tuple[float, ...] = ()


@dataclass
class _Cell:
    words: list[Box]
    line_top: int  # the top of its whole line: cells of one line sort together

    @property
    def left(self) -> int:
        return self.words[0].left

    @property
    def top(self) -> int:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w.bottom for w in self.words)


def arrange(boxes: list[Box]) -> list[list[list[Box]]]:
    """Return the words as blocks of lines, each block a cell or paragraph, in reading order."""
    if not boxes:
        return []
    lines = _lines(boxes)
    height = statistics.median(_height(line) for line in lines) or 1
    cells: list[_Cell] = []
    for line in lines:
        gap = _CELL_GAP * _char_width(line)
        cell = _Cell([line[0]], _top(line))
        for word in line[1:]:
            if word.left - cell.words[-1].right > gap:
                cells.append(cell)
                cell = _Cell([word], _top(line))
            else:
                cell.words.append(word)
        cells.append(cell)
    blocks: list[list[_Cell]] = []
    for cell in sorted(cells, key=lambda c: (c.line_top, c.left)):
        for block in blocks:
            last = block[-1]
            if (
                abs(cell.left - last.left) <= _SAME_EDGE * height
                and 0 <= cell.top - last.bottom <= _NEXT_LINE * height
            ):
                block.append(cell)
                break
        else:
            blocks.append([cell])
    blocks.sort(key=lambda b: (b[0].line_top, b[0].left))
    return [[cell.words for cell in block] for block in blocks]


def _char_width(line: list[Box]) -> float:
    return statistics.median((w.right - w.left) / max(len(w.text), 1) for w in line)


def _height(line: list[Box]) -> int:
    return max(w.bottom for w in line) - _top(line)


def _top(line: list[Box]) -> int:
    return min(w.top for w in line)


def _lines(boxes: list[Box]) -> list[list[Box]]:
    lines: dict[int, list[Box]] = {}
    for box in boxes:
        lines.setdefault(box.line, []).append(box)
    return [sorted(words, key=lambda w: w.left) for words in lines.values()]
