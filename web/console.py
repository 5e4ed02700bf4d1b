"""The support console on the web server: ``/console``, for Joblogic support staff only.

Agents log in (``SYNCDESK_CONSOLE_USERS``: the agents file, bot/console/agents.py; the
console's settings are ``Settings.console``), see the
conversations waiting for a person and the open tickets, read a conversation live, take it over
(the bot pauses and the customer sees the agent join), write to the customer in the same chat,
and hand back to the bot. Everything under ``/console/api/`` answers 401 without a login; without
an agents file nobody can log in. The pages' files are in ``web/public/console/``.

``web/serve.py`` mounts it: :meth:`Console.handles` says whether a path is the console's.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from bot import db
from bot.console.agents import Agent, Agents, read_agents
from bot.console.desk import Busy, ConsoleDesk, NotWaiting
from bot.console.live import RasaConversations, RasaUnavailable
from bot.hours import desk_hours
from bot.kb.source import read_source
from bot.migrations import upgrade
from bot.settings import Settings

__all__ = ["COOKIE", "Console"]

log = logging.getLogger(__name__)

PAGES = Path(__file__).resolve().parent / "public" / "console"
PREFIX = "/console"
COOKIE = "syncdesk_console"
_ASSETS = {
    "/console/console.css": ("console.css", "text/css; charset=utf-8"),
    "/console/console.js": ("console.js", "text/javascript; charset=utf-8"),
}
_MAX_BODY = 20_000
_MAX_MESSAGE = 4000
_FAILED_LOGINS = 5  # per login and address, in _FAILED_WINDOW seconds, then refused for a while
_FAILED_WINDOW = 15 * 60


class _Refused(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Console:
    """The console's pages and API, answered on a ``BaseHTTPRequestHandler``."""

    def __init__(
        self,
        agents: Agents,
        desk: ConsoleDesk,
        rasa: RasaConversations,
        *,
        session_seconds: float = 12 * 3600,
        secure_cookie: bool = False,
        line_open: Callable[[], bool] = lambda: True,
    ) -> None:
        """Serve ``agents`` the ``desk``'s queue, with ``rasa`` for live chats."""
        self.agents = agents
        self.desk = desk
        self.rasa = rasa
        self.session_seconds = session_seconds
        self.secure_cookie = secure_cookie
        self.line_open = line_open
        self._sessions: dict[str, tuple[Agent, float]] = {}
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, bot_url: str) -> Console:
        """Build the console ``settings`` describe (tables made or upgraded first).

        Args:
            settings: syncdesk's settings (``settings.console``, the database, the KB source).
            bot_url: the bot URL the pages use: the Rasa server, unless the console has its own.
        """
        config = settings.console
        agents = read_agents(config.agents_file)
        if len(agents):  # nobody can log in otherwise: leave the database alone
            upgrade(db.engine(settings.db_url))  # live_chats, agents_online (bot/migrations)
        titles = {entry.id: entry.title for entry in read_source(settings.kb_source).errors}
        desk = ConsoleDesk(
            db.session_factory(settings.db_url),
            titles=titles,
            waiting_minutes=config.waiting_minutes,
        )
        hours = desk_hours(settings.kb_source)
        return cls(
            agents,
            desk,
            RasaConversations(config.rasa_url or bot_url, config.api_token),
            session_seconds=config.session_hours * 3600,
            secure_cookie=config.secure_cookie,
            line_open=lambda: hours.is_open(time_now()),
        )

    @classmethod
    def from_env(cls, bot_url: str) -> Console:
        """Build the console the environment describes (see :meth:`from_settings`)."""
        return cls.from_settings(Settings.from_env(), bot_url)

    @staticmethod
    def handles(path: str) -> bool:
        """Say whether ``path`` (with any query) is the console's."""
        bare = path.split("?", 1)[0]
        return bare == PREFIX or bare.startswith(PREFIX + "/")

    # -- requests ---------------------------------------------------------------------------

    def get(self, request: BaseHTTPRequestHandler) -> None:
        """Answer a GET (or HEAD) under ``/console``."""
        path = request.path.split("?", 1)[0]
        try:
            if path in _ASSETS:
                name, content_type = _ASSETS[path]
                self._send(request, HTTPStatus.OK, (PAGES / name).read_bytes(), content_type)
            elif path == f"{PREFIX}/login":
                self._login_page(request, HTTPStatus.OK)
            elif path in (PREFIX, f"{PREFIX}/"):
                if self._agent(request) is None:
                    self._redirect(request, f"{PREFIX}/login")
                else:
                    self._send(request, HTTPStatus.OK, (PAGES / "app.html").read_bytes(), _HTML)
            elif path == f"{PREFIX}/api/queue":
                self._json(request, HTTPStatus.OK, self._queue(self._require(request)))
            elif path.startswith(f"{PREFIX}/api/conversations/"):
                agent = self._require(request)
                conversation = _conversation_id(path, "")
                self._json(request, HTTPStatus.OK, self._conversation(agent, conversation))
            else:
                raise _Refused(HTTPStatus.NOT_FOUND, "no such page")
        except _Refused as refused:
            self._json(request, refused.status, {"error": refused.message})

    def post(self, request: BaseHTTPRequestHandler) -> None:
        """Answer a POST under ``/console``: log in or out, or an agent's action."""
        path = request.path.split("?", 1)[0]
        try:
            self._same_origin(request)
            if path == f"{PREFIX}/login":
                self._log_in(request)
            elif path == f"{PREFIX}/logout":
                self._log_out(request)
            elif path.startswith(f"{PREFIX}/api/conversations/"):
                agent = self._require(request)
                if "json" not in (request.headers.get("Content-Type") or ""):
                    raise _Refused(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send JSON")
                action = path.rsplit("/", 1)[-1]
                conversation = _conversation_id(path, f"/{action}")
                body = _json_body(request)
                self._json(request, HTTPStatus.OK, self._act(agent, conversation, action, body))
            else:
                raise _Refused(HTTPStatus.NOT_FOUND, "no such page")
        except _Refused as refused:
            self._json(request, refused.status, {"error": refused.message})

    # -- agents' actions --------------------------------------------------------------------

    def _queue(self, agent: Agent) -> dict[str, Any]:
        self.desk.seen(agent)
        return {
            "agent": {"login": agent.login, "name": agent.name},
            "agents_online": self.desk.agents_online(),
            "line_open": self.line_open(),
            "takeover": self.rasa.enabled,
            **self.desk.queue(),
        }

    def _conversation(self, agent: Agent, conversation_id: str) -> dict[str, Any]:
        if not self.desk.handed_over(conversation_id):
            # Agents read conversations that were handed over, not any id they may guess.
            raise _Refused(HTTPStatus.NOT_FOUND, "no ticket for this conversation")
        live = self.desk.live_chat(conversation_id)
        answer: dict[str, Any] = {
            "conversation_id": conversation_id,
            "live": live.to_json() if live else None,
            "mine": bool(live and live.agent == agent.login),
        }
        try:
            answer.update(self.rasa.conversation(conversation_id).to_json())
        except RasaUnavailable as problem:
            answer["unavailable"] = str(problem)
        return answer

    def _act(
        self, agent: Agent, conversation_id: str, action: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        if action not in ("takeover", "messages", "handback"):
            raise _Refused(HTTPStatus.NOT_FOUND, "no such action")
        if not self.rasa.enabled:
            raise _Refused(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "Live chat needs Rasa's HTTP API: set BOT_API_TOKEN for the bot and the console.",
            )
        try:
            if action == "takeover":
                self.desk.take_over(conversation_id, agent)
                try:
                    self.rasa.take_over(conversation_id, agent.name)
                except RasaUnavailable:
                    self.desk.hand_back(conversation_id, agent)
                    raise
            elif action == "messages":
                text = str(body.get("text") or "").strip()
                if not text:
                    raise _Refused(HTTPStatus.BAD_REQUEST, "write a message first")
                text = text[:_MAX_MESSAGE]
                self.desk.record_message(conversation_id, agent, text)
                self.rasa.say(conversation_id, agent.name, text)
            else:
                chat = self.desk.live_chat(conversation_id)
                if chat is None or chat.agent != agent.login:
                    raise NotWaiting("you are not in this conversation")
                said = self._customer_said_since(conversation_id, chat.started_at.timestamp())
                self.rasa.hand_back(conversation_id, agent.name)
                self.desk.hand_back(conversation_id, agent, said)
        except Busy as busy:
            raise _Refused(HTTPStatus.CONFLICT, str(busy)) from None
        except NotWaiting as missing:
            raise _Refused(HTTPStatus.CONFLICT, str(missing)) from None
        except RasaUnavailable as problem:
            log.warning("Live chat %s for %s: %s", action, conversation_id, problem)
            raise _Refused(
                HTTPStatus.BAD_GATEWAY, f"The bot could not be reached: {problem}"
            ) from None
        return self._conversation(agent, conversation_id)

    def _customer_said_since(self, conversation_id: str, since: float) -> list[str]:
        try:
            turns = self.rasa.conversation(conversation_id).turns
        except RasaUnavailable:
            return []
        said = []
        for turn in turns:
            at = turn.get("at")
            moment = _timestamp(at) if isinstance(at, str) else None
            if turn["who"] == "customer" and moment is not None and moment >= since:
                said.append(str(turn["text"]))
        return said

    # -- logging in -------------------------------------------------------------------------

    def _log_in(self, request: BaseHTTPRequestHandler) -> None:
        form = urllib.parse.parse_qs(_body(request).decode("utf-8", "replace"))
        login = (form.get("login") or [""])[0].strip().lower()[:80]
        password = (form.get("password") or [""])[0]
        key = (login, request.client_address[0])
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._failures.get(key, []) if now - t < _FAILED_WINDOW]
            self._failures[key] = recent
        if len(recent) >= _FAILED_LOGINS:
            self._login_page(
                request, HTTPStatus.TOO_MANY_REQUESTS, "Too many tries: wait 15 minutes."
            )
            return
        agent = self.agents.check(login, password) if login and password else None
        if agent is None:
            with self._lock:
                self._failures.setdefault(key, []).append(now)
            log.warning("Console login refused for %.80s", login or "(no login)")
            self._login_page(request, HTTPStatus.UNAUTHORIZED, "Wrong login or password.")
            return
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._failures.pop(key, None)
            self._sessions[token] = (agent, now + self.session_seconds)
        secure = "; Secure" if self.secure_cookie else ""
        cookie = f"{COOKIE}={token}; Path={PREFIX}; HttpOnly; SameSite=Strict{secure}"
        self._redirect(request, f"{PREFIX}/", [("Set-Cookie", cookie)])

    def _log_out(self, request: BaseHTTPRequestHandler) -> None:
        token = _cookie(request)
        if token:
            with self._lock:
                self._sessions.pop(token, None)
        expired = f"{COOKIE}=; Path={PREFIX}; Max-Age=0; HttpOnly; SameSite=Strict"
        self._redirect(request, f"{PREFIX}/login", [("Set-Cookie", expired)])

    def _agent(self, request: BaseHTTPRequestHandler) -> Agent | None:
        token = _cookie(request)
        if not token:
            return None
        with self._lock:
            found = self._sessions.get(token)
            if found is None:
                return None
            if found[1] < time.monotonic():
                self._sessions.pop(token, None)
                return None
            return found[0]

    def _require(self, request: BaseHTTPRequestHandler) -> Agent:
        agent = self._agent(request)
        if agent is None:
            raise _Refused(HTTPStatus.UNAUTHORIZED, "log in to the support console first")
        return agent

    @staticmethod
    def _same_origin(request: BaseHTTPRequestHandler) -> None:
        # A cross-site form cannot post here: the browser's Origin must be this server's.
        origin = request.headers.get("Origin")
        host = request.headers.get("Host")
        if origin and origin != "null" and urllib.parse.urlsplit(origin).netloc != host:
            raise _Refused(HTTPStatus.FORBIDDEN, "cross-site request refused")

    # -- answers ----------------------------------------------------------------------------

    def _login_page(
        self, request: BaseHTTPRequestHandler, status: HTTPStatus, problem: str | None = None
    ) -> None:
        page = (PAGES / "login.html").read_text(encoding="utf-8")
        if not len(self.agents):
            problem = "The support console is off: no agents are set (SYNCDESK_CONSOLE_USERS)."
        notice = f'<p class="problem" role="alert">{problem}</p>' if problem else ""
        # ``problem`` is always one of this module's own sentences, never request data.
        self._send(request, status, page.replace("<!--problem-->", notice).encode(), _HTML)

    @staticmethod
    def _redirect(
        request: BaseHTTPRequestHandler, location: str, headers: Sequence[tuple[str, str]] = ()
    ) -> None:
        request.send_response(HTTPStatus.SEE_OTHER)
        request.send_header("Location", location)
        request.send_header("Content-Length", "0")
        request.send_header("Cache-Control", "no-store")
        for name, value in headers:
            request.send_header(name, value)
        request.end_headers()

    def _json(self, request: BaseHTTPRequestHandler, status: HTTPStatus, data: Any) -> None:
        body = json.dumps(data).encode()
        self._send(request, status, body, "application/json")

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler, status: HTTPStatus, body: bytes, content_type: str
    ) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.send_header("Cache-Control", "no-store")
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(body)


_HTML = "text/html; charset=utf-8"


def time_now() -> datetime:
    """Return the time now, timezone-aware (the opening hours' clock)."""
    return datetime.now(timezone.utc)


def _timestamp(iso: str) -> float | None:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return None


def _conversation_id(path: str, suffix: str) -> str:
    rest = path[len(f"{PREFIX}/api/conversations/") :]
    if suffix:
        if not rest.endswith(suffix):
            raise _Refused(HTTPStatus.NOT_FOUND, "no such action")
        rest = rest[: -len(suffix)]
    conversation = urllib.parse.unquote(rest)
    if not conversation or "/" in conversation or len(conversation) > 200:
        raise _Refused(HTTPStatus.NOT_FOUND, "no such conversation")
    return conversation


def _cookie(request: BaseHTTPRequestHandler) -> str | None:
    try:
        jar = SimpleCookie(request.headers.get("Cookie") or "")
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel and morsel.value else None


def _body(request: BaseHTTPRequestHandler) -> bytes:
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        raise _Refused(HTTPStatus.BAD_REQUEST, "bad Content-Length") from None
    if length < 0 or length > _MAX_BODY:
        raise _Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too long")
    return request.rfile.read(length)


def _json_body(request: BaseHTTPRequestHandler) -> dict[str, Any]:
    raw = _body(request)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise _Refused(HTTPStatus.BAD_REQUEST, "send a JSON object") from None
    if not isinstance(data, dict):
        raise _Refused(HTTPStatus.BAD_REQUEST, "send a JSON object")
    return data
