"""Which sender carries a channel, and the address to send to."""

from django.conf import settings
from django.utils.module_loading import import_string

from bots.channels import Channel

SENDERS = {
    "console": "channels_out.senders.console.ConsoleSender",
}


def sender_for(channel: str):
    """The configured sender (FOLLOWUP_SENDER) for `channel`."""
    return import_string(SENDERS[settings.FOLLOWUP_SENDER])()


def address(channel: str, contact) -> str:
    if channel in (Channel.SMS, Channel.WHATSAPP):
        return contact.phone
    if channel == Channel.EMAIL:
        return contact.email
    return str(contact.pk)
