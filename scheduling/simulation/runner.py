"""Running a scenario through the real engine on a virtual clock, in a transaction that
is always rolled back: the database is left exactly as it was."""

from datetime import datetime

from django.db import transaction

from accounts.models import Account
from bots.models import Bot, WorkingWindow
from channels_out.senders.console import RecordingSender
from conversations.models import Contact, Conversation
from scheduling import events as handlers
from scheduling.clock import VirtualClock
from scheduling.dispatch import dispatch_due
from scheduling.models import FollowUp
from scheduling.simulation.scenario_file import ScenarioSpec

MAX_STEPS = 100_000  # a runaway guard; a real scenario needs a few dozen


class _Rollback(Exception):
    pass


def simulate(spec: ScenarioSpec) -> dict:
    result = {}
    try:
        with transaction.atomic():
            result = _run(spec)
            raise _Rollback
    except _Rollback:
        pass
    return result


def _setup(spec: ScenarioSpec) -> Conversation:
    b = spec.bot
    bot = Bot.objects.create(
        account=Account.objects.create(name="Simulated business"),
        name=spec.name or "Simulated bot",
        timezone=b["timezone"],
        active=b.get("active", True),
        channel_switching=b.get("channel_switching", True),
        booking_link=b.get("booking_link") or "",
        # Absent in the file means off / no limit, whatever a new bot's defaults are.
        contact_hours_enabled=spec.contact_hours is not None,
        max_follow_ups_per_day=spec.max_follow_ups_per_day,
        **(
            dict(zip(("contact_hours_start", "contact_hours_end"), spec.contact_hours, strict=True))
            if spec.contact_hours
            else {}
        ),
    )
    WorkingWindow.objects.bulk_create(
        WorkingWindow(bot=bot, weekday=day, start=start, end=end)
        for day, spans in spec.windows.items()
        for start, end in spans
    )
    for scenario in bot.scenarios.all():
        conf = spec.scenarios[scenario.kind]
        scenario.enabled = conf["enabled"]
        scenario.cadence = conf["cadence"]
        scenario.use_custom_message = bool(conf["custom_messages"])
        scenario.custom_messages = conf["custom_messages"]
        scenario.save()
    c = spec.contact
    contact = Contact.objects.create(
        bot=bot,
        first_name=c.get("first_name") or "",
        phone=c.get("phone") or "",
        timezone=c.get("timezone") or "",
    )
    return Conversation.objects.create(bot=bot, contact=contact, channel=spec.channel)


def _next_due(conversation: Conversation):
    return (
        conversation.follow_ups.filter(status=FollowUp.Status.PENDING)
        .order_by("planned_at")
        .values_list("planned_at", flat=True)
        .first()
    )


def _run(spec: ScenarioSpec) -> dict:
    conversation = _setup(spec)
    clock = VirtualClock(spec.start)
    sender = RecordingSender()
    events = list(spec.events)
    for _ in range(MAX_STEPS):
        due = _next_due(conversation)
        event = events[0] if events else None
        # Follow-ups due at the very moment of an event go out first: they were due.
        if due is not None and due <= spec.until and (event is None or due <= event.at):
            clock.set(max(due, clock.now()))
            dispatch_due(clock, sender=sender)
        elif event is not None:
            clock.set(event.at)
            _apply(conversation, event, clock)
            events.pop(0)
        else:
            break
    return timeline(conversation, conversation.bot.tz)


def _apply(conversation: Conversation, event, clock) -> None:
    if event.type == "inbound":
        handlers.record_inbound(conversation, event.text, channel=event.channel, clock=clock)
    elif event.type == "outbound":
        handlers.record_outbound(conversation, event.text, clock=clock)
    elif event.type == "appointment_booked":
        handlers.record_appointment_booked(conversation, clock=clock, source="simulate")
    elif event.type == "bot_active":
        handlers.set_bot_active(conversation.bot, event.active)


def timeline(conversation: Conversation, tz) -> dict:
    def iso(moment):
        return moment.astimezone(tz).isoformat()

    out: dict[str, list[dict]] = {"sent": [], "cancelled": [], "skipped": [], "failed": []}
    rows = conversation.follow_ups.select_related("sent_message").order_by("id")
    for f in rows:
        base = {"scenario": f.kind, "step": f.step}
        if f.status == FollowUp.Status.SENT:
            assert f.sent_message is not None  # recorded in the same statement as the send
            entry = {"at": iso(f.sent_message.at), **base, "channel": f.channel}
            if f.deferred:
                entry["planned_for"] = iso(f.due_at)
            entry["text"] = f.text
            out["sent"].append(entry)
        elif f.status == FollowUp.Status.CANCELLED:
            out["cancelled"].append({"at": iso(f.finished_at), **base, "reason": f.reason})
        elif f.status == FollowUp.Status.SKIPPED:
            out["skipped"].append({"at": iso(f.planned_at), **base, "reason": f.reason})
        elif f.status == FollowUp.Status.FAILED:
            out["failed"].append({"at": iso(f.finished_at), **base, "reason": f.reason})
    for entries in out.values():
        entries.sort(key=lambda e: datetime.fromisoformat(e["at"]))
    return out
