"""The real TwilioSender and Twilio SDK, with only the HTTP transport replaced by a recorder."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from channels_out import routing
from channels_out.senders.base import Outgoing, SendError
from channels_out.senders.twilio import TwilioOutcomeUnknown, TwilioSender
from scheduling import events
from scheduling.dispatch import dispatch_due
from scheduling.models import FollowUp
from tests.factories import clock, make_bot, make_conversation
from tests.support.twilio_transport import RecordingTwilioHttp, read_log

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "AC" + "1" * 32
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


@pytest.fixture
def twilio(settings, tmp_path, monkeypatch):
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.TWILIO_SMS_FROM = "+15550001111"
    settings.TWILIO_WHATSAPP_FROM = "+15550002222"
    settings.TWILIO_HTTP_CLIENT = "tests.support.twilio_transport.RecordingTwilioHttp"
    settings.PUBLIC_BASE_URL = "https://followups.example.com"
    monkeypatch.setenv("TWILIO_TRANSPORT_LOG", str(tmp_path / "twilio.jsonl"))
    RecordingTwilioHttp.reset()
    yield RecordingTwilioHttp
    RecordingTwilioHttp.reset()


def outgoing(bot, channel="sms", to="+15555550100", text="Still keen on a cleaning?"):
    return Outgoing(follow_up_id=1, bot_id=bot.pk, conversation_id=1, channel=channel, to=to, text=text)


@pytest.mark.django_db
def test_sms_goes_to_the_messages_api_with_a_status_callback(twilio, tmp_path):
    bot = make_bot()
    result = TwilioSender().send(outgoing(bot))

    [request] = twilio.requests
    assert request["method"] == "POST" and request["url"] == MESSAGES_URL
    assert request["data"] == {
        "To": "+15555550100", "From": "+15550001111", "Body": "Still keen on a cleaning?",
        "StatusCallback": "https://followups.example.com/webhooks/twilio/status/",
    }
    assert result.provider_id.startswith("SM") and result.delivery_status == "queued"
    assert read_log(tmp_path / "twilio.jsonl") == [request]


@pytest.mark.django_db
def test_whatsapp_prefixes_both_numbers_and_the_bot_number_wins(twilio):
    bot = make_bot(whatsapp_from="+15550003333")
    TwilioSender().send(outgoing(bot, channel="whatsapp"))
    data = twilio.requests[0]["data"]
    assert data["To"] == "whatsapp:+15555550100"
    assert data["From"] == "whatsapp:+15550003333"


@pytest.mark.django_db
def test_the_settings_number_is_used_when_the_bot_has_none(twilio):
    TwilioSender().send(outgoing(make_bot(sms_from="")))
    assert twilio.requests[0]["data"]["From"] == "+15550001111"
    TwilioSender().send(outgoing(make_bot(sms_from="+15550004444")))
    assert twilio.requests[1]["data"]["From"] == "+15550004444"


@pytest.mark.django_db
def test_no_status_callback_without_a_public_address(twilio, settings):
    settings.PUBLIC_BASE_URL = ""
    TwilioSender().send(outgoing(make_bot()))
    assert "StatusCallback" not in twilio.requests[0]["data"]


@pytest.mark.django_db
def test_a_twilio_error_is_a_send_error_with_its_code(twilio):
    with pytest.raises(SendError, match=r"^twilio_error 21211: .*not a valid phone number"):
        TwilioSender().send(outgoing(make_bot(), to="+15005550001"))


@pytest.mark.django_db
def test_a_twilio_server_error_leaves_the_outcome_unknown(twilio):
    twilio.fail_next(status=503, code=20503, message="Service unavailable")
    with pytest.raises(TwilioOutcomeUnknown):
        TwilioSender().send(outgoing(make_bot()))


@pytest.mark.django_db
def test_missing_configuration_is_a_refusal_without_a_request(twilio, settings):
    settings.TWILIO_SMS_FROM = ""
    with pytest.raises(SendError, match="no_sms_sender_number"):
        TwilioSender().send(outgoing(make_bot()))
    settings.TWILIO_SMS_FROM = "+15550001111"
    settings.TWILIO_AUTH_TOKEN = ""
    with pytest.raises(SendError, match="twilio_not_configured"):
        TwilioSender().send(outgoing(make_bot()))
    assert twilio.requests == []


def test_routing_picks_senders_by_mode(settings):
    settings.FOLLOWUP_SENDER = "console"
    assert {routing.sender_for(c).name for c in ("sms", "facebook", "email")} == {"console"}
    settings.FOLLOWUP_SENDER = "live"
    assert [routing.sender_for(c).name for c in ("sms", "whatsapp", "facebook", "instagram", "live_chat", "email")] \
        == ["twilio", "twilio", "connector", "connector", "connector", "email"]


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
    [request] = twilio.requests
    follow_up.refresh_from_db()
    assert follow_up.status == "sent" and follow_up.channel == "sms"
    assert follow_up.provider_id.startswith("SM") and follow_up.delivery_status == "queued"
    assert follow_up.sent_message.provider_id == follow_up.provider_id
    assert request["data"]["To"] == "+15555550100" and request["data"]["Body"] == follow_up.text


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


def test_the_transport_setting_and_log_work_in_another_process(tmp_path):
    """What the cluster does: settings from the environment, a request logged to the file."""
    log = tmp_path / "twilio.jsonl"
    env = {**os.environ, "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": "t", "TWILIO_TRANSPORT_LOG": str(log),
           "TWILIO_HTTP_CLIENT": "tests.support.twilio_transport.RecordingTwilioHttp",
           "DJANGO_SETTINGS_MODULE": "followup_project.settings"}
    script = (
        "import django; django.setup()\n"
        "from channels_out.senders.twilio import twilio_client\n"
        "m = twilio_client().messages.create(to='+15555550100', from_='+15550001111', body='hi')\n"
        "print(m.sid)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=60)
    [entry] = read_log(log)
    assert entry["data"] == {"To": "+15555550100", "From": "+15550001111", "Body": "hi"}
    assert out.stdout.strip().startswith("SM")
    assert json.loads(log.read_text())["url"] == MESSAGES_URL
