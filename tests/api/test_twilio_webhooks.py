"""Twilio's inbound and status webhooks, signed as Twilio signs them."""

from datetime import timedelta

import pytest

from conversations.models import Contact, Conversation, Message, OptOut
from scheduling import delivery, events
from scheduling.models import FollowUp
from tests.factories import at, make_bot, make_conversation
from tests.support.checks import present
from tests.support.twilio_webhooks import inbound_sms, post_twilio_form, twilio_signature

pytestmark = pytest.mark.django_db
TOKEN = "twilio-auth-token"
BASE = "https://followups.example.com"
PHONE = "+15555550123"
SID = "SM" + "a" * 32


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = BASE


def post(client, path, params, *, token=TOKEN, url=None, signature=None):
    """Signed with `token` over `url` (else where Twilio would call us), or with `signature`
    ("": none at all)."""
    if signature is None:
        signature = twilio_signature(token, url or BASE + path, params)
    return post_twilio_form(client, path, params, signature=signature or None)


def inbound(client, bot, body, *, sender=PHONE, sid=SID, **kwargs):
    return post(client, f"/webhooks/twilio/{bot.pk}/inbound/", inbound_sms(sender, body, sid), **kwargs)


def status(client, sid, message_status, error_code=None, **kwargs):
    params = {"MessageSid": sid, "MessageStatus": message_status}
    if error_code:
        params["ErrorCode"] = error_code
    return post(client, "/webhooks/twilio/status/", params, **kwargs)


# --- inbound --------------------------------------------------------------------------


def test_a_signed_sms_creates_the_contact_conversation_and_message(client, engine_clock):
    bot = make_bot()
    response = inbound(client, bot, "hi, do you do whitening?")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Response/>" in response.content
    conversation = Conversation.objects.get(bot=bot)
    assert conversation.contact.phone == PHONE and conversation.channel == "sms"
    [message] = conversation.messages.all()
    assert (message.direction, message.channel, message.text, message.provider_id) == (
        "inbound",
        "sms",
        "hi, do you do whitening?",
        SID,
    )
    assert message.at == engine_clock.now()


def test_whatsapp_is_told_by_the_from_prefix(client, engine_clock):
    bot = make_bot()
    assert inbound(client, bot, "hello", sender="whatsapp:" + PHONE).status_code == 200
    conversation = Conversation.objects.get(bot=bot)
    assert conversation.contact.phone == PHONE
    assert conversation.channel == "whatsapp"
    assert conversation.messages.get().channel == "whatsapp"


def test_an_inbound_reply_cancels_pending_follow_ups_and_a_busy_one_plans_the_busy_cadence(client, engine_clock):
    conversation = make_conversation(phone=PHONE)
    events.record_outbound(conversation, "Want to book a cleaning?", clock=engine_clock)
    [waiting] = conversation.follow_ups.filter(status="pending")

    engine_clock.set(at("2026-03-06T10:02:00-05:00"))
    assert inbound(client, conversation.bot, "sorry, in a meeting").status_code == 200

    waiting.refresh_from_db()
    assert (waiting.status, waiting.reason) == ("cancelled", "contact_replied")
    [busy] = conversation.follow_ups.filter(status="pending")
    assert busy.kind == "busy" and busy.step == 1
    assert busy.planned_at == at("2026-03-06T10:32:00-05:00")  # the factory's busy cadence starts at 30m
    assert present(busy.trigger_message).provider_id == SID


def test_stop_opts_the_contact_out_of_sms(client, engine_clock):
    conversation = make_conversation(phone=PHONE)
    assert inbound(client, conversation.bot, "STOP").status_code == 200
    conversation.refresh_from_db()
    assert conversation.stopped
    assert OptOut.objects.filter(contact=conversation.contact, channel="sms").exists()


def test_twilio_retrying_the_same_message_records_it_once(client, engine_clock):
    bot = make_bot()
    assert inbound(client, bot, "in a meeting").status_code == 200
    engine_clock.set(at("2026-03-06T10:01:00-05:00"))
    assert inbound(client, bot, "in a meeting").status_code == 200
    assert Message.objects.filter(provider_id=SID).count() == 1
    conversation = Conversation.objects.get(bot=bot)
    assert conversation.follow_ups.count() == 1  # the retry did not cancel and re-plan


@pytest.mark.parametrize("how", ["missing", "wrong token", "other url", "tampered"])
def test_an_unsigned_or_badly_signed_inbound_is_refused_and_changes_nothing(client, engine_clock, how):
    bot = make_bot()
    kwargs = {
        "missing": {"signature": ""},
        "wrong token": {"token": "not-the-token"},
        "other url": {"url": f"{BASE}/webhooks/twilio/{bot.pk + 1}/inbound/"},
        "tampered": {
            "signature": twilio_signature(
                TOKEN, f"{BASE}/webhooks/twilio/{bot.pk}/inbound/", {"From": PHONE, "Body": "something else"}
            )
        },
    }[how]
    response = inbound(client, bot, "hi", **kwargs)
    assert response.status_code == 403
    assert "error" in response.json()
    assert not Contact.objects.exists() and not Message.objects.exists()


def test_without_an_auth_token_every_request_is_refused(client, settings, engine_clock):
    settings.TWILIO_AUTH_TOKEN = ""
    response = inbound(client, make_bot(), "hi", token="")
    assert response.status_code == 403
    assert not Message.objects.exists()


def test_without_a_public_base_url_the_signature_covers_the_url_we_were_called_at(client, settings, engine_clock):
    settings.PUBLIC_BASE_URL = ""
    bot = make_bot()
    path = f"/webhooks/twilio/{bot.pk}/inbound/"
    assert inbound(client, bot, "hi", url=f"https://followups.example.com{path}").status_code == 403
    assert inbound(client, bot, "hi", url=f"http://testserver{path}").status_code == 200


def test_an_unknown_bot_is_404(client, engine_clock):
    missing = make_bot().pk + 1
    params = {"From": PHONE, "Body": "hi", "MessageSid": SID}
    assert post(client, f"/webhooks/twilio/{missing}/inbound/", params).status_code == 404
    assert not Message.objects.exists()


# --- status callbacks -----------------------------------------------------------------


@pytest.fixture
def sent(engine_clock):
    """A follow-up handed to Twilio, as the dispatcher records it."""
    conversation = make_conversation(phone=PHONE)
    events.record_outbound(conversation, "Want to book a cleaning?", clock=engine_clock)
    follow_up = conversation.follow_ups.get(status="pending")
    FollowUp.objects.filter(pk=follow_up.pk).update(
        status="sent", provider_id=SID, delivery_status="queued", finished_at=engine_clock.now() + timedelta(minutes=5)
    )
    return follow_up


def delivery_of(follow_up):
    follow_up.refresh_from_db()
    return follow_up.status, follow_up.delivery_status, follow_up.reason


@pytest.mark.parametrize(
    "callbacks, expected",
    [
        (["sent", "delivered"], "delivered"),
        (["delivered", "sent"], "delivered"),  # out of order: never backwards
        (["delivered", "delivered"], "delivered"),
        (["sent", "queued", "sending"], "sent"),
        (["read"], "delivered"),
        (["delivered", "failed"], "delivered"),
    ],
)
def test_delivery_only_moves_forward(client, sent, callbacks, expected):
    for message_status in callbacks:
        assert status(client, SID, message_status).status_code == 200
    assert delivery_of(sent) == ("sent", expected, "")


def test_a_failure_keeps_the_follow_up_sent_and_says_why(client, sent):
    assert status(client, SID, "sent").status_code == 200
    assert status(client, SID, "undelivered", "30003").status_code == 200
    assert delivery_of(sent) == ("sent", "undelivered", "twilio_error 30003")
    assert status(client, SID, "delivered").status_code == 200  # final: a late callback changes nothing
    assert delivery_of(sent) == ("sent", "undelivered", "twilio_error 30003")


def test_failed_with_its_error_code(client, sent):
    assert status(client, SID, "failed", "30007").status_code == 200
    assert delivery_of(sent) == ("sent", "failed", "twilio_error 30007")


def test_an_unknown_sid_is_200_so_twilio_stops(client, sent):
    assert status(client, "SM" + "f" * 32, "delivered").status_code == 200
    assert delivery_of(sent) == ("sent", "queued", "")


def test_an_unsigned_status_callback_is_refused(client, sent):
    assert status(client, SID, "delivered", signature="").status_code == 403
    assert status(client, SID, "delivered", token="not-the-token").status_code == 403
    assert delivery_of(sent) == ("sent", "queued", "")


# --- the pure ordering rule -----------------------------------------------------------


@pytest.mark.parametrize(
    "current, new, moves",
    [
        ("", "queued", True),
        ("", "delivered", True),
        ("queued", "sent", True),
        ("sent", "delivered", True),
        ("queued", "failed", True),
        ("sent", "sent", False),
        ("delivered", "sent", False),
        ("sent", "queued", False),
        ("delivered", "failed", False),
        ("failed", "delivered", False),
        ("undelivered", "failed", False),
    ],
)
def test_advances(current, new, moves):
    assert delivery.advances(current, new) is moves


def test_the_conditional_update_is_written_from_the_same_rule():
    assert set(delivery.earlier_than("delivered")) == {"", "queued", "sent"}
    assert set(delivery.earlier_than("sent")) == {"", "queued"}
    assert delivery.earlier_than("queued") == [""]
