"""What the Response Info page shows for one contact, read in a fixed number of queries.

Times are formatted here, once in the bot's time zone and once in the contact's, so the
template only lays them out.
"""

from dataclasses import dataclass, field
from datetime import datetime

from console import preview
from console.display import code_of, label, local, stop_reason
from conversations.models import Contact, Conversation, Message
from scheduling.models import EngineEvent, FollowUp
from vocabulary import Intent, Note, Reason


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
    intent_code: str = ""
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
    delivery_code: str
    trigger: MessageRow | None
    sent_text: str


@dataclass(frozen=True)
class EventRow:
    at: Moment
    kind: str
    kind_code: str
    detail: str


@dataclass
class ConversationInfo:
    conversation: Conversation
    channel: str
    stopped: bool
    stopped_reason: str
    stopped_code: str
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
    coming_next: list[preview.ComingNext] = field(default_factory=list)  # after each live follow-up


def build(contact: Contact, now: datetime | None = None) -> ResponseInfo:
    """`contact` should come from contact_queryset(). `now`: the engine's clock (default: the
    system's), from which the steps still to come are projected."""
    bot_tz, contact_tz = contact.bot.tz, contact.tz

    def moment(value: datetime) -> Moment:
        return Moment(local(value, bot_tz), local(value, contact_tz))

    def maybe_moment(value: datetime | None) -> Moment | None:
        return None if value is None else moment(value)

    def message_row(m: Message) -> MessageRow:
        inbound = m.direction == Message.Direction.INBOUND
        return MessageRow(
            message=m,
            at=moment(m.at),
            direction=m.get_direction_display(),
            author=m.get_author_display(),
            channel=m.get_channel_display(),
            intent=label(Intent, m.intent) if inbound else "",
            intent_code=m.intent if inbound else "",
            requested=maybe_moment(m.requested_at) if inbound else None,
        )

    conversations = list(contact.conversations.order_by("created_at", "id"))
    messages = Message.objects.filter(conversation__contact=contact).order_by("at", "id")
    events = EngineEvent.objects.filter(conversation__contact=contact).order_by("-at", "-id")
    follow_ups = (
        FollowUp.objects.filter(conversation__contact=contact)
        .select_related("trigger_message", "scenario")
        .order_by("-planned_at", "-id")
    )

    infos = {
        c.pk: ConversationInfo(
            conversation=c,
            channel=c.get_channel_display(),
            stopped=c.stopped,
            stopped_reason=stop_reason(c.stopped_reason),
            stopped_code=c.stopped_reason,
            last_inbound=maybe_moment(c.last_inbound_at),
        )
        for c in conversations
    }
    for m in messages:
        infos[m.conversation_id].messages.append(message_row(m))
    for e in events:
        infos[e.conversation_id].events.append(
            EventRow(moment(e.at), label(Note, e.kind).replace("_", " "), e.kind, e.detail)
        )

    rows = [
        FollowUpRow(
            follow_up=f,
            scenario=f.get_kind_display(),
            step=f"{f.step} of {f.steps_total}",
            planned=moment(f.planned_at),
            originally_due=maybe_moment(f.due_at) if f.deferred else None,
            created=moment(f.created_at),
            finished=maybe_moment(f.finished_at),
            channel=f.get_channel_display() if f.channel else "",
            status=f.status,
            status_label=f.get_status_display(),
            reason=label(Reason, f.reason),
            reason_code=code_of(Reason, f.reason),
            delivery=f.get_delivery_status_display() if f.delivery_status else "",
            delivery_code=f.delivery_status,
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
        coming_next=preview.coming_next(contact, conversations, list(follow_ups), now),
    )


def contact_queryset():
    return Contact.objects.select_related("bot").prefetch_related("tags", "opt_outs", "bot__working_windows")
