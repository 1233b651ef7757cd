from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from rules.working_hours import is_open, next_open, parse_windows

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
WEEKDAYS_8_TO_5 = parse_windows({d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
WITH_LUNCH = parse_windows({"mon": [["08:00", "12:00"], ["13:00", "18:00"]], "sat": [["09:00", "13:00"]]})


def ny(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


def test_no_windows_means_always_open():
    assert next_open(ny(2026, 3, 8, 3, 0), {}, NY) == ny(2026, 3, 8, 3, 0)


def test_inside_a_window_nothing_moves():
    assert next_open(ny(2026, 3, 6, 9, 30), WEEKDAYS_8_TO_5, NY) == ny(2026, 3, 6, 9, 30)
    assert is_open(ny(2026, 3, 6, 8, 0), WEEKDAYS_8_TO_5, NY)  # a window includes its start


def test_the_contract_example_21h_goes_to_the_next_morning():
    assert next_open(ny(2026, 3, 4, 21, 0), WEEKDAYS_8_TO_5, NY) == ny(2026, 3, 5, 8, 0)


def test_the_end_of_a_window_is_closed():
    assert next_open(ny(2026, 3, 4, 17, 0), WEEKDAYS_8_TO_5, NY) == ny(2026, 3, 5, 8, 0)


def test_before_opening_waits_for_the_same_day():
    assert next_open(ny(2026, 3, 4, 6, 15), WEEKDAYS_8_TO_5, NY) == ny(2026, 3, 4, 8, 0)


def test_a_lunch_break_defers_to_the_afternoon_window():
    assert next_open(ny(2026, 3, 9, 12, 30), WITH_LUNCH, NY) == ny(2026, 3, 9, 13, 0)


def test_closed_days_are_skipped():
    monday_evening = ny(2026, 3, 9, 19, 0)
    assert next_open(monday_evening, WITH_LUNCH, NY) == ny(2026, 3, 14, 9, 0)  # Saturday


def test_friday_evening_defers_over_the_weekend_into_daylight_time():
    deferred = next_open(ny(2026, 3, 6, 17, 10), WEEKDAYS_8_TO_5, NY)
    assert deferred.astimezone(NY).isoformat() == "2026-03-09T08:00:00-04:00"


def test_a_window_opening_in_the_dst_gap_opens_after_the_gap():
    sunday_early = parse_windows({"sun": [["02:30", "05:00"]]})
    opens = next_open(ny(2026, 3, 8, 0, 0), sunday_early, NY)
    assert opens.astimezone(NY).isoformat() == "2026-03-08T03:30:00-04:00"


def test_windows_are_read_in_the_bot_time_zone():
    # 13:30 in New York is 18:30 in London: closed for a London bot with 08-17.
    london_hours = parse_windows({"wed": [["08:00", "17:00"]], "thu": [["08:00", "17:00"]]})
    assert next_open(ny(2026, 3, 4, 13, 30), london_hours, LONDON).astimezone(LONDON).isoformat() == (
        "2026-03-05T08:00:00+00:00"
    )


def test_24_00_means_the_end_of_the_day():
    late = parse_windows({"fri": [["20:00", "24:00"]]})
    assert late[4] == [(time(20), None)]
    assert is_open(ny(2026, 3, 6, 23, 59), late, NY)
    assert next_open(ny(2026, 3, 7, 0, 0), late, NY) == ny(2026, 3, 13, 20, 0)


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"funday": [["08:00", "17:00"]]}, "not a weekday"),
        ({"mon": [["17:00", "08:00"]]}, "ends before it starts"),
        ({"mon": [["8am", "17:00"]]}, "not a time of day"),
        ({"mon": [["08:00"]]}, "needs a start and an end"),
    ],
)
def test_bad_windows_are_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_windows(spec)
