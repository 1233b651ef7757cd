"""A Twilio-compatible Messages API on 127.0.0.1, for tests and benchmarks: the real Twilio
SDK is pointed at it with TWILIO_API_BASE.

    python -m tests.support.twilio_server --port 0 --latency 0.15 --concurrency 100

prints "listening on 127.0.0.1:PORT" as its first line. From Python, use
tests.support.twilio_harness (a thread or a subprocess, with stats/reset helpers).

POST /2010-04-01/Accounts/{sid}/Messages.json (To, From or MessagingServiceSid, Body,
StatusCallback; HTTP basic auth with the configured sid and token) answers 201 with
Twilio's message resource after `latency` seconds. More requests in flight than
`concurrency` are answered at once with 429 / 20429. Errors on demand:
- Twilio's magic test numbers (MAGIC_TO, MAGIC_FROM): 400 with their codes;
- To SERVER_ERROR_TO: the message is taken, then answered 500 (an unknown outcome);
- To SLOW_TO: the message is taken, answered after `slow_seconds` (client timeouts);
- a number whose queue would exceed `queue_limit_seconds`: 400 / 21611, as Twilio does;
- POST /_control {"throttle_next": N} or {"fail_next": [{"status", "code", "message"}]}
  queues answers for the next requests; {"latency", "concurrency", "slow_seconds"} change them.
GET /_stats (?messages=0 leaves the message list out) and POST /_reset (back to the state
at start, configuration included).
"""

import argparse
import asyncio
import binascii
import signal
import sys
import time
import uuid
from collections import Counter, deque
from dataclasses import asdict, dataclass, fields
from email.utils import formatdate
from pathlib import Path

from aiohttp import BasicAuth, web

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from channels_out.segments import segments  # noqa: E402 - needs ROOT on the path when run as a script
from tests.support.twilio_accounting import Ledger  # noqa: E402

HOST = "127.0.0.1"
ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-twilio-auth-token"
MESSAGES_PATH = "/2010-04-01/Accounts/{account}/Messages.json"

# Twilio's documented magic numbers for test credentials: (code, message).
MAGIC_TO = {
    "+15005550001": (21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS."),
    "+15005550003": (
        21408,
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number.",
    ),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}
MAGIC_FROM = {
    "+15005550001": (
        21212,
        "The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID.",
    ),
    "+15005550007": (
        21606,
        "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account.",
    ),
    "+15005550008": (21611, "This 'From' number has exceeded the maximum number of queued messages."),
}
SERVER_ERROR_TO = "+15005550500"
SLOW_TO = "+15005550600"
MAX_BODY = 1600


@dataclass
class Config:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    latency: float = 0.0
    concurrency: int = 100
    slow_seconds: float = 5.0
    queue_limit_seconds: float = 36_000.0  # Twilio keeps up to 10 hours of a number's segments

    ADJUSTABLE = ("latency", "concurrency", "slow_seconds", "queue_limit_seconds")


class TwilioServer:
    """The server's state and handlers; one event loop drives it, so no locks."""

    def __init__(self, config: Config):
        self.initial = config
        self.in_flight = 0  # live, not a statistic: a reset leaves requests in flight counted
        self.reset()

    def reset(self):
        self.config = Config(**asdict(self.initial))
        self.ledger = Ledger()
        self.answers: Counter = Counter()
        self.requests = 0
        self.max_in_flight = self.in_flight
        self.queued: deque[tuple[int, int, str]] = deque()
        self.peers: set = set()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(MESSAGES_PATH, self.create_message)
        app.router.add_get("/_stats", self.stats)
        app.router.add_post("/_reset", self.reset_view)
        app.router.add_post("/_control", self.control)
        app.router.add_route("*", "/{tail:.*}", self.not_found)
        return app

    # --- the Messages API ------------------------------------------------------------

    async def create_message(self, request: web.Request) -> web.Response:
        self.requests += 1
        self.peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        form = await request.post()
        if not self.authorized(request):
            return self.error(401, 20003, "Authenticate")
        if self.queued:
            return self.error(*self.queued.popleft())
        if self.in_flight >= self.config.concurrency:
            return self.error(429, 20429, "Too Many Requests")
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self.answer(request.match_info["account"], form)
        finally:
            self.in_flight -= 1

    async def answer(self, account: str, form) -> web.Response:
        to, from_, body, service = (form_text(form, name) for name in ("To", "From", "Body", "MessagingServiceSid"))
        refusal = self.refusal(to, from_, service, body)
        if refusal:
            await asyncio.sleep(self.config.latency)
            return self.error(400, *refusal)
        message = {
            "from": from_ or None,
            "to": to,
            "body": body,
            "messaging_service_sid": service or None,
            "status_callback": form_text(form, "StatusCallback") or None,
        }
        entry = self.ledger.accept(message, segments(body), time.time())
        bare_to = to.removeprefix("whatsapp:")
        if bare_to == SERVER_ERROR_TO:
            await asyncio.sleep(self.config.latency)
            return self.error(500, 20500, "Internal Server Error")
        await asyncio.sleep(self.config.slow_seconds if bare_to == SLOW_TO else self.config.latency)
        return self.created(account, entry)

    def refusal(self, to: str, from_: str, service: str, body: str) -> tuple[int, str] | None:
        bare_to = to.removeprefix("whatsapp:")
        if not to:
            return 21604, "A 'To' phone number is required."
        if not (from_ or service):
            return 21603, "A 'From' phone number is required."
        if not body:
            return 21602, "Message body is required."
        if len(body) > MAX_BODY:
            return 21617, "The concatenated message body exceeds the 1600 character limit."
        if from_ in MAGIC_FROM:
            return MAGIC_FROM[from_]
        if bare_to in MAGIC_TO:
            return MAGIC_TO[bare_to]
        queue = self.ledger.numbers.get(from_ or service)
        if queue and queue.backlog_at(time.time()) > self.config.queue_limit_seconds:
            return MAGIC_FROM["+15005550008"]
        return None

    def authorized(self, request: web.Request) -> bool:
        try:
            auth = BasicAuth.decode(request.headers.get("Authorization", ""))
        except (ValueError, binascii.Error):
            return False
        return (
            auth.login == self.config.account_sid == request.match_info["account"]
            and auth.password == self.config.auth_token
        )

    def created(self, account: str, entry: dict) -> web.Response:
        sid = "SM" + uuid.uuid4().hex
        entry["sid"] = sid
        now = formatdate(usegmt=True)
        self.answers[201] += 1
        return web.json_response(
            {
                "sid": sid,
                "account_sid": account,
                "to": entry["to"],
                "from": entry["from"],
                "body": entry["body"],
                "status": "queued" if entry["from"] else "accepted",
                "direction": "outbound-api",
                "messaging_service_sid": entry["messaging_service_sid"],
                "num_segments": str(entry["segments"]),
                "num_media": "0",
                "api_version": "2010-04-01",
                "date_created": now,
                "date_updated": now,
                "date_sent": None,
                "price": None,
                "price_unit": "USD",
                "error_code": None,
                "error_message": None,
                "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
                "subresource_uris": {"media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"},
            },
            status=201,
        )

    def error(self, status: int, code: int, message: str) -> web.Response:
        self.answers[status] += 1
        return web.json_response(
            {
                "code": code,
                "message": message,
                "status": status,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
            },
            status=status,
        )

    async def not_found(self, request: web.Request) -> web.Response:
        return self.error(404, 20404, f"The requested resource {request.path} was not found")

    # --- test control ----------------------------------------------------------------

    async def stats(self, request: web.Request) -> web.Response:
        body = {
            "requests": self.requests,
            "answers": {str(k): v for k, v in sorted(self.answers.items())},
            "answered_429": self.answers[429],
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "connections": len(self.peers),
            "config": asdict(self.config),
            **self.ledger.summary(),
        }
        if request.query.get("messages") != "0":
            body["messages"] = self.ledger.messages
        return web.json_response(body)

    async def reset_view(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"reset": True})

    async def control(self, request: web.Request) -> web.Response:
        try:
            changes = await request.json()
            queued = self.parse_control(changes)
        except (ValueError, TypeError, KeyError) as exc:
            return web.json_response({"error": f"bad control request: {exc}"}, status=400)
        self.queued.extend(queued)
        for name in Config.ADJUSTABLE:
            if name in changes:
                setattr(self.config, name, type(getattr(Config, name))(changes[name]))
        return web.json_response({"queued": len(self.queued), "config": asdict(self.config)})

    @staticmethod
    def parse_control(changes) -> list[tuple[int, int, str]]:
        """The answers to queue; raises on anything malformed, before anything changes."""
        if not isinstance(changes, dict):
            raise TypeError("a JSON object is expected")
        unknown = set(changes) - {"throttle_next", "fail_next", *Config.ADJUSTABLE}
        if unknown:
            raise KeyError(", ".join(sorted(unknown)))
        for name in Config.ADJUSTABLE:
            if name in changes and (
                isinstance(changes[name], bool) or not isinstance(changes[name], (int, float)) or changes[name] < 0
            ):
                raise ValueError(f"{name} must be a number >= 0")
        queued = [(429, 20429, "Too Many Requests")] * int(changes.get("throttle_next", 0))
        for failure in changes.get("fail_next", []):
            status = int(failure["status"])
            if not 400 <= status <= 599:
                raise ValueError("a queued answer's status must be 400-599")
            queued.append((status, int(failure["code"]), str(failure.get("message", "Error"))))
        return queued


def form_text(form, name: str) -> str:
    """A form field as text ("" when absent or not text, e.g. a multipart file)."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


# --- running it ------------------------------------------------------------------------


async def start(config: Config, port: int = 0) -> tuple[web.AppRunner, int, TwilioServer]:
    """Listens on 127.0.0.1:`port` (0: any free port); returns the runner, the port, the state."""
    server = TwilioServer(config)
    # Keep-alive like Twilio's edge; a short shutdown so a slow answer never holds a test.
    runner = web.AppRunner(server.app(), access_log=None, keepalive_timeout=75, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, HOST, port, backlog=1024)
    await site.start()
    return runner, runner.addresses[0][1], server


async def serve(config: Config, port: int):
    runner, port, _ = await start(config, port)
    print(f"listening on {HOST}:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main(argv=None):
    parser = argparse.ArgumentParser(description="A Twilio-compatible Messages API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    defaults = Config()
    for f in fields(Config):
        parser.add_argument(
            "--" + f.name.replace("_", "-"), type=type(getattr(defaults, f.name)), default=getattr(defaults, f.name)
        )
    args = vars(parser.parse_args(argv))
    port = args.pop("port")
    asyncio.run(serve(Config(**args), port))


if __name__ == "__main__":
    main()
