"""Upgrading to businesses (accounts): existing bots go to one business, "My business", whose
owners are the staff who are not superusers; contacts and tags become the business's, and
contacts found twice (the same number met by two bots, the same address in another case)
are merged into the oldest, keeping every conversation, message, follow-up, opt-out and tag,
with at most one pending follow-up per conversation. Run with the real migration executor."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("accounts", None),
    ("bots", "0006_workflows_app"),
    ("conversations", "0001_initial"),
    ("scheduling", "0003_handed_over_attempts_lateness"),
    ("workflows", "0002_own_tables"),
]
T0 = datetime(2026, 3, 6, 10, 0, tzinfo=ZoneInfo("America/New_York"))
PAT_PHONE = "+15555550100"


class Old:
    """Rows as the application wrote them before the upgrade (historical models)."""

    def __init__(self, apps):
        self.apps = apps
        model = apps.get_model
        self.Contact, self.Conversation = model("conversations", "Contact"), model("conversations", "Conversation")
        self.Message, self.OptOut = model("conversations", "Message"), model("conversations", "OptOut")
        self.FollowUp, self.EngineEvent = model("scheduling", "FollowUp"), model("scheduling", "EngineEvent")
        self.Scenario = model("bots", "Scenario")

    def conversation(self, bot, contact, *, channel="sms", messages=1, last_inbound_at=None):
        conversation = self.Conversation.objects.create(
            bot=bot, contact=contact, channel=channel, last_inbound_at=last_inbound_at
        )
        for n in range(messages):
            self.Message.objects.create(
                conversation=conversation,
                direction="inbound",
                author="contact",
                channel=channel,
                text=f"message {n}",
                at=T0 + timedelta(minutes=n),
            )
        self.EngineEvent.objects.create(conversation=conversation, at=T0, kind="planned")
        return conversation

    def follow_up(self, conversation, *, status="pending", step=1):
        scenario, _ = self.Scenario.objects.get_or_create(
            bot=conversation.bot, kind="busy", defaults={"cadence": "30m"}
        )
        due = T0 + timedelta(minutes=30 * step)
        return self.FollowUp.objects.create(
            conversation=conversation,
            scenario=scenario,
            kind="busy",
            step=step,
            steps_total=2,
            due_at=due,
            planned_at=due,
            channel=conversation.channel,
            status=status,
            created_at=T0,
        )

    def opt_out(self, contact, *channels):
        for channel in channels:
            self.OptOut.objects.create(contact=contact, channel=channel, at=T0)


def test_one_business_for_the_bots_staff_as_owners_and_duplicate_contacts_merged(migrate):
    old = migrate(BEFORE)
    o = Old(old)
    User, Bot, Tag = old.get_model("auth", "User"), old.get_model("bots", "Bot"), old.get_model("conversations", "Tag")
    alice = User.objects.create(username="alice", is_staff=True)
    bob = User.objects.create(username="bob", is_staff=True)
    root = User.objects.create(username="root", is_staff=True, is_superuser=True)
    User.objects.create(username="carol")  # not staff
    ana = Bot.objects.create(name="Ana Dental", timezone="America/New_York")
    ben = Bot.objects.create(name="Ben Dental", timezone="America/New_York")
    vip, lead, unused = (Tag.objects.create(name=name) for name in ("vip", "lead", "unused"))

    # The same number met by both bots: two contacts, one conversation each.
    pat = o.Contact.objects.create(bot=ana, phone=PAT_PHONE, first_name="Pat")
    pat_again = o.Contact.objects.create(
        bot=ben, phone=PAT_PHONE, first_name="Patricia", last_name="Lee", email="pat@x.com", timezone="Europe/Madrid"
    )
    pat_at_ana = o.conversation(ana, pat, messages=2)
    pending_at_ana = o.follow_up(pat_at_ana)
    pat_at_ben = o.conversation(ben, pat_again, messages=3)
    pending_at_ben = o.follow_up(pat_at_ben)
    o.opt_out(pat, "sms")
    o.opt_out(pat_again, "sms", "whatsapp")
    pat.tags.add(vip)
    pat_again.tags.add(lead)

    # The same address in another case, both with the same bot: two conversations, each
    # with a pending follow-up, become one.
    ana_mail = o.Contact.objects.create(bot=ana, email="Ana@X.com")
    ana_mail_again = o.Contact.objects.create(bot=ana, email="ana@x.com", phone="+15555550200", first_name="Ana")
    ana_mail_third = o.Contact.objects.create(bot=ben, email="ANA@X.COM", timezone="America/Chicago")
    kept_conversation = o.conversation(ana, ana_mail, channel="email", messages=2, last_inbound_at=T0)
    sent = o.follow_up(kept_conversation, status="sent")
    kept_pending = o.follow_up(kept_conversation, step=2)
    merged_conversation = o.conversation(
        ana, ana_mail_again, channel="email", messages=3, last_inbound_at=T0 + timedelta(hours=1)
    )
    merged_pending = o.follow_up(merged_conversation)
    at_ben = o.conversation(ben, ana_mail_third, channel="email", messages=1)
    o.opt_out(ana_mail, "email")
    o.opt_out(ana_mail_again, "email", "sms")
    ana_mail_again.tags.add(vip, lead)

    loner = o.Contact.objects.create(bot=ana, phone="+15555550300", email="pat@x.com")  # a third Pat address
    o.follow_up(o.conversation(ana, loner))

    new = migrate()  # the latest
    Account, Membership = new.get_model("accounts", "Account"), new.get_model("accounts", "Membership")
    Contact, Conversation = new.get_model("conversations", "Contact"), new.get_model("conversations", "Conversation")
    FollowUp = new.get_model("scheduling", "FollowUp")
    [business] = Account.objects.all()
    assert business.name == "My business"
    assert set(new.get_model("bots", "Bot").objects.values_list("pk", "account_id")) == {
        (ana.pk, business.pk),
        (ben.pk, business.pk),
    }
    assert set(Membership.objects.values_list("account_id", "user_id", "role")) == {
        (business.pk, alice.pk, "owner"),
        (business.pk, bob.pk, "owner"),
    }
    assert not Membership.objects.filter(user_id=root.pk).exists()
    assert set(new.get_model("conversations", "Tag").objects.values_list("name", "account_id")) == {
        ("vip", business.pk),
        ("lead", business.pk),
        ("unused", business.pk),
    }
    assert set(Contact.objects.values_list("pk", "account_id")) == {
        (pat.pk, business.pk),
        (ana_mail.pk, business.pk),
        (loner.pk, business.pk),
    }

    # Pat: both conversations, each keeping its pending follow-up (different bots).
    pat = Contact.objects.get(pk=pat.pk)
    assert (pat.bot_id, pat.phone, pat.first_name, pat.last_name, pat.timezone) == (
        ana.pk,
        PAT_PHONE,
        "Pat",
        "Lee",
        "Europe/Madrid",
    )
    assert pat.email == ""  # the loner has pat@x.com: an address stays with one contact
    conversations = {c.bot_id: c for c in Conversation.objects.filter(contact=pat)}
    assert {bot: c.pk for bot, c in conversations.items()} == {ana.pk: pat_at_ana.pk, ben.pk: pat_at_ben.pk}
    assert conversations[ben.pk].messages.count() == 3
    assert set(FollowUp.objects.filter(status="pending", conversation__contact=pat).values_list("pk", flat=True)) == {
        pending_at_ana.pk,
        pending_at_ben.pk,
    }
    assert sorted(pat.opt_outs.values_list("channel", flat=True)) == ["sms", "whatsapp"]
    assert set(pat.tags.values_list("name", flat=True)) == {"vip", "lead"}

    # Ana: one conversation with ana (both histories), one with ben; one pending follow-up.
    ana_mail = Contact.objects.get(pk=ana_mail.pk)
    assert (ana_mail.email, ana_mail.phone, ana_mail.first_name, ana_mail.timezone) == (
        "Ana@X.com",
        "+15555550200",
        "Ana",
        "America/Chicago",
    )
    merged = Conversation.objects.get(pk=kept_conversation.pk)
    assert not Conversation.objects.filter(pk=merged_conversation.pk).exists()
    assert set(Conversation.objects.filter(contact=ana_mail).values_list("pk", flat=True)) == {merged.pk, at_ben.pk}
    assert merged.messages.count() == 5
    assert merged.engine_events.count() == 2
    assert merged.last_inbound_at == T0 + timedelta(hours=1)
    assert dict(merged.follow_ups.values_list("pk", "status")) == {
        sent.pk: "sent",
        kept_pending.pk: "pending",
        merged_pending.pk: "cancelled",
    }
    assert FollowUp.objects.get(pk=merged_pending.pk).reason == "contacts_merged"
    assert sorted(ana_mail.opt_outs.values_list("channel", flat=True)) == ["email", "sms"]
    assert set(ana_mail.tags.values_list("name", flat=True)) == {"vip", "lead"}
    assert unused.pk in new.get_model("conversations", "Tag").objects.values_list("pk", flat=True)

    # Every conversation has at most one pending follow-up; nothing was lost.
    assert FollowUp.objects.count() == 6
    assert new.get_model("conversations", "Message").objects.count() == 2 + 3 + 2 + 3 + 1 + 1
    pending = FollowUp.objects.filter(status="pending").values_list("conversation_id", flat=True)
    assert len(pending) == len(set(pending)) == 4


@pytest.mark.parametrize("superuser", [False, True], ids=["empty", "only a superuser"])
def test_an_installation_without_bots_or_staff_gets_no_business(migrate, superuser):
    old = migrate(BEFORE)
    if superuser:
        old.get_model("auth", "User").objects.create(username="root", is_staff=True, is_superuser=True)
    new = migrate()
    assert not new.get_model("accounts", "Account").objects.exists()
    assert not new.get_model("accounts", "Membership").objects.exists()


def test_tags_without_bots_get_the_one_business(migrate):
    old = migrate(BEFORE)
    old.get_model("conversations", "Tag").objects.create(name="vip")
    new = migrate()
    [business] = new.get_model("accounts", "Account").objects.all()
    assert business.name == "My business"
    assert list(new.get_model("conversations", "Tag").objects.values_list("name", "account_id")) == [
        ("vip", business.pk)
    ]
