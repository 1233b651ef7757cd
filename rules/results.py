"""What became of a sent follow-up: the contract's "Results", as pure functions.

One conversation at a time. Given its sent follow-ups (each with its send time) and what
happened in it (the contact's messages, with their intent, and the bookings), each
follow-up's outcome: when it was first credited with a reply, a booking and an opt-out.

Boundaries (all "after" are strict, all "within" inclusive):

- **replied**: a message from the contact at T credits the conversation's most recent
  follow-up sent strictly before T (the latest send time; the highest id among equal ones)
  when T - sent <= 7 days. A reply after the next follow-up therefore credits only that
  next one; a message at exactly the next follow-up's send time still credits the earlier
  one (the next was not sent before it). Any message counts, an opt-out or a "booked" too.
- **booked**: a booking at T (an appointment marked booked, or a contact's message whose
  intent is `booked`) credits every follow-up of the conversation with sent < T <= sent +
  7 days. A booking on day 8 credits nothing.
- **opted out**: a contact's `opt_out` message at T credits every follow-up with sent < T
  <= sent + 24 hours. One after 25 hours credits nothing.

Each outcome keeps the time of its first credit. The engine writes the same outcomes as
events arrive (scheduling/outcomes.py), under the conversation's row lock; the backfill
migration and the tests use `outcomes` below.

Periods: a period is whole local days, `first` to `last` inclusive, in one zone: the
instants [first 00:00, the day after last 00:00).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from vocabulary import Intent

REPLY_WINDOW = timedelta(days=7)
BOOKING_WINDOW = timedelta(days=7)
OPT_OUT_WINDOW = timedelta(hours=24)
# Periods the pages and the API offer, in days; and the longest period asked by dates.
PERIODS = (7, 30, 90)
MAX_PERIOD_DAYS = 366


@dataclass(frozen=True)
class Sent:
    """A sent follow-up: its id (the tie-break among equal send times) and send time."""

    id: int
    at: datetime


@dataclass(frozen=True)
class Inbound:
    """A message from the contact."""

    at: datetime
    intent: str = ""


@dataclass(frozen=True)
class Outcome:
    replied_at: datetime | None = None
    booked_at: datetime | None = None
    opted_out_at: datetime | None = None


def replied_follow_up(sent: Iterable[Sent], at: datetime) -> Sent | None:
    """The follow-up a contact's message at `at` counts as a reply to, if any."""
    before = [s for s in sent if s.at < at]
    if not before:
        return None
    latest = max(before, key=lambda s: (s.at, s.id))
    return latest if at - latest.at <= REPLY_WINDOW else None


def booked_follow_ups(sent: Iterable[Sent], at: datetime) -> list[Sent]:
    """The follow-ups a booking at `at` counts for."""
    return [s for s in sent if s.at < at <= s.at + BOOKING_WINDOW]


def opted_out_follow_ups(sent: Iterable[Sent], at: datetime) -> list[Sent]:
    """The follow-ups an opt-out at `at` counts for."""
    return [s for s in sent if s.at < at <= s.at + OPT_OUT_WINDOW]


def outcomes(sent: Sequence[Sent], inbound: Iterable[Inbound], bookings: Iterable[datetime]) -> dict[int, Outcome]:
    """Each sent follow-up's outcome (by id), from one conversation's whole history."""
    replied: dict[int, datetime] = {}
    booked: dict[int, datetime] = {}
    opted_out: dict[int, datetime] = {}

    def credit(into: dict[int, datetime], follow_ups: Iterable[Sent], at: datetime) -> None:
        for s in follow_ups:
            if s.id not in into or at < into[s.id]:
                into[s.id] = at

    booking_times = list(bookings)
    for message in inbound:
        if (target := replied_follow_up(sent, message.at)) is not None:
            credit(replied, [target], message.at)
        if message.intent == Intent.BOOKED:
            booking_times.append(message.at)
        elif message.intent == Intent.OPT_OUT:
            credit(opted_out, opted_out_follow_ups(sent, message.at), message.at)
    for at in booking_times:
        credit(booked, booked_follow_ups(sent, at), at)
    return {s.id: Outcome(replied.get(s.id), booked.get(s.id), opted_out.get(s.id)) for s in sent}


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


def day_bounds(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The instants of whole local days `first`..`last` (inclusive): [start, end)."""
    start = datetime.combine(first, time(), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz)
    return start, end


def last_days(days: int, now: datetime, tz: tzinfo) -> tuple[date, date]:
    """The last `days` local days, today included."""
    today = now.astimezone(tz).date()
    return today - timedelta(days=days - 1), today
