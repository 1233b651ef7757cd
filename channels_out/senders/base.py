"""The one interface every sender implements."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Outgoing:
    follow_up_id: int
    bot_id: int
    conversation_id: int
    channel: str
    to: str  # phone number (E.164), email address, or the contact id for chat connectors
    text: str
    extra: dict = field(default_factory=dict)
    # The dispatcher's clock at send time, for senders that tell the receiver (None: now).
    sent_at: datetime | None = None
    # The bot, already loaded by the dispatcher (numbers, connector settings): senders
    # must not query it per message. None only where a caller has no bot at hand.
    bot: Any = field(default=None, compare=False, repr=False)
    # A person's reply from the console (scheduling.models.AgentReply) instead of a
    # follow-up: follow_up_id is then 0.
    reply_id: int | None = None


@dataclass(frozen=True)
class SendResult:
    provider_id: str = ""
    delivery_status: str = ""  # "queued", "sent", ... as far as the sender knows at once


class SendError(Exception):
    """The provider refused the message; str() is the reason recorded on the follow-up."""


class ProviderBusy(SendError):
    """The provider certainly did not take the message (throttled: HTTP 429 / Twilio 20429,
    its queue full; or the connection failed before the request was sent). The follow-up
    waits and is tried again later; str() is the reason recorded on the attempt."""


class Sender:
    name = "sender"
    # Waits on the network (a provider): the dispatcher calls it from its pool of threads
    # and holds no database connection meanwhile. A local sender is called inline.
    remote = True
    # Sends from a number with a rate per second (SMS, WhatsApp): the dispatcher paces it.
    paced = False

    def send(self, message: Outgoing) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError
