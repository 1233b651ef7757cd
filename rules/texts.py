"""Follow-up text that needs no model: custom messages with placeholders, built-in templates,
and the rule that keeps two follow-ups in a row from saying the same thing."""

import string
from collections.abc import Iterator

PLACEHOLDERS = ("first_name", "business_name", "booking_link")

# One text per step; steps beyond the list start it again. Each is (with a booking link,
# without one). Every one starts with a greeting so "there" reads well when the name is
# unknown, stays within one SMS segment with a usual link, and uses no character outside
# the GSM alphabet (a curly quote would make it a 70-character UCS-2 segment).
TEMPLATES = {
    "stopped_replying": (
        (
            "Hi {first_name}, it's {business_name}. Just checking in: are you still interested? "
            "You can book here: {booking_link}",
            "Hi {first_name}, it's {business_name}. Just checking in: are you still interested? Just reply here.",
        ),
        (
            "Hi {first_name}, any questions we can answer for you? When you're ready, booking takes "
            "a minute: {booking_link}",
            "Hi {first_name}, any questions we can answer for you? Just reply and we'll help.",
        ),
        (
            "Hello {first_name}, we'd love to help you get this sorted. Pick a time that suits you: {booking_link}",
            "Hello {first_name}, we'd love to help you get this sorted. What time would suit you?",
        ),
        (
            "Hey {first_name}, still thinking it over? Happy to help, or book straight away: {booking_link}",
            "Hey {first_name}, still thinking it over? Happy to help with anything you need.",
        ),
        (
            "Hi {first_name}, no pressure at all. Whenever you're ready, you can book here: {booking_link}",
            "Hi {first_name}, no pressure at all. Whenever you're ready, just reply here.",
        ),
    ),
    "busy": (
        (
            "Hi {first_name}, is now a better time? You can book here: {booking_link}",
            "Hi {first_name}, is now a better time? Just reply here.",
        ),
        (
            "Hey {first_name}, hope your day has calmed down. Want to pick this up? Book here: {booking_link}",
            "Hey {first_name}, hope your day has calmed down. Want to pick this up? Reply whenever you're free.",
        ),
        (
            "Hi {first_name}, no rush. When you have a moment, you can book here: {booking_link}",
            "Hi {first_name}, no rush. When you have a moment, reply and we'll take it from there.",
        ),
        (
            "Hello {first_name}, would another day suit you better? Choose one here: {booking_link}",
            "Hello {first_name}, would another day suit you better? Just let us know.",
        ),
        (
            "Hi {first_name}, we're here whenever you're free. Book a time that fits your schedule: {booking_link}",
            "Hi {first_name}, we're here whenever you're free. Reply with a time that fits your schedule.",
        ),
    ),
    "specific_time": (
        (
            "Hi {first_name}, following up as you asked. You can book here: {booking_link}",
            "Hi {first_name}, following up as you asked. Is now a good time?",
        ),
        (
            "Hi {first_name}, checking in again. Still keen to go ahead? Book here: {booking_link}",
            "Hi {first_name}, checking in again. Still keen to go ahead? Just reply here.",
        ),
        (
            "Hey {first_name}, we didn't want this to slip through the cracks. Book a time that suits you: "
            "{booking_link}",
            "Hey {first_name}, we didn't want this to slip through the cracks. Reply when it suits you.",
        ),
        (
            "Hello {first_name}, is this still a good time for you? If not, pick another: {booking_link}",
            "Hello {first_name}, is this still a good time for you? If not, tell us what suits you better.",
        ),
        (
            "Hi {first_name}, happy to help whenever you're ready. Book here anytime: {booking_link}",
            "Hi {first_name}, happy to help whenever you're ready. Just reply here anytime.",
        ),
    ),
}


class PlaceholderError(ValueError):
    pass


def check_placeholders(text: str) -> None:
    """Refuse placeholders we can't fill, so a typo never reaches a contact as "{frist_name}"."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        raise PlaceholderError(
            "Unbalanced braces: write placeholders as {first_name}; a literal brace is {{ or }}."
        ) from None
    unknown = sorted({f for f in fields if f not in PLACEHOLDERS})
    if unknown:
        allowed = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
        raise PlaceholderError(f"Unknown placeholder {{{unknown[0]}}}. You can use {allowed}.")


def fill(text: str, *, first_name: str, business_name: str, booking_link: str) -> str:
    values = {
        "first_name": (first_name or "").strip() or "there",
        "business_name": business_name,
        "booking_link": booking_link,
    }
    return text.format(**values).strip()


def templates_in_line(kind: str, step: int, **values) -> Iterator[str]:
    """The step's template, then the next ones in line (once round the list), filled in."""
    texts = TEMPLATES[kind]
    link = 0 if values.get("booking_link") else 1
    start = (max(step, 1) - 1) % len(texts)
    for i in range(len(texts)):
        yield fill(texts[(start + i) % len(texts)][link], **values)


def template_text(kind: str, step: int = 1, **values) -> str:
    return next(templates_in_line(kind, step, **values))


def same_text(a: str | None, b: str | None) -> bool:
    """Reads the same to the contact: case and spacing don't make a text new."""
    if a is None or b is None:
        return False
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def not_repeating(candidates, previous: str | None) -> tuple[str, bool]:
    """The first candidate that differs from `previous`; (text, whether one was passed over)."""
    candidates = list(candidates)
    for i, text in enumerate(candidates):
        if not same_text(text, previous):
            return text, i > 0
    return candidates[0], False  # only reachable with one template; a repeat beats no follow-up
