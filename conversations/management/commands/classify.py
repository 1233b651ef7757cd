"""`manage.py classify`: JSON lines in (one message each), one JSON line out per message.

Input:  {"text": "...", "now": "2026-03-06T10:00:00-05:00", "timezone": "America/New_York",
         "history": [{"direction": "outbound", "text": "..."}], "booking_link": "..."}
        (history and booking_link optional; history oldest first)
Output: {"intent": "specific_time", "follow_up_at": "2026-03-07T15:00:00-05:00"}
        or {"error": "..."} for a malformed line; the exit status is then 1.
An eval row ({"input": {...}, "expect": {...}}) is read as its "input".

Blank lines are skipped. Nothing touches the database.
"""

import json
import sys
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError

from conversations.classifier import classify
from conversations.classifier.types import ClassifyInput, HistoryItem

_DIRECTIONS = ("inbound", "outbound")


class InputError(ValueError):
    """A line the command cannot classify; the message names the field."""


def parse_line(line: str) -> ClassifyInput:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(data, dict):
        raise InputError("a line must be a JSON object")
    if "text" not in data and isinstance(data.get("input"), dict):
        data = data["input"]  # an eval row ({"input": ..., "expect": ...}) works as is

    text = data.get("text")
    if not isinstance(text, str):
        raise InputError('"text" is required and must be a string')

    raw_now = data.get("now")
    if not isinstance(raw_now, str):
        raise InputError('"now" is required: an ISO 8601 date-time with a UTC offset')
    try:
        now = datetime.fromisoformat(raw_now)
    except ValueError:
        raise InputError(f'"now" is not an ISO 8601 date-time: {raw_now!r}') from None
    if now.tzinfo is None or now.utcoffset() is None:
        raise InputError(f'"now" has no UTC offset: {raw_now!r} (write e.g. 2026-03-06T10:00:00-05:00)')

    zone = data.get("timezone")
    if not isinstance(zone, str) or not zone:
        raise InputError('"timezone" is required: an IANA time zone name like "America/New_York"')
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f'"timezone" is not a known IANA time zone: {zone!r}') from None

    history = data.get("history", [])
    if history is None:
        history = []
    if not isinstance(history, list):
        raise InputError('"history" must be a list of {"direction", "text"} objects')
    items = []
    for i, item in enumerate(history):
        if (
            not isinstance(item, dict)
            or item.get("direction") not in _DIRECTIONS
            or not isinstance(item.get("text"), str)
        ):
            raise InputError(f'"history[{i}]" must be {{"direction": "inbound" or "outbound", "text": a string}}')
        items.append(HistoryItem(direction=item["direction"], text=item["text"]))

    booking_link = data.get("booking_link") or ""
    if not isinstance(booking_link, str):
        raise InputError('"booking_link" must be a string')

    return ClassifyInput(text=text, now=now, tz=tz, history=tuple(items), booking_link=booking_link)


def answer(inp: ClassifyInput) -> dict:
    result = classify(inp)
    when = result.follow_up_at
    return {
        "intent": result.intent,
        "follow_up_at": when.astimezone(inp.tz).isoformat(timespec="seconds") if when else None,
    }


class Command(BaseCommand):
    help = "Classify JSON-lines messages from stdin with the configured classifier."
    requires_system_checks = []
    requires_migrations_checks = False
    stealth_options = ("stdin",)

    def handle(self, *args, **options):
        stream = options.get("stdin") or sys.stdin
        errors = 0
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                out = answer(parse_line(line))
            except InputError as exc:
                errors += 1
                out = {"error": f"line {number}: {exc}"}
            self.stdout.write(json.dumps(out))
        if errors:
            raise CommandError(f"{errors} malformed line(s); see the error lines", returncode=1)
