"""Pacing per sending number: every dispatcher reserves a slot before it hands a message to
the provider, so all of them together stay within the number's rate (in message segments
per second).

A reservation moves the number's `next_free` time forward by the message's segments divided
by the rate (the generic cell rate algorithm). A slot at most `max_wait` seconds ahead is
granted and the caller waits for it; a number booked further ahead is saturated: the
follow-up goes back to our table until then, where a reply can still stop it.
"""

import threading
import time
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.db import connection

from bots.numbers import WHATSAPP, is_short_code
from channels_out.models import SendingNumber
from vocabulary import Channel

LONG_CODE_RATE = 1.0
TOLL_FREE_RATE = 3.0
SHORT_CODE_RATE = 100.0
WHATSAPP_RATE = 80.0  # the WhatsApp Business Platform's default throughput


def default_rate(number: str) -> float:
    """Segments per second by the number's type: a short code (5 or 6 digits, no "+") 100,
    toll-free 3, WhatsApp 80, any other number 1 (a US long code's rate)."""
    if number.startswith(WHATSAPP):
        return WHATSAPP_RATE
    if is_short_code(number):
        return SHORT_CODE_RATE
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return LONG_CODE_RATE
    if phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.TOLL_FREE:
        return TOLL_FREE_RATE
    return LONG_CODE_RATE


def pacing_key(channel: str, number: str) -> str:
    """The number as paced: WhatsApp and SMS from the same number are separate queues."""
    return WHATSAPP + number.removeprefix(WHATSAPP) if channel == Channel.WHATSAPP else number


@dataclass(frozen=True)
class Slot:
    granted: bool
    at: float  # granted: when the message may go; else when to try again (epoch seconds)


class DatabasePacer:
    """Slots kept in the SendingNumber table: one conditional UPDATE per reservation."""

    def reserve(self, number: str, segments: int, now: float, max_wait: float) -> Slot:
        cost = segments / self._rate(number)
        for _ in range(3):
            start = self._take(number, cost, now, max_wait)
            if start is not None:
                return Slot(True, start)
            busy_until = SendingNumber.objects.filter(number=number).values_list("next_free", flat=True).first()
            if busy_until is None:
                SendingNumber.objects.get_or_create(number=number)  # first message from it
            elif busy_until > now + max_wait:
                return Slot(False, busy_until - max_wait)
            # else another thread created the row meanwhile: try again
        return Slot(False, now)

    @staticmethod
    def _take(number: str, cost: float, now: float, max_wait: float) -> float | None:
        table = SendingNumber._meta.db_table
        with connection.cursor() as cursor:
            # start = max(next_free, now), granted only while start <= now + max_wait.
            cursor.execute(
                f"UPDATE {table} SET next_free = (CASE WHEN next_free > %s THEN next_free ELSE %s END) + %s "
                f"WHERE number = %s AND next_free <= %s RETURNING next_free",
                [now, now, cost, number, now + max_wait],
            )
            row = cursor.fetchone()
        return None if row is None else row[0] - cost

    @staticmethod
    def _rate(number: str) -> float:
        found = _RATES.get(number)
        if found is None:
            override = SendingNumber.objects.filter(number=number).values_list("segments_per_second", flat=True).first()
            found = _RATES.put(number, override or default_rate(number))
        return found


class RedisPacer:
    """The same slots in Redis (REDIS_URL): one atomic script per reservation."""

    SCRIPT = """
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local now, cost, max_wait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local start = math.max(free, now)
if start > now + max_wait then return {0, tostring(start)} end
redis.call('SET', KEYS[1], tostring(start + cost), 'EX', 86400)
return {1, tostring(start)}
"""

    def __init__(self, url: str):
        import redis

        self._client = redis.Redis.from_url(url)
        self._script = self._client.register_script(self.SCRIPT)

    def reserve(self, number: str, segments: int, now: float, max_wait: float) -> Slot:
        cost = segments / DatabasePacer._rate(number)
        granted, start = self._script(keys=[f"followups:pace:{number}"], args=[now, cost, max_wait])
        start = float(start)
        return Slot(True, start) if granted else Slot(False, start - max_wait)


class _RateCache:
    """Rates per number for a minute: an owner's override in the admin applies within it."""

    TTL = 60.0

    def __init__(self):
        self._lock = threading.Lock()
        self._rates: dict[str, tuple[float, float]] = {}

    def get(self, number: str) -> float | None:
        with self._lock:
            found = self._rates.get(number)
        return found[0] if found and time.monotonic() - found[1] < self.TTL else None

    def put(self, number: str, rate: float) -> float:
        with self._lock:
            self._rates[number] = (rate, time.monotonic())
        return rate

    def clear(self) -> None:
        with self._lock:
            self._rates.clear()


_RATES = _RateCache()
_PACER: tuple[str, RedisPacer | DatabasePacer] | None = None  # (REDIS_URL, its pacer)


def pacer() -> RedisPacer | DatabasePacer:
    """The configured pacer: Redis when REDIS_URL is set, else the database."""
    global _PACER
    url = getattr(settings, "REDIS_URL", "")
    if _PACER is None or _PACER[0] != url:
        _PACER = (url, RedisPacer(url) if url else DatabasePacer())
    return _PACER[1]
