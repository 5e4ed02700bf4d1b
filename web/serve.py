"""Serve syncdesk's web chat: the support-site page, the in-app demo and the embeddable widget.

The pages hold no addresses of their own: the bot's URL and Joblogic's contacts (read from the
knowledge base's source data) go into a generated ``config.js`` when the server starts.

    .venv/bin/python web/serve.py [--port 8000] [--bot-url http://localhost:5005]
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from dataclasses import asdict
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO

from console import Console  # web/console.py: the support console (/console), staff only
from page_headers import security_headers  # web/page_headers.py: CSP, Referrer-Policy, nosniff
from screenshot_upload import UPLOAD_PATH, ScreenshotUpload  # web/screenshot_upload.py

from bot.kb.source import read_source
from bot.replies import contact_link
from bot.security.demo import demo_identity_script
from bot.settings import Settings

WEB = Path(__file__).resolve().parent
PUBLIC = WEB / "public"
WEBCHAT_BUNDLE = WEB / "node_modules" / "rasa-webchat" / "lib" / "index.js"
# rasa-webchat's CSS pulls its font from Google at run time; the page uses system fonts instead.
_FONT_IMPORT = re.compile(r"@import url\(https://fonts\.googleapis\.com/[^)]*\);?")


def config_script(bot_url: str, kb_source: Path) -> bytes:
    """Return ``config.js``: where the bot is and how to reach people when it is not there."""
    contacts = [
        {**asdict(contact), "href": contact_link(contact)}
        for contact in read_source(kb_source).contacts
    ]
    # "<" escaped so no value can close a <script> element the file may be inlined into.
    config = json.dumps({"botUrl": bot_url, "contacts": contacts}, indent=2).replace("<", "\\u003c")
    return f"window.SYNCDESK_SITE = {config};\n".encode()


def webchat_bundle() -> bytes:
    """Return the pinned rasa-webchat bundle, without its call to Google Fonts."""
    if not WEBCHAT_BUNDLE.is_file():
        sys.exit(f"{WEBCHAT_BUNDLE} is missing: run scripts/setup-web first.")
    return _FONT_IMPORT.sub("", WEBCHAT_BUNDLE.read_text(encoding="utf-8")).encode()


class PageHandler(SimpleHTTPRequestHandler):
    """Static files from ``web/public``, plus the generated config and the vendored widget."""

    generated: dict[str, tuple[bytes, str]] = {}
    security_headers: list[tuple[str, str]] = []
    screenshots: ScreenshotUpload | None = None
    console: Console | None = None
    settings: Settings  # set by serve()

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        """Read an uploaded screenshot (``POST /screenshots``), or the console's posts."""
        if self.console is not None and self.console.handles(self.path):
            self.console.post(self)
            return
        if self.screenshots is None or self.path.split("?", 1)[0] != UPLOAD_PATH:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self.screenshots.upload(self)

    def do_OPTIONS(self) -> None:  # noqa: N802
        """Answer the CORS preflight of an upload from the Joblogic app's origin."""
        if self.screenshots is None or self.path.split("?", 1)[0] != UPLOAD_PATH:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self.screenshots.preflight(self)

    def send_head(self) -> BinaryIO | None:
        """Answer generated files from memory, anything else from ``web/public``."""
        if self.console is not None and self.console.handles(self.path):
            self.console.get(self)
            return None
        generated = self.generated.get(self.path.split("?", 1)[0])
        if self.path.split("?", 1)[0] == "/demo-identity.js":  # in-app demo's "app backend"
            generated = (demo_identity_script(self.settings), "text/javascript; charset=utf-8")
        if generated is None:
            return super().send_head()
        body, content_type = generated
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        return io.BytesIO(body)

    def end_headers(self) -> None:
        """Add the headers every answer carries."""
        for name, value in self.security_headers:
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Log requests only when asked to (SYNCDESK_WEB_LOG=1)."""
        if self.settings.web.log_requests:
            super().log_message(format, *args)


def serve(host: str, port: int, bot_url: str, settings: Settings | None = None) -> None:
    """Serve the pages until interrupted."""
    settings = settings or Settings.from_env()
    js = "text/javascript; charset=utf-8"
    generated = {
        "/config.js": (config_script(bot_url, settings.kb_source), js),
        "/vendor/rasa-webchat.js": (webchat_bundle(), js),
    }
    headers = security_headers(bot_url, PUBLIC)
    screenshots = ScreenshotUpload(
        lambda: read_source(settings.kb_source).errors, list(settings.web.cors_origins)
    )
    handler = type("Handler", (PageHandler,), {
        "generated": generated, "security_headers": headers, "screenshots": screenshots,
        "console": Console.from_settings(settings, bot_url), "settings": settings})
    server = ThreadingHTTPServer((host, port), partial(handler, directory=str(PUBLIC)))
    print(f"syncdesk web chat on http://{host or 'localhost'}:{port}/ "
          f"(in-app demo: /in-app.html), talking to the bot at {bot_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    """Parse the command line (defaults from the settings) and serve."""
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=settings.web.host,
                        help="interface to listen on (default: all)")
    parser.add_argument("--port", type=int, default=settings.web.port)
    parser.add_argument("--bot-url", default=settings.web.bot_url,
                        help="the Rasa server the browser connects to (socket.io)")
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.bot_url.rstrip("/"), settings)


if __name__ == "__main__":
    main()
