"""The development sender: logs the message instead of calling a provider."""

import logging

from channels_out.senders.base import Outgoing, Sender, SendResult

log = logging.getLogger("followups.console")


class ConsoleSender(Sender):
    name = "console"
    remote = False

    def send(self, message: Outgoing) -> SendResult:
        log.info("follow-up %s via %s to %s: %s", message.follow_up_id, message.channel, message.to, message.text)
        return SendResult(provider_id=f"console-{message.follow_up_id}", delivery_status="sent")


class RecordingSender(Sender):
    """Keeps what it was asked to send, in order. `simulate` and tests use it where the
    outside world would be."""

    name = "recording"
    remote = False

    def __init__(self):
        self.sent: list[Outgoing] = []

    def send(self, message: Outgoing) -> SendResult:
        self.sent.append(message)
        return SendResult(provider_id=f"rec-{message.follow_up_id}", delivery_status="sent")
