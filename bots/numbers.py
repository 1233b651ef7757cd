"""Which sender numbers a bot may have: an E.164 number ("+15551234567") or, for SMS, a US
short code (5 or 6 digits, no "+").

Exactly E.164, not just any spelling of a number: pacing counts per number as written, so
"+1 555 123 4567" and "+15551234567" would be paced as two numbers.
"""

import re

import phonenumbers
from django.core.exceptions import ValidationError

SHORT_CODE = re.compile(r"[1-9]\d{4,5}")
WHATSAPP = "whatsapp:"


def is_e164(value: str) -> bool:
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return False
    return (
        phonenumbers.is_possible_number(parsed)
        and phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == value
    )


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
