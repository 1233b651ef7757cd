"""Follow-up text that needs no model: custom messages with placeholders, built-in templates."""

import string

PLACEHOLDERS = ("first_name", "business_name", "booking_link")

TEMPLATES = {
    "stopped_replying": "Hi {first_name}, just checking in: are you still interested? {booking_sentence}",
    "busy": "Hi {first_name}, is now a better time? {booking_sentence}",
    "specific_time": "Hi {first_name}, following up as you asked. {booking_sentence}",
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
        allowed = ", ".join("{%s}" % p for p in PLACEHOLDERS)
        raise PlaceholderError(f"Unknown placeholder {{{unknown[0]}}}. You can use {allowed}.")


def fill(text: str, *, first_name: str, business_name: str, booking_link: str) -> str:
    values = {
        "first_name": first_name or "there",
        "business_name": business_name,
        "booking_link": booking_link,
    }
    return text.format(**values).strip()


def template_text(kind: str, *, first_name: str, business_name: str, booking_link: str) -> str:
    booking_sentence = f"You can book here: {booking_link}" if booking_link else "Just reply here."
    return " ".join(
        TEMPLATES[kind]
        .format(first_name=first_name or "there", booking_sentence=booking_sentence)
        .split()
    )
