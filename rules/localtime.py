"""Turning a local wall-clock time into an instant, with the contract's DST rules.

Instants leave these functions in UTC: Python compares and subtracts two datetimes that
share a tzinfo by their wall clocks, which is wrong across a DST change.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")


def at_local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The instant at which `tz` shows `clock` on `day`.

    A time inside a DST gap moves forward by the gap (02:30 -> 03:30); a time shown twice
    (DST overlap) means its first occurrence. zoneinfo's fold=0 gives exactly that: in a
    gap it applies the offset from before the transition, which lands after the gap.
    """
    naive = datetime.combine(day, clock.replace(tzinfo=None, fold=0))
    return naive.replace(tzinfo=tz).astimezone(UTC)


def add_local_days(moment: datetime, days: int, tz: ZoneInfo) -> datetime:
    """`moment` plus `days` calendar days, keeping its local time of day in `tz`."""
    local = moment.astimezone(tz)
    return at_local(local.date() + timedelta(days=days), local.time(), tz)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
