"""When a follow-up may go out: inside the bot's working hours (bot's zone) and inside the
contact hours (contact's zone), both at once.

The contact hours are one daily window; an end before the start runs past midnight
(22:00-06:00). Like working windows, it includes its start and excludes its end.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from rules.localtime import utc
from rules.working_hours import Windows, next_open

HORIZON = timedelta(days=7)
# Each round lands on the opening of a working window or of the contact hours; 7 days of
# even many windows a day take far fewer rounds than this.
MAX_ROUNDS = 500

ContactWindow = tuple[time, time] | None


def daily_windows(window: ContactWindow) -> Windows:
    """The contact hours as weekly windows (the same every day); {} (always open) when off."""
    if window is None or window[0] == window[1]:
        return {}
    start, end = window
    spans: list[tuple[time, time | None]] = [(start, end)] if start < end else [(time(0), end), (start, None)]
    return dict.fromkeys(range(7), spans)


def next_sending_time(
    due: datetime,
    *,
    working: Windows,
    bot_tz: ZoneInfo,
    contact_window: ContactWindow,
    contact_tz: ZoneInfo,
    not_before: datetime | None = None,
) -> datetime | None:
    """The first instant from `not_before` (default `due`) inside both working hours and
    contact hours, or None when there is none within 7 days of `due`."""
    contact = daily_windows(contact_window)
    limit = utc(due) + HORIZON
    moment = utc(not_before or due)
    for _ in range(MAX_ROUNDS):
        if moment > limit:
            return None
        opens = utc(next_open(moment, working, bot_tz))
        fits = utc(next_open(opens, contact, contact_tz))
        if fits == opens:
            return opens if opens <= limit else None
        moment = fits
    return None
