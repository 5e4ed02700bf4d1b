"""bot.screenshots: safe opening, preprocessing, look-alike doubts, and real Tesseract reads."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from bot.diagnosis import Diagnoser
from bot.kb.source import read_source
from bot.screenshots import MAX_BYTES, NotAScreenshot, diagnose_screenshot, read_screenshot
from bot.screenshots.image import open_image, prepare
from bot.screenshots.ocr import tessdata_path
from bot.screenshots.reader import UncertainValue, look_alike_readings

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def tesseract_installed() -> bool:
    try:
        tessdata_path()
        import tesserocr  # noqa: F401
    except Exception:
        return False
    return True


needs_ocr = pytest.mark.skipif(not tesseract_installed(), reason="run scripts/setup-ocr")


@pytest.fixture(scope="module")
def diagnoser() -> Diagnoser:
    return Diagnoser(read_source().errors)


def picture(lines: list[str], *, dark: bool = False, size: int = 15, fmt: str = "PNG") -> bytes:
    """Draw text as a screen shows it (small, anti-aliased), return the encoded picture."""
    font = ImageFont.truetype(FONT, size)
    image = Image.new("RGB", (900, 40 + 26 * len(lines)), "#1e1f24" if dark else "#ffffff")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((20, 20 + 26 * number), line, font=font, fill="#e6e6e6" if dark else "#1d2430")
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("read", "readings"),
    [
        ("INV-0042", ["INV-0042"]),
        ("INV-0O42", ["INV-0O42", "INV-0042"]),  # an O among digits
        ("CN-0O18", ["CN-0O18", "CN-0018"]),
        ("0UTPUT2", ["0UTPUT2", "OUTPUT2"]),  # a zero leading letters
        ("JL1O234", ["JL1O234", "JL10234"]),
        ("$1524", ["$1524", "S1524"]),
        # Letters then digits is how references look: not doubted.
        ("TAX001", ["TAX001"]),
        ("SI683", ["SI683"]),
        ("OUTPUT2", ["OUTPUT2"]),
        ("ZERORATEDOUTPUT", ["ZERORATEDOUTPUT"]),
        ("INV42A", ["INV42A"]),
        ("40010-01", ["40010-01"]),
        ("1,234.50", ["1,234.50"]),
        ("Motor Vehicles - Vans", ["Motor Vehicles - Vans"]),
    ],
)
def test_look_alikes_out_of_place_are_offered_as_another_reading(read, readings):
    assert look_alike_readings(read) == readings


def test_the_question_names_the_value_and_its_readings():
    doubt = UncertainValue("invoice_number", "INV-0O42", ("INV-0O42", "INV-0042"), 91.0)
    assert doubt.question == "Is the invoice number INV-0O42 or INV-0042?"
    alone = UncertainValue("tax_code", "OUTPUT2", ("OUTPUT2",), 41.0)
    assert alone.question == "Is the tax code OUTPUT2?"
    assert doubt.to_json()["options"] == ["INV-0O42", "INV-0042"]


def test_only_pictures_of_a_sensible_size_are_opened():
    with pytest.raises(NotAScreenshot, match="not a picture"):
        open_image(b"%PDF-1.7 not an image")
    with pytest.raises(NotAScreenshot, match="over 5 MB"):
        open_image(b"\x89PNG" + b"\0" * MAX_BYTES)
    tiff = io.BytesIO()
    Image.new("RGB", (10, 10)).save(tiff, "TIFF")
    with pytest.raises(NotAScreenshot, match="only PNG"):
        open_image(tiff.getvalue())
    bomb = io.BytesIO()
    Image.new("1", (6000, 6000)).save(bomb, "PNG")  # 6 KB on disk, 36 Mpx decoded
    with pytest.raises(NotAScreenshot, match="too large"):
        open_image(bomb.getvalue())


def test_dark_pages_are_inverted_cropped_and_small_text_scaled_up():
    light = prepare(open_image(picture(["Invoice # must be unique"])))
    dark = prepare(open_image(picture(["Invoice # must be unique"], dark=True)))
    assert not light.inverted and dark.inverted
    assert light.scale > 1.5  # 15 px text is below what Tesseract reads best
    # Cropped to the text: far narrower than the 900 px page, once the upscaling is undone.
    assert dark.image.width / dark.scale < 450
    assert dark.image.getpixel((2, 2)) > 200  # background now light


@needs_ocr
@pytest.mark.parametrize("dark", [False, True])
def test_a_screenshot_is_diagnosed_as_the_same_text_pasted(diagnoser, dark):
    message = "Invoice: INV-2087 - Account code 4000 is not a valid code for this document"
    result = diagnose_screenshot(picture(["Xero sync log", message], dark=dark), diagnoser)
    assert message in result.text
    assert [m.error_id for m in result.matches] == ["account-code-invalid-for-document"]
    assert result.matches[0].values == {"invoice_number": "INV-2087", "account_code": "4000"}
    assert result.uncertain == []
    assert result.to_json()["matches"] == [m.to_json() for m in diagnoser.diagnose(message)]


@needs_ocr
def test_a_value_read_with_a_look_alike_out_of_place_is_asked_not_asserted(diagnoser):
    # An O among zeros: Tesseract's language model reads "INV-0042", but weighed the O. The
    # customer must be asked, with the real value among the readings, never told a wrong one.
    result = diagnose_screenshot(picture(["Invoice: INV-0O42 - Invoice # must be unique"]), diagnoser)
    assert result.matches[0].error_id == "invoice-number-duplicate"
    [doubt] = result.uncertain
    assert doubt.read == result.matches[0].values["invoice_number"]
    assert "INV-0O42" in doubt.options and "INV-0042" in doubt.options
    assert doubt.question.startswith("Is the invoice number INV-")


@needs_ocr
def test_a_picture_without_text_reads_as_nothing():
    blank = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(blank, "PNG")
    assert read_screenshot(blank.getvalue()).text == ""


def test_a_value_read_from_pixels_another_word_was_read_from_is_asked(diagnoser):
    """Tesseract read one stretch of a blurred line twice: "code" and, on top of it, "'2" (the
    account code was '277.7'). The 2 is not a reading: it is asked, never passed on."""
    from bot.screenshots.ocr import Reading, Word
    from bot.screenshots.reader import _doubt

    boxes = {"Account": (180, 364, 400, 404), "code": (422, 364, 599, 404),
             "'2": (555, 360, 603, 412), "is": (700, 364, 740, 404)}
    text, words = "", []
    for word, box in boxes.items():
        start = len(text) + (1 if text else 0)
        text += (" " if text else "") + word
        words.append(Word(word, 96.0, start, start + len(word), (), (96.0,) * len(word), box))
    text += " not a valid code for this document"
    [match] = diagnoser.diagnose(text)
    assert match.values == {"account_code": "2"}
    doubt = _doubt(Reading(text, tuple(words)), match, "account_code", "2")
    assert doubt is not None and not doubt.second_look
    # The same word on its own pixels is read surely.
    words[2] = Word("'2", 96.0, words[2].start, words[2].end, (), (96.0, 96.0), (610, 360, 660, 412))
    assert _doubt(Reading(text, tuple(words)), match, "account_code", "2") is None
