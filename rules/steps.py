"""When each step of a scenario's cadence is due.

| scenario         | step 1                      | step n+1                          |
| stopped_replying | last outbound + delay 1     | step n's outcome time + delay n+1 |
| busy             | busy message + delay 1      | step n's outcome time + delay n+1 |
| specific_time    | the requested time          | step n's outcome time + delay n   |
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from rules.cadence import Delay

SPECIFIC_TIME = "specific_time"


def steps_total(kind: str, delays: list[Delay]) -> int:
    return len(delays) + (1 if kind == SPECIFIC_TIME else 0)


def first_due(kind: str, delays: list[Delay], anchor: datetime, tz: ZoneInfo) -> datetime | None:
    """Step 1: `anchor` is the requested time for specific_time, else the triggering message's."""
    if kind == SPECIFIC_TIME:
        return anchor
    return delays[0].after(anchor, tz) if delays else None


def next_due(kind: str, delays: list[Delay], done_step: int, done_at: datetime, tz: ZoneInfo) -> datetime | None:
    """Step done_step + 1, counted from when step done_step went out; None after the last."""
    index = done_step - 1 if kind == SPECIFIC_TIME else done_step
    if index >= len(delays):
        return None
    return delays[index].after(done_at, tz)
