"""The real TwilioSender and Twilio SDK against the test Twilio server on 127.0.0.1
(tests/support/twilio_server.py): what is sent, and how each kind of answer is read."""

import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
import requests
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPSConnectionPool
from urllib3.exceptions import MaxRetryError, NameResolutionError, ProtocolError

from channels_out import routing
from channels_out.senders.base import Outgoing, ProviderBusy, SendError
from channels_out.senders.twilio import TwilioOutcomeUnknown, TwilioSender, provider_outcome, twilio_client
from scheduling import events
from scheduling.dispatch import dispatch_due
from scheduling.models import FollowUp
from tests.factories import clock, make_bot, make_conversation
from tests.support.checks import present
from tests.support.processes import REPO, free_port, twilio_env, wait_for
from tests.support.twilio_server import SERVER_ERROR_TO, SLOW_TO

SMS_FROM, WHATSAPP_FROM = "+15550001111", "+15550002222"


@pytest.fixture
def twilio(twilio_server, settings):
    settings.TWILIO_SMS_FROM = SMS_FROM
    settings.TWILIO_WHATSAPP_FROM = WHATSAPP_FROM
    settings.PUBLIC_BASE_URL = "https://followups.example.com"
    settings.PROVIDER_TIMEOUT_SECONDS = 5
    return twilio_server


def outgoing(bot, channel="sms", to="+15555550100", text="Still keen on a cleaning?", with_bot=True):
    return Outgoing(
        follow_up_id=1,
        bot_id=bot.pk,
        conversation_id=1,
        channel=channel,
        to=to,
        text=text,
        bot=bot if with_bot else None,
    )


def send(bot, **kwargs):
    return TwilioSender().send(outgoing(bot, **kwargs))


# --- what is sent ---------------------------------------------------------------------


@pytest.mark.django_db
def test_sms_goes_to_the_messages_api_with_a_status_callback(twilio):
    result = send(make_bot())

    [message] = twilio.messages()
    assert {k: message[k] for k in ("to", "from", "body", "status_callback", "segments")} == {
        "to": "+15555550100",
        "from": SMS_FROM,
        "body": "Still keen on a cleaning?",
        "status_callback": "https://followups.example.com/webhooks/twilio/status/",
        "segments": 1,
    }
    assert result.provider_id == message["sid"] and result.provider_id.startswith("SM")
    assert result.delivery_status == "queued"


@pytest.mark.django_db
def test_whatsapp_prefixes_both_numbers_and_the_bot_number_wins(twilio):
    send(make_bot(whatsapp_from="+15550003333"), channel="whatsapp")
    [message] = twilio.messages()
    assert message["to"] == "whatsapp:+15555550100"
    assert message["from"] == "whatsapp:+15550003333"


@pytest.mark.django_db
def test_the_settings_number_is_used_when_the_bot_has_none_and_a_short_code_sends(twilio):
    send(make_bot(sms_from=""))
    send(make_bot(sms_from="55555"))
    assert [m["from"] for m in twilio.messages()] == [SMS_FROM, "55555"]


@pytest.mark.django_db
def test_no_status_callback_without_a_public_address(twilio, settings):
    settings.PUBLIC_BASE_URL = ""
    send(make_bot())
    assert twilio.messages()[0]["status_callback"] is None


@pytest.mark.django_db
def test_the_loaded_bot_is_used_without_a_query(twilio, django_assert_num_queries):
    bot = make_bot(sms_from="+15550004444")
    with django_assert_num_queries(0):
        send(bot)
    with django_assert_num_queries(1):  # a caller without the bot: it is looked up
        send(bot, with_bot=False)
    assert [m["from"] for m in twilio.messages()] == ["+15550004444"] * 2


@pytest.mark.django_db
def test_missing_configuration_is_a_refusal_without_a_request(twilio, settings):
    settings.TWILIO_SMS_FROM = ""
    with pytest.raises(SendError, match="no_sms_sender_number"):
        send(make_bot())
    settings.TWILIO_SMS_FROM = SMS_FROM
    settings.TWILIO_AUTH_TOKEN = ""
    with pytest.raises(SendError, match="twilio_not_configured"):
        send(make_bot())
    assert twilio.stats()["requests"] == 0


def test_the_sending_number_is_the_bots_else_the_settings_one(settings):
    settings.TWILIO_SMS_FROM, settings.TWILIO_WHATSAPP_FROM = SMS_FROM, WHATSAPP_FROM
    own = type("Bot", (), {"sms_from": "55555", "whatsapp_from": "+15550003333"})()
    none = type("Bot", (), {"sms_from": "", "whatsapp_from": ""})()
    assert [routing.sending_number(own, c) for c in ("sms", "whatsapp", "facebook", "email")] == [
        "55555",
        "+15550003333",
        "",
        "",
    ]
    assert [routing.sending_number(none, c) for c in ("sms", "whatsapp")] == [SMS_FROM, WHATSAPP_FROM]
    assert routing.sending_number(None, "sms") == SMS_FROM


# --- outcomes: retried, refused, unknown -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status,code", [(429, 20429), (429, 14107), (400, 30001)])
def test_throttling_and_a_full_queue_are_provider_busy(twilio, status, code):
    twilio.control(fail_next=[{"status": status, "code": code, "message": "Slow down"}])
    with pytest.raises(ProviderBusy, match=rf"^twilio_busy {code}: .*Slow down"):
        send(make_bot())
    assert twilio.stats()["created"] == 0
    send(make_bot())  # the next try goes through
    assert twilio.stats()["created"] == 1


@pytest.mark.django_db
def test_a_numbers_full_twilio_queue_is_provider_busy(twilio):
    with pytest.raises(ProviderBusy, match=r"^twilio_busy 21611: "):
        send(make_bot(sms_from="+15005550008"))  # Twilio's magic "queue full" sender


@pytest.mark.django_db
def test_more_requests_than_the_concurrency_limit_are_provider_busy(twilio, settings):
    twilio.control(concurrency=1, latency=0.5)
    bot = make_bot()
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(send, bot, to="+15555550101")
        wait_for(
            lambda: twilio.stats(messages=False)["in_flight"] == 1,
            seconds=10,
            interval=0.01,
            what="the first request to be in flight",
        )
        with pytest.raises(ProviderBusy, match=r"^twilio_busy 20429: .*Too Many Requests"):
            send(bot, to="+15555550102")
        assert first.result().provider_id.startswith("SM")
    assert [m["to"] for m in twilio.messages()] == ["+15555550101"]


@pytest.mark.django_db
@pytest.mark.parametrize("to,code", [("+15005550001", 21211), ("+15005550004", 21610), ("+15005550009", 21614)])
def test_a_twilio_refusal_is_a_send_error_with_its_code(twilio, to, code):
    with pytest.raises(SendError, match=rf"^twilio_error {code}: ") as refused:
        send(make_bot(), to=to)
    assert not isinstance(refused.value, ProviderBusy)
    assert twilio.stats()["created"] == 0


@pytest.mark.django_db
def test_wrong_credentials_are_a_refusal(twilio, settings):
    settings.TWILIO_AUTH_TOKEN = "not-the-token"
    with pytest.raises(SendError, match=r"^twilio_error 20003: .*Authenticate"):
        send(make_bot())


@pytest.mark.django_db
def test_a_server_error_leaves_the_outcome_unknown_since_the_message_may_have_gone(twilio):
    with pytest.raises(TwilioOutcomeUnknown, match=r"^twilio_http_500 20500"):
        send(make_bot(), to=SERVER_ERROR_TO)
    assert [m["to"] for m in twilio.messages()] == [SERVER_ERROR_TO]  # it had, this time

    twilio.control(fail_next=[{"status": 503, "code": 20503, "message": "Service unavailable"}])
    with pytest.raises(TwilioOutcomeUnknown, match=r"^twilio_http_503"):
        send(make_bot())


@pytest.mark.django_db
def test_no_answer_in_time_after_sending_leaves_the_outcome_unknown(twilio, settings):
    settings.PROVIDER_TIMEOUT_SECONDS = 0.2
    twilio.control(slow_seconds=1.0)
    with pytest.raises(TwilioOutcomeUnknown, match="ReadTimeout"):
        send(make_bot(), to=SLOW_TO)
    assert [m["to"] for m in twilio.messages()] == [SLOW_TO]


@pytest.mark.django_db
def test_a_refused_connection_is_provider_busy(twilio, settings):
    settings.TWILIO_API_BASE = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ProviderBusy, match=r"^twilio_unreachable: ConnectionError"):
        send(make_bot())


@pytest.mark.django_db
def test_a_connect_timeout_is_provider_busy(settings, twilio):
    settings.PROVIDER_TIMEOUT_SECONDS = 0.3
    with full_listener() as port:
        settings.TWILIO_API_BASE = f"http://127.0.0.1:{port}"
        with pytest.raises(ProviderBusy, match=r"^twilio_unreachable: ConnectTimeout"):
            send(make_bot())


@pytest.mark.django_db
def test_a_connection_dropped_after_sending_leaves_the_outcome_unknown(twilio, settings):
    with dropping_listener() as (port, received):
        settings.TWILIO_API_BASE = f"http://127.0.0.1:{port}"
        with pytest.raises(TwilioOutcomeUnknown, match="ConnectionError"):
            send(make_bot())
    assert b"POST /2010-04-01/Accounts/" in received[0]


def test_a_dns_failure_is_provider_busy():
    """Name resolution can't be provoked on loopback alone: the exception requests raises."""
    failed = NameResolutionError(
        "api.twilio.example", HTTPSConnection("api.twilio.example"), socket.gaierror(-2, "Name or service not known")
    )
    exc = requests.ConnectionError(MaxRetryError(HTTPSConnectionPool("api.twilio.example"), "/2010-04-01/...", failed))
    assert isinstance(provider_outcome(exc), ProviderBusy)
    reset = requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")))
    assert isinstance(provider_outcome(reset), TwilioOutcomeUnknown)
    assert isinstance(provider_outcome(ValueError("an answer that isn't JSON")), TwilioOutcomeUnknown)


# --- the client: reused, per thread, rebuilt when its settings change -------------------


@pytest.mark.django_db
def test_many_sends_reuse_one_connection_per_thread(twilio):
    bot = make_bot()
    for i in range(20):
        send(bot, to=f"+155555502{i:02d}")
    assert twilio.stats(messages=False)["connections"] == 1

    twilio.reset()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: send(bot, to=f"+155555503{i:02d}"), range(40)))
        clients = set(pool.map(lambda _: id(twilio_client()), range(40)))
    stats = twilio.stats(messages=False)
    assert stats["created"] == 40 and stats["duplicates"] == 0
    assert stats["connections"] <= 4 and len(clients) <= 4
    assert twilio_client() is twilio_client()


@pytest.mark.django_db
def test_changed_settings_make_a_new_client(twilio, settings):
    send(make_bot())
    settings.TWILIO_AUTH_TOKEN = "rotated-token"
    with pytest.raises(SendError, match="20003"):
        send(make_bot())
    settings.TWILIO_AUTH_TOKEN = twilio.auth_token
    send(make_bot())
    assert twilio.stats()["created"] == 2


# --- through the dispatcher and another process --------------------------------------


def test_routing_picks_senders_by_mode(settings):
    settings.FOLLOWUP_SENDER = "console"
    assert {routing.sender_for(c).name for c in ("sms", "facebook", "email")} == {"console"}
    settings.FOLLOWUP_SENDER = "live"
    assert [routing.sender_for(c).name for c in ("sms", "whatsapp", "facebook", "instagram", "live_chat", "email")] == [
        "twilio",
        "twilio",
        "connector",
        "connector",
        "connector",
        "email",
    ]


@pytest.mark.django_db
def test_a_due_follow_up_goes_out_once_through_twilio(twilio, settings):
    settings.FOLLOWUP_SENDER = "live"
    conversation = make_conversation(make_bot(cadences={"stopped_replying": "5m, 1h"}))
    now = clock()
    events.record_outbound(conversation, "Want to book a cleaning?", clock=now)
    follow_up = FollowUp.objects.get(conversation=conversation, status="pending")

    now.set(follow_up.planned_at + timedelta(seconds=1))
    report = dispatch_due(now)
    dispatch_due(now)  # a second pass at the same moment finds nothing to send

    assert report.sent == 1
    [message] = twilio.messages()
    follow_up.refresh_from_db()
    assert follow_up.status == "sent" and follow_up.channel == "sms"
    assert follow_up.provider_id == message["sid"] and follow_up.delivery_status == "queued"
    assert present(follow_up.sent_message).provider_id == follow_up.provider_id
    assert message["to"] == "+15555550100" and message["body"] == follow_up.text


@pytest.mark.django_db
def test_a_refused_follow_up_is_failed_with_twilios_reason(twilio, settings):
    settings.FOLLOWUP_SENDER = "live"
    conversation = make_conversation(make_bot(), phone="+15005550004")
    now = clock()
    events.record_outbound(conversation, "Want to book a cleaning?", clock=now)
    follow_up = FollowUp.objects.get(conversation=conversation, status="pending")

    now.set(follow_up.planned_at)
    assert dispatch_due(now).failed == 1
    follow_up.refresh_from_db()
    assert follow_up.status == "failed" and follow_up.reason.startswith("twilio_error 21610")


def test_the_api_base_setting_works_in_another_process(twilio_server):
    """What the cluster does: the settings from the environment, the real SDK, our server."""
    env = twilio_env(twilio_server, DJANGO_SETTINGS_MODULE="followup_project.settings")
    script = (
        "import django; django.setup()\n"
        "from channels_out.senders.twilio import twilio_client\n"
        "m = twilio_client().messages.create(to='+15555550100', from_='+15550001111', body='hi')\n"
        "print(m.sid)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    [message] = twilio_server.messages()
    assert (message["to"], message["from"], message["body"]) == ("+15555550100", "+15550001111", "hi")
    assert out.stdout.strip() == message["sid"]


# --- helpers ---------------------------------------------------------------------------


@contextmanager
def full_listener():
    """A port whose accept queue is full: the kernel drops new connection attempts, so a
    client's connect times out (as behind a dead route), without leaving 127.0.0.1."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        fillers = []
        try:
            for _ in range(8):  # fill the queue: stop at the first attempt that is not accepted
                filler = socket.socket()
                filler.setblocking(False)
                fillers.append(filler)
                if filler.connect_ex(("127.0.0.1", port)) not in (0, 115) or not _connected(filler):
                    break
            yield port
        finally:
            for filler in fillers:
                filler.close()


def _connected(sock, seconds=0.2) -> bool:
    import select

    _, writable, _ = select.select([], [sock], [], seconds)
    return bool(writable) and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0


@contextmanager
def dropping_listener():
    """Takes one request and closes the connection without an answer."""
    received: list[bytes] = []
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)

        def take_one():
            conn, _ = server.accept()
            with conn:
                received.append(conn.recv(65536))

        taker = threading.Thread(target=take_one, daemon=True)
        taker.start()
        yield server.getsockname()[1], received
        taker.join(5)
