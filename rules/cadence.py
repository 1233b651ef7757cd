"""Cadences: "5m, 15m, 1d" parsed into delays, and a delay added to an instant."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rules.localtime import add_local_days, utc

MAX_STEPS = 10
MAX_DELAY = timedelta(days=365)

_UNITS = {
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "wk": "weeks",
    "wks": "weeks",
    "week": "weeks",
    "weeks": "weeks",
}
_DELAY = re.compile(r"^(\d{1,6})\s*([a-z]+)$")


class CadenceError(ValueError):
    """A cadence a business owner typed that the engine cannot run; the text says why."""


@dataclass(frozen=True)
class Delay:
    amount: int
    unit: str  # "minutes", "hours", "days" or "weeks"

    def __str__(self):
        return f"{self.amount}{self.unit[0]}"

    @property
    def approximate(self) -> timedelta:
        return timedelta(**{self.unit: self.amount})

    def after(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """Minutes and hours are exact durations; days and weeks keep the local time in `tz`."""
        if self.unit in ("minutes", "hours"):
            return utc(moment) + self.approximate
        days = self.amount * (7 if self.unit == "weeks" else 1)
        return add_local_days(moment, days, tz)


def parse_delay(text: str) -> Delay:
    match = _DELAY.match(text.strip().lower())
    if not match or match.group(2) not in _UNITS:
        raise CadenceError(f'"{text.strip()}" is not a delay: write a number and a unit, like 5m, 2h or 1d.')
    delay = Delay(int(match.group(1)), _UNITS[match.group(2)])
    if delay.approximate < timedelta(minutes=1):
        raise CadenceError(f'"{text.strip()}" is too short: every delay must be at least 1 minute.')
    if delay.approximate > MAX_DELAY:
        raise CadenceError(f'"{text.strip()}" is too long: a delay can be at most 365 days.')
    return delay


def parse_cadence(text: str, *, allow_empty: bool = False) -> list[Delay]:
    """Parse "5m, 15m, 1d" (commas or spaces between delays) into delays, or explain why not."""
    if not isinstance(text, str):
        raise CadenceError("The cadence must be text like 5m, 15m, 1d.")
    parts = [p for p in re.split(r"[,;\s]+(?=\d)|[,;]", text.strip()) if p.strip()]
    if not parts:
        if allow_empty:
            return []
        raise CadenceError("This scenario needs at least one follow-up: enter a cadence like 5m, 1h, 1d.")
    if len(parts) > MAX_STEPS:
        raise CadenceError(f"A cadence can have at most {MAX_STEPS} follow-ups; this one has {len(parts)}.")
    return [parse_delay(part) for part in parts]


def format_cadence(delays: list[Delay]) -> str:
    return ", ".join(str(d) for d in delays)


# The contract's thresholds: more than this many follow-ups within the span, counted from
# step 1, reads as spam. The admin warns and the owner may accept; it is never a refusal.
SPAM_LIMITS = ((timedelta(hours=1), 3, "an hour"), (timedelta(hours=24), 5, "a day"))


def step_offsets(kind: str, delays: list[Delay]) -> list[timedelta]:
    """Each step's time after step 1, day delays counted as 24 hours.

    specific_time: step 1 is the requested time and every delay is a follow-up after it.
    The other scenarios: step 1 is delay 1 after the trigger, so delay 1 is no gap.
    """
    if kind != "specific_time" and not delays:
        return []
    gaps = delays if kind == "specific_time" else delays[1:]
    offsets = [timedelta(0)]
    for delay in gaps:
        offsets.append(offsets[-1] + delay.approximate)
    return offsets


def spam_warning(kind: str, delays: list[Delay]) -> str | None:
    """Why this cadence reads as spam, or None."""
    offsets = step_offsets(kind, delays)
    for span, limit, name in SPAM_LIMITS:
        count = sum(1 for offset in offsets if offset <= span)
        if count > limit:
            return (
                f"This cadence sends {count} follow-ups within {name} of the first one. More than "
                f"{SPAM_LIMITS[0][1]} within an hour, or more than {SPAM_LIMITS[1][1]} within a day, "
                "reads as spam: contacts reply STOP and carriers filter the number."
            )
    return None
