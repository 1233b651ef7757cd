"""Reading a scenario file for `simulate`, refusing anything malformed or inconsistent
with a message that names the field."""

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time

from rules.cadence import CadenceError, parse_cadence
from rules.working_hours import parse_windows
from vocabulary import Channel, ScenarioKind

EVENT_TYPES = ("inbound", "outbound", "appointment_booked", "bot_active")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class ScenarioError(ValueError):
    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")


@dataclass
class Event:
    at: datetime
    type: str
    text: str = ""
    channel: str = ""
    active: bool = True


@dataclass
class ScenarioSpec:
    name: str
    bot: dict
    windows: dict
    scenarios: dict  # kind -> {"enabled", "cadence" (text), "custom_messages" (list)}
    contact: dict
    contact_hours: tuple[time, time] | None
    max_follow_ups_per_day: int | None
    channel: str
    start: datetime
    until: datetime
    events: list[Event]


def _get(obj, key, field, kind, *, required=True, default=None):
    if not isinstance(obj, dict):
        raise ScenarioError(field.rsplit(".", 1)[0] or field, "must be an object")
    if key not in obj or obj[key] is None:
        if required:
            raise ScenarioError(field, "is missing")
        return default
    value = obj[key]
    if kind is bool and not isinstance(value, bool):
        raise ScenarioError(field, "must be true or false")
    if kind is str and not isinstance(value, str):
        raise ScenarioError(field, "must be a string")
    if kind is list and not isinstance(value, list):
        raise ScenarioError(field, "must be a list")
    if kind is dict and not isinstance(value, dict):
        raise ScenarioError(field, "must be an object")
    return value


def _time(obj, key, field) -> datetime:
    text = _get(obj, key, field, str)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ScenarioError(field, f'"{text}" is not an ISO 8601 time') from None
    if moment.tzinfo is None:
        raise ScenarioError(field, f'"{text}" needs a UTC offset, like 2026-03-06T10:00:00-05:00')
    return moment


def _zone(value, field):
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ScenarioError(field, f'"{value}" is not an IANA time zone') from None
    return value


def parse_scenario(data) -> ScenarioSpec:
    if not isinstance(data, dict):
        raise ScenarioError("(file)", "must be a JSON object")
    bot = _get(data, "bot", "bot", dict)
    _zone(_get(bot, "timezone", "bot.timezone", str), "bot.timezone")
    _get(bot, "active", "bot.active", bool, required=False)
    _get(bot, "channel_switching", "bot.channel_switching", bool, required=False)
    _get(bot, "booking_link", "bot.booking_link", str, required=False)
    try:
        windows = parse_windows(_get(bot, "working_hours", "bot.working_hours", dict, required=False))
    except ValueError as exc:
        raise ScenarioError("bot.working_hours", str(exc)) from None

    contact_hours = _contact_hours(bot)
    limit = bot.get("max_follow_ups_per_day")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ScenarioError("bot.max_follow_ups_per_day", "must be a whole number of at least 1, or null")

    scenarios = {}
    raw_scenarios = _get(bot, "scenarios", "bot.scenarios", dict, required=False, default={})
    for name in raw_scenarios:
        if name not in ScenarioKind.values:
            raise ScenarioError(f"bot.scenarios.{name}", "is not a scenario (stopped_replying, busy, specific_time)")
    for kind in ScenarioKind.values:
        field = f"bot.scenarios.{kind}"
        raw = _get(raw_scenarios, kind, field, dict, required=False)
        if raw is None:
            scenarios[kind] = {"enabled": False, "cadence": "", "custom_messages": []}
            continue
        enabled = _get(raw, "enabled", f"{field}.enabled", bool, required=False, default=True)
        cadence = _get(raw, "cadence", f"{field}.cadence", list, required=False, default=[])
        if not all(isinstance(d, str) for d in cadence):
            raise ScenarioError(f"{field}.cadence", 'must be a list of delays like ["5m", "1d"]')
        text = ", ".join(cadence)
        try:
            parse_cadence(text, allow_empty=kind == ScenarioKind.SPECIFIC_TIME or not enabled)
        except CadenceError as exc:
            raise ScenarioError(f"{field}.cadence", str(exc)) from None
        scenarios[kind] = {
            "enabled": enabled,
            "cadence": text,
            "custom_messages": _custom_messages(raw, f"{field}.custom_message"),
        }

    contact = _get(data, "contact", "contact", dict)
    _get(contact, "first_name", "contact.first_name", str, required=False)
    phone = _get(contact, "phone", "contact.phone", str, required=False)
    if phone and not E164.match(phone):
        raise ScenarioError("contact.phone", f'"{phone}" is not an E.164 number like +15555550100')
    if contact.get("timezone") is not None:
        _zone(contact["timezone"], "contact.timezone")

    channel = _get(data, "channel", "channel", str)
    if channel not in Channel.values:
        raise ScenarioError("channel", f'"{channel}" is not one of {", ".join(Channel.values)}')
    start, until = _time(data, "start", "start"), _time(data, "until", "until")
    if until < start:
        raise ScenarioError("until", "is before start")

    events: list[Event] = []
    for i, raw in enumerate(_get(data, "events", "events", list)):
        field = f"events[{i}]"
        event = Event(at=_time(raw, "at", f"{field}.at"), type=_get(raw, "type", f"{field}.type", str))
        if event.type not in EVENT_TYPES:
            raise ScenarioError(f"{field}.type", f'"{event.type}" is not one of {", ".join(EVENT_TYPES)}')
        if not start <= event.at <= until:
            raise ScenarioError(f"{field}.at", "is outside start..until")
        if events and event.at < events[-1].at:
            raise ScenarioError(f"{field}.at", f"is before events[{i - 1}].at: events must be in time order")
        if event.type in ("inbound", "outbound"):
            event.text = _get(raw, "text", f"{field}.text", str)
        if event.type == "inbound":
            event.channel = _get(raw, "channel", f"{field}.channel", str, required=False, default="")
            if event.channel and event.channel not in Channel.values:
                raise ScenarioError(f"{field}.channel", f'"{event.channel}" is not a channel')
        if event.type == "bot_active":
            event.active = _get(raw, "active", f"{field}.active", bool)
        events.append(event)

    return ScenarioSpec(
        name=str(data.get("name", "")),
        bot=bot,
        windows=windows,
        scenarios=scenarios,
        contact=contact,
        contact_hours=contact_hours,
        max_follow_ups_per_day=limit,
        channel=channel,
        start=start,
        until=until,
        events=events,
    )


def _contact_hours(bot: dict) -> tuple[time, time] | None:
    raw = bot.get("contact_hours")
    if raw is None:
        return None
    field = "bot.contact_hours"
    if not isinstance(raw, list) or len(raw) != 2 or not all(isinstance(t, str) for t in raw):
        raise ScenarioError(field, 'must be ["08:00", "21:00"] or null')
    try:
        start, end = (time.fromisoformat(t) for t in raw)
    except ValueError:
        raise ScenarioError(field, f"{raw} are not times of day like 08:00") from None
    if start == end:
        raise ScenarioError(field, "must end at another time than it starts (null switches it off)")
    return start, end


def _custom_messages(raw: dict, field: str) -> list[str]:
    """One text for every step, or a list with one per step; placeholders checked."""
    from rules.texts import PlaceholderError, check_placeholders

    value = raw.get("custom_message")
    if value is None or value == "":
        return []
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t.strip() for t in texts):
        raise ScenarioError(field, "must be a text or a non-empty list of texts")
    for i, text in enumerate(texts):
        try:
            check_placeholders(text)
        except PlaceholderError as exc:
            raise ScenarioError(field if isinstance(value, str) else f"{field}[{i}]", str(exc)) from None
    return texts
