"""Working hours filled in one step: the usual weeks as presets, and Monday's windows copied
to the other weekdays, so "Mon-Fri 08:00-12:00 and 13:00-17:00" is one choice instead of
ten rows. Used by the bot's page in the console (its "Fill working hours from" field)."""

from datetime import time

from django.db import transaction

from bots.models import Bot, WorkingWindow

Windows = dict[int, list[tuple[time, time | None]]]  # weekday (0 = Monday) -> windows; None: midnight

MONDAY, WEEKDAYS, ALL_WEEK = 0, range(5), range(7)
COPY_MONDAY = "copy_monday"

PRESETS: dict[str, tuple[str, Windows]] = {
    "weekdays_9_17": ("Mon-Fri 09:00-17:00", {day: [(time(9), time(17))] for day in WEEKDAYS}),
    "weekdays_8_12_13_17": (
        "Mon-Fri 08:00-12:00 and 13:00-17:00",
        {day: [(time(8), time(12)), (time(13), time(17))] for day in WEEKDAYS},
    ),
    "mon_sat_9_18": ("Mon-Sat 09:00-18:00", {day: [(time(9), time(18))] for day in range(6)}),
    "every_day_all_day": ("Every day, all day", {day: [(time(0), None)] for day in ALL_WEEK}),
}

HOURS_CHOICES: list[tuple[str, str]] = [
    *((key, label) for key, (label, _) in PRESETS.items()),
    (COPY_MONDAY, "Copy Monday's hours to Tuesday-Friday"),
]


class NothingToCopy(Exception):
    """Monday has no window to copy."""


@transaction.atomic
def fill_working_hours(bot: Bot, choice: str) -> Windows:
    """Replaces `bot`'s working windows by the preset `choice`, or (COPY_MONDAY) replaces
    Tuesday to Friday by Monday's windows. Returns the days written. Raises KeyError for an
    unknown choice, NothingToCopy when Monday has no window."""
    if choice == COPY_MONDAY:
        monday = [(w.start, w.end) for w in bot.working_windows.filter(weekday=MONDAY).order_by("start")]
        if not monday:
            raise NothingToCopy
        windows: Windows = {day: list(monday) for day in WEEKDAYS if day != MONDAY}
        bot.working_windows.filter(weekday__in=list(windows)).delete()
    else:
        windows = PRESETS[choice][1]
        bot.working_windows.all().delete()
    WorkingWindow.objects.bulk_create(
        WorkingWindow(bot=bot, weekday=day, start=start, end=end)
        for day, day_windows in windows.items()
        for start, end in day_windows
    )
    return windows
