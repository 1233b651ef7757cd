"""How the console shows codes and times, in one place for every page (the admin's lists and
forms, Response Info, the conversation page).

Codes: the owner reads the label (vocabulary's enums, whose Reason labels are the owner's
sentences); the code stays in a tooltip (`title`), for searching and for support.

Times: one rule everywhere (docs/decisions.md, "Time"): a time is shown in the bot's time
zone, with the zone's abbreviation ("Sat 7 Mar 2026, 09:00 EST"); a time that belongs to no
bot (an API key's last use) in UTC, labelled UTC. Columns say "(bot's time)".
"""

from datetime import UTC, datetime, tzinfo

from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from vocabulary import Intent, Reason

EMPTY = "—"
BOTS_TIME = "bot's time"

# Why a conversation stopped: the intent of the message that stopped it, or an event.
STOP_REASONS: dict[str, str] = {
    Intent.OPT_OUT: "the contact opted out",
    Intent.NOT_INTERESTED: "the contact is not interested",
    Intent.BOOKED: "the contact said they booked",
    Reason.APPOINTMENT_BOOKED: "an appointment was booked",
}


def label(choices: type[models.Choices], code: str) -> str:
    """What a code means to a business owner. A provider's failure is stored as a code and
    the provider's own words ("provider_busy: 429 Too Many Requests"): the label, then
    those words. An unknown code (a provider's error text) is shown as it is."""
    code = str(code or "")
    if code in choices.values:
        return str(choices(code).label)
    prefix, sep, rest = code.partition(": ")
    if sep and prefix in choices.values:
        return f"{choices(prefix).label} ({rest})"
    return code


def code_of(choices: type[models.Choices], code: str) -> str:
    """The code a label stands for ("" when the value is no code of `choices`)."""
    code = str(code or "")
    prefix = code.partition(": ")[0]
    return prefix if prefix in choices.values else ""


def stop_reason(code: str) -> str:
    """Why a conversation was stopped, in words."""
    return STOP_REASONS.get(code, label(Reason, code))


def coded(text: str, code: str, *, empty: str = EMPTY) -> SafeString:
    """`text` for the owner, `code` in its tooltip (and as the element's data-code)."""
    if not text:
        return format_html("{}", empty)
    if not code or code == text:
        return format_html('<span class="code-label">{}</span>', text)
    return format_html('<span class="code-label" title="{}" data-code="{}">{}</span>', code, code, text)


def choice(choices: type[models.Choices], code: str, *, empty: str = EMPTY) -> SafeString:
    """A stored code of `choices` as its label, the code in the tooltip."""
    return coded(capfirst(label(choices, code)), code_of(choices, code) or code, empty=empty)


def local(value: datetime, tz: tzinfo) -> str:
    """ "Sat 7 Mar 2026, 09:00 EST": the zone's abbreviation labels every time. A time the
    zone's offset would carry past the calendar (within hours of year 1 or 9999) is shown
    in UTC, labelled so."""
    try:
        value = value.astimezone(tz)
    except OverflowError:
        value = value.astimezone(UTC)
    return f"{value:%a} {value.day} {value:%b %Y, %H:%M %Z}"


def when(value: datetime | None, tz: tzinfo = UTC, *, empty: str = EMPTY) -> SafeString:
    """A time for a page: `local()` in `tz` (a bot's zone; UTC for what belongs to no bot),
    inside a <time> element carrying the instant."""
    if value is None:
        return format_html("{}", empty)
    return format_html('<time datetime="{}">{}</time>', value.astimezone(UTC).isoformat(), local(value, tz))


def bots_time(header: str) -> str:
    """A time column's header: "Planned (bot's time)"."""
    return f"{header} ({BOTS_TIME})"
