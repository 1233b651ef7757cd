"""SMS and WhatsApp through Twilio's Messages API, with the real Twilio SDK.

Only the HTTP transport is replaceable (TWILIO_HTTP_CLIENT), so tests exercise the same
SDK calls, parameters and error parsing that production does.

Outcomes, as the dispatcher reads them:
- Twilio answered with a 4xx error: a definite refusal -> SendError("twilio_error <code>: ...").
- Twilio answered 5xx, or the network failed or timed out: the message may have gone, so
  the exception propagates and the follow-up is recorded as send_outcome_unknown.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bots.channels import Channel
from bots.models import Bot
from channels_out.senders.base import Outgoing, Sender, SendError, SendResult

WHATSAPP = "whatsapp:"


class TwilioOutcomeUnknown(Exception):
    """Twilio failed on its side (5xx): it may or may not have taken the message."""


def http_client():
    """The SDK's transport, or the class TWILIO_HTTP_CLIENT names (built with timeout=)."""
    cls = import_string(settings.TWILIO_HTTP_CLIENT) if settings.TWILIO_HTTP_CLIENT else TwilioHttpClient
    return cls(timeout=settings.PROVIDER_TIMEOUT_SECONDS)


def twilio_client() -> Client:
    if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
        raise SendError("twilio_not_configured")
    return Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client())


def status_callback_url() -> str | None:
    """Where Twilio reports delivery. Without a public address Twilio could not reach us."""
    if not settings.PUBLIC_BASE_URL:
        return None
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("twilio-status")


def whatsapp(number: str) -> str:
    return number if number.startswith(WHATSAPP) else WHATSAPP + number


def sender_number(bot_id: int, channel: str) -> str:
    """The bot's own number for the channel, else the project-wide one."""
    bot = Bot.objects.filter(pk=bot_id).only("sms_from", "whatsapp_from").first()
    if channel == Channel.WHATSAPP:
        return (bot and bot.whatsapp_from) or settings.TWILIO_WHATSAPP_FROM
    return (bot and bot.sms_from) or settings.TWILIO_SMS_FROM


class TwilioSender(Sender):
    name = "twilio"

    def send(self, message: Outgoing) -> SendResult:
        if message.channel not in (Channel.SMS, Channel.WHATSAPP):
            raise SendError(f"twilio_cannot_send_{message.channel}")
        if not message.to:
            raise SendError("no_phone_number")
        from_ = sender_number(message.bot_id, message.channel)
        if not from_:
            raise SendError(f"no_{message.channel}_sender_number")
        to = message.to
        if message.channel == Channel.WHATSAPP:
            to, from_ = whatsapp(to), whatsapp(from_)

        params = {"to": to, "from_": from_, "body": message.text}
        callback = status_callback_url()
        if callback:
            params["status_callback"] = callback
        try:
            sent = twilio_client().messages.create(**params)
        except TwilioRestException as exc:
            if exc.status >= 500:
                raise TwilioOutcomeUnknown(f"twilio_http_{exc.status} {exc.code}: {exc.msg}") from exc
            raise SendError(f"twilio_error {exc.code}: {exc.msg}") from exc
        except TwilioServiceException as exc:
            if exc.status >= 500:
                raise TwilioOutcomeUnknown(f"twilio_http_{exc.status} {exc.code}: {exc.title}") from exc
            raise SendError(f"twilio_error {exc.code}: {exc.detail or exc.title}") from exc
        return SendResult(provider_id=sent.sid, delivery_status=str(sent.status or ""))
