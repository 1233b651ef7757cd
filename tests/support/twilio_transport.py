"""A Twilio HTTP transport for tests: answers like the Messages API and records requests.

Point TWILIO_HTTP_CLIENT at RecordingTwilioHttp and the real SDK runs unchanged down
to the HTTP call. Requests are kept in `RecordingTwilioHttp.requests` (this process)
and, when the env var TWILIO_TRANSPORT_LOG names a file, appended to it as JSON lines, so
a test can read what a separate cluster process sent.

Errors follow Twilio's test credentials' magic numbers (To +15005550001 is invalid, ...);
`fail_next(status, code, message)` queues an error for the next request in this process.
"""

import json
import logging
import os
import uuid
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlsplit

from twilio.http import HttpClient
from twilio.http.response import Response

LOG_ENV = "TWILIO_TRANSPORT_LOG"

# Twilio's documented magic "To" numbers for test credentials: (code, message).
MAGIC_TO = {
    "+15005550001": (21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}


class RecordingTwilioHttp(HttpClient):
    requests: list[dict] = []
    _queued_errors: list[tuple[int, int, str]] = []

    def __init__(self, timeout=None, logger=logging.getLogger("tests.twilio_transport")):
        super().__init__(logger, is_async=False, timeout=timeout)

    @classmethod
    def reset(cls):
        cls.requests.clear()
        cls._queued_errors.clear()

    @classmethod
    def fail_next(cls, status=400, code=21211, message="Invalid 'To' Phone Number"):
        cls._queued_errors.append((status, code, message))

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        entry = {"method": method.upper(), "url": uri, "data": {k: _plain(v) for k, v in (data or {}).items()}}
        self.requests.append(entry)
        log = os.environ.get(LOG_ENV)
        if log:
            with open(log, "a") as f:  # one short append per line: safe across processes
                f.write(json.dumps(entry) + "\n")
        return self._answer(entry)

    def _answer(self, entry) -> Response:
        data = entry["data"]
        to = str(data.get("To", "")).removeprefix("whatsapp:")
        if self._queued_errors:
            return _error(*self._queued_errors.pop(0))
        if to in MAGIC_TO:
            return _error(400, *MAGIC_TO[to])
        if entry["method"] != "POST" or not urlsplit(entry["url"]).path.endswith("/Messages.json"):
            return _error(404, 20404, "The requested resource was not found")
        account = urlsplit(entry["url"]).path.split("/")[3]
        sid = "SM" + uuid.uuid4().hex
        now = formatdate(usegmt=True)
        return Response(201, json.dumps({
            "sid": sid, "account_sid": account, "to": data.get("To"), "from": data.get("From"),
            "body": data.get("Body"), "status": "queued", "direction": "outbound-api",
            "num_segments": "1", "num_media": "0", "api_version": "2010-04-01",
            "date_created": now, "date_updated": now, "date_sent": None, "price": None,
            "error_code": None, "error_message": None, "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
        }))


def _plain(value):
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def _error(status, code, message) -> Response:
    return Response(status, json.dumps({
        "code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }))


def read_log(path) -> list[dict]:
    """The requests recorded in `path` (a TWILIO_TRANSPORT_LOG file), oldest first."""
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

