"""What every syncdesk action shares: the core's services, passed in or from the environment."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

from rasa_sdk import Action

from bot.advice import FollowUp
from bot.services import Services, default

__all__ = ["STAGES", "DeskAction"]

#: The dialogue's ``stage`` slot value for what comes after an explanation.
STAGES = {FollowUp.HAND_OVER: "handover", FollowUp.CHECK_FIX: "fix_check", FollowUp.DONE: "done"}


class DeskAction(Action, metaclass=ABCMeta):
    """An action over syncdesk's core services.

    The action server builds actions with no arguments: they use the services the environment
    describes. Tests pass their own (``ActionHandover(services)``).
    """

    def __init__(self, services: Services | None = None) -> None:
        """Use ``services``, or the environment's when none are given."""
        self._services = services

    @property
    def services(self) -> Services:
        """Return the services this action works with."""
        return self._services or default()

    @abstractmethod
    def name(self) -> str:
        """Name the action as the domain does."""
