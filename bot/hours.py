"""The support line's opening hours (``hours:`` in ``desk.yml``) and what they mean for contacts.

The help guide does not state the hours, so they ship unset: then the phone and the email are
always offered. Once set, the phone is offered while the line is open; outside hours syncdesk
says when it opens and that emails and tickets are answered then. UK bank holidays come from
the maintained ``holidays`` package, never a hand-made list.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml

from bot.kb.source import Contact
from bot.settings import Settings

__all__ = [
    "BANK_HOLIDAY_REGIONS",
    "Clock",
    "HoursError",
    "OpeningHours",
    "Reach",
    "desk_hours",
    "parse_hours",
    "read_hours",
    "reach_now",
]

log = logging.getLogger(__name__)

#: A function returning the current time (timezone-aware); tests pass a fixed one.
Clock = Callable[[], datetime]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: ``bank_holidays:`` values → the ``holidays`` package's subdivisions of the UK.
BANK_HOLIDAY_REGIONS = {
    "england": "ENG",
    "scotland": "SCT",
    "wales": "WLS",
    "northern-ireland": "NIR",
}
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_LOOK_AHEAD_DAYS = 366  # a line closed for longer than a year is "not known to open"


class HoursError(ValueError):
    """The ``hours:`` section of ``desk.yml`` is not valid."""


def _system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class OpeningHours:
    """When the support line is open; no ``weekly`` hours means unknown (always offer it)."""

    weekly: Mapping[int, tuple[time, time]] = field(default_factory=dict)  # Monday is 0
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    bank_holidays: str | None = "ENG"
    closed: frozenset[date] = frozenset()

    @property
    def known(self) -> bool:
        """Say whether the hours are set at all."""
        return bool(self.weekly)

    def is_open(self, at: datetime) -> bool:
        """Say whether the line is open at ``at`` (always True when the hours are unknown)."""
        if not self.known:
            return True
        local = at.astimezone(self.zone)
        hours = self._hours_on(local.date())
        return hours is not None and hours[0] <= local.time() < hours[1]

    def next_opening(self, at: datetime) -> datetime | None:
        """Return when the line next opens after ``at`` (local time), or None if not known."""
        if not self.known:
            return None
        local = at.astimezone(self.zone)
        for offset in range(_LOOK_AHEAD_DAYS + 1):
            day = local.date() + timedelta(days=offset)
            hours = self._hours_on(day)
            if hours is None:
                continue
            opens = datetime.combine(day, hours[0], tzinfo=self.zone)
            if opens > local:
                return opens
        return None

    def _hours_on(self, day: date) -> tuple[time, time] | None:
        if day in self.closed or self._bank_holiday(day):
            return None
        return self.weekly.get(day.weekday())

    def _bank_holiday(self, day: date) -> bool:
        if not self.bank_holidays:
            return False
        return day in _uk_bank_holidays(self.bank_holidays, day.year)


@functools.lru_cache(maxsize=16)
def _uk_bank_holidays(subdivision: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv=subdivision, years=year)


@dataclass(frozen=True)
class Reach:
    """The contacts to offer now and, when the line is closed, what to say about it."""

    contacts: list[Contact]
    note: str | None = None  # a sentence: "The phone line is closed now and opens ..."

    @property
    def aside(self) -> str | None:
        """Return the note as a clause to put in brackets after the contacts."""
        return self.note[0].lower() + self.note[1:].rstrip(".") if self.note else None


def reach_now(
    contacts: Iterable[Contact],
    *,
    hours: OpeningHours | None = None,
    clock: Clock | None = None,
) -> Reach:
    """Return the contacts to offer now: the phone only while the line is open.

    Args:
        contacts: The desk's contacts.
        hours: The opening hours (``services.hours()``; default: the ``desk.yml`` of the
            knowledge base source the environment names).
        clock: The current time (default: the system clock).
    """
    offered = list(contacts)
    hours = desk_hours(Settings.from_env().kb_source) if hours is None else hours
    now = (clock or _system_clock)()
    if hours.is_open(now) or not any(c.kind == "phone" for c in offered):
        return Reach(offered)
    others = [c for c in offered if c.kind != "phone"]
    if not others:  # never leave the customer with no way at all
        others = offered
    return Reach(others, _closed_note(hours, now))


def _closed_note(hours: OpeningHours, now: datetime) -> str:
    opens = hours.next_opening(now)
    if opens is None:
        return "The phone line is closed now; emails and tickets are answered when it opens."
    return (
        f"The phone line is closed now and opens {_when(opens, now.astimezone(hours.zone))}; "
        "emails and tickets are answered from then."
    )


def _when(opens: datetime, now: datetime) -> str:
    clock_time = f"{opens:%H:%M}"
    if opens.date() == now.date():
        return f"today at {clock_time}"
    if opens.date() == now.date() + timedelta(days=1):
        return f"tomorrow at {clock_time}"
    return f"on {opens:%A} {opens.day} {opens:%B} at {clock_time}"


def read_hours(desk_file: Path) -> OpeningHours:
    """Read ``desk_file``'s ``hours:``; a missing section or ``weekly: null`` means unset."""
    desk = yaml.safe_load(desk_file.read_text(encoding="utf-8")) or {}
    return parse_hours(desk.get("hours"), where=str(desk_file))


def parse_hours(raw: Any, where: str = "desk.yml") -> OpeningHours:
    """Return the opening hours described by ``raw`` (the ``hours:`` mapping, or None)."""
    if raw is None:
        return OpeningHours()
    if not isinstance(raw, Mapping):
        raise HoursError(f"{where}: hours must be a mapping")
    unknown = set(raw) - {"timezone", "weekly", "bank_holidays", "closed"}
    if unknown:
        raise HoursError(f"{where}: hours: unknown keys {sorted(unknown)}")
    try:
        zone = ZoneInfo(str(raw.get("timezone") or "Europe/London"))
    except (ZoneInfoNotFoundError, ValueError) as problem:
        raise HoursError(f"{where}: hours: unknown timezone {raw.get('timezone')!r}") from problem
    region = raw.get("bank_holidays")
    if region is not None and region not in BANK_HOLIDAY_REGIONS:
        raise HoursError(
            f"{where}: hours: bank_holidays must be one of {sorted(BANK_HOLIDAY_REGIONS)} or null"
        )
    return OpeningHours(
        weekly=_weekly(raw.get("weekly"), where),
        zone=zone,
        bank_holidays=BANK_HOLIDAY_REGIONS[region] if region else None,
        closed=frozenset(_dates(raw.get("closed") or [], where)),
    )


def _weekly(raw: Any, where: str) -> dict[int, tuple[time, time]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise HoursError(f"{where}: hours: weekly must map days (mon … sun) to \"09:00-17:30\"")
    weekly = {}
    for day, span in raw.items():
        if day not in DAYS:
            raise HoursError(f"{where}: hours: {day!r} is not one of {', '.join(DAYS)}")
        if span is None:
            continue  # closed that day
        match = _RANGE.match(str(span))
        if not match:
            raise HoursError(f"{where}: hours: {day}: {span!r} is not like \"09:00-17:30\"")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        try:
            opens, closes = time(h1, m1), time(h2, m2)
        except ValueError as problem:
            raise HoursError(f"{where}: hours: {day}: {span!r} is not a time of day") from problem
        if closes <= opens:
            raise HoursError(f"{where}: hours: {day}: {span!r} closes before it opens")
        weekly[DAYS.index(day)] = (opens, closes)
    return weekly


def _dates(raw: Sequence[Any], where: str) -> list[date]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise HoursError(f"{where}: hours: closed must be a list of dates (2026-12-24)")
    days = []
    for item in raw:
        if isinstance(item, date):
            days.append(item)
            continue
        try:
            days.append(date.fromisoformat(str(item)))
        except ValueError as problem:
            raise HoursError(f"{where}: hours: closed: {item!r} is not a date") from problem
    return days


def desk_hours(kb_source: Path) -> OpeningHours:
    """Return the opening hours in ``kb_source``'s ``desk.yml`` (unset if it cannot be read).

    Read again only when the file changes (its size and modification time are the cache's key).
    """
    desk_file = kb_source / "desk.yml"
    try:
        status = desk_file.stat()
    except OSError:
        stamp = None
    else:
        stamp = (status.st_mtime_ns, status.st_size)
    return _desk_hours(desk_file, stamp)


@functools.lru_cache(maxsize=8)
def _desk_hours(desk_file: Path, stamp: tuple[int, int] | None) -> OpeningHours:
    try:
        return read_hours(desk_file)
    except (OSError, yaml.YAMLError, HoursError) as problem:
        # The contacts must still go out: with no hours known, the phone is always offered.
        log.error("Opening hours could not be read (%s); offering the phone at all times", problem)
        return OpeningHours()
