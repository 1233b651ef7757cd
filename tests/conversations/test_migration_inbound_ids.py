"""Upgrading to one inbound message per provider id in a conversation (conversations 0006):
should repeated ids exist, the first message keeps its id, the later ones keep their text
and lose the id; then the database refuses a repeat. Run with the real migration executor."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

pytestmark = pytest.mark.django_db(transaction=True)
T0 = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)


def test_repeated_inbound_ids_are_kept_once_and_then_refused(migrate):
    old = migrate([("conversations", "0005_contact_phones_e164")])
    account = old.get_model("accounts", "Account").objects.create(name="Ana Dental")
    bot = old.get_model("bots", "Bot").objects.create(account=account, name="Ana", timezone="UTC")
    Contact, Conversation = old.get_model("conversations", "Contact"), old.get_model("conversations", "Conversation")
    contact = Contact.objects.create(account=account, bot=bot, phone="+15555550100")
    conversation = Conversation.objects.create(bot=bot, contact=contact, channel="sms")
    Message = old.get_model("conversations", "Message")

    def message(text, provider_id, direction="inbound", minutes=0):
        return Message.objects.create(
            conversation=conversation,
            direction=direction,
            author="contact" if direction == "inbound" else "bot",
            channel="sms",
            text=text,
            at=T0 + timedelta(minutes=minutes),
            provider_id=provider_id,
        ).pk

    first, again, other = message("hi", "SM1"), message("hi", "SM1", minutes=1), message("later", "SM2", minutes=2)
    sent, sent_again = message("out", "ok", "outbound", 3), message("out", "ok", "outbound", 4)

    new = migrate()
    Migrated = new.get_model("conversations", "Message")
    ids = dict(Migrated.objects.values_list("pk", "provider_id"))
    assert (ids[first], ids[again], ids[other]) == ("SM1", "", "SM2")
    assert (ids[sent], ids[sent_again]) == ("ok", "ok"), "outbound ids are the senders' to repeat"
    assert list(Migrated.objects.order_by("pk").values_list("text", flat=True)) == ["hi", "hi", "later", "out", "out"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Migrated.objects.create(
            conversation_id=conversation.pk,
            direction="inbound",
            author="contact",
            channel="sms",
            at=T0,
            provider_id="SM2",
        )
