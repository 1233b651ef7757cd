"""Working hours: weekly windows read in the bot's time zone, and deferral into them."""

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from rules.localtime import at_local, utc

# weekday (0 = Monday) -> windows [(start, end)], end None meaning midnight at the day's end.
Windows = Mapping[int, Sequence[tuple[time, time | None]]]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _spans(windows: Windows, day, tz: ZoneInfo):
    for start, end in sorted(windows.get(day.weekday(), ()), key=lambda w: w[0]):
        opens = at_local(day, start, tz)
        closes = at_local(day + timedelta(days=1), time(0), tz) if end is None else at_local(day, end, tz)
        if closes > opens:
            yield opens, closes


def is_open(moment: datetime, windows: Windows, tz: ZoneInfo) -> bool:
    return next_open(moment, windows, tz) == utc(moment)


def next_open(moment: datetime, windows: Windows, tz: ZoneInfo) -> datetime:
    """`moment` itself when the bot is working then, else the start of its next window.

    No windows at all means always open. A window includes its start and excludes its end
    (hours 08:00-17:00: 17:00 is closed). Windows are local times, so after a DST change
    08:00 is still 08:00 on the wall clock.
    """
    if not any(windows.values()):
        return moment
    moment = utc(moment)
    local = moment.astimezone(tz)
    # Start a day early: a window of yesterday can't reach into today (windows end by
    # midnight), but the local date of `moment` may differ from the window's date near DST.
    for offset in range(-1, 9):
        day = local.date() + timedelta(days=offset)
        for opens, closes in _spans(windows, day, tz):
            if moment < opens:
                return opens
            if moment < closes:
                return moment
    return moment  # unreachable with at least one non-empty window


def parse_windows(spec: Mapping[str, Sequence[Sequence[str]]] | None) -> dict[int, list]:
    """{"mon": [["08:00", "17:00"]], ...} -> {0: [(time(8), time(17))]}; "24:00" ends a day."""
    if not spec:
        return {}
    windows: dict[int, list] = {}
    for name, spans in spec.items():
        key = name.strip().lower()[:3]
        if key not in WEEKDAYS:
            raise ValueError(f'"{name}" is not a weekday (use mon, tue, wed, thu, fri, sat, sun)')
        for span in spans:
            if len(span) != 2:
                raise ValueError(f'a window on {name} needs a start and an end, like ["08:00", "17:00"]')
            start, end = (_parse_clock(s, name) for s in span)
            if start is None:
                raise ValueError(f"the window {span[0]}-{span[1]} on {name} cannot start at 24:00")
            if end is not None and start >= end:
                raise ValueError(f"the window {span[0]}-{span[1]} on {name} ends before it starts")
            windows.setdefault(WEEKDAYS.index(key), []).append((start, end))
    return windows


def _parse_clock(text: str, day: str) -> time | None:
    if text in ("24:00", "24:00:00"):
        return None
    try:
        return time.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f'"{text}" on {day} is not a time of day like 08:00') from None
