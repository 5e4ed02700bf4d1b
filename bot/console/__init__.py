"""The support console's core: agents, the queue of conversations waiting for a person, live chats.

``web/console.py`` serves it on ``/console``; ``python -m bot.console add-agent`` adds an agent.
"""

from bot.console.agents import Agent, AgentFileError, Agents, agent_line, read_agents
from bot.console.desk import Busy, ConsoleDesk, LiveChat, NotWaiting
from bot.console.live import Conversation, RasaConversations, RasaUnavailable, conversation_view

__all__ = [
    "Agent",
    "AgentFileError",
    "Agents",
    "Busy",
    "ConsoleDesk",
    "Conversation",
    "LiveChat",
    "NotWaiting",
    "RasaConversations",
    "RasaUnavailable",
    "agent_line",
    "conversation_view",
    "read_agents",
]
