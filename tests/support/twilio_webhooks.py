"""Twilio's webhooks as Twilio sends them: form-encoded, signed over the URL and the fields."""

from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

FORM = "application/x-www-form-urlencoded"


def twilio_signature(token: str, url: str, params: dict) -> str:
    """The X-Twilio-Signature Twilio computes with the account's auth `token` for `url`."""
    return RequestValidator(token).compute_signature(url, params)


def inbound_sms(sender: str, body: str, sid: str) -> dict[str, str]:
    """The fields Twilio posts about an SMS from `sender` to the business's number."""
    return {"From": sender, "To": "+15550001111", "Body": body, "MessageSid": sid, "AccountSid": "AC" + "1" * 32}


def post_twilio_form(client, path: str, params: dict, *, signature: str | None = None):
    """POSTs `params` to `path` through a Django test client, with X-Twilio-Signature unless
    `signature` is None."""
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    return client.post(path, urlencode(params), content_type=FORM, headers=headers)
