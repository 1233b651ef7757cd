"""Facebook, Instagram and live chat: follow-ups are POSTed as signed JSON to the bot's
connector, which owns the platform credentials and delivers them.

The connector checks `X-Followup-Signature: sha256=<hex HMAC-SHA256 of the raw body>`
with the bot's connector secret (see verify_signature). A non-2xx answer is a refusal;
a network error or timeout propagates, because the connector may have delivered it.
A person's reply from the console comes the same way, with `reply_id` set and a null
`follow_up_id`.
"""

import hashlib
import hmac
import json
import threading

import requests
from django.conf import settings
from django.utils import timezone

from bots.models import Bot
from channels_out.senders.base import Outgoing, Sender, SendError, SendResult

SIGNATURE_HEADER = "X-Followup-Signature"
TIMESTAMP_HEADER = "X-Followup-Timestamp"

_local = threading.local()


def session() -> requests.Session:
    """This thread's HTTP session, kept between sends so connections are reused."""
    found = getattr(_local, "session", None)
    if found is None:
        found = _local.session = requests.Session()
    return found


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is the signature of `body` with `secret` (constant time)."""
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, body), header)


class ConnectorSender(Sender):
    name = "connector"

    def send(self, message: Outgoing) -> SendResult:
        bot = message.bot
        if bot is None:  # a caller without the dispatcher's loaded bot
            bot = Bot.objects.filter(pk=message.bot_id).only("connector_url", "connector_secret").first()
        if bot is None or not bot.connector_url:
            raise SendError("no_connector_configured")
        if not bot.connector_secret:
            # Unsigned, the connector could not tell our POSTs from anyone's.
            raise SendError("no_connector_secret")
        sent_at = message.sent_at or timezone.now()
        payload = {
            "follow_up_id": message.follow_up_id or None,
            "conversation_id": message.conversation_id,
            "channel": message.channel,
            "to": message.to,
            "text": message.text,
            "sent_at": sent_at.isoformat(),
        }
        if message.reply_id:  # a person's reply from the console, not a follow-up
            payload["reply_id"] = message.reply_id
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(bot.connector_secret, body),
            TIMESTAMP_HEADER: str(int(sent_at.timestamp())),
        }
        response = session().post(
            bot.connector_url,
            data=body,
            headers=headers,
            timeout=settings.PROVIDER_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        if not 200 <= response.status_code < 300:
            raise SendError(f"connector_http_{response.status_code}")
        return SendResult(provider_id=_provider_id(response), delivery_status="sent")


def _provider_id(response) -> str:
    """A connector may answer {"id": "..."} (its platform's message id); optional."""
    try:
        value = response.json().get("id", "")
    except (ValueError, AttributeError):
        return ""
    return str(value)[:64] if value else ""
