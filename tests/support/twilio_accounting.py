"""What the test Twilio server keeps of the messages it accepted: per sending number, the
busiest second and the queue Twilio would build at the number's real rate; and duplicates.

Twilio sends each number's messages at the number's rate and queues the rest. The queue
wait of a message is how long the segments accepted before it, and not yet sent, take at
that rate: what a paced dispatcher must keep near zero, since a queued message can no
longer be stopped by the contact's reply. The rates are the provider's, modelled here on
their own: a short code (5 or 6 digits) 100 segments/s, toll-free 3, WhatsApp 80, any
other number 1 (a US long code).
"""

import re
from collections import deque
from dataclasses import dataclass, field

import phonenumbers

SHORT_CODE = re.compile(r"\d{5,6}")
WHATSAPP = "whatsapp:"


def provider_rate(sender: str) -> float:
    """Segments per second Twilio sends from `sender` (a From number or a service sid)."""
    if sender.startswith(WHATSAPP):
        return 80.0
    if SHORT_CODE.fullmatch(sender):
        return 100.0
    try:
        number = phonenumbers.parse(sender, None)
    except phonenumbers.NumberParseException:
        return 1.0
    return 3.0 if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.TOLL_FREE else 1.0


@dataclass
class NumberQueue:
    rate: float
    messages: int = 0
    segments: int = 0
    max_segments_per_second: int = 0
    max_backlog_seconds: float = 0.0
    # Accepted (time, segments) within the last second, and their sum.
    _window: deque = field(default_factory=deque)
    _in_window: int = 0
    # When this number's queue at Twilio is empty again (epoch seconds).
    _free_at: float = 0.0

    def backlog_at(self, at: float) -> float:
        """Seconds a message accepted at `at` would wait in Twilio's queue."""
        return max(0.0, self._free_at - at)

    def accept(self, segments: int, at: float) -> float:
        """Counts a message; returns its wait in the queue."""
        wait = self.backlog_at(at)
        self._free_at = max(self._free_at, at) + segments / self.rate
        self.max_backlog_seconds = max(self.max_backlog_seconds, wait)
        while self._window and self._window[0][0] <= at - 1.0:
            self._in_window -= self._window.popleft()[1]
        self._window.append((at, segments))
        self._in_window += segments
        self.max_segments_per_second = max(self.max_segments_per_second, self._in_window)
        self.messages += 1
        self.segments += segments
        return wait

    def summary(self) -> dict:
        return {
            "rate": self.rate,
            "messages": self.messages,
            "segments": self.segments,
            "max_segments_per_second": self.max_segments_per_second,
            "max_backlog_seconds": round(self.max_backlog_seconds, 3),
        }


class Ledger:
    """The accepted messages, in arrival order, with per-number queues and duplicates: the
    same (From, To, Body) accepted twice."""

    def __init__(self):
        self.messages: list[dict] = []
        self.numbers: dict[str, NumberQueue] = {}
        self.duplicates = 0
        self._seen: set[tuple[str, str, str]] = set()

    def queue(self, sender: str) -> NumberQueue:
        found = self.numbers.get(sender)
        if found is None:
            found = self.numbers[sender] = NumberQueue(provider_rate(sender))
        return found

    def accept(self, message: dict, segments: int, at: float) -> dict:
        """Records `message` (its "from", "to", "body" at least); returns the stored entry."""
        sender = message["from"] or message.get("messaging_service_sid") or ""
        key = (sender, message["to"], message["body"])
        duplicate = key in self._seen
        self._seen.add(key)
        self.duplicates += duplicate
        wait = self.queue(sender).accept(segments, at)
        entry = {**message, "segments": segments, "at": at, "queue_wait": round(wait, 3), "duplicate": duplicate}
        self.messages.append(entry)
        return entry

    def summary(self) -> dict:
        return {
            "created": len(self.messages),
            "duplicates": self.duplicates,
            "numbers": {sender: q.summary() for sender, q in self.numbers.items()},
        }
