"""`python manage.py demo`: a dental practice's bot with a few contacts, for clicking around,
the superuser `admin` (the agency) and the practice's owner `owner`, who sees only it.

The follow-ups are made by the real engine: the conversations are played on a virtual
clock over the last days, and due follow-ups go through the dispatcher's own per-row
handling (scheduling.dispatch.handle_claimed) with a recording sender, so every status on
the Response Info page is one the engine really produced.
Running it again resets the demo bot and plays the story anew relative to now.
"""

import uuid
from collections import Counter
from datetime import time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Membership, Role
from bots.models import Bot, WorkingWindow
from channels_out.senders.console import RecordingSender
from conversations.models import Contact, Conversation, Message, Tag
from rules.localtime import at_local
from scheduling import dispatch, events
from scheduling.clock import VirtualClock
from scheduling.models import FollowUp
from vocabulary import ScenarioKind
from workflows.models import Workflow, WorkflowAction

BOT_NAME = "Bright Smile Dental"
BOOKING_LINK = "https://brightsmile.example/book"
CADENCES: dict[str, str] = {
    ScenarioKind.STOPPED_REPLYING: "15m, 1d",
    ScenarioKind.BUSY: "2h, 1d",
    ScenarioKind.SPECIFIC_TIME: "1d",
}
# weekday -> windows; Sunday closed.
HOURS = {
    **{day: [(time(8), time(12)), (time(13), time(18))] for day in range(5)},
    5: [(time(9), time(13))],
}
MAX_DISPATCH_ROUNDS = 1000  # a runaway guard; the story needs a dozen


class Command(BaseCommand):
    help = "Create (or reset) the Bright Smile Dental demo bot, its contacts and their follow-ups."

    def handle(self, *args, **options):
        self._superuser()
        with transaction.atomic():
            bot = _reset_bot()
            first = _play_story(bot, timezone.now())
            self._owner(bot.account)
        base = (getattr(settings, "PUBLIC_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
        counts = ", ".join(f"{n} {status}" for status, n in _status_counts(bot).items())
        self.stdout.write(self.style.SUCCESS(f"Demo bot “{bot.name}” ready: follow-ups {counts}."))
        self.stdout.write(f"Admin:         {base}{reverse('admin:index')}")
        self.stdout.write(f"Response Info: {base}{reverse('response_info', args=[first.pk])}  ({first})")

    def _superuser(self):
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            self.stdout.write("Superuser “admin” exists (password unchanged).")
            return
        User.objects.create_superuser("admin", "admin@example.com", "admin")
        self.stdout.write("Created superuser: username admin, password admin")

    def _owner(self, account):
        """The business's owner, who sees only it: to try the console as a customer would."""
        User = get_user_model()
        user = User.objects.filter(username="owner").first()
        if user is None:
            user = User.objects.create_user("owner", "owner@example.com", "owner", is_staff=True)
            self.stdout.write(f"Created owner of “{account}”: username owner, password owner (sees only it)")
        else:
            self.stdout.write(f"User “owner” exists (password unchanged); owner of “{account}”.")
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        Membership.objects.update_or_create(account=account, user=user, defaults={"role": Role.OWNER})


def _status_counts(bot) -> dict[str, int]:
    return dict(
        sorted(Counter(FollowUp.objects.filter(conversation__bot=bot).values_list("status", flat=True)).items())
    )


def _reset_bot() -> Bot:
    old = Bot.objects.filter(name=BOT_NAME)
    # Follow-ups protect their scenario: remove them before the bot's cascade does the rest.
    FollowUp.objects.filter(conversation__bot__in=old).delete()
    old.delete()

    bot = Bot.objects.create(
        account=Account.objects.get_or_create(name=BOT_NAME)[0],
        name=BOT_NAME,
        timezone="America/New_York",
        booking_link=BOOKING_LINK,
        business_context="Family dental practice in Brooklyn: cleanings, fillings, whitening, "
        "Invisalign. Open weekdays and Saturday mornings.",
    )
    WorkingWindow.objects.bulk_create(
        WorkingWindow(bot=bot, weekday=day, start=start, end=end)
        for day, spans in HOURS.items()
        for start, end in spans
    )
    workflow = Workflow.objects.create(bot=bot, name="Tag busy contacts")
    WorkflowAction.objects.create(workflow=workflow, kind=WorkflowAction.Kind.ADD_TAG, tag="followed-up")
    for scenario in bot.scenarios.all():  # created with the bot by bots.signals
        scenario.cadence = CADENCES[scenario.kind]
        scenario.full_clean()
        scenario.save()
    workflow.scenarios.set(bot.scenarios.filter(kind=ScenarioKind.BUSY))
    return bot


def _conversation(bot, channel, **contact_fields) -> Conversation:
    contact = Contact.objects.create(bot=bot, **contact_fields)
    return Conversation.objects.create(bot=bot, contact=contact, channel=channel)


def _play_story(bot: Bot, now) -> Contact:
    """Each contact's events, merged in time order and played with dispatches in between."""
    tz = bot.tz
    today = now.astimezone(tz).date()
    last_monday = today - timedelta(days=today.weekday() + 7)

    def last_week(day_offset, hour, minute=0):
        return at_local(last_monday + timedelta(days=day_offset), time(hour, minute), tz)

    maria = _conversation(
        bot,
        "sms",
        first_name="Maria",
        last_name="Lopez",
        phone="+15555550101",
        email="maria@example.com",
        timezone="America/Los_Angeles",
    )
    james = _conversation(bot, "whatsapp", first_name="James", last_name="Carter", phone="+15555550102")
    priya = _conversation(
        bot, "live_chat", first_name="Priya", last_name="Shah", phone="+15555550103", email="priya@example.com"
    )
    tom = _conversation(bot, "sms", first_name="Tom", last_name="Becker", phone="+15555550104")
    james.contact.tags.add(Tag.objects.get_or_create(account=bot.account, name="whitening")[0])

    def says(conversation, text):
        return lambda clock: events.record_inbound(conversation, text, clock=clock)

    def bot_says(conversation, text, author=Message.Author.BOT):
        return lambda clock: events.record_outbound(conversation, text, author=author, clock=clock)

    def booked(conversation):
        return lambda clock: events.record_appointment_booked(conversation, clock=clock, source="demo")

    story = [
        # Maria: written to just before closing (deferred to the next morning), busy the next
        # day (cancels stopped-replying, starts busy), and today asks for "tomorrow at 3pm"
        # in her own time zone, which is after hours in New York: deferred again.
        (last_week(0, 17, 50), bot_says(maria, f"Hi Maria, it's time for your cleaning! Book here: {BOOKING_LINK}")),
        (last_week(1, 10), says(maria, "Sorry, I'm in a meeting right now")),
        (now - timedelta(hours=1), says(maria, "Can you call me tomorrow at 3pm?")),
        # James: asked about whitening a few hours ago; the bot answered, he went quiet.
        (now - timedelta(hours=3), says(james, "Hi, do you do teeth whitening?")),
        (
            now - timedelta(hours=3) + timedelta(minutes=1),
            bot_says(james, f"We do! A whitening session takes about an hour. Book here: {BOOKING_LINK}"),
        ),
        # Priya: a front-desk agent answered her, then booked her in by phone.
        (now - timedelta(minutes=10), says(priya, "Hi, I need to reschedule my cleaning")),
        (now - timedelta(minutes=9), bot_says(priya, "Of course! Which day suits you?", author=Message.Author.AGENT)),
        (now - timedelta(minutes=2), booked(priya)),
        # Tom: opted out by SMS keyword.
        (now - timedelta(minutes=30), bot_says(tom, "Hi Tom, your 6-month check-up is due. Shall we book it?")),
        (now - timedelta(minutes=20), says(tom, "STOP")),
    ]
    story.sort(key=lambda item: item[0])

    clock, sender = VirtualClock(story[0][0]), RecordingSender()
    for at, event in story:
        _send_due(bot, clock, sender, until=at)
        clock.set(at)
        event(clock)
    _send_due(bot, clock, sender, until=now)
    return maria.contact


def _send_due(bot, clock, sender, *, until):
    """Move the clock to each of the bot's follow-ups due by `until`, in order, and send it
    the way the dispatcher does. Only this bot's rows are claimed: other bots' follow-ups
    in the same database must never be "sent" to the recording sender."""
    for _ in range(MAX_DISPATCH_ROUNDS):
        mine = FollowUp.objects.filter(conversation__bot=bot, status=FollowUp.Status.PENDING)
        follow_up = mine.filter(planned_at__lte=until).order_by("planned_at", "id").first()
        if follow_up is None:
            return
        clock.set(max(follow_up.planned_at, clock.now()))
        token = uuid.uuid4().hex
        if mine.filter(pk=follow_up.pk).update(
            status=FollowUp.Status.SENDING, claimed_at=clock.now(), claim_token=token
        ):
            follow_up = FollowUp.objects.select_related(
                "scenario", "conversation__bot", "conversation__contact", "trigger_message"
            ).get(pk=follow_up.pk)
            dispatch.handle_claimed(follow_up, token, clock, sender=sender)
