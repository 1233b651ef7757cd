"""Phone numbers, in one place: a number typed by a person or sent by a client, in any usual
spelling, becomes E.164 here ("(312) 555-0199" -> "+13125550199"); and which sender
numbers a bot may have: an E.164 number ("+15551234567") or, for SMS, a US short code (5
or 6 digits, no "+").

Stored exactly in E.164, never as typed: pacing counts per number as written, and a
contact is found by their number, so "+1 555 123 4567" and "+15551234567" would be two
numbers. A number without its country code is read in the DEFAULT_PHONE_REGION setting's
country ("US" unless set). A number is accepted when it has the right length for its
country (phonenumbers' "possible"), not only when its range is known to be assigned
("valid"): the 555 numbers of tests and demos are possible, and a carrier's new range
must not be refused by an old copy of the metadata.
"""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError

SHORT_CODE = re.compile(r"[1-9]\d{4,5}")
WHATSAPP = "whatsapp:"
EXAMPLE = "+1 312 555 0199"


class PhoneNumberError(ValueError):
    """Not a phone number we can store; the message says why, for the person who typed it."""


def default_region() -> str:
    return (getattr(settings, "DEFAULT_PHONE_REGION", "") or "US").upper()


def parse_phone(value: str, region: str | None = None) -> str:
    """`value` in E.164. Spaces, dots, dashes, brackets and a leading 00 or + are fine; a
    number without its country code is read in `region` (default: DEFAULT_PHONE_REGION).
    Raises PhoneNumberError for anything else (letters, too short or long, an extension)."""
    text = (value or "").strip()
    region = (region or default_region()).upper()
    shown = f'"{text}"' if len(text) <= 40 else "This"
    refused = PhoneNumberError(
        f"{shown} is not a phone number. Type it with its country code, like {EXAMPLE}, or as a "
        f"number of {region_name(region)} without it; it is stored in E.164, like +13125550199."
    )
    if not text or len(text) > 40:
        raise refused
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise refused from None
    if parsed.extension:
        raise PhoneNumberError(f"{shown} has an extension: texts can't reach one. Leave it out.")
    if phonenumbers.is_possible_number_with_reason(parsed) != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise refused
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def to_e164(value: str, region: str | None = None) -> str | None:
    """`value` in E.164, or None when it is no phone number."""
    try:
        return parse_phone(value, region)
    except PhoneNumberError:
        return None


def region_name(region: str) -> str:
    """ "the US (+1)", "GB (+44)": the region as the error message names it."""
    code = phonenumbers.country_code_for_region(region)
    name = "the US" if region == "US" else region
    return f"{name} (+{code})" if code else name


def is_e164(value: str) -> bool:
    """Exactly E.164: what parse_phone makes of a number."""
    return bool(value) and value.startswith("+") and to_e164(value, "ZZ") == value


def normalize_sms_sender(value: str) -> str:
    """A bot's SMS sender as typed: a short code as it is, any other number in E.164.
    Raises ValidationError (the sender's message) for what is neither."""
    value = (value or "").strip()
    if not value or is_short_code(value):
        return value
    number = to_e164(value)
    if number is None:
        validate_sms_sender(value)  # raises, saying what a sender number is
    return number or value


def normalize_whatsapp_sender(value: str) -> str:
    """A bot's WhatsApp sender as typed (with or without "whatsapp:") in E.164, without the
    prefix (the sender adds it). Raises ValidationError for anything else."""
    value = (value or "").strip()
    if not value:
        return value
    number = to_e164(value.removeprefix(WHATSAPP).strip())
    if number is None:
        validate_whatsapp_sender(value if value.startswith(WHATSAPP) else value or "?")
        raise ValidationError(f'"{value}" is not a WhatsApp sender number.')
    return number


def is_short_code(value: str) -> bool:
    return bool(SHORT_CODE.fullmatch(value))


def validate_sms_sender(value: str):
    if value and not (is_e164(value) or is_short_code(value)):
        raise ValidationError(
            f'"{value}" is not a sender number. Use an E.164 number with its country code and no '
            "spaces, such as +15551234567, or a 5 or 6 digit short code such as 123456."
        )


def validate_whatsapp_sender(value: str):
    if value and not is_e164(value.removeprefix(WHATSAPP)):
        raise ValidationError(
            f'"{value}" is not a WhatsApp sender number. Use an E.164 number with its country code and '
            "no spaces, such as +15551234567."
        )
