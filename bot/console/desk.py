"""The support console's queue and live chats, over the tickets database.

Waiting for a person: the newest open ticket of each web-chat conversation handed over in the
last ``waiting_minutes`` that no agent has taken. Open tickets: every open ticket, newest first.
What an agent does in a live chat (took over, each message, handed back) is recorded on the
ticket as support notes (``bot/support/notes.py``), so ``python -m bot tickets show`` lists it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.console.agents import Agent
from bot.console.models import AgentOnlineRow, LiveChatRow
from bot.handover import Ticket, TicketRow, find_ticket, list_tickets
from bot.hours import OpeningHours, desk_hours
from bot.settings import Settings
from bot.support.notes import add_note

__all__ = ["AGENT_ONLINE", "Busy", "ConsoleDesk", "LiveChat", "NotWaiting", "someone_can_join"]

#: What a customer on the web chat is told at a handover while an agent can join them.
AGENT_ONLINE = (
    "Someone from Joblogic support is at the support console right now: stay in this chat "
    "and they may join you here."
)

#: The channel whose customers can be joined in their chat (Rasa's socket.io output channel).
LIVE_CHANNEL = "socketio"
_OPEN_TICKETS = 100  # shown at most in the console's "open tickets"


class Busy(RuntimeError):
    """Another agent has this conversation."""


class NotWaiting(LookupError):
    """No open ticket for this conversation, or it is not the agent's live chat."""


@dataclass(frozen=True)
class LiveChat:
    """An agent in a conversation, since ``started_at``."""

    conversation_id: str
    ticket_reference: str
    agent: str
    agent_name: str
    started_at: datetime

    def to_json(self) -> dict[str, str]:
        """Return the live chat as JSON-ready data."""
        return {
            "conversation_id": self.conversation_id,
            "ticket_reference": self.ticket_reference,
            "agent": self.agent,
            "agent_name": self.agent_name,
            "started_at": self.started_at.isoformat(),
        }


def _system_clock() -> datetime:
    return datetime.now(timezone.utc)


class ConsoleDesk:
    """The queue, the live chats and the agents online; each call is its own transaction."""

    def __init__(
        self,
        sessions: sessionmaker,
        *,
        titles: Mapping[str, str] | None = None,
        waiting_minutes: float = 30,
        online_seconds: float = 60,
        clock: Callable[[], datetime] = _system_clock,
    ) -> None:
        """Work on ``sessions``; ``titles`` names errors (slug -> title) for the agents."""
        self.sessions = sessions
        self.titles = dict(titles or {})
        self.waiting = timedelta(minutes=waiting_minutes)
        self.online = timedelta(seconds=online_seconds)
        self.clock = clock

    def seen(self, agent: Agent) -> None:
        """Note that ``agent``'s console is open now."""
        with self.sessions.begin() as session:
            row = session.get(AgentOnlineRow, agent.login)
            if row is None:
                session.add(AgentOnlineRow(agent=agent.login, agent_name=agent.name))
                row = session.get(AgentOnlineRow, agent.login)
            assert row is not None
            row.agent_name = agent.name
            row.last_seen = self.clock()

    def agents_online(self) -> list[str]:
        """Return the names of the agents whose console was open in the last ``online_seconds``."""
        since = self.clock() - self.online
        with self.sessions.begin() as session:
            rows = session.scalars(select(AgentOnlineRow).order_by(AgentOnlineRow.agent_name))
            return [row.agent_name for row in rows if row.last_seen >= since]

    def queue(self) -> dict[str, Any]:
        """Return what the console lists: waiting, live and open tickets, newest first."""
        since = self.clock() - self.waiting
        with self.sessions.begin() as session:
            live = {chat.conversation_id: chat for chat in self._live_chats(session)}
            tickets = list_tickets(session, status="open")[:_OPEN_TICKETS]
            waiting, seen = [], set()
            for row in session.scalars(
                select(TicketRow)
                .where(TicketRow.status == "open", TicketRow.channel == LIVE_CHANNEL)
                .order_by(TicketRow.id.desc())
            ):
                if row.updated_at < since:
                    break
                if row.conversation_id in seen or row.conversation_id in live:
                    continue
                seen.add(row.conversation_id)
                waiting.append(row.reference)
            by_reference = {ticket.reference: ticket for ticket in tickets}
            live_items = []
            for chat in live.values():
                ticket = by_reference.get(chat.ticket_reference) or find_ticket(
                    session, chat.ticket_reference
                )
                if ticket is not None:
                    live_items.append({**self._item(ticket), "live": chat.to_json()})
        return {
            "waiting": [self._item(by_reference[ref]) for ref in waiting if ref in by_reference],
            "live": live_items,
            "open": [self._item(ticket) for ticket in tickets],
        }

    def handed_over(self, conversation_id: str) -> bool:
        """Say whether the conversation has a ticket (agents read only those)."""
        with self.sessions.begin() as session:
            found = session.scalar(
                select(TicketRow.id).where(TicketRow.conversation_id == conversation_id).limit(1)
            )
            return found is not None

    def live_chat(self, conversation_id: str) -> LiveChat | None:
        """Return the conversation's live chat, if an agent is in it."""
        with self.sessions.begin() as session:
            return _live(session, conversation_id)

    def take_over(self, conversation_id: str, agent: Agent) -> LiveChat:
        """Put ``agent`` in the conversation and record it on its newest open ticket.

        Raises:
            Busy: another agent is in it.
            NotWaiting: the conversation has no open ticket.
        """
        with self.sessions.begin() as session:
            current = _live(session, conversation_id)
            if current is not None:
                if current.agent != agent.login:
                    raise Busy(f"{current.agent_name} is already in this conversation")
                return current
            reference = session.scalar(
                select(TicketRow.reference)
                .where(
                    TicketRow.conversation_id == conversation_id,
                    TicketRow.status == "open",
                )
                .order_by(TicketRow.id.desc())
                .limit(1)
            )
            if reference is None:
                raise NotWaiting("this conversation has no open ticket")
            row = LiveChatRow(
                conversation_id=conversation_id,
                ticket_reference=reference,
                agent=agent.login,
                agent_name=agent.name,
                started_at=self.clock(),
            )
            session.add(row)
            add_note(session, reference, f"Live chat: {agent.name} ({agent.login}) took over.")
            session.flush()
            return _chat(row)

    def record_message(self, conversation_id: str, agent: Agent, text: str) -> LiveChat:
        """Record what ``agent`` wrote to the customer on the live chat's ticket.

        Raises:
            NotWaiting: ``agent`` is not in this conversation.
        """
        with self.sessions.begin() as session:
            chat = self._own(session, conversation_id, agent)
            add_note(session, chat.ticket_reference, f"Live chat, {agent.name} wrote: {text}")
            return chat

    def hand_back(
        self, conversation_id: str, agent: Agent, customer_said: Sequence[str] = ()
    ) -> LiveChat:
        """End ``agent``'s live chat; record what the customer wrote in it and the hand-back.

        Raises:
            NotWaiting: ``agent`` is not in this conversation.
        """
        with self.sessions.begin() as session:
            chat = self._own(session, conversation_id, agent)
            said = [" ".join(text.split()) for text in customer_said if text.strip()]
            if said:
                lines = "\n".join(f"- {text}" for text in said)
                add_note(session, chat.ticket_reference, f"Live chat, the customer wrote:\n{lines}")
            add_note(
                session,
                chat.ticket_reference,
                f"Live chat: {agent.name} ({agent.login}) handed the conversation back to the bot.",
            )
            for row in session.scalars(_active(conversation_id)):
                row.ended_at = self.clock()
            return chat

    def _own(self, session: Session, conversation_id: str, agent: Agent) -> LiveChat:
        chat = _live(session, conversation_id)
        if chat is None or chat.agent != agent.login:
            raise NotWaiting("you are not in this conversation: take it over first")
        return chat

    def _live_chats(self, session: Session) -> list[LiveChat]:
        rows = session.scalars(
            select(LiveChatRow)
            .where(LiveChatRow.ended_at.is_(None))
            .order_by(LiveChatRow.id.desc())
        )
        return [_chat(row) for row in rows]

    def _item(self, ticket: Ticket) -> dict[str, Any]:
        return {
            **ticket.to_json(),
            "title": self.titles.get(ticket.error_id or "", None),
            "live": None,
        }


def _active(conversation_id: str):  # type: ignore[no-untyped-def]
    return select(LiveChatRow).where(
        LiveChatRow.conversation_id == conversation_id, LiveChatRow.ended_at.is_(None)
    )


def _live(session: Session, conversation_id: str) -> LiveChat | None:
    row = session.scalars(_active(conversation_id).order_by(LiveChatRow.id.desc())).first()
    return None if row is None else _chat(row)


def _chat(row: LiveChatRow) -> LiveChat:
    return LiveChat(
        conversation_id=row.conversation_id,
        ticket_reference=row.ticket_reference,
        agent=row.agent,
        agent_name=row.agent_name,
        started_at=row.started_at,
    )


def someone_can_join(
    sessions: sessionmaker,
    channel: str | None,
    *,
    hours: OpeningHours | None = None,
    now: datetime | None = None,
) -> bool:
    """Say whether an agent can join this chat now: web chat, an agent online, the line open.

    Otherwise (or if the database cannot say) the handover is the ticket path alone.

    Args:
        sessions: the tickets database.
        channel: the conversation's latest input channel.
        hours: the support line's hours (``services.hours()``; default: the ``desk.yml`` of
            the knowledge base source the environment names).
        now: the time to judge by (default: now).
    """
    if channel != LIVE_CHANNEL:
        return False
    moment = now or _system_clock()
    try:
        online = ConsoleDesk(sessions, clock=lambda: moment).agents_online()
    except SQLAlchemyError:
        return False
    if hours is None:
        hours = desk_hours(Settings.from_env().kb_source)
    return bool(online) and hours.is_open(moment)
