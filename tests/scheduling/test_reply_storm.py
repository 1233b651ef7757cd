"""A reply storm while a batch goes out: contacts answer STOP through the signed Twilio
webhook while the dispatcher sends to them in parallel. No follow-up may be handed to the
provider after that contact's reply was answered (HTTP 200), on SQLite and PostgreSQL."""

import threading
import time

import pytest
from django.db import connections
from django.test import Client

from channels_out.senders.base import Sender, SendResult
from conversations.models import Conversation
from scheduling.clock import system_clock
from scheduling.dispatch import dispatch_due
from scheduling.models import FollowUp
from tests.factories import make_due_follow_ups
from tests.support.checks import present
from tests.support.twilio_webhooks import inbound_sms, post_twilio_form, twilio_signature

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "storm-token"
BASE = "https://followups.example.com"
CONTACTS = 120
PROVIDER_LATENCY = 0.05  # a provider round trip, shortened


class SlowProvider(Sender):
    """Takes a while, like a provider, and notes when each call started."""

    def __init__(self):
        self.started: dict[int, float] = {}

    def send(self, message):
        self.started[message.follow_up_id] = time.time()
        time.sleep(PROVIDER_LATENCY)
        return SendResult(provider_id=f"SM{message.follow_up_id}", delivery_status="queued")


def reply_stop(bot_id, phones, answered):
    client = Client()
    path = f"/webhooks/twilio/{bot_id}/inbound/"
    try:
        for i, phone in enumerate(phones):
            params = inbound_sms(phone, "STOP", f"SM{i:032d}")
            response = post_twilio_form(client, path, params, signature=twilio_signature(TOKEN, BASE + path, params))
            assert response.status_code == 200
            answered[phone] = time.time()
    finally:
        connections.close_all()


def test_no_follow_up_is_handed_over_after_its_contacts_stop_was_answered(settings):
    settings.TWILIO_AUTH_TOKEN, settings.PUBLIC_BASE_URL = TOKEN, BASE
    make_due_follow_ups(CONTACTS, phone_prefix="+1666")
    conversations = Conversation.objects.select_related("contact", "bot").order_by("id")
    phones = {c.pk: c.contact.phone for c in conversations}
    bot_id = conversations[0].bot_id
    answered: dict[str, float] = {}
    provider = SlowProvider()
    # The replies come in the reverse of the sending order: they meet follow-ups still waiting.
    storm = threading.Thread(target=reply_stop, args=(bot_id, list(reversed(phones.values())), answered))
    storm.start()
    report = dispatch_due(system_clock, sender=provider, concurrency=8, batch_size=20)
    storm.join(timeout=120)
    assert len(answered) == CONTACTS

    rows = FollowUp.objects.filter(step=1).values("id", "conversation_id", "status", "handed_at")
    handed = [r for r in rows if r["handed_at"] is not None]
    late = [r for r in handed if present(r["handed_at"]).timestamp() >= answered[phones[r["conversation_id"]]]]
    assert late == []
    calls_after = [r for r in handed if provider.started[r["id"]] >= answered[phones[r["conversation_id"]]]]
    statuses = {s: sum(1 for r in rows if r["status"] == s) for s in ("sent", "cancelled")}
    # The storm met the batch: some went out before their STOP, the rest never did.
    assert statuses["sent"] > 0 and statuses["cancelled"] > 0, (statuses, report)
    assert statuses["sent"] + statuses["cancelled"] == CONTACTS
    assert len(provider.started) == statuses["sent"] == report.sent
    print(f"reply storm: {statuses}, provider calls started after the reply was answered: {len(calls_after)}")
