from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from rules.cadence import CadenceError, Delay, format_cadence, parse_cadence, spam_warning, step_offsets

NY = ZoneInfo("America/New_York")


def test_a_cadence_reads_as_typed():
    assert parse_cadence("5m, 15m, 2h, 1d") == [
        Delay(5, "minutes"),
        Delay(15, "minutes"),
        Delay(2, "hours"),
        Delay(1, "days"),
    ]
    assert parse_cadence("5m 15m") == parse_cadence("5 min, 15 mins") == parse_cadence(" 5M,15M ")
    assert format_cadence(parse_cadence("30 minutes, 2 hours, 3 days, 1 week")) == "30m, 2h, 3d, 1w"


@pytest.mark.parametrize(
    "text, message",
    [
        ("0m", "at least 1 minute"),
        ("5m, 0h", "at least 1 minute"),
        ("5x", "is not a delay"),
        ("soon", "is not a delay"),
        ("5m, , 1d", None),
        ("1m, " * 10 + "1m", "at most 10"),
        ("400d", "at most 365 days"),
        ("", "at least one follow-up"),
    ],
)
def test_bad_cadences_are_refused_with_a_reason(text, message):
    if message is None:
        assert len(parse_cadence(text)) == 2  # empty items between commas are ignored
        return
    with pytest.raises(CadenceError, match=message):
        parse_cadence(text)


def test_specific_time_may_have_no_steps():
    assert parse_cadence("", allow_empty=True) == []


def test_minutes_and_hours_are_exact_durations_across_dst():
    before_gap = datetime(2026, 3, 8, 1, 30, tzinfo=NY)
    assert Delay(1, "hours").after(before_gap, NY) == datetime(2026, 3, 8, 3, 30, tzinfo=NY)
    assert Delay(90, "minutes").after(before_gap, NY).astimezone(NY).hour == 4


def test_days_keep_the_local_time_of_day_across_dst():
    friday_3pm = datetime(2026, 3, 7, 15, 0, tzinfo=NY)
    sunday = Delay(1, "days").after(friday_3pm, NY)
    assert sunday.astimezone(NY).isoformat() == "2026-03-08T15:00:00-04:00"
    assert Delay(1, "weeks").after(friday_3pm, NY).astimezone(NY).isoformat() == "2026-03-14T15:00:00-04:00"


def test_a_day_delay_landing_in_the_dst_gap_moves_forward_by_the_gap():
    saturday_0230 = datetime(2026, 3, 7, 2, 30, tzinfo=NY)
    assert Delay(1, "days").after(saturday_0230, NY).astimezone(NY).isoformat() == "2026-03-08T03:30:00-04:00"


def test_a_day_delay_landing_in_the_overlap_takes_the_first_occurrence():
    saturday_0130 = datetime(2026, 10, 31, 1, 30, tzinfo=NY)
    assert Delay(1, "days").after(saturday_0130, NY).astimezone(NY).isoformat() == "2026-11-01T01:30:00-04:00"


# --- The spammy-cadence warning ---------------------------------------------------------


def minutes(kind, text):
    return [o.total_seconds() / 60 for o in step_offsets(kind, parse_cadence(text, allow_empty=True))]


def test_steps_are_counted_from_step_1():
    # Delay 1 is the wait after the trigger, not a gap between follow-ups.
    assert minutes("stopped_replying", "2h, 15m, 1d") == [0, 15, 15 + 24 * 60]
    assert minutes("busy", "5m") == [0]
    # specific_time: step 1 is the requested time, every delay a follow-up after it.
    assert minutes("specific_time", "15m, 1d") == [0, 15, 15 + 24 * 60]
    assert minutes("specific_time", "") == [0]
    assert minutes("stopped_replying", "1w") == [0]


@pytest.mark.parametrize(
    "kind, cadence, expected",
    [
        # Within an hour: offsets up to and including 60 minutes; more than 3 warns.
        ("stopped_replying", "5m, 20m, 20m", None),  # 3 within the hour
        ("stopped_replying", "5m, 20m, 20m, 20m", "4 follow-ups within an hour"),  # the 4th at exactly 60 min
        ("stopped_replying", "5m, 20m, 20m, 21m", None),  # the 4th at 61 min
        ("busy", "3h, 1m, 1m, 1m", "4 follow-ups within an hour"),  # a long first wait does not count
        ("specific_time", "20m, 20m, 20m", "4 follow-ups within an hour"),  # the requested time is one of them
        ("specific_time", "20m, 20m", None),
        # Within a day: offsets up to and including 24 hours (a day delay is 24 h); more than 5 warns.
        ("stopped_replying", "1h, 2h, 2h, 2h, 2h", None),  # 5 within the day
        ("stopped_replying", "1h, 2h, 2h, 2h, 2h, 16h", "6 follow-ups within a day"),  # the 6th at exactly 24 h
        ("stopped_replying", "1h, 2h, 2h, 2h, 2h, 961m", None),  # the 6th at 24 h 1 min
        ("busy", "1h, 1d, 1d, 1d, 1d, 1d, 1d, 1d, 1d, 1d", None),  # ten steps, one a day: gentle
        ("specific_time", "1h, 1h, 1h, 1h, 1h", "6 follow-ups within a day"),
        # Both: the hour is named first.
        ("stopped_replying", "1m, 1m, 1m, 1m, 1m, 1m", "6 follow-ups within an hour"),
    ],
)
def test_spammy_cadences_are_warned_about(kind, cadence, expected):
    warning = spam_warning(kind, parse_cadence(cadence, allow_empty=True))
    if expected is None:
        assert warning is None
    else:
        assert warning is not None and warning.startswith(f"This cadence sends {expected} of the first one.")
        assert "More than 3 within an hour, or more than 5 within a day, reads as spam" in warning


def test_no_steps_no_warning():
    assert spam_warning("specific_time", []) is None
    assert spam_warning("stopped_replying", []) is None
