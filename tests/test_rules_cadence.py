from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scheduling.rules.cadence import CadenceError, Delay, format_cadence, parse_cadence

NY = ZoneInfo("America/New_York")


def test_a_cadence_reads_as_typed():
    assert parse_cadence("5m, 15m, 2h, 1d") == [
        Delay(5, "minutes"), Delay(15, "minutes"), Delay(2, "hours"), Delay(1, "days")
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
