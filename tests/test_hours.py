from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.hours import HoursError, OpeningHours, parse_hours, reach_now, read_hours
from bot.kb.source import DEFAULT_SOURCE_DIR

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = {"mon": "09:00-17:30", "tue": "09:00-17:30", "wed": "09:00-17:30",
            "thu": "09:00-17:30", "fri": "09:00-17:00"}


def hours(**changes) -> OpeningHours:
    raw = {"timezone": "Europe/London", "weekly": WEEKDAYS, "bank_holidays": "england"}
    raw.update(changes)
    return parse_hours(raw)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


def clock(moment: datetime):
    return lambda: moment


def test_the_desk_ships_hours_unset_so_phone_and_email_are_always_offered(source):
    shipped = read_hours(DEFAULT_SOURCE_DIR / "desk.yml")
    assert not shipped.known
    sunday_night = at(2026, 11, 29, 3, 0)
    reach = reach_now(source.contacts, hours=shipped, clock=clock(sunday_night))
    assert reach.contacts == list(source.contacts) and reach.note is None


def test_open_on_a_weekday_offers_the_phone(source):
    reach = reach_now(source.contacts, hours=hours(), clock=clock(at(2026, 11, 26, 10, 15)))
    assert [c.kind for c in reach.contacts] == ["phone", "email", "email"]
    assert reach.note is None


def test_closed_in_the_evening_says_it_opens_tomorrow(source):
    thursday_evening = at(2026, 11, 26, 17, 30)  # closes at 17:30: closed from then
    reach = reach_now(source.contacts, hours=hours(), clock=clock(thursday_evening))
    assert [c.kind for c in reach.contacts] == ["email", "email"]
    assert reach.note == (
        "The phone line is closed now and opens tomorrow at 09:00; "
        "emails and tickets are answered from then."
    )
    assert reach.aside is not None and reach.aside.startswith("the phone line is closed now")


def test_closed_at_the_weekend_says_monday(source):
    friday_late = at(2026, 11, 27, 17, 5)  # Friday closes at 17:00
    reach = reach_now(source.contacts, hours=hours(), clock=clock(friday_late))
    assert "opens on Monday 30 November at 09:00" in str(reach.note)
    early_monday = at(2026, 11, 30, 8, 59)
    assert "opens today at 09:00" in str(
        reach_now(source.contacts, hours=hours(), clock=clock(early_monday)).note
    )


def test_bank_holiday_is_closed_and_the_next_working_day_opens():
    # Christmas Day 2026 is a Friday; Boxing Day is observed on Monday 28 December.
    line = hours()
    assert not line.is_open(at(2026, 12, 25, 11, 0))
    assert not line.is_open(at(2026, 12, 28, 11, 0))
    assert line.next_opening(at(2026, 12, 24, 18, 0)) == at(2026, 12, 29, 9, 0)
    # The bank holidays of the region set: Scotland's 2 January is a working day in England.
    assert line.is_open(at(2026, 1, 2, 11, 0))
    assert not hours(bank_holidays="scotland").is_open(at(2026, 1, 2, 11, 0))
    assert hours(bank_holidays=None).is_open(at(2026, 12, 28, 11, 0))


def test_extra_closed_days_and_timezones():
    line = hours(closed=["2026-12-24"])
    assert not line.is_open(at(2026, 12, 24, 11, 0))
    # 09:30 in London is 09:30 UTC in winter and 08:30 UTC in summer.
    assert line.is_open(datetime(2026, 11, 26, 9, 30, tzinfo=timezone.utc))
    assert not line.is_open(datetime(2026, 7, 2, 7, 30, tzinfo=timezone.utc))
    assert line.is_open(datetime(2026, 7, 2, 8, 30, tzinfo=timezone.utc))
    assert line.closed == frozenset({date(2026, 12, 24)})


def test_a_desk_with_no_phone_keeps_what_it_has(source):
    emails = [c for c in source.contacts if c.kind == "email"]
    reach = reach_now(emails, hours=hours(), clock=clock(at(2026, 11, 29, 12, 0)))
    assert reach.contacts == emails and reach.note is None


@pytest.mark.parametrize(
    "raw",
    [
        {"weekly": {"monday": "09:00-17:00"}},
        {"weekly": {"mon": "9-5"}},
        {"weekly": {"mon": "17:00-09:00"}},
        {"weekly": {"mon": "09:00-25:00"}},
        {"bank_holidays": "uk"},
        {"timezone": "Mars/Olympus"},
        {"closed": ["next tuesday"]},
        {"opening": "always"},
    ],
)
def test_mistakes_in_the_hours_are_reported(raw):
    with pytest.raises(HoursError):
        parse_hours(raw)


def test_the_contacts_wording_follows_the_desk_hours(source, source_copy, use_settings):
    from datetime import timedelta

    from bot.replies import contacts_message, support_reach

    today = datetime.now(LONDON).date()
    closed = [str(today + timedelta(days=d)) for d in (-1, 0, 1)]
    desk = source_copy / "desk.yml"
    text = desk.read_text()
    text = text[: text.index("\nhours:")] + (
        "\nhours:\n  timezone: Europe/London\n  bank_holidays: null\n"
        f"  closed: {closed}\n  weekly: {{"
        + ", ".join(f'{day}: "00:00-23:59"' for day in ("mon", "tue", "wed", "thu", "fri",
                                                         "sat", "sun"))
        + "}\n"
    )
    desk.write_text(text)
    use_settings(SYNCDESK_KB_SOURCE=str(source_copy))
    opens = today + timedelta(days=2)
    when = f"on {opens:%A} {opens.day} {opens:%B} at 00:00"
    assert support_reach(source.contacts, links=False) == (
        f"email support@joblogic.com (the phone line is closed now and opens {when}; "
        "emails and tickets are answered from then)"
    )
    message = contacts_message(source.contacts, links=True)
    assert "0800" not in message and "tel:" not in message
    assert message.splitlines()[-1] == (
        f"The phone line is closed now and opens {when}; emails and tickets are answered from then."
    )
