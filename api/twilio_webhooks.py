"""Twilio's webhooks: inbound SMS / WhatsApp messages and delivery status callbacks.

Twilio's signature (X-Twilio-Signature) is the only authentication, checked on every
request before anything is read or written. Twilio retries, so both are idempotent.
"""

import re

from django.conf import settings
from django.http import HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from twilio.request_validator import RequestValidator

from api.parsers import BoundedFormParser, BoundedInput
from bots.models import Bot
from bots.numbers import to_e164
from conversations.directory import find_or_create_conversation
from scheduling.delivery import record_twilio_status
from scheduling.events import record_inbound, record_reply
from vocabulary import Channel

PHONE = re.compile(r"^\+?[0-9]{3,20}$")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
WHATSAPP = "whatsapp:"


def signed_by_twilio(request, form=lambda request: request.data) -> bool:
    """Whether Twilio signed this request; `form` reads its form fields (DRF's request.data
    here, request.POST in a plain Django view), only once a signature is there to check."""
    signature = request.headers.get("X-Twilio-Signature")
    # Without a token every signature would be forgeable: refuse everything instead.
    if not signature or not settings.TWILIO_AUTH_TOKEN:
        return False
    # Behind a proxy the URL Twilio signed is the public one, not the one we see.
    if settings.PUBLIC_BASE_URL:
        url = settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    else:
        url = request.build_absolute_uri()
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, form(request), signature)


def field(data, name: str, max_length: int) -> str:
    """A form field as the database can keep it: Twilio's values are data, not trusted
    to be free of NUL characters or to fit their columns."""
    return data.get(name, "").replace("\x00", "")[:max_length]


def twiml():
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


class TwilioWebhook(BoundedInput, APIView):
    authentication_classes = []  # the Twilio signature is the authentication
    permission_classes = [AllowAny]
    # Never throttled: Twilio does not retry a message answered 429, it would be lost. The
    # signature, checked first thing, makes a forged request cost an HMAC and write nothing.
    throttle_classes = []
    parser_classes = [BoundedFormParser]
    renderer_classes = [JSONRenderer]
    schema = None  # not part of the public API

    def post(self, request, *args, **kwargs):
        if not signed_by_twilio(request):
            return Response({"error": "invalid or missing X-Twilio-Signature"}, status=403)
        return self.handle(request.data, **kwargs)

    def handle(self, data, **route) -> Response:
        """Act on a request Twilio signed; `route`: the URL's arguments."""
        raise NotImplementedError


class InboundMessage(TwilioWebhook):
    """A contact wrote to the bot's number. The bot answers separately: empty TwiML."""

    def handle(self, data, **route) -> Response:
        sender = data.get("From", "")
        channel = Channel.WHATSAPP if sender.startswith(WHATSAPP) else Channel.SMS
        phone = sender.removeprefix(WHATSAPP)
        if not PHONE.match(phone):
            return Response({"error": "From must be a phone number like +15555550100"}, status=400)
        phone = to_e164(phone) or phone  # E.164 from Twilio already; stored as the contact's number is
        body, sid = field(data, "Body", 10_000), field(data, "MessageSid", 64)
        # A reply from a known contact: found, locked and recorded in one transaction.
        if record_reply(route["bot_id"], phone, body, channel=channel, provider_id=sid) is None:
            bot = Bot.objects.filter(pk=route["bot_id"]).first()
            if bot is None:
                return Response({"error": "unknown bot"}, status=404)
            conversation = find_or_create_conversation(
                bot, channel=channel, phone=phone, first_name=field(data, "ProfileName", 100)
            )
            record_inbound(conversation, body, channel=channel, provider_id=sid)
        return twiml()


class StatusCallback(TwilioWebhook):
    """Delivery news about a message we sent. Unknown ids get 200 too, so Twilio stops."""

    def handle(self, data, **route) -> Response:
        record_twilio_status(
            field(data, "MessageSid", 64), field(data, "MessageStatus", 32), field(data, "ErrorCode", 32)
        )
        return twiml()
