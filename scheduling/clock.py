"""Where the engine gets the time from. Production reads the system clock; `simulate`
and the tests move a virtual one. Nothing in the engine calls timezone.now() directly."""

from datetime import datetime

from django.utils import timezone


class SystemClock:
    def now(self) -> datetime:
        return timezone.now()


class VirtualClock:
    def __init__(self, start: datetime):
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment


system_clock = SystemClock()
