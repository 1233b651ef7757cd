"""The contract's "Resolving a requested time" (version 2), bullet by bullet.

Unless a test says otherwise, "now" is Friday 2026-03-06 10:00 in America/New_York
(EST, -05:00; DST starts Sunday 2026-03-08 at 02:00).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conversations.classifier.requested_time import (
    APPOINTMENT,
    NEUTRAL,
    REQUEST,
    STATE,
    UNTIL,
    Resolution,
    find_requested_time,
    month_first,
    resolve_requested_time,
)

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")
FRIDAY_10AM = datetime(2026, 3, 6, 10, 0, tzinfo=NY)


def at(text, now=FRIDAY_10AM, tz=NY):
    return resolve_requested_time(text, now, tz)


def local(when, tz=NY):
    """A resolved instant as local "YYYY-MM-DD HH:MM" in `tz`, for readable asserts."""
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when else None


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


def found_in(text: str, now: datetime = FRIDAY_10AM, tz: ZoneInfo = NY, *, bare_hours: bool = False) -> Resolution:
    """The time `find_requested_time` finds in `text`; the test fails when there is none."""
    found = find_requested_time(text, now, tz, bare_hours=bare_hours)
    assert found is not None, f"no time found in {text!r}"
    return found


# --- A time without a date: today if still ahead, else tomorrow; the bare-hour rule -------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("at 3", "2026-03-06 15:00"),  # 1-7 means PM
        ("at 1", "2026-03-06 13:00"),
        ("at 7", "2026-03-06 19:00"),
        ("at 11", "2026-03-06 11:00"),  # 8-11 means AM, still ahead today
        ("at 8", "2026-03-07 08:00"),  # 08:00 has passed: tomorrow
        ("at 9", "2026-03-07 09:00"),
        ("at 12", "2026-03-06 12:00"),  # 12 is noon
        ("3:30", "2026-03-06 15:30"),  # "3:30" follows the bare-hour rule
        ("at 9:45", "2026-03-07 09:45"),
        ("at 10:30", "2026-03-06 10:30"),
        ("15:00", "2026-03-06 15:00"),  # 24-hour clock
        ("at 21:15", "2026-03-06 21:15"),
        ("3pm", "2026-03-06 15:00"),
        ("3 pm", "2026-03-06 15:00"),
        ("3 p.m.", "2026-03-06 15:00"),
        ("3PM", "2026-03-06 15:00"),
        ("3:45pm", "2026-03-06 15:45"),
        ("9am", "2026-03-07 09:00"),  # passed today
        ("11am", "2026-03-06 11:00"),
        ("7am", "2026-03-07 07:00"),  # explicit am beats the bare-hour rule
        ("12pm", "2026-03-06 12:00"),
        ("12am", "2026-03-07 00:00"),
        ("noon", "2026-03-06 12:00"),
        ("midnight", "2026-03-07 00:00"),
        ("at three", "2026-03-06 15:00"),  # number words
        ("around 3", "2026-03-06 15:00"),  # around / after / by / @ mean 3
        ("after 3", "2026-03-06 15:00"),
        ("by 3", "2026-03-06 15:00"),
        ("@3", "2026-03-06 15:00"),
        ("until 4", "2026-03-06 16:00"),
        ("half past 4", "2026-03-06 16:30"),
        ("quarter to 5", "2026-03-06 16:45"),
        ("5ish", "2026-03-06 17:00"),
        ("5 o'clock", "2026-03-06 17:00"),
        ("between 2 and 4", "2026-03-06 14:00"),
        ("2-4pm", "2026-03-06 14:00"),
    ],
)
def test_time_without_a_date(text, expected):
    assert local(at(text)) == expected


def test_time_already_passed_today_is_tomorrow():
    evening = ny(2026, 3, 6, 16, 30)
    assert local(at("call me at 3", evening)) == "2026-03-07 15:00"
    assert local(at("call me at 4:30pm", evening)) == "2026-03-07 16:30"  # exactly now: not ahead


# --- A date or day without a time: 09:00 that day -----------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("tomorrow", "2026-03-07 09:00"),
        ("tmrw", "2026-03-07 09:00"),
        ("day after tomorrow", "2026-03-08 09:00"),
        ("March 10", "2026-03-10 09:00"),
        ("mar 10th", "2026-03-10 09:00"),
        ("10 March", "2026-03-10 09:00"),
        ("the 10th of March", "2026-03-10 09:00"),
        ("3/10", "2026-03-10 09:00"),
        ("3/10/2026", "2026-03-10 09:00"),
        ("2026-03-10", "2026-03-10 09:00"),
        ("March 10, 2026", "2026-03-10 09:00"),
        ("on the 15th", "2026-03-15 09:00"),
        ("on the 5th", "2026-04-05 09:00"),  # the 5th has passed this month
        ("Dec 24", "2026-12-24 09:00"),
    ],
)
def test_date_without_a_time_is_9am(text, expected):
    assert local(at(text)) == expected


def test_date_and_time_combine():
    assert local(at("tomorrow at 3pm")) == "2026-03-07 15:00"
    assert local(at("3pm tomorrow")) == "2026-03-07 15:00"
    assert local(at("monday at 10")) == "2026-03-09 10:00"
    assert local(at("monday 10")) == "2026-03-09 10:00"
    assert local(at("tues at 2")) == "2026-03-10 14:00"
    assert local(at("March 10 at 4:30pm")) == "2026-03-10 16:30"
    assert local(at("on the 15th at 11am")) == "2026-03-15 11:00"
    assert local(at("tomorrow at noon")) == "2026-03-07 12:00"


# --- Parts of the day ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("tomorrow morning", "2026-03-07 09:00"),
        ("in the morning", "2026-03-07 09:00"),  # 09:00 has passed today
        ("at lunch", "2026-03-06 12:00"),
        ("lunchtime", "2026-03-06 12:00"),
        ("this afternoon", "2026-03-06 14:00"),
        ("tomorrow arvo", "2026-03-07 14:00"),
        ("this evening", "2026-03-06 18:00"),
        ("tonight", "2026-03-06 19:00"),
        ("end of day", "2026-03-06 17:00"),
        ("EOD", "2026-03-06 17:00"),
        ("monday morning", "2026-03-09 09:00"),
        ("Tuesday afternoon", "2026-03-10 14:00"),
        ("tomorrow night", "2026-03-07 19:00"),
        ("tmrw am", "2026-03-07 09:00"),
    ],
)
def test_parts_of_the_day(text, expected):
    assert local(at(text)) == expected


def test_part_of_day_sets_am_or_pm_of_a_bare_hour():
    assert local(at("tonight at 8")) == "2026-03-06 20:00"
    assert local(at("8 tonight")) == "2026-03-06 20:00"
    assert local(at("tomorrow morning at 7:30")) == "2026-03-07 07:30"
    assert local(at("at 6 in the morning")) == "2026-03-07 06:00"
    assert local(at("3 this afternoon")) == "2026-03-06 15:00"


@pytest.mark.parametrize(
    "text, now, expected",
    [
        ("end of day", ny(2026, 3, 6, 20, 0), "2026-03-07 17:00"),  # the contract's example
        ("end of day", ny(2026, 3, 6, 16, 0), "2026-03-06 17:00"),
        ("tonight", ny(2026, 3, 6, 20, 0), "2026-03-07 19:00"),
        ("call me in the morning", ny(2026, 3, 6, 8, 0), "2026-03-06 09:00"),
        ("this afternoon", ny(2026, 3, 6, 15, 0), "2026-03-07 14:00"),
        ("at lunch", ny(2026, 3, 6, 12, 30), "2026-03-07 12:00"),
        ("this evening", ny(2026, 3, 6, 17, 59), "2026-03-06 18:00"),
    ],
)
def test_part_of_day_rolls_forward_like_a_time(text, now, expected):
    assert local(at(text, now)) == expected


# --- Weekdays: the next occurrence after today ---------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Tuesday", "2026-03-10 09:00"),
        ("next Tuesday", "2026-03-10 09:00"),
        ("this tuesday", "2026-03-10 09:00"),
        ("on Tue", "2026-03-10 09:00"),
        ("tues", "2026-03-10 09:00"),
        ("thurs", "2026-03-12 09:00"),
        ("Thursday", "2026-03-12 09:00"),
        ("weds", "2026-03-11 09:00"),
        ("on sat", "2026-03-07 09:00"),
        ("sunday", "2026-03-08 09:00"),
        ("friday", "2026-03-13 09:00"),  # today is Friday: next week's
        ("mondays work best", "2026-03-09 09:00"),
        ("next week on wednesday", "2026-03-11 09:00"),
        ("thursday next week", "2026-03-12 09:00"),
    ],
)
def test_weekday_names(text, expected):
    assert local(at(text)) == expected


def test_weekday_named_on_that_day_means_next_week():
    tuesday = ny(2026, 3, 10, 8, 0)  # a Tuesday, before 09:00
    assert local(at("Tuesday", tuesday)) == "2026-03-17 09:00"
    assert local(at("tuesday at 5pm", tuesday)) == "2026-03-17 17:00"


# --- Relative offsets --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("in 30 minutes", "2026-03-06 10:30"),
        ("in 5 min", "2026-03-06 10:05"),
        ("in 10 mins", "2026-03-06 10:10"),
        ("in 2 hours", "2026-03-06 12:00"),
        ("in 1 hr", "2026-03-06 11:00"),
        ("in 3 hrs", "2026-03-06 13:00"),
        ("in two hours", "2026-03-06 12:00"),
        ("in an hour", "2026-03-06 11:00"),
        ("in half an hour", "2026-03-06 10:30"),
        ("in an hour and a half", "2026-03-06 11:30"),
        ("in a couple of hours", "2026-03-06 12:00"),
        ("in twenty minutes", "2026-03-06 10:20"),
        ("in forty-five minutes", "2026-03-06 10:45"),
        ("2 hours from now", "2026-03-06 12:00"),
        ("give me 10 minutes", "2026-03-06 10:10"),
        ("in 3 days", "2026-03-09 10:00"),  # same local time of day, across DST
        ("in two days", "2026-03-08 10:00"),
        ("in a week", "2026-03-13 10:00"),
        ("in 2 weeks", "2026-03-20 10:00"),
        ("same time tomorrow", "2026-03-07 10:00"),
    ],
)
def test_relative_offsets(text, expected):
    assert local(at(text)) == expected


def test_minutes_and_hours_are_exact_durations_across_dst():
    before_gap = ny(2026, 3, 8, 1, 30)  # EST; at 02:00 clocks jump to 03:00
    assert at("in 2 hours", before_gap).isoformat() == "2026-03-08T04:30:00-04:00"


def test_days_keep_the_local_time_across_dst():
    saturday = ny(2026, 3, 7, 10, 0)
    assert at("in 1 day", saturday).isoformat() == "2026-03-08T10:00:00-04:00"


# --- Weeks, weekends, months ------------------------------------------------------------------


def test_next_week_is_monday_of_next_week():
    assert local(at("next week")) == "2026-03-09 09:00"
    assert local(at("next week", ny(2026, 3, 9, 8, 0))) == "2026-03-16 09:00"  # said on a Monday
    assert local(at("next week", ny(2026, 3, 8, 12, 0))) == "2026-03-09 09:00"  # said on a Sunday
    assert local(at("early next week")) == "2026-03-09 09:00"


def test_this_weekend_is_the_next_saturday_or_sunday_still_ahead():
    assert local(at("this weekend")) == "2026-03-07 09:00"
    assert local(at("this weekend", ny(2026, 3, 7, 8, 0))) == "2026-03-07 09:00"  # today is Saturday
    assert local(at("this weekend", ny(2026, 3, 7, 11, 0))) == "2026-03-08 09:00"  # Saturday, 09:00 gone
    assert local(at("this weekend", ny(2026, 3, 8, 8, 0))) == "2026-03-08 09:00"  # Sunday, still ahead
    assert local(at("this weekend", ny(2026, 3, 8, 10, 0))) == "2026-03-14 09:00"  # Sunday, gone


def test_next_month_and_end_of_the_month():
    assert local(at("next month")) == "2026-04-01 09:00"
    assert local(at("end of the month")) == "2026-03-31 09:00"
    assert local(at("next month", ny(2026, 1, 31, 10, 0))) == "2026-02-01 09:00"
    assert local(at("next month", ny(2026, 12, 15, 10, 0))) == "2027-01-01 09:00"
    assert local(at("end of the month", ny(2026, 2, 3, 10, 0))) == "2026-02-28 09:00"
    assert local(at("end of the month", ny(2028, 2, 3, 10, 0))) == "2028-02-29 09:00"  # leap year
    assert local(at("in a month", ny(2026, 1, 31, 10, 0))) == "2026-02-28 10:00"  # clamped


# --- Not resolvable ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "later",
        "talk later",
        "some other time",
        "another day",
        "maybe another time",
        "soon",
        "later today",
        "sometime this week",
        "I'm in a meeting",
        "I have 3 kids",
        "it costs $80",
        "we are 2 people",
        "I'm in room 5",
        "call me at 555-123-4567",
        "open 24/7",
        "what are your prices?",
        "in a bit",
        "give me a sec",
        "good morning",
        "have a great weekend",
        "I sat down",
        "3 people",
        "in 5",
    ],
)
def test_no_resolvable_time(text):
    assert find_requested_time(text, FRIDAY_10AM, NY) is None
    assert at(text) is None


# --- DST ------------------------------------------------------------------------------------


def test_time_in_the_dst_gap_moves_forward_by_the_gap():
    # 2026-03-08 02:30 does not exist in New York: 03:30 EDT.
    assert at("sunday at 2:30am").isoformat() == "2026-03-08T03:30:00-04:00"
    assert at("tomorrow at 2:30am", ny(2026, 3, 7, 12, 0)).isoformat() == "2026-03-08T03:30:00-04:00"


def test_time_in_the_dst_overlap_is_its_first_occurrence():
    # 2026-11-01 01:30 happens twice in New York: the EDT one (-04:00).
    friday = ny(2026, 10, 30, 10, 0)
    assert at("sunday at 1:30am", friday).isoformat() == "2026-11-01T01:30:00-04:00"


# --- Time zones -----------------------------------------------------------------------------


def test_resolved_in_the_contacts_zone_not_nows_offset():
    now_utc = datetime.fromisoformat("2026-03-06T15:00:00+00:00")  # 10:00 in New York
    assert at("at 4", now_utc, NY).isoformat() == "2026-03-06T16:00:00-05:00"
    assert at("at 4", now_utc, LONDON).isoformat() == "2026-03-06T16:00:00+00:00"
    # In Tokyo it is already Saturday 00:00, so "tomorrow" is Sunday.
    assert at("tomorrow", now_utc, TOKYO).isoformat() == "2026-03-08T09:00:00+09:00"


def test_result_carries_the_zone_offset():
    when = at("next Tuesday")  # after the DST change
    assert when.isoformat() == "2026-03-10T09:00:00-04:00"
    assert when.tzinfo is not None


# --- A resolved time in the past -------------------------------------------------------------


def test_explicit_date_that_has_passed_is_found_but_past():
    found = find_requested_time("call me on March 1, 2026", FRIDAY_10AM, NY)
    assert found is not None and found.past
    assert local(found.when) == "2026-03-01 09:00"
    assert at("call me on March 1, 2026") is None


def test_date_without_year_just_passed_is_past_not_next_year():
    found = found_in("call me on March 1")
    assert found.past
    # Long past this year (or said in December): next year's.
    assert local(at("call me on Jan 10", ny(2026, 12, 20, 10, 0))) == "2027-01-10 09:00"
    assert local(at("January 10", ny(2026, 6, 6, 10, 0))) == "2027-01-10 09:00"


def test_today_at_an_hour_gone_is_past():
    found = found_in("today at 9am")
    assert found.past
    assert local(at("today at 5pm")) == "2026-03-06 17:00"


def test_bare_hours_only_when_asked():
    assert find_requested_time("3", FRIDAY_10AM, NY) is None
    assert local(found_in("3", bare_hours=True).when) == "2026-03-06 15:00"
    assert local(found_in("10 works", bare_hours=True).when) == "2026-03-07 10:00"


def test_a_greeting_is_not_a_time_unless_answering_when():
    assert at("Morning!") is None
    assert at("good evening, who is this?") is None
    found = found_in("morning", bare_hours=True)
    assert local(found.when) == "2026-03-07 09:00"


# =========================================================================================
# Contract version 2: every rule of "Resolving a requested time", with a fixed `now` and
# zone. Unless a case says otherwise: Friday 2026-03-06 10:00, America/New_York.
# =========================================================================================

SYDNEY = ZoneInfo("Australia/Sydney")
LA = ZoneInfo("America/Los_Angeles")


def found_local(text, now=FRIDAY_10AM, tz=NY, **kwargs):
    found = find_requested_time(text, now, tz, **kwargs)
    return local(found.when, tz) if found is not None and found.when else None


# --- "in N minutes/hours": exact durations; "in N days/weeks": same local time ---------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("in 2 hours", "2026-03-06 12:00"),
        ("in two hours", "2026-03-06 12:00"),
        ("in an hour", "2026-03-06 11:00"),
        ("in a couple of hours", "2026-03-06 12:00"),
        ("in a couple hours", "2026-03-06 12:00"),
        ("in a few hours", "2026-03-06 13:00"),
        ("in a few minutes", "2026-03-06 10:03"),
        ("in half an hour", "2026-03-06 10:30"),
        ("half an hour", "2026-03-06 10:30"),  # the whole message is a duration
        ("in an hour and a half", "2026-03-06 11:30"),
        ("in 1.5 hours", "2026-03-06 11:30"),
        ("in 90 mins", "2026-03-06 11:30"),
        ("in 45 min", "2026-03-06 10:45"),
        ("in 2 hrs", "2026-03-06 12:00"),
        ("in 1 hr", "2026-03-06 11:00"),
        ("in three days", "2026-03-09 10:00"),  # same local time across the DST change
        ("in a couple of days", "2026-03-08 10:00"),
        ("in a few days", "2026-03-09 10:00"),
        ("in a week", "2026-03-13 10:00"),
        ("in 2 wks", "2026-03-20 10:00"),
        ("in a wk", "2026-03-13 10:00"),
        ("in two weeks", "2026-03-20 10:00"),
    ],
)
def test_v2_durations(text, expected):
    assert local(at(text)) == expected


def test_v2_hours_are_exact_across_the_dst_gap_and_days_keep_the_clock():
    before_gap = ny(2026, 3, 8, 1, 0)  # EST; 02:00 becomes 03:00
    assert at("in 2 hours", before_gap).isoformat() == "2026-03-08T04:00:00-04:00"
    assert at("in 120 mins", before_gap).isoformat() == "2026-03-08T04:00:00-04:00"
    assert at("in 1 day", ny(2026, 3, 7, 2, 30)).isoformat() == "2026-03-08T03:30:00-04:00"  # gap
    assert at("in a week", ny(2026, 3, 7, 10, 0)).isoformat() == "2026-03-14T10:00:00-04:00"


@pytest.mark.parametrize(
    "text",
    [
        "in a sec",
        "in a second",
        "in a bit",
        "in a while",
        "in a little while",
        "soon",
        "later",
        "some other time",
        "another day",
        "another time",
        "call me later",
        "talk soon",
        "call me in a bit",
        "text me in a while",
        "call me some other time",
        "another day maybe",
    ],
)
def test_v2_vague_times_are_not_resolvable(text):
    assert find_requested_time(text, FRIDAY_10AM, NY) is None


# --- A time without a date: today if still ahead, else tomorrow; the bare-hour rule ----------


@pytest.mark.parametrize(
    "hour, expected",
    [
        (1, "2026-03-06 13:00"),
        (2, "2026-03-06 14:00"),
        (3, "2026-03-06 15:00"),
        (4, "2026-03-06 16:00"),
        (5, "2026-03-06 17:00"),
        (6, "2026-03-06 18:00"),
        (7, "2026-03-06 19:00"),  # 1-7: PM
        (8, "2026-03-07 08:00"),
        (9, "2026-03-07 09:00"),  # 8-11: AM (gone today: tomorrow)
        (10, "2026-03-07 10:00"),  # exactly now is not ahead
        (11, "2026-03-06 11:00"),
        (12, "2026-03-06 12:00"),  # 12: noon
    ],
)
def test_v2_bare_hour_rule(hour, expected):
    assert local(at(f"call me at {hour}")) == expected


@pytest.mark.parametrize(
    "text, now, expected",
    [
        ("at 8 tonight", FRIDAY_10AM, "2026-03-06 20:00"),
        ("text me at 8 tonight", ny(2026, 4, 14, 10, 0), "2026-04-14 20:00"),
        ("11 tonight", FRIDAY_10AM, "2026-03-06 23:00"),
        ("at 12 tonight", FRIDAY_10AM, "2026-03-07 00:00"),  # 12 at night is midnight
        ("7 in the morning", FRIDAY_10AM, "2026-03-07 07:00"),  # gone today: tomorrow
        ("7 in the morning", ny(2026, 3, 6, 6, 0), "2026-03-06 07:00"),
        ("4 this afternoon", FRIDAY_10AM, "2026-03-06 16:00"),
        ("at 6 in the evening", FRIDAY_10AM, "2026-03-06 18:00"),
        ("tomorrow morning at 8", FRIDAY_10AM, "2026-03-07 08:00"),
        ("tomorrow evening at 7:30", FRIDAY_10AM, "2026-03-07 19:30"),
        ("at 8 tonight", ny(2026, 3, 6, 21, 0), "2026-03-07 20:00"),  # gone: rolls to tomorrow
    ],
)
def test_v2_a_part_of_the_day_said_with_the_hour_decides(text, now, expected):
    assert local(at(text, now)) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3:30", "2026-03-06 15:30"),
        ("3.30", "2026-03-06 15:30"),
        ("call me at 3.30", "2026-03-06 15:30"),
        ("3.30 works", "2026-03-06 15:30"),
        ("3.30 tomorrow", "2026-03-07 15:30"),
        ("half past 3", "2026-03-06 15:30"),
        ("half past three", "2026-03-06 15:30"),
        ("16:00", "2026-03-06 16:00"),
        ("call me at 16:00", "2026-03-06 16:00"),
        ("9:15", "2026-03-07 09:15"),  # 8-11 AM, gone today
        ("around 3", "2026-03-06 15:00"),
        ("after 3", "2026-03-06 15:00"),
        ("by 3", "2026-03-06 15:00"),
        ("call me around 3pm", "2026-03-06 15:00"),
    ],
)
def test_v2_clock_forms(text, expected):
    assert local(at(text)) == expected


@pytest.mark.parametrize(
    "text",
    ["it costs 12.40", "my balance is 12.40", "version 2.10 of the app", "3", "call me 3", "I have 3", "4 works"],
)
def test_v2_numbers_that_are_not_clocks_without_a_question_about_when(text):
    assert at(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3", "2026-03-06 15:00"),
        ("10", "2026-03-07 10:00"),
        ("12", "2026-03-06 12:00"),
        ("4 works", "2026-03-06 16:00"),
        ("maybe 5", "2026-03-06 17:00"),
        ("17", "2026-03-06 17:00"),
        ("half an hour", "2026-03-06 10:30"),
        ("morning", "2026-03-07 09:00"),
    ],
)
def test_v2_a_bare_number_is_an_hour_when_it_answers_when(text, expected):
    assert found_local(text, bare_hours=True) == expected


# --- Two times in one message: the one they ask to be contacted at wins ----------------------


@pytest.mark.parametrize(
    "text, expected, role",
    [
        ("in a meeting till 10, call me at 11", "2026-03-06 11:00", REQUEST),
        ("call me at 11, in a meeting till 10", "2026-03-06 11:00", REQUEST),
        ("in a meeting till 11, call me at 12:30", "2026-03-06 12:30", REQUEST),
        ("in a meeting till 11 call me at 12:30", "2026-03-06 12:30", REQUEST),
        ("in a meeting till 11, call me tomorrow", "2026-03-07 09:00", REQUEST),
        ("busy tomorrow, call me friday", "2026-03-13 09:00", REQUEST),
        ("I'm busy tomorrow but call me friday at 2", "2026-03-13 14:00", REQUEST),
        ("I have a meeting at 3 so call me at 4:30", "2026-03-06 16:30", REQUEST),
        ("on vacation till monday, call me tuesday", "2026-03-10 09:00", REQUEST),
        ("not at 3, at 4 please", "2026-03-06 16:00", NEUTRAL),
        ("can't do 3, call me at 5", "2026-03-06 17:00", REQUEST),
        ("call me tomorrow, around 3", "2026-03-07 15:00", REQUEST),
        ("call me at 3 or 4", "2026-03-06 15:00", REQUEST),  # the first one said
        # "till X" is the request after all when they add "call me then/after"
        ("in a meeting till 11, call me after", "2026-03-06 11:00", REQUEST),
        ("tied up till 2pm, then call me", "2026-03-06 14:00", REQUEST),
        ("busy until 4, then free", "2026-03-06 16:00", REQUEST),
        # no busy word: "till" is just a time
        ("wait till monday", "2026-03-09 09:00", NEUTRAL),
        ("until 4", "2026-03-06 16:00", NEUTRAL),
    ],
)
def test_v2_two_times_the_requested_one_wins(text, expected, role):
    found = found_in(text)
    assert (local(found.when), found.role) == (expected, role)
    assert local(at(text)) == expected


@pytest.mark.parametrize(
    "text, expected, role",
    [
        ("in a meeting till 11", "2026-03-06 11:00", UNTIL),
        ("in a meeting until 3", "2026-03-06 15:00", UNTIL),
        ("on vacation till monday", "2026-03-09 09:00", UNTIL),
        ("at work till 5 tomorrow", "2026-03-07 17:00", UNTIL),
        ("surgery till 3", "2026-03-06 15:00", UNTIL),
        ("cant talk until 2", "2026-03-06 14:00", UNTIL),
        ("I'm busy tomorrow", "2026-03-07 09:00", STATE),
        ("working tomorrow", "2026-03-07 09:00", STATE),
        ("I have a meeting at 3", "2026-03-06 15:00", STATE),
    ],
)
def test_v2_a_time_that_only_says_how_long_they_are_busy_is_not_a_request(text, expected, role):
    found = found_in(text)
    assert (local(found.when), found.role) == (expected, role)
    assert found.is_state
    assert at(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I need to cancel my cleaning on Monday", "2026-03-09 09:00"),
        ("cancel tomorrow's session", "2026-03-07 09:00"),
        ("please cancel my 3pm", "2026-03-06 15:00"),
        ("I cancelled my appointment for friday", "2026-03-13 09:00"),
        ("reschedule my appointment to friday at 10", "2026-03-13 10:00"),
        ("can we move my cleaning to next week?", "2026-03-09 09:00"),
        ("I'll have to postpone till next month", "2026-04-01 09:00"),
    ],
)
def test_a_time_of_an_appointment_cancelled_or_moved_is_not_a_request(text, expected):
    # Cancelling or moving an appointment is not asking to be contacted (the contract's
    # "cancel my appointment" is `other`): the time is found, as the appointment's.
    found = found_in(text)
    assert (local(found.when), found.role) == (expected, APPOINTMENT)
    assert found.is_appointment and not found.is_state
    assert at(text) is None


@pytest.mark.parametrize(
    "text, expected, role",
    [
        # a time asked for in another clause wins over the cancelled appointment's
        ("cancel my cleaning monday, call me tuesday", "2026-03-10 09:00", REQUEST),
        ("cancel our call tomorrow, call me friday instead", "2026-03-13 09:00", REQUEST),
        ("I have to cancel Monday, can you call me Tuesday?", "2026-03-10 09:00", REQUEST),
        # moving a call is asking to be called then; "call me" outweighs "to reschedule"
        ("reschedule our call to friday", "2026-03-13 09:00", REQUEST),
        ("can we move the call to tomorrow?", "2026-03-07 09:00", REQUEST),
        ("call me at 3 to reschedule", "2026-03-06 15:00", REQUEST),
        # something of theirs was cancelled: they are free then
        ("my 2pm got cancelled, call me then", "2026-03-06 14:00", NEUTRAL),
        ("my meeting was cancelled so call me at 3", "2026-03-06 15:00", REQUEST),
    ],
)
def test_a_cancellation_leaves_other_times_alone(text, expected, role):
    found = found_in(text)
    assert (local(found.when), found.role) == (expected, role)
    assert local(at(text)) == expected


# --- A date or day without a time: 09:00 that day ----------------------------------------------


@pytest.mark.parametrize(
    "text, now, expected",
    [
        ("tomorrow", FRIDAY_10AM, "2026-03-07 09:00"),
        ("tomorrow", ny(2026, 3, 7, 0, 30), "2026-03-08 09:00"),  # after midnight: next calendar day
        ("tmrw", ny(2026, 3, 6, 23, 59), "2026-03-07 09:00"),
        ("call me tomorrow", ny(2026, 3, 7, 2, 0), "2026-03-08 09:00"),
        ("today", ny(2026, 3, 6, 8, 0), "2026-03-06 09:00"),
        ("friday", FRIDAY_10AM, "2026-03-13 09:00"),
        ("Dec 15", FRIDAY_10AM, "2026-12-15 09:00"),
    ],
)
def test_v2_a_day_without_a_time_is_9am(text, now, expected):
    assert local(at(text, now)) == expected


def test_v2_today_after_9am_has_passed():
    found = found_in("today")
    assert found.past and local(found.when) == "2026-03-06 09:00"
    assert at("call me today") is None
    assert local(at("today at 3")) == "2026-03-06 15:00"


# --- A date without a year; numeric dates by country ------------------------------------------


@pytest.mark.parametrize(
    "text, now, expected",
    [
        ("Dec 15", FRIDAY_10AM, "2026-12-15 09:00"),
        ("15 December", FRIDAY_10AM, "2026-12-15 09:00"),
        ("December 15th", FRIDAY_10AM, "2026-12-15 09:00"),
        ("15th of December", FRIDAY_10AM, "2026-12-15 09:00"),
        ("dec. 15 at 2pm", FRIDAY_10AM, "2026-12-15 14:00"),
        ("call me jan 5", ny(2026, 12, 1, 19, 0), "2027-01-05 09:00"),
        ("Jan 4", FRIDAY_10AM, "2027-01-04 09:00"),  # passed 61 days ago: next year's
        ("Feb 20", FRIDAY_10AM, None),  # passed 14 days ago: gone
        ("Jan 5", FRIDAY_10AM, None),  # exactly 60 days ago: gone
    ],
)
def test_v2_a_date_without_a_year(text, now, expected):
    assert local(at(text, now)) == expected


@pytest.mark.parametrize(
    "text, tz, expected",
    [
        ("12/15", NY, "2026-12-15 09:00"),  # United States: month/day
        ("12/15", LA, "2026-12-15 09:00"),
        ("12/15", ZoneInfo("America/Phoenix"), "2026-12-15 09:00"),
        ("12/15", ZoneInfo("Pacific/Honolulu"), "2026-12-15 09:00"),
        ("12/15", ZoneInfo("America/Indiana/Indianapolis"), "2026-12-15 09:00"),
        ("12/15", ZoneInfo("US/Eastern"), "2026-12-15 09:00"),  # an alias of a US zone
        ("3/10", NY, "2026-03-10 09:00"),
        ("3/10", LONDON, "2026-10-03 09:00"),  # elsewhere: day/month
        ("3/10", SYDNEY, "2026-10-03 09:00"),
        ("3/10", ZoneInfo("America/Toronto"), "2026-10-03 09:00"),
        ("15/12", LONDON, "2026-12-15 09:00"),
        ("15/12", SYDNEY, "2026-12-15 09:00"),
        ("15/12/2026", LONDON, "2026-12-15 09:00"),
        ("12/15/2026", NY, "2026-12-15 09:00"),
        ("12/15", LONDON, "2026-12-15 09:00"),  # 15 cannot be a month: Dec 15
        ("15/12", NY, "2026-12-15 09:00"),
        ("20/20", NY, None),  # no date either way
    ],
)
def test_v2_numeric_dates_month_first_only_in_the_united_states(text, tz, expected):
    now = FRIDAY_10AM.astimezone(tz)
    assert local(at(f"call me {text}", now, tz), tz) == expected


@pytest.mark.parametrize(
    "key, expected",
    [
        ("America/New_York", True),
        ("America/Chicago", True),
        ("America/Denver", True),
        ("America/Phoenix", True),
        ("America/Los_Angeles", True),
        ("America/Anchorage", True),
        ("Pacific/Honolulu", True),
        ("America/Indiana/Knox", True),
        ("America/Detroit", True),
        ("US/Pacific", True),
        ("America/Indianapolis", True),
        ("EST5EDT", True),
        ("America/Toronto", False),
        ("America/Vancouver", False),
        ("America/Mexico_City", False),
        ("America/Puerto_Rico", False),
        ("Europe/London", False),
        ("Australia/Sydney", False),
        ("UTC", False),
    ],
)
def test_v2_which_zones_are_in_the_united_states(key, expected):
    assert month_first(ZoneInfo(key)) is expected


# --- "the 15th": the next 15th still ahead; months without that day are passed over ----------


@pytest.mark.parametrize(
    "text, now, expected",
    [
        ("the 15th", FRIDAY_10AM, "2026-03-15 09:00"),
        ("on the 5th", FRIDAY_10AM, "2026-04-05 09:00"),  # gone this month: next month
        ("the 6th", FRIDAY_10AM, "2026-04-06 09:00"),  # today, 09:00 gone
        ("the 6th", ny(2026, 3, 6, 8, 0), "2026-03-06 09:00"),  # today, still ahead
        ("the 6th at 3pm", FRIDAY_10AM, "2026-03-06 15:00"),
        ("the 31st", ny(2026, 4, 5, 10, 0), "2026-05-31 09:00"),  # April has no 31st
        ("the 31st", ny(2026, 3, 31, 10, 0), "2026-05-31 09:00"),  # gone today; April passed over
        ("the 30th", ny(2026, 2, 5, 10, 0), "2026-03-30 09:00"),  # February has no 30th
        ("the 29th", ny(2027, 2, 1, 10, 0), "2027-03-29 09:00"),  # not a leap year
        ("the 29th", ny(2028, 2, 1, 10, 0), "2028-02-29 09:00"),  # a leap year
        ("reach out the 3rd", ny(2026, 4, 14, 10, 0), "2026-05-03 09:00"),
        ("can you call me on the 20th?", ny(2026, 4, 14, 10, 0), "2026-04-20 09:00"),
    ],
)
def test_v2_the_nth_without_a_month(text, now, expected):
    assert local(at(text, now)) == expected


# --- Parts of the day ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, now, expected",
    [
        ("first thing", FRIDAY_10AM, "2026-03-07 09:00"),
        ("first thing tomorrow", FRIDAY_10AM, "2026-03-07 09:00"),
        ("first thing tomorrow works", ny(2026, 4, 14, 10, 0), "2026-04-15 09:00"),
        ("tomorrow morning", FRIDAY_10AM, "2026-03-07 09:00"),
        ("noon", FRIDAY_10AM, "2026-03-06 12:00"),
        ("lunch", FRIDAY_10AM, "2026-03-06 12:00"),
        ("after lunch", FRIDAY_10AM, "2026-03-06 13:00"),
        ("after lunch is better", ny(2026, 4, 14, 10, 0), "2026-04-14 13:00"),
        ("tomorrow after lunch", FRIDAY_10AM, "2026-03-07 13:00"),
        ("this afternoon", FRIDAY_10AM, "2026-03-06 14:00"),
        ("this arvo", FRIDAY_10AM, "2026-03-06 14:00"),
        ("after work", FRIDAY_10AM, "2026-03-06 17:00"),
        ("end of day", FRIDAY_10AM, "2026-03-06 17:00"),
        ("eod", FRIDAY_10AM, "2026-03-06 17:00"),
        ("end of day", ny(2026, 3, 6, 20, 0), "2026-03-07 17:00"),  # rolls forward like a time
        ("message me end of day", ny(2026, 7, 11, 20, 0), "2026-07-12 17:00"),
        ("after work", ny(2026, 3, 6, 18, 0), "2026-03-07 17:00"),
        ("this evening", FRIDAY_10AM, "2026-03-06 18:00"),
        ("tonight", FRIDAY_10AM, "2026-03-06 19:00"),
        ("tonight", ny(2026, 3, 6, 19, 30), "2026-03-07 19:00"),
    ],
)
def test_v2_parts_of_the_day(text, now, expected):
    assert local(at(text, now)) == expected


# --- Weekdays, weeks, weekends, months ----------------------------------------------------------


@pytest.mark.parametrize(
    "text, now, expected",
    [
        ("Tuesday", FRIDAY_10AM, "2026-03-10 09:00"),
        ("next Tuesday", FRIDAY_10AM, "2026-03-10 09:00"),
        ("on Tue", FRIDAY_10AM, "2026-03-10 09:00"),
        ("thurs", FRIDAY_10AM, "2026-03-12 09:00"),
        ("Tuesday next week", FRIDAY_10AM, "2026-03-10 09:00"),
        ("Tuesday next week", ny(2026, 3, 9, 10, 0), "2026-03-17 09:00"),  # said on Monday
        ("next Tuesday", ny(2026, 3, 9, 10, 0), "2026-03-10 09:00"),  # the next one after today
        ("Tuesday", ny(2026, 3, 10, 8, 0), "2026-03-17 09:00"),  # after today
        ("next week", FRIDAY_10AM, "2026-03-09 09:00"),
        ("next week", ny(2026, 3, 8, 12, 0), "2026-03-09 09:00"),  # said on a Sunday: tomorrow
        ("next week", ny(2026, 3, 9, 8, 0), "2026-03-16 09:00"),  # said on a Monday
        ("end of the week", ny(2026, 3, 4, 10, 0), "2026-03-06 09:00"),  # Wednesday: the coming Friday
        ("end of the week", ny(2026, 3, 6, 8, 0), "2026-03-06 09:00"),  # Friday, still ahead
        ("end of the week", FRIDAY_10AM, "2026-03-13 09:00"),  # Friday, gone: the next one
        ("end of the week", ny(2026, 3, 7, 10, 0), "2026-03-13 09:00"),  # Saturday
        ("end of next week", FRIDAY_10AM, "2026-03-13 09:00"),
        ("this weekend", FRIDAY_10AM, "2026-03-07 09:00"),
        ("this weekend", ny(2026, 3, 7, 11, 0), "2026-03-08 09:00"),
        ("next weekend", FRIDAY_10AM, "2026-03-14 09:00"),
        ("next weekend", ny(2026, 3, 7, 11, 0), "2026-03-14 09:00"),  # said on a Saturday
        ("next weekend", ny(2026, 3, 8, 11, 0), "2026-03-14 09:00"),  # said on a Sunday
        ("next month", FRIDAY_10AM, "2026-04-01 09:00"),
        ("next month", ny(2026, 12, 31, 10, 0), "2027-01-01 09:00"),
        ("end of the month", FRIDAY_10AM, "2026-03-31 09:00"),
        ("end of the month", ny(2026, 2, 10, 10, 0), "2026-02-28 09:00"),
    ],
)
def test_v2_weekdays_weeks_and_months(text, now, expected):
    assert local(at(text, now)) == expected


def test_v2_this_weekend_said_on_saturday_morning_in_los_angeles():
    now = datetime.fromisoformat("2026-04-18T11:00:00-07:00")
    assert at("can we talk this weekend?", now, LA).isoformat() == "2026-04-19T09:00:00-07:00"


# --- Short forms and typos ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("in 5 min", "2026-03-06 10:05"),
        ("in 5 mins", "2026-03-06 10:05"),
        ("in 1 hr", "2026-03-06 11:00"),
        ("in 2 hrs", "2026-03-06 12:00"),
        ("tmrw", "2026-03-07 09:00"),
        ("tmr", "2026-03-07 09:00"),
        ("2morrow", "2026-03-07 09:00"),
        ("in a wk", "2026-03-13 10:00"),
        ("eod", "2026-03-06 17:00"),
        ("tmrw arvo", "2026-03-07 14:00"),
        ("this arvo", "2026-03-06 14:00"),
        ("tomorow", "2026-03-07 09:00"),
        ("tomorrw", "2026-03-07 09:00"),
        ("tommorow", "2026-03-07 09:00"),
        ("tommorrow at 3", "2026-03-07 15:00"),
        ("tomorrrow", "2026-03-07 09:00"),
        ("tomorro morning", "2026-03-07 09:00"),
        ("wednsday", "2026-03-11 09:00"),
        ("wensday", "2026-03-11 09:00"),
        ("wendsday", "2026-03-11 09:00"),
        ("wednesay", "2026-03-11 09:00"),
        ("thrusday", "2026-03-12 09:00"),
        ("thursdy", "2026-03-12 09:00"),
        ("tuesdy", "2026-03-10 09:00"),
        ("saterday", "2026-03-07 09:00"),
        ("decmber 15", "2026-12-15 09:00"),
        ("tonihgt", "2026-03-06 19:00"),
        ("this afternon", "2026-03-06 14:00"),
        ("in 20 mintues", "2026-03-06 10:20"),
    ],
)
def test_v2_short_forms_and_typos(text, expected):
    assert local(at(text)) == expected


@pytest.mark.parametrize("text", ["sundae", "I love march music", "money", "mourning my dog"])
def test_v2_typo_fixing_leaves_real_words_alone(text):
    assert at(text) is None


# --- DST: a gap moves forward by the gap, an overlap means the first occurrence ---------------


@pytest.mark.parametrize(
    "text, now, tz, expected",
    [
        ("sunday at 2:30am", ny(2026, 3, 6, 10, 0), NY, "2026-03-08T03:30:00-04:00"),
        ("tomorrow at 2:30am", ny(2026, 3, 7, 12, 0), NY, "2026-03-08T03:30:00-04:00"),
        ("at 2:30am", ny(2026, 3, 7, 12, 0), NY, "2026-03-08T03:30:00-04:00"),
        ("sunday at 1:30am", ny(2026, 10, 30, 10, 0), NY, "2026-11-01T01:30:00-04:00"),
        (
            "sunday at 1:30am",
            datetime(2026, 3, 27, 10, tzinfo=LONDON),
            LONDON,
            "2026-03-29T02:30:00+01:00",
        ),  # London's gap: 01:00-02:00
        (
            "sunday at 2:30am",
            datetime(2026, 4, 3, 10, tzinfo=SYDNEY),
            SYDNEY,
            "2026-04-05T02:30:00+11:00",
        ),  # Sydney's overlap: the first
        (
            "sunday at 2:30am",
            datetime(2026, 10, 2, 10, tzinfo=SYDNEY),
            SYDNEY,
            "2026-10-04T03:30:00+11:00",
        ),  # Sydney's gap: 02:00-03:00
    ],
)
def test_v2_dst(text, now, tz, expected):
    assert at(text, now, tz).isoformat() == expected


# --- A time in the past, or more than 365 days ahead: not a request; never an error -----------


@pytest.mark.parametrize(
    "text, now",
    [
        ("call me on March 1, 2026", FRIDAY_10AM),
        ("call me on 3/1/2026", FRIDAY_10AM),
        ("today at 9am", FRIDAY_10AM),
        ("yesterday", FRIDAY_10AM),
        ("in 0 minutes", FRIDAY_10AM),
        ("call me on 2026-01-10", FRIDAY_10AM),
        ("call me on March 1, 1999", FRIDAY_10AM),
        ("on 1/1/0001", FRIDAY_10AM),
    ],
)
def test_v2_a_time_gone_is_past(text, now):
    found = find_requested_time(text, now, NY)
    assert found is not None and found.past and not found.usable
    assert at(text, now) is None


@pytest.mark.parametrize(
    "text",
    [
        "in 366 days",
        "in 400 days",
        "in 53 weeks",
        "in 13 months",
        "in 2 years",
        "call me on March 7, 2027",
        "call me Dec 15, 2027",
        "next year in 2 years",
        "call me on 12/31/9999 at 11pm",
        "on 12/31/9999",
        "December 31, 9999",
        "in 99999999 days",
        "in 99999999999999999999 minutes",
        "in 99999999 weeks",
        "in 100000 months",
        "in 99999999999 years",
        "9999-12-31",
    ],
)
def test_v2_more_than_365_days_ahead_is_too_far_never_an_error(text):
    found = find_requested_time(text, FRIDAY_10AM, NY)
    assert found is not None and found.too_far and not found.usable, found
    assert at(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("in 365 days", "2027-03-06 10:00"),
        ("in 52 weeks", "2027-03-05 10:00"),
        ("in 12 months", "2027-03-06 10:00"),
        ("call me on March 5, 2027", "2027-03-05 09:00"),
    ],
)
def test_v2_up_to_365_days_ahead_is_fine(text, expected):
    assert local(at(text)) == expected


def test_v2_365_days_counts_local_days_across_a_dst_change():
    # EDT now, EST a year later (DST starts later in 2027): still 365 local days.
    now = ny(2026, 3, 10, 10, 0)
    assert at("in 365 days", now).isoformat() == "2027-03-10T10:00:00-05:00"


def test_v2_a_year_with_february_29th_is_366_days():
    # "in a year" said on 2027-03-06 is 2028-03-06: 366 days ahead, more than 365.
    assert at("in a year", ny(2027, 3, 6, 10, 0)) is None
    assert local(at("in a year", ny(2026, 3, 6, 10, 0))) == "2027-03-06 10:00"


# --- Never a question about the business -------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["I'm not busy", "now is fine", "do you have any openings this week?", "right now works", "now"]
)
def test_v2_no_time_in_negations_and_now(text):
    assert at(text) is None
