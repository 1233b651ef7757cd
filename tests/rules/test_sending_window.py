"""When a follow-up may go out: inside the bot's working hours and the contact hours."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.sending_window import daily_windows, next_sending_time
from rules.working_hours import parse_windows

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
LONDON = ZoneInfo("Europe/London")
WEEKDAYS_8_18 = parse_windows({d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})


def sending(due, *, working=None, bot_tz=NY, contact=(time(8), time(21)), contact_tz=NY, not_before=None):
    return next_sending_time(
        due, working=working or {}, bot_tz=bot_tz, contact_window=contact, contact_tz=contact_tz, not_before=not_before
    )


def test_the_contracts_example_a_contact_in_los_angeles():
    # 3pm Los Angeles is 18:00 New York, the bot's closing time. 08:00 New York is 05:00 for
    # her: not until 11:00 New York (08:00 Los Angeles).
    due = datetime(2026, 4, 15, 15, 0, tzinfo=LA)
    assert sending(due, working=WEEKDAYS_8_18, contact_tz=LA) == datetime(2026, 4, 16, 11, 0, tzinfo=NY)


def test_working_hours_alone_defer_to_the_next_opening():
    hours = parse_windows({d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    due = datetime(2026, 4, 14, 21, 0, tzinfo=NY)
    assert sending(due, working=hours, contact=None) == datetime(2026, 4, 15, 8, 0, tzinfo=NY)


def test_contact_hours_include_their_start_and_exclude_their_end():
    assert sending(datetime(2026, 4, 14, 8, 0, tzinfo=NY)) == datetime(2026, 4, 14, 8, 0, tzinfo=NY)
    assert sending(datetime(2026, 4, 14, 21, 0, tzinfo=NY)) == datetime(2026, 4, 15, 8, 0, tzinfo=NY)
    assert sending(datetime(2026, 4, 14, 20, 59, tzinfo=NY)) == datetime(2026, 4, 14, 20, 59, tzinfo=NY)


def test_contact_hours_past_midnight():
    night = (time(22), time(6))
    assert sending(datetime(2026, 4, 14, 23, 0, tzinfo=NY), contact=night) == datetime(2026, 4, 14, 23, 0, tzinfo=NY)
    assert sending(datetime(2026, 4, 15, 5, 59, tzinfo=NY), contact=night) == datetime(2026, 4, 15, 5, 59, tzinfo=NY)
    assert sending(datetime(2026, 4, 15, 6, 0, tzinfo=NY), contact=night) == datetime(2026, 4, 15, 22, 0, tzinfo=NY)


def test_off_means_any_hour():
    due = datetime(2026, 4, 14, 3, 0, tzinfo=NY)
    assert sending(due, contact=None) == due
    assert daily_windows(None) == {}


def test_contact_hours_are_read_in_the_contacts_zone_across_its_dst_change():
    # London moves to summer time on 29 March 2026; 08:00 London that morning is 03:00 New York.
    due = datetime(2026, 3, 29, 0, 30, tzinfo=NY)
    assert sending(due, contact_tz=LONDON) == datetime(2026, 3, 29, 8, 0, tzinfo=LONDON)


def test_no_instant_within_7_days_is_none():
    # The bot works only 02:00-03:00 New York; a New York contact only 08:00-21:00.
    early = parse_windows({d: [["02:00", "03:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    assert sending(datetime(2026, 4, 14, 12, 0, tzinfo=NY), working=early) is None


def test_a_week_away_is_still_found_but_hours_that_never_meet_are_not():
    # Only Tuesdays 08:00-09:00; due just after the window: next Tuesday 08:00, 6 days 23 h later ...
    tuesdays = parse_windows({"tue": [["08:00", "09:00"]]})
    due = datetime(2026, 4, 14, 9, 0, tzinfo=NY)
    assert sending(due, working=tuesdays, contact=None) == datetime(2026, 4, 21, 8, 0, tzinfo=NY)
    # ... but contact hours opening at 10:00 never meet that window.
    assert sending(due, working=tuesdays, contact=(time(10), time(21))) is None


@pytest.mark.parametrize("hour", range(0, 24, 3))
def test_the_answer_is_inside_both_and_never_before_the_due_time(hour):
    due = datetime(2026, 4, 17, hour, 15, tzinfo=NY)  # a Friday
    found = sending(due, working=WEEKDAYS_8_18, contact_tz=LA)
    assert found >= due
    local_bot, local_contact = found.astimezone(NY), found.astimezone(LA)
    assert local_bot.weekday() < 5 and time(8) <= local_bot.time() < time(18)
    assert time(8) <= local_contact.time() < time(21)
    assert found - due <= timedelta(days=7)


def test_not_before_moves_the_search_but_not_the_horizon():
    due = datetime(2026, 4, 14, 12, 0, tzinfo=NY)
    later = datetime(2026, 4, 14, 22, 0, tzinfo=NY)
    assert sending(due, not_before=later) == datetime(2026, 4, 15, 8, 0, tzinfo=NY)
    assert sending(due, not_before=due + timedelta(days=8)) is None
