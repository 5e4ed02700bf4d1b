"""The screenshot upload of the web chat: ``POST /screenshots`` → the text read, as JSON.

The picture is the request body (``Content-Type: image/png``, ``image/jpeg``…, at most
`bot.screenshots.MAX_BYTES`). It is read in memory, diagnosed, and dropped: never written to
disk, never logged (images are personal data). The answer goes back to the browser, which sends
the text into the conversation through its own socket, so the conversation stays the client's.

    {"text": "...", "matches": [...], "uncertain": [{"read": "INV-0O42", "options": [...],
     "question": "Is the invoice number INV-0O42 or INV-0042?", ...}]}

Errors are JSON too, ``{"error": "..."}``, worded for the customer: 413 too large, 415 not a
picture, 429 too many, 503 OCR not installed.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler

from bot.diagnosis import Diagnoser
from bot.screenshots import MAX_BYTES, NotAScreenshot, OcrUnavailable, diagnose_screenshot

__all__ = ["UPLOAD_PATH", "ScreenshotUpload"]

UPLOAD_PATH = "/screenshots"
#: Uploads one browser address may make per minute: OCR costs ~0.3 s of a core each.
PER_MINUTE = 10
_DRAIN_LIMIT = 4 * MAX_BYTES


class ScreenshotUpload:
    """Answers the upload endpoint; the diagnoser is built on the first upload."""

    def __init__(
        self,
        entries: Callable[[], Iterable[object]],
        allowed_origins: Iterable[str] = (),
        per_minute: int = PER_MINUTE,
    ) -> None:
        """Answer with the errors of ``entries()``; allow CORS from ``allowed_origins``."""
        self._entries = entries
        self._diagnoser: Diagnoser | None = None
        self._origins = set(allowed_origins)
        self._per_minute = per_minute
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def preflight(self, request: BaseHTTPRequestHandler) -> None:
        """Answer the browser's CORS preflight for an upload from an allowed origin."""
        request.send_response(HTTPStatus.NO_CONTENT)
        self._cors(request)
        request.send_header("Access-Control-Allow-Methods", "POST")
        request.send_header("Access-Control-Allow-Headers", "Content-Type")
        request.send_header("Access-Control-Max-Age", "600")
        request.send_header("Content-Length", "0")
        request.end_headers()

    def upload(self, request: BaseHTTPRequestHandler) -> None:
        """Read the uploaded screenshot and answer with its text, errors and doubts."""
        status, answer = self._read(request)
        body = json.dumps(answer, ensure_ascii=False).encode()
        request.send_response(status)
        self._cors(request)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        request.send_header("Cache-Control", "no-store")
        if status >= 400:
            request.send_header("Connection", "close")
        request.end_headers()
        request.wfile.write(body)

    def _read(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, object]]:
        size = request.headers.get("Content-Length", "")
        kind = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not size.isdigit():
            return HTTPStatus.LENGTH_REQUIRED, _error("Send the picture with its length.")
        if int(size) > MAX_BYTES:
            _discard(request, int(size))
            limit = MAX_BYTES // (1024 * 1024)
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, _error(
                f"That picture is over {limit} MB: crop it to the error, or paste the text."
            )
        if not kind.startswith("image/"):
            _discard(request, int(size))
            return HTTPStatus.UNSUPPORTED_MEDIA_TYPE, _error(
                "Only pictures (PNG, JPEG, WebP, GIF, BMP) can be read."
            )
        if not self._allow(request.client_address[0]):
            _discard(request, int(size))
            return HTTPStatus.TOO_MANY_REQUESTS, _error(
                "That's a lot of screenshots in a minute: please wait a moment."
            )
        data = request.rfile.read(int(size))
        try:
            result = diagnose_screenshot(data, self._diagnoser_now())
        except NotAScreenshot as problem:
            return HTTPStatus.UNSUPPORTED_MEDIA_TYPE, _error(f"I couldn't read that: {problem}.")
        except OcrUnavailable:
            return HTTPStatus.SERVICE_UNAVAILABLE, _error(
                "Reading screenshots isn't available right now: please paste the text instead."
            )
        finally:
            del data  # the picture is not kept
        return HTTPStatus.OK, result.to_json()

    def _diagnoser_now(self) -> Diagnoser:
        with self._lock:
            if self._diagnoser is None:
                self._diagnoser = Diagnoser(self._entries())  # type: ignore[arg-type]
            return self._diagnoser

    def _allow(self, address: str) -> bool:
        now = time.monotonic()
        with self._lock:
            recent = self._recent[address]
            while recent and now - recent[0] > 60:
                recent.popleft()
            if len(recent) >= self._per_minute:
                return False
            recent.append(now)
            return True

    def _cors(self, request: BaseHTTPRequestHandler) -> None:
        origin = request.headers.get("Origin")
        if origin and origin in self._origins:
            request.send_header("Access-Control-Allow-Origin", origin)
            request.send_header("Vary", "Origin")


def _discard(request: BaseHTTPRequestHandler, size: int) -> None:
    """Read and drop a refused body, so the client gets the answer rather than a reset.

    Bodies past `_DRAIN_LIMIT` are not worth the reading: the connection is closed instead.
    """
    request.close_connection = True
    if size > _DRAIN_LIMIT:
        return
    while size > 0:
        chunk = request.rfile.read(min(size, 64 * 1024))
        if not chunk:
            return
        size -= len(chunk)


def _error(message: str) -> dict[str, object]:
    return {"error": message}
