"""The contract's "Resolving a requested time", bullet by bullet.

Unless a test says otherwise, "now" is Friday 2026-03-06 10:00 in America/New_York
(EST, -05:00; DST starts Sunday 2026-03-08 at 02:00).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scheduling.rules.requested_time import find_requested_time, resolve_requested_time

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")
FRIDAY_10AM = datetime(2026, 3, 6, 10, 0, tzinfo=NY)


def at(text, now=FRIDAY_10AM, tz=NY):
    return resolve_requested_time(text, now, tz)


def local(when, tz=NY):
    """A resolved instant as local "YYYY-MM-DD HH:MM" in `tz`, for readable asserts."""
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when else None


def ny(*args):
    return datetime(*args, tzinfo=NY)


# --- A time without a date: today if still ahead, else tomorrow; the bare-hour rule -------

@pytest.mark.parametrize("text, expected", [
    ("at 3", "2026-03-06 15:00"),           # 1-7 means PM
    ("at 1", "2026-03-06 13:00"),
    ("at 7", "2026-03-06 19:00"),
    ("at 11", "2026-03-06 11:00"),          # 8-11 means AM, still ahead today
    ("at 8", "2026-03-07 08:00"),           # 08:00 has passed: tomorrow
    ("at 9", "2026-03-07 09:00"),
    ("at 12", "2026-03-06 12:00"),          # 12 is noon
    ("3:30", "2026-03-06 15:30"),           # "3:30" follows the bare-hour rule
    ("at 9:45", "2026-03-07 09:45"),
    ("at 10:30", "2026-03-06 10:30"),
    ("15:00", "2026-03-06 15:00"),          # 24-hour clock
    ("at 21:15", "2026-03-06 21:15"),
    ("3pm", "2026-03-06 15:00"),
    ("3 pm", "2026-03-06 15:00"),
    ("3 p.m.", "2026-03-06 15:00"),
    ("3PM", "2026-03-06 15:00"),
    ("3:45pm", "2026-03-06 15:45"),
    ("9am", "2026-03-07 09:00"),            # passed today
    ("11am", "2026-03-06 11:00"),
    ("7am", "2026-03-07 07:00"),            # explicit am beats the bare-hour rule
    ("12pm", "2026-03-06 12:00"),
    ("12am", "2026-03-07 00:00"),
    ("noon", "2026-03-06 12:00"),
    ("midnight", "2026-03-07 00:00"),
    ("at three", "2026-03-06 15:00"),       # number words
    ("around 3", "2026-03-06 15:00"),       # around / after / by / @ mean 3
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
])
def test_time_without_a_date(text, expected):
    assert local(at(text)) == expected


def test_time_already_passed_today_is_tomorrow():
    evening = ny(2026, 3, 6, 16, 30)
    assert local(at("call me at 3", evening)) == "2026-03-07 15:00"
    assert local(at("call me at 4:30pm", evening)) == "2026-03-07 16:30"  # exactly now: not ahead


# --- A date or day without a time: 09:00 that day -----------------------------------------

@pytest.mark.parametrize("text, expected", [
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
    ("on the 5th", "2026-04-05 09:00"),     # the 5th has passed this month
    ("Dec 24", "2026-12-24 09:00"),
])
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

@pytest.mark.parametrize("text, expected", [
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
])
def test_parts_of_the_day(text, expected):
    assert local(at(text)) == expected


def test_part_of_day_sets_am_or_pm_of_a_bare_hour():
    assert local(at("tonight at 8")) == "2026-03-06 20:00"
    assert local(at("8 tonight")) == "2026-03-06 20:00"
    assert local(at("tomorrow morning at 7:30")) == "2026-03-07 07:30"
    assert local(at("at 6 in the morning")) == "2026-03-07 06:00"
    assert local(at("3 this afternoon")) == "2026-03-06 15:00"


@pytest.mark.parametrize("text, now, expected", [
    ("end of day", ny(2026, 3, 6, 20, 0), "2026-03-07 17:00"),      # the contract's example
    ("end of day", ny(2026, 3, 6, 16, 0), "2026-03-06 17:00"),
    ("tonight", ny(2026, 3, 6, 20, 0), "2026-03-07 19:00"),
    ("call me in the morning", ny(2026, 3, 6, 8, 0), "2026-03-06 09:00"),
    ("this afternoon", ny(2026, 3, 6, 15, 0), "2026-03-07 14:00"),
    ("at lunch", ny(2026, 3, 6, 12, 30), "2026-03-07 12:00"),
    ("this evening", ny(2026, 3, 6, 17, 59), "2026-03-06 18:00"),
])
def test_part_of_day_rolls_forward_like_a_time(text, now, expected):
    assert local(at(text, now)) == expected


# --- Weekdays: the next occurrence after today ---------------------------------------------

@pytest.mark.parametrize("text, expected", [
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
    ("friday", "2026-03-13 09:00"),     # today is Friday: next week's
    ("mondays work best", "2026-03-09 09:00"),
    ("next week on wednesday", "2026-03-11 09:00"),
    ("thursday next week", "2026-03-12 09:00"),
])
def test_weekday_names(text, expected):
    assert local(at(text)) == expected


def test_weekday_named_on_that_day_means_next_week():
    tuesday = ny(2026, 3, 10, 8, 0)  # a Tuesday, before 09:00
    assert local(at("Tuesday", tuesday)) == "2026-03-17 09:00"
    assert local(at("tuesday at 5pm", tuesday)) == "2026-03-17 17:00"


# --- Relative offsets --------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
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
    ("in 3 days", "2026-03-09 10:00"),          # same local time of day, across DST
    ("in two days", "2026-03-08 10:00"),
    ("in a week", "2026-03-13 10:00"),
    ("in 2 weeks", "2026-03-20 10:00"),
    ("same time tomorrow", "2026-03-07 10:00"),
])
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
    assert local(at("next week", ny(2026, 3, 9, 8, 0))) == "2026-03-16 09:00"   # said on a Monday
    assert local(at("next week", ny(2026, 3, 8, 12, 0))) == "2026-03-09 09:00"  # said on a Sunday
    assert local(at("early next week")) == "2026-03-09 09:00"


def test_this_weekend_is_the_coming_saturday():
    assert local(at("this weekend")) == "2026-03-07 09:00"
    assert local(at("this weekend", ny(2026, 3, 7, 8, 0))) == "2026-03-07 09:00"  # today is Saturday
    assert local(at("this weekend", ny(2026, 3, 8, 8, 0))) == "2026-03-14 09:00"  # Sunday


def test_next_month_and_end_of_the_month():
    assert local(at("next month")) == "2026-04-01 09:00"
    assert local(at("end of the month")) == "2026-03-31 09:00"
    assert local(at("next month", ny(2026, 1, 31, 10, 0))) == "2026-02-01 09:00"
    assert local(at("next month", ny(2026, 12, 15, 10, 0))) == "2027-01-01 09:00"
    assert local(at("end of the month", ny(2026, 2, 3, 10, 0))) == "2026-02-28 09:00"
    assert local(at("end of the month", ny(2028, 2, 3, 10, 0))) == "2028-02-29 09:00"  # leap year
    assert local(at("in a month", ny(2026, 1, 31, 10, 0))) == "2026-02-28 10:00"  # clamped


# --- Not resolvable ---------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "later", "talk later", "some other time", "another day", "maybe another time", "soon",
    "later today", "sometime this week", "I'm in a meeting", "I have 3 kids", "it costs $80",
    "we are 2 people", "I'm in room 5", "call me at 555-123-4567", "open 24/7",
    "what are your prices?", "in a bit", "give me a sec", "good morning", "have a great weekend",
    "I sat down", "3 people", "in 5",
])
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
    found = find_requested_time("call me on March 1", FRIDAY_10AM, NY)
    assert found.past
    # Long past this year (or said in December): next year's.
    assert local(at("call me on Jan 10", ny(2026, 12, 20, 10, 0))) == "2027-01-10 09:00"
    assert local(at("January 10", ny(2026, 6, 6, 10, 0))) == "2027-01-10 09:00"


def test_today_at_an_hour_gone_is_past():
    found = find_requested_time("today at 9am", FRIDAY_10AM, NY)
    assert found.past
    assert local(at("today at 5pm")) == "2026-03-06 17:00"


def test_bare_hours_only_when_asked():
    assert find_requested_time("3", FRIDAY_10AM, NY) is None
    assert local(find_requested_time("3", FRIDAY_10AM, NY, bare_hours=True).when) == "2026-03-06 15:00"
    assert local(find_requested_time("10 works", FRIDAY_10AM, NY, bare_hours=True).when) \
        == "2026-03-07 10:00"


def test_a_greeting_is_not_a_time_unless_answering_when():
    assert at("Morning!") is None
    assert at("good evening, who is this?") is None
    found = find_requested_time("morning", FRIDAY_10AM, NY, bare_hours=True)
    assert local(found.when) == "2026-03-07 09:00"
