"""The support console's tables: live chats (who took over which conversation) and who is online."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String

from bot.db import Base, UtcDateTime, utc_now

__all__ = ["AgentOnlineRow", "LiveChatRow"]



class LiveChatRow(Base):
    """An agent's takeover of a conversation, from "took over" to "handed back" (``ended_at``)."""

    __tablename__ = "live_chats"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(200), nullable=False, index=True)
    ticket_reference = Column(String(20), nullable=False)
    agent = Column(String(80), nullable=False)  # the agent's login
    agent_name = Column(String(80), nullable=False)  # as the customer sees it
    started_at = Column(UtcDateTime, nullable=False, default=utc_now)
    ended_at = Column(UtcDateTime)


class AgentOnlineRow(Base):
    """When an agent's console last asked for the queue: online while that is recent."""

    __tablename__ = "agents_online"

    agent = Column(String(80), primary_key=True)
    agent_name = Column(String(80), nullable=False)
    last_seen = Column(UtcDateTime, nullable=False, default=utc_now)
