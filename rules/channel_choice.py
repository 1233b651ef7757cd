"""Which channel a follow-up goes out on, or why it can't go out at all."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from rules.localtime import utc
from vocabulary import Channel, Reason

MESSAGING_WINDOW = timedelta(hours=24)
WINDOWED_CHANNELS = frozenset({Channel.FACEBOOK, Channel.INSTAGRAM, Channel.WHATSAPP})
PHONE_CHANNELS = frozenset({Channel.SMS, Channel.WHATSAPP})


@dataclass(frozen=True)
class ChannelChoice:
    channel: str | None
    skip_reason: str = ""  # set when channel is None


def choose_channel(
    *,
    conversation_channel: str,
    channel_switching: bool,
    has_phone: bool,
    last_inbound_at: datetime | None,
    at: datetime,
) -> ChannelChoice:
    """The contract's channel rules, evaluated for a follow-up going out at `at`.

    Live chat moves to SMS when switching is on and a phone is known. Facebook, Instagram
    and WhatsApp may only be used within 24 hours of the contact's last inbound message;
    past that they move to SMS, or the follow-up is skipped when they can't. (An opt-out
    covers every channel: the send checks skip it before any channel is chosen.)
    """
    can_switch = channel_switching and has_phone
    channel = conversation_channel
    if channel == Channel.LIVE_CHAT and can_switch:
        channel = Channel.SMS
    elif channel in WINDOWED_CHANNELS:
        window_open = last_inbound_at is not None and utc(at) - utc(last_inbound_at) <= MESSAGING_WINDOW
        if not window_open:
            if not can_switch:
                return ChannelChoice(None, Reason.OUTSIDE_MESSAGING_WINDOW)
            channel = Channel.SMS
    return ChannelChoice(str(channel))
