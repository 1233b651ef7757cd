"""Small builders for engine tests: a bot with its scenarios, a contact, a conversation."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from accounts.models import Account, Membership
from bots.models import Bot, WorkingWindow
from conversations.models import Contact, Conversation
from rules.working_hours import parse_windows
from scheduling.clock import VirtualClock

NY = ZoneInfo("America/New_York")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def make_account(name: str = "Test business") -> Account:
    return Account.objects.create(name=name)


def make_member(username: str, account: Account, role: str):
    """A staff user who is a member of `account` with `role` (password "x")."""
    user = get_user_model().objects.create_user(username, password="x", is_staff=True)
    Membership.objects.create(account=account, user=user, role=role)
    return user


def make_bot(*, cadences=None, hours=None, **fields) -> Bot:
    """A bot as the engine tests want it: contact hours off and no daily limit unless given
    (a new bot's own defaults are tested in test_engine_v2)."""
    fields.setdefault("contact_hours_enabled", False)
    fields.setdefault("max_follow_ups_per_day", None)
    fields.setdefault("account", fields.pop("account", None) or make_account())
    bot = Bot.objects.create(
        name=fields.pop("name", "Ana Dental"),
        timezone=fields.pop("timezone", "America/New_York"),
        booking_link=fields.pop("booking_link", "https://book.example.com/ana"),
        **fields,
    )
    cadences = {"stopped_replying": "5m, 15m", "busy": "30m, 2h", "specific_time": "1d", **(cadences or {})}
    for scenario in bot.scenarios.all():
        value = cadences[scenario.kind]
        scenario.enabled = value is not None
        scenario.cadence = value or ""
        scenario.save()
    for day, spans in parse_windows(hours).items():
        for start, end in spans:
            WorkingWindow.objects.create(bot=bot, weekday=day, start=start, end=end)
    return bot


def make_conversation(bot=None, *, channel="sms", phone="+15555550100", **contact_fields) -> Conversation:
    bot = bot or make_bot()
    contact = Contact.objects.create(
        bot=bot, first_name=contact_fields.pop("first_name", "Ana"), phone=phone, **contact_fields
    )
    return Conversation.objects.create(bot=bot, contact=contact, channel=channel)


def clock(text="2026-03-06T10:00:00-05:00") -> VirtualClock:
    return VirtualClock(at(text))


def make_due_follow_ups(n: int, *, phone_prefix="+1555", bot=None, due=None) -> list[int]:
    """`n` conversations, each with one pending, due, single-step follow-up (bulk inserts)."""
    from datetime import timedelta

    from django.utils import timezone

    from scheduling.models import FollowUp

    bot = bot or make_bot(name="Fault Dental", cadences={"stopped_replying": "5m", "busy": None, "specific_time": None})
    scenario = bot.scenario("stopped_replying")
    due = due or timezone.now() - timedelta(minutes=1)
    contacts = Contact.objects.bulk_create(
        [
            Contact(account_id=bot.account_id, bot=bot, first_name="Pat", phone=f"{phone_prefix}{i:07d}")
            for i in range(n)
        ],
        batch_size=2000,
    )
    conversations = Conversation.objects.bulk_create(
        [Conversation(bot=bot, contact=c, channel="sms") for c in contacts], batch_size=2000
    )
    follow_ups = FollowUp.objects.bulk_create(
        [
            FollowUp(
                conversation=c,
                bot=bot,
                scenario=scenario,
                kind=scenario.kind,
                step=1,
                steps_total=1,
                due_at=due,
                planned_at=due,
                late_from=due,
                channel="sms",
                created_at=due - timedelta(minutes=5),
            )
            for c in conversations
        ],
        batch_size=2000,
    )
    return [f.pk for f in follow_ups]
