"""SMS and WhatsApp through Twilio's Messages API, with the real Twilio SDK.

TWILIO_API_BASE points the SDK at another address (tests: tests/support/twilio_server.py).

Outcomes, as the dispatcher reads them:
- Certainly not sent (throttled: HTTP 429 / 20429; a full queue: 21611 / 30001; or the
  connection failed before the request went out): ProviderBusy, tried again later.
- A definite refusal (any other 4xx): SendError("twilio_error <code>: ...").
- Anything else (5xx, a timeout or a dropped connection after the request went out, an
  answer we can't read): the message may have gone, so TwilioOutcomeUnknown. Never resent.
"""

import threading

import requests
from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from bots.models import Bot
from bots.numbers import WHATSAPP
from channels_out.routing import sending_number
from channels_out.senders.base import Outgoing, ProviderBusy, Sender, SendError, SendResult
from vocabulary import Channel

# Twilio's codes for "not taken, try later": too many requests; the sender's queue full
# (21611), or a Messaging Service's (30001) when answered at once.
BUSY_CODES = frozenset({20429, 21611, 30001})


class TwilioOutcomeUnknown(Exception):
    """Twilio may or may not have taken the message (5xx, no answer after sending)."""


_local = threading.local()


def twilio_client() -> Client:
    """This thread's client, kept between sends so its HTTP session (keep-alive connections,
    TLS) is reused; rebuilt when the settings it was made from change (tests override them)."""
    sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
    if not (sid and token):
        raise SendError("twilio_not_configured")
    key = (sid, token, settings.TWILIO_API_BASE, settings.PROVIDER_TIMEOUT_SECONDS)
    cached = getattr(_local, "client", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    if cached is not None:
        cached[1].http_client.session.close()
    client = Client(sid, token, http_client=TwilioHttpClient(timeout=settings.PROVIDER_TIMEOUT_SECONDS))
    client.api.base_url = settings.TWILIO_API_BASE  # the Messages API's domain
    _local.client = (key, client)
    return client


def status_callback_url() -> str | None:
    """Where Twilio reports delivery. Without a public address Twilio could not reach us."""
    if not settings.PUBLIC_BASE_URL:
        return None
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("twilio-status")


def whatsapp(number: str) -> str:
    return number if number.startswith(WHATSAPP) else WHATSAPP + number


def provider_outcome(exc: Exception) -> Exception:
    """The exception the dispatcher gets for what the SDK raised (see the module's doc)."""
    if isinstance(exc, (TwilioRestException, TwilioServiceException)):
        detail = exc.msg if isinstance(exc, TwilioRestException) else (exc.detail or exc.title)
        if exc.status == 429 or exc.code in BUSY_CODES:
            return ProviderBusy(f"twilio_busy {exc.code}: {detail}")
        if 400 <= exc.status < 500:
            return SendError(f"twilio_error {exc.code}: {detail}")
        return TwilioOutcomeUnknown(f"twilio_http_{exc.status} {exc.code}: {detail}")
    if not_connected(exc):
        return ProviderBusy(f"twilio_unreachable: {type(exc).__name__}")
    return TwilioOutcomeUnknown(f"twilio_no_answer: {type(exc).__name__}: {exc}"[:200])


def not_connected(exc: Exception) -> bool:
    """The connection failed before the request went out: refused, DNS, connect timeout.
    requests wraps urllib3's MaxRetryError, whose `reason` says which step failed; a
    NewConnectionError (NameResolutionError is one) means no connection was made. A reset
    or a read timeout on an open connection may follow a sent request: not this."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError):
        return False
    cause = exc.args[0] if exc.args else None
    return isinstance(getattr(cause, "reason", cause), NewConnectionError)


class TwilioSender(Sender):
    name = "twilio"
    paced = True

    def send(self, message: Outgoing) -> SendResult:
        if message.channel not in (Channel.SMS, Channel.WHATSAPP):
            raise SendError(f"twilio_cannot_send_{message.channel}")
        if not message.to:
            raise SendError("no_phone_number")
        bot = message.bot
        if bot is None:  # a caller without the dispatcher's loaded bot
            bot = Bot.objects.filter(pk=message.bot_id).only("sms_from", "whatsapp_from").first()
        from_ = sending_number(bot, message.channel)
        if not from_:
            raise SendError(f"no_{message.channel}_sender_number")
        to = message.to
        if message.channel == Channel.WHATSAPP:
            to, from_ = whatsapp(to), whatsapp(from_)

        params = {"to": to, "from_": from_, "body": message.text}
        callback = status_callback_url()
        if callback:
            params["status_callback"] = callback
        client = twilio_client()
        try:
            sent = client.messages.create(**params)
        except Exception as exc:
            raise provider_outcome(exc) from exc
        return SendResult(provider_id=sent.sid, delivery_status=str(sent.status or ""))
