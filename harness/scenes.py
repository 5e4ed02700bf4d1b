"""Screenshots of sync errors, rendered in Chromium from HTML that looks like the real screens.

Two scenes: Joblogic's sync log (a table; the failed row carries Joblogic's whole line) and
Xero's red error banner (Xero's own wording, without Joblogic's prefix). Each is rendered at
several widths, zoom levels, fonts, light and dark, and then saved as a PNG, a JPEG and a
slightly blurred copy, as customers' screenshots arrive. Values are generated with the same
shapes as the diagnosis tests (harness/samples.py).
"""

from __future__ import annotations

import html
import io
import itertools
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageFilter

from bot.kb.source import ErrorEntry
from bot.screenshots import ScreenshotDiagnosis
from harness.samples import VALUE_SHAPES, Samples, fill, names

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

SCENES = ("sync-log", "xero-banner")
WIDTHS = (390, 768, 1280)
ZOOMS = (1.0, 1.25, 0.9)
# The sans-serif UI fonts these screens use, and a serif (a browser's default font changed).
# Not monospace: neither screen uses one, and DejaVu Sans Mono's dotted zero reads as 9 or 6.
FONTS = ("DejaVu Sans", "DejaVu Serif", "DejaVu Sans Condensed")
THEMES = ("light", "dark")
COPIES = ("png", "jpeg", "blur")


@dataclass(frozen=True)
class Shot:
    """One screenshot to render: which error, its values, and how the screen looked."""

    error_id: str
    message: str  # the text on screen
    values: dict[str, str]  # the values on screen: what a correct reading must give
    scene: str
    width: int
    zoom: float
    font: str
    theme: str
    copy: str = "png"
    image: bytes = b""

    @property
    def label(self) -> str:
        """Return a short name for reports and file names."""
        return (f"{self.error_id}-{self.scene}-{self.width}px-x{self.zoom}-"
                f"{self.font.replace(' ', '')}-{self.theme}-{self.copy}")


def plan(entries: Iterable[ErrorEntry], per_error: int, seed: int = 15) -> list[Shot]:
    """Return ``per_error`` looks per error (before copies), spread over every setting."""
    rng = random.Random(seed)
    samples = Samples.__new__(Samples)
    every_look = list(itertools.product(SCENES, THEMES, WIDTHS, ZOOMS, FONTS))
    rng.shuffle(every_look)
    looks = itertools.cycle(every_look)
    shots = []
    for entry in entries:
        for _ in range(per_error):
            scene, theme, width, zoom, font = next(looks)
            values = {name: rng.choice(gens)(rng) for name, gens in VALUE_SHAPES.items()}
            template = samples.message(entry) if scene == "sync-log" else _xero_body(samples, entry)
            shown = {name: values[name] for name in names(template)}
            quote = "" if scene == "sync-log" else "'"
            shots.append(Shot(entry.id, fill(template, values, quote=quote), shown, scene,
                              width, zoom, font, theme))
    return shots


def render(shots: list[Shot], copies: Iterable[str] = COPIES) -> Iterator[Shot]:
    """Render each shot in Chromium and yield it once per copy (PNG, JPEG, blurred)."""
    from playwright.sync_api import sync_playwright

    copies = tuple(copies)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for zoom, group in itertools.groupby(sorted(shots, key=lambda s: s.zoom),
                                                 key=lambda s: s.zoom):
                context = browser.new_context(device_scale_factor=zoom)
                page = context.new_page()
                for shot in group:
                    page.set_viewport_size({"width": shot.width, "height": 600})
                    page.set_content(page_html(shot))
                    png = page.screenshot(full_page=True)
                    for copy in copies:
                        yield replace(shot, copy=copy, image=_copy(png, copy))
                context.close()
        finally:
            browser.close()


def page_html(shot: Shot) -> str:
    """Return the page of one shot: Joblogic's sync log or Xero's error banner."""
    dark = shot.theme == "dark"
    colours = {
        "bg": "#1e1f24" if dark else "#ffffff",
        "fg": "#e6e6e6" if dark else "#1d2430",
        "muted": "#9aa0aa" if dark else "#5f6b7a",
        "line": "#3a3d45" if dark else "#dde2e8",
        "bar": "#14161a" if dark else "#0b4f8a",
        "alert": "#3b1d1f" if dark else "#fdecea",
        "alert_fg": "#ffb4ab" if dark else "#8a1c1c",
        "alert_line": "#8a3a3a" if dark else "#e8a5a0",
    }
    message = html.escape(shot.message)
    if shot.scene == "sync-log":
        body = f"""
<header>Joblogic <span>Finance › Accounts integration › Sync log</span></header>
<main><h1>Xero sync log</h1>
<table><thead><tr><th>Date</th><th>Type</th><th>Status</th><th>Message</th></tr></thead><tbody>
<tr><td>27/11/2026 09:12</td><td>Contact</td><td class="ok">Synced</td><td></td></tr>
<tr><td>27/11/2026 09:14</td><td>{html.escape(shot.error_id.split('-')[0].title())}</td>
<td class="failed">Failed</td><td class="message">{message}</td></tr>
<tr><td>27/11/2026 09:15</td><td>Contact</td><td class="ok">Synced</td><td></td></tr>
</tbody></table></main>"""
    else:
        body = f"""
<header>xero <span>Business › Invoices › Edit</span></header>
<main><div class="alert" role="alert"><strong>This document cannot be saved</strong>
<ul><li>{message}</li></ul></div>
<p class="muted">Fix the problems above, then try again.</p></main>"""
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin:0; background:{colours['bg']}; color:{colours['fg']};
       font-family:"{shot.font}"; font-size:14px; line-height:1.45; }}
header {{ background:{colours['bar']}; color:#fff; padding:10px 16px; font-weight:bold; }}
header span {{ font-weight:normal; opacity:.8; margin-left:12px; font-size:13px; }}
main {{ padding:16px; }}
h1 {{ font-size:20px; margin:0 0 12px; }}
table {{ border-collapse:collapse; width:100%; }}
th, td {{ text-align:left; vertical-align:top; padding:8px; border-bottom:1px solid {colours['line']}; }}
th {{ color:{colours['muted']}; font-size:12px; }}
.ok {{ color:#2e8540; }} .failed {{ color:#d93025; font-weight:bold; }}
.alert {{ background:{colours['alert']}; color:{colours['alert_fg']}; padding:12px 16px;
         border:1px solid {colours['alert_line']}; border-radius:4px; }}
.alert ul {{ margin:6px 0 0; padding-left:20px; }}
.muted {{ color:{colours['muted']}; }}
</style></head><body>{body}</body></html>"""


def judge(shot: Shot, result: ScreenshotDiagnosis) -> dict[str, object]:
    """Return what a reading got right: the error, each value (exact / asked / wrong)."""
    right = [m for m in result.matches if m.error_id == shot.error_id]
    asked = {u.read: u.options for u in result.uncertain}
    values = {}
    got = right[0].values if right else {}
    for name, truth in shot.values.items():
        read = got.get(name)
        if read is None:
            values[name] = "missing"
        elif read in asked:
            values[name] = "asked" if truth in asked[read] else "asked, not offered"
        else:
            values[name] = "exact" if read == truth else "wrong"
    return {
        "identified": bool(right),
        "asserted": bool(right) and right[0].sure,
        "wrong_error": sorted({m.error_id for m in result.matches} - {shot.error_id}),
        "values": values,
    }


def _xero_body(samples: Samples, entry: ErrorEntry) -> str:
    """Return Xero's own wording of the error, as its banner shows it (no Joblogic prefix)."""
    return samples.body(entry)


def _copy(png: bytes, copy: str) -> bytes:
    if copy == "png":
        return png
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    if copy == "jpeg":
        image.save(out, "JPEG", quality=60)
    else:  # slightly out of focus, as a resized or phone-photographed screen
        image.filter(ImageFilter.GaussianBlur(0.7)).save(out, "PNG")
    return out.getvalue()
