"""What the Response Info page shows for one contact, read in a fixed number of queries.

Times are formatted here, once in the bot's time zone and once in the contact's, so the
template only lays them out.
"""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from conversations.models import Contact, Conversation, Message
from scheduling.models import EngineEvent, FollowUp

# What the engine's reason codes mean to a business owner; unknown ones (a provider's
# error text) are shown as they are.
REASONS = {
    "contact_replied": "The contact replied, so the follow-up logic started again.",
    "appointment_booked": "An appointment was booked.",
    "conversation_stopped": "The conversation was stopped.",
    "bot_inactive": "The bot was switched off when it came due.",
    "scenario_disabled": "The scenario was disabled when it came due.",
    "outside_messaging_window": "Past the platform's 24-hour window, with no phone number to switch to SMS.",
    "opted_out": "The contact opted out: no follow-up on any channel until they send START.",
    "no_sending_window": "No time inside both the working hours and the contact hours within 7 days.",
    "too_late": "It could only have gone out later than the bot's late cut-off after its planned time.",
    "replanned": "A newer message restarted the cadence while this one was waiting for the provider.",
    "daily_limit": "The contact had already had the bot's daily limit of follow-ups in the last 24 hours.",
    "send_outcome_unknown": "The send started but no outcome was recorded; it is never retried.",
}

INTENTS = {
    "opt_out": "opt-out",
    "opt_in": "opt-in",
    "not_interested": "not interested",
    "booked": "booked",
    "specific_time": "asked for a specific time",
    "busy": "busy",
    "other": "other",
}

STOP_REASONS = {
    "opt_out": "the contact opted out",
    "not_interested": "the contact is not interested",
    "booked": "the contact said they booked",
    "appointment_booked": "an appointment was booked",
}


def local(value: datetime, tz: ZoneInfo) -> str:
    """"Sat 7 Mar 2026, 09:00 EST": the zone's abbreviation labels every time."""
    value = value.astimezone(tz)
    return f"{value:%a} {value.day} {value:%b %Y, %H:%M %Z}"


@dataclass(frozen=True)
class Moment:
    """One instant, as the bot and as the contact read it."""

    bot: str
    contact: str


@dataclass(frozen=True)
class MessageRow:
    message: Message
    at: Moment
    direction: str
    author: str
    channel: str
    intent: str = ""
    requested: Moment | None = None


@dataclass(frozen=True)
class FollowUpRow:
    follow_up: FollowUp
    scenario: str
    step: str
    planned: Moment
    originally_due: Moment | None  # set when working hours moved it
    created: Moment
    finished: Moment | None
    channel: str
    status: str
    status_label: str
    reason: str
    reason_code: str
    delivery: str
    trigger: MessageRow | None
    sent_text: str


@dataclass(frozen=True)
class EventRow:
    at: Moment
    kind: str
    detail: str


@dataclass
class ConversationInfo:
    conversation: Conversation
    channel: str
    stopped: bool
    stopped_reason: str
    last_inbound: Moment | None
    messages: list[MessageRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)


@dataclass
class ResponseInfo:
    contact: Contact
    bot_zone: str
    contact_zone: str
    contact_zone_is_own: bool  # False: the contact has none, the bot's is used
    follow_ups: list[FollowUpRow]
    conversations: list[ConversationInfo]
    opted_out: list[str]
    tags: list[str]


def build(contact: Contact) -> ResponseInfo:
    """`contact` should come with bot selected and tags and opt_outs prefetched."""
    bot_tz, contact_tz = contact.bot.tz, contact.tz

    def moment(value: datetime | None) -> Moment | None:
        if value is None:
            return None
        return Moment(local(value, bot_tz), local(value, contact_tz))

    def message_row(m: Message) -> MessageRow:
        inbound = m.direction == Message.Direction.INBOUND
        return MessageRow(
            message=m, at=moment(m.at), direction=m.get_direction_display(), author=m.get_author_display(),
            channel=m.get_channel_display(), intent=INTENTS.get(m.intent, m.intent) if inbound else "",
            requested=moment(m.requested_at) if inbound else None,
        )

    conversations = list(contact.conversations.order_by("created_at", "id"))
    messages = Message.objects.filter(conversation__contact=contact).order_by("at", "id")
    events = EngineEvent.objects.filter(conversation__contact=contact).order_by("-at", "-id")
    follow_ups = (
        FollowUp.objects.filter(conversation__contact=contact)
        .select_related("trigger_message")
        .order_by("-planned_at", "-id")
    )

    infos = {
        c.pk: ConversationInfo(
            conversation=c, channel=c.get_channel_display(), stopped=c.stopped,
            stopped_reason=STOP_REASONS.get(c.stopped_reason, c.stopped_reason),
            last_inbound=moment(c.last_inbound_at),
        )
        for c in conversations
    }
    for m in messages:
        infos[m.conversation_id].messages.append(message_row(m))
    for e in events:
        infos[e.conversation_id].events.append(EventRow(moment(e.at), e.kind.replace("_", " "), e.detail))

    rows = [
        FollowUpRow(
            follow_up=f,
            scenario=f.get_kind_display(),
            step=f"{f.step} of {f.steps_total}",
            planned=moment(f.planned_at),
            originally_due=moment(f.due_at) if f.deferred else None,
            created=moment(f.created_at),
            finished=moment(f.finished_at),
            channel=f.get_channel_display() if f.channel else "",
            status=f.status,
            status_label=f.get_status_display(),
            reason=REASONS.get(f.reason, f.reason),
            reason_code=f.reason if f.reason in REASONS else "",
            delivery=f.get_delivery_status_display() if f.delivery_status else "",
            trigger=message_row(f.trigger_message) if f.trigger_message else None,
            sent_text=f.text,
        )
        for f in follow_ups
    ]
    return ResponseInfo(
        contact=contact,
        bot_zone=contact.bot.timezone,
        contact_zone=contact.timezone or contact.bot.timezone,
        contact_zone_is_own=bool(contact.timezone),
        follow_ups=rows,
        conversations=list(infos.values()),
        opted_out=sorted(o.get_channel_display() for o in contact.opt_outs.all()),
        tags=sorted(t.name for t in contact.tags.all()),
    )


def contact_queryset():
    return Contact.objects.select_related("bot").prefetch_related("tags", "opt_outs")
