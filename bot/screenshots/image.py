"""Open an uploaded screenshot safely and prepare it for Tesseract.

Screenshots are not scans: the text is crisp but often small (a sync log at 90 % zoom), may be
light on dark (dark themes) and sits in a wide page of empty space. So the image is opened only
if it is a real, reasonably sized picture, turned grey, inverted when the page is dark, cropped
to where the text is, and scaled up until a line of text is tall enough for Tesseract's LSTM.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "ACCEPTED_FORMATS",
    "MAX_BYTES",
    "MAX_PIXELS",
    "NotAScreenshot",
    "Prepared",
    "open_image",
    "prepare",
]

#: Largest upload read, in bytes: a full-HD PNG screenshot is 0.2-2 MB.
MAX_BYTES = 5 * 1024 * 1024
#: Largest picture decoded (a 4K screen is 8.3 Mpx): refuses decompression bombs.
MAX_PIXELS = 5000 * 5000
#: What browsers' screenshots and phones' pictures come as.
ACCEPTED_FORMATS = frozenset({"PNG", "JPEG", "WEBP", "GIF", "BMP"})

# A line of text should stand about this many pixels tall for Tesseract (its sweet spot is an
# x-height of 20-30 px); smaller text is scaled up, never by more than _MAX_SCALE.
_LINE_HEIGHT = 40
_MAX_SCALE = 4.0
_INK = 60  # grey levels from the background that count as text
_MARGIN = 12  # pixels kept around the text when cropping


class NotAScreenshot(ValueError):
    """The upload is not an image syncdesk reads (wrong type, too big, or damaged)."""


@dataclass(frozen=True)
class Prepared:
    """A screenshot ready for OCR: grey, dark text on light, cropped and scaled."""

    image: Image.Image
    scale: float
    inverted: bool


def open_image(data: bytes) -> Image.Image:
    """Return the picture in ``data``, or raise `NotAScreenshot` saying what is wrong with it."""
    if len(data) > MAX_BYTES:
        raise NotAScreenshot(f"the image is over {MAX_BYTES // (1024 * 1024)} MB")
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in ACCEPTED_FORMATS:
            raise NotAScreenshot("only PNG, JPEG, WebP, GIF or BMP pictures can be read")
        if image.width * image.height > MAX_PIXELS:
            raise NotAScreenshot("the picture is too large")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as problem:
        raise NotAScreenshot("this is not a picture syncdesk can read") from problem
    return image


def prepare(image: Image.Image) -> Prepared:
    """Return ``image`` grey, inverted if dark, cropped to its text and scaled for Tesseract."""
    if image.mode in ("RGBA", "LA", "P"):
        # Transparent pixels are page background: flatten on white.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    grey = ImageOps.grayscale(image)
    pixels = np.asarray(grey)
    inverted = bool(np.median(pixels) < 128)
    if inverted:
        grey = ImageOps.invert(grey)
        pixels = 255 - pixels
    ink = pixels < (int(np.median(pixels)) - _INK)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size and cols.size:
        box = (
            max(int(cols[0]) - _MARGIN, 0),
            max(int(rows[0]) - _MARGIN, 0),
            min(int(cols[-1]) + _MARGIN + 1, grey.width),
            min(int(rows[-1]) + _MARGIN + 1, grey.height),
        )
        grey = grey.crop(box)
        ink = ink[box[1] : box[3], box[0] : box[2]]
    scale = min(_MAX_SCALE, max(1.0, _LINE_HEIGHT / max(_line_height(ink), 1)))
    if scale > 1.05:
        size = (round(grey.width * scale), round(grey.height * scale))
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    return Prepared(image=grey, scale=scale, inverted=inverted)


def _line_height(ink: np.ndarray) -> float:
    """Return the typical height in pixels of a line of text (runs of rows holding ink)."""
    inked = ink.any(axis=1)
    heights: list[int] = []
    run = 0
    for row in inked:
        if row:
            run += 1
        elif run:
            heights.append(run)
            run = 0
    if run:
        heights.append(run)
    heights = [h for h in heights if h >= 4]  # rules and underlines are not text
    # The lower quartile: bars and buttons filled with colour are tall runs, not text.
    return float(np.percentile(heights, 25)) if heights else float(_LINE_HEIGHT)
