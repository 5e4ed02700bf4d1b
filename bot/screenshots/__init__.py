"""Read a screenshot of a sync error: OCR (Tesseract), then the same diagnosis as a paste.

``read_screenshot(data)`` returns the text read and its words with their confidences;
``diagnose_screenshot(data, diagnoser)`` adds the errors found and, for each value read, whether
it came out surely or which readings the customer should be asked to choose between.
"""

from __future__ import annotations

from bot.screenshots.image import MAX_BYTES, NotAScreenshot
from bot.screenshots.ocr import OcrUnavailable, Reading, Word
from bot.screenshots.reader import (
    ScreenshotDiagnosis,
    UncertainValue,
    diagnose_screenshot,
    read_screenshot,
)

__all__ = [
    "MAX_BYTES",
    "NotAScreenshot",
    "OcrUnavailable",
    "Reading",
    "ScreenshotDiagnosis",
    "UncertainValue",
    "Word",
    "diagnose_screenshot",
    "read_screenshot",
]
