"""The development sender: logs the message instead of calling a provider."""

import logging

from channels_out.senders.base import Outgoing, Sender, SendResult

log = logging.getLogger("followups.console")


class ConsoleSender(Sender):
    name = "console"
    remote = False

    def send(self, message: Outgoing) -> SendResult:
        log.info("%s via %s to %s: %s", what(message), message.channel, message.to, message.text)
        return SendResult(provider_id=f"console-{reference(message)}", delivery_status="sent")


def what(message: Outgoing) -> str:
    return f"reply {message.reply_id}" if message.reply_id else f"follow-up {message.follow_up_id}"


def reference(message: Outgoing) -> str:
    """Unique per message sent: the follow-up's id, or the reply's."""
    return f"reply-{message.reply_id}" if message.reply_id else str(message.follow_up_id)


class RecordingSender(Sender):
    """Keeps what it was asked to send, in order. `simulate` and tests use it where the
    outside world would be."""

    name = "recording"
    remote = False

    def __init__(self):
        self.sent: list[Outgoing] = []

    def send(self, message: Outgoing) -> SendResult:
        self.sent.append(message)
        return SendResult(provider_id=f"rec-{reference(message)}", delivery_status="sent")
