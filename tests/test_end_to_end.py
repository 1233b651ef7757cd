"""The product as it runs: a live web server, a real Django-Q2 cluster process, Twilio's
signed webhooks over HTTP, and the real Twilio SDK pointed (TWILIO_API_BASE) at the test
Twilio server on 127.0.0.1 (tests/support/twilio_server.py), since Twilio's servers are
out of reach."""

import pytest
import requests
from django.utils import timezone
from django_q.tasks import async_task

from scheduling.models import FollowUp
from tests.factories import make_bot
from tests.support import twilio_harness
from tests.support.api_keys import authorization, issue_key
from tests.support.cluster import STOP_SECONDS, start_cluster, stop_cluster
from tests.support.processes import twilio_env, wait_for
from tests.support.twilio_webhooks import twilio_signature

AUTH_TOKEN = twilio_harness.AUTH_TOKEN  # the test Twilio server's; it signs the webhooks too
PHONE = "+15555550123"


@pytest.fixture
def environment(live_server, settings, twilio_server):
    env = twilio_env(twilio_server, TWILIO_SMS_FROM="+15555550000", PUBLIC_BASE_URL=live_server.url, Q_WORKERS="2")
    for key in (
        "FOLLOWUP_SENDER",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_SMS_FROM",
        "TWILIO_API_BASE",
        "PUBLIC_BASE_URL",
    ):
        setattr(settings, key, env[key])
    cluster = start_cluster(env)
    yield live_server, twilio_server
    # SIGTERM to the qcluster process, as a service manager stops it: a clean stop is quick.
    assert stop_cluster(cluster), f"the cluster did not stop within {STOP_SECONDS}s of a SIGTERM"


def signed_post(url: str, params: dict):
    return requests.post(
        url, data=params, headers={"X-Twilio-Signature": twilio_signature(AUTH_TOKEN, url, params)}, timeout=30
    )


@pytest.mark.django_db(transaction=True)
def test_a_follow_up_goes_out_once_through_twilio_from_the_cluster(environment, admin_user, client):
    server, twilio_server = environment
    bot = make_bot(name="Bright Smile", cadences={"stopped_replying": "1m"})
    inbound_url = f"{server.url}/webhooks/twilio/{bot.pk}/inbound/"
    inbound = {"From": PHONE, "To": "+15555550000", "Body": "hi, do you do whitening?", "MessageSid": "SM" + "1" * 32}

    unsigned = requests.post(inbound_url, data=inbound, timeout=30)
    assert unsigned.status_code == 403
    assert not bot.conversations.exists()

    assert signed_post(inbound_url, inbound).status_code == 200
    conversation = bot.conversations.get()
    assert conversation.contact.phone == PHONE

    reply = requests.post(
        f"{server.url}/api/messages/outbound/",
        json={"bot": bot.pk, "contact": {"phone": PHONE}, "text": "Yes! Want to book?", "author": "bot"},
        headers=authorization(issue_key(bot.account)),
        timeout=30,
    )
    assert reply.status_code == 201, reply.text
    follow_up = FollowUp.objects.get(conversation=conversation, status="pending")

    # A minute passes: the follow-up falls due. Two dispatch tasks at once (the broker
    # may deliver twice) must still send it once.
    FollowUp.objects.filter(pk=follow_up.pk).update(planned_at=timezone.now())
    async_task("scheduling.tasks.dispatch")
    async_task("scheduling.tasks.dispatch")

    wait_for(lambda: FollowUp.objects.filter(pk=follow_up.pk, status="sent").exists(), what="the follow-up to be sent")
    follow_up.refresh_from_db()
    wait_for(lambda: _finished_tasks() >= 2, what="both dispatch tasks to finish")
    [message] = twilio_server.messages()
    assert message["to"] == PHONE and message["from"] == "+15555550000"
    assert follow_up.provider_id == message["sid"] and follow_up.text == message["body"]

    status_url = f"{server.url}/webhooks/twilio/status/"
    assert message["status_callback"] == status_url
    callback = {"MessageSid": follow_up.provider_id, "MessageStatus": "delivered"}
    assert requests.post(status_url, data=callback, timeout=30).status_code == 403
    assert signed_post(status_url, callback).status_code == 200
    client.force_login(admin_user)
    page = client.get(f"/contacts/{conversation.contact_id}/response-info/")
    assert page.status_code == 200
    assert "delivered" in page.content.decode().lower()


def _finished_tasks():
    from django_q.models import Task

    return Task.objects.filter(func="scheduling.tasks.dispatch").count()
