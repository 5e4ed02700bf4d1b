"""The console over real HTTP: nothing without a login, a login that holds, no cross-site posts."""

from __future__ import annotations

import http.client
import importlib.util
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot import db
from bot.console.agents import Agents, agent_line, read_agents
from bot.console.desk import ConsoleDesk
from bot.console.live import RasaConversations
from bot.settings import PROJECT_ROOT

PASSWORD = "a long console password"
_spec = importlib.util.spec_from_file_location("web_console", PROJECT_ROOT / "web" / "console.py")
assert _spec and _spec.loader
web_console = importlib.util.module_from_spec(_spec)
sys.modules["web_console"] = web_console  # web/ is run as scripts, not a package
_spec.loader.exec_module(web_console)


def serve(console) -> tuple[ThreadingHTTPServer, int]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            console.get(self)

        def do_POST(self):  # noqa: N802
            console.post(self)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def make_console(db_url: str, agents: Agents):
    desk = ConsoleDesk(db.session_factory(db_url))
    # Rasa's API off: the console itself answers; takeover says what is missing.
    return web_console.Console(agents, desk, RasaConversations("http://127.0.0.1:9", None))


@pytest.fixture
def agents(tmp_path) -> Agents:
    path = tmp_path / "agents"
    path.write_text(agent_line("sam", "Sam", PASSWORD) + "\n")
    return read_agents(path)


@pytest.fixture
def port(db_url, agents) -> Iterator[int]:
    server, port = serve(make_console(db_url, agents))
    yield port
    server.shutdown()
    server.server_close()


def call(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, body=body, headers=headers or {})
    answer = connection.getresponse()
    data = answer.read()
    connection.close()
    return answer.status, dict(answer.getheaders()), data


def log_in(port, password=PASSWORD, login="sam"):
    form = f"login={login}&password={password.replace(' ', '+')}"
    return call(port, "POST", "/console/login", form,
                {"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip


def cookie_of(headers) -> str:
    return headers["Set-Cookie"].split(";", 1)[0]


JSON = {"Content-Type": "application/json"}
PROTECTED = [
    ("GET", "/console/api/queue"),
    ("GET", "/console/api/conversations/web-1"),
    ("POST", "/console/api/conversations/web-1/takeover"),
    ("POST", "/console/api/conversations/web-1/messages"),
    ("POST", "/console/api/conversations/web-1/handback"),
]


def test_nothing_but_the_login_page_without_a_login(port):
    status, headers, _ = call(port, "GET", "/console")
    assert (status, headers["Location"]) == (303, "/console/login")
    status, _, page = call(port, "GET", "/console/login")
    assert status == 200 and b'action="/console/login"' in page
    forged = {**JSON, "Cookie": "syncdesk_console=made-up"}
    for method, path in PROTECTED:
        for headers in (JSON, forged):
            status, _, body = call(port, method, path, "{}" if method == "POST" else None, headers)
            assert status == 401, (method, path)
            assert json.loads(body) == {"error": "log in to the support console first"}


def test_a_wrong_password_gets_no_session_and_guessing_is_stopped(port):
    status, headers, page = log_in(port, "not the password")
    assert status == 401 and "Set-Cookie" not in headers and b"Wrong login or password" in page
    for _ in range(4):
        log_in(port, "still not it!")
    status, headers, page = log_in(port)  # the right one, too late
    assert status == 429 and "Set-Cookie" not in headers and b"Too many tries" in page


def test_a_login_opens_the_console_until_logging_out(port):
    status, headers, _ = log_in(port)
    assert (status, headers["Location"]) == (303, "/console/")
    assert "HttpOnly" in headers["Set-Cookie"] and "SameSite=Strict" in headers["Set-Cookie"]
    session = {"Cookie": cookie_of(headers)}
    status, _, page = call(port, "GET", "/console/", headers=session)
    assert status == 200 and b"/console/console.js" in page
    status, _, body = call(port, "GET", "/console/api/queue", headers=session)
    queue = json.loads(body)
    assert status == 200 and queue["agent"] == {"login": "sam", "name": "Sam"}
    assert queue["agents_online"] == ["Sam"] and queue["takeover"] is False
    assert queue["waiting"] == queue["live"] == queue["open"] == []

    # Only handed-over conversations can be read.
    status, _, body = call(port, "GET", "/console/api/conversations/web-1", headers=session)
    assert status == 404 and json.loads(body) == {"error": "no ticket for this conversation"}

    # Live chat needs Rasa's API; a cross-site page cannot act for the agent.
    takeover = "/console/api/conversations/web-1/takeover"
    status, _, body = call(port, "POST", takeover, "{}", {**JSON, **session})
    assert status == 503 and b"BOT_API_TOKEN" in body
    evil = {**JSON, **session, "Origin": "https://evil.example"}
    assert call(port, "POST", takeover, "{}", evil)[0] == 403
    form = {**session, "Content-Type": "text/plain"}
    assert call(port, "POST", takeover, "{}", form)[0] == 415

    status, headers, _ = call(port, "POST", "/console/logout", "", session)
    assert status == 303 and "Max-Age=0" in headers["Set-Cookie"]
    assert call(port, "GET", "/console/api/queue", headers=session)[0] == 401


def test_without_agents_nobody_can_log_in(db_url):
    server, port = serve(make_console(db_url, read_agents(None)))
    try:
        status, headers, page = log_in(port)
        assert status == 401 and "Set-Cookie" not in headers
        assert b"SYNCDESK_CONSOLE_USERS" in call(port, "GET", "/console/login")[2]
    finally:
        server.shutdown()
        server.server_close()
