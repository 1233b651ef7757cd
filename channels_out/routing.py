"""Which sender carries a channel, the address to send to, and the number it is sent from."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from vocabulary import Channel

CONSOLE = "channels_out.senders.console.ConsoleSender"
TWILIO = "channels_out.senders.twilio.TwilioSender"
CONNECTOR = "channels_out.senders.connector.ConnectorSender"
EMAIL = "channels_out.senders.email.EmailSender"

# FOLLOWUP_SENDER -> channel -> sender. "console" (the development default) only logs.
SENDERS: dict[str, dict[str, str]] = {
    "console": dict.fromkeys(Channel.values, CONSOLE),
    "live": {
        Channel.SMS: TWILIO,
        Channel.WHATSAPP: TWILIO,
        Channel.FACEBOOK: CONNECTOR,
        Channel.INSTAGRAM: CONNECTOR,
        Channel.LIVE_CHAT: CONNECTOR,
        Channel.EMAIL: EMAIL,
    },
}


def sender_for(channel: str):
    """The sender for `channel` under the configured FOLLOWUP_SENDER."""
    try:
        senders = SENDERS[settings.FOLLOWUP_SENDER]
    except KeyError:
        raise ImproperlyConfigured(
            f"FOLLOWUP_SENDER must be one of {', '.join(SENDERS)}, not {settings.FOLLOWUP_SENDER!r}."
        ) from None
    return import_string(senders[channel])()


def address(channel: str, contact) -> str:
    if channel in (Channel.SMS, Channel.WHATSAPP):
        return contact.phone
    if channel == Channel.EMAIL:
        return contact.email
    return str(contact.pk)


def sending_number(bot, channel: str) -> str:
    """The number `bot` sends `channel` from, as written (no "whatsapp:" prefix): its own,
    else the project-wide one; "" when there is none or the channel has no numbers.
    `bot` may be None (the project-wide number then)."""
    if channel == Channel.WHATSAPP:
        return (bot and bot.whatsapp_from) or settings.TWILIO_WHATSAPP_FROM
    if channel == Channel.SMS:
        return (bot and bot.sms_from) or settings.TWILIO_SMS_FROM
    return ""


def senders_are_remote() -> bool:
    """Whether the configured senders wait on the network (any but the console)."""
    return settings.FOLLOWUP_SENDER != "console"
