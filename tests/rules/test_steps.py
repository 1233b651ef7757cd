from datetime import datetime
from zoneinfo import ZoneInfo

from rules.cadence import parse_cadence
from rules.steps import first_due, next_due, steps_total
from tests.support.checks import present

NY = ZoneInfo("America/New_York")
T = datetime(2026, 3, 6, 10, 0, tzinfo=NY)


def test_stopped_replying_and_busy_count_every_step_from_the_previous_one():
    delays = parse_cadence("5m, 15m")
    for kind in ("stopped_replying", "busy"):
        assert steps_total(kind, delays) == 2
        assert first_due(kind, delays, T, NY) == datetime(2026, 3, 6, 10, 5, tzinfo=NY)
        sent = datetime(2026, 3, 6, 10, 7, tzinfo=NY)
        assert next_due(kind, delays, 1, sent, NY) == datetime(2026, 3, 6, 10, 22, tzinfo=NY)
        assert next_due(kind, delays, 2, sent, NY) is None


def test_specific_time_starts_at_the_requested_time_and_the_cadence_follows():
    delays = parse_cadence("1d")
    requested = datetime(2026, 3, 7, 15, 0, tzinfo=NY)
    assert steps_total("specific_time", delays) == 2
    assert first_due("specific_time", delays, requested, NY) == requested
    second = present(next_due("specific_time", delays, 1, requested, NY))
    assert second.astimezone(NY).isoformat() == "2026-03-08T15:00:00-04:00"
    assert next_due("specific_time", delays, 2, requested, NY) is None
    assert steps_total("specific_time", []) == 1
