"""One handler per event of a conversation. Webhooks, the API, the admin and `simulate`
all come through here, so production and simulation run the very same rules.

Each handler locks the conversation row for its transaction: events of one conversation
are applied one at a time, in order, whatever process receives them.
"""

from django.db import IntegrityError, transaction

from bots.models import Bot
from conversations import classifier
from conversations.classifier.types import Classification, ClassifyInput, HistoryItem
from conversations.models import Conversation, Message, OptOut
from rules import steps
from scheduling import outcomes, planning
from scheduling.claims import release_bot_claims
from scheduling.clock import system_clock
from scheduling.models import EngineEvent, FollowUp
from scheduling.sql import lock_and_refresh, lock_by_phone, locked_conversation, save_columns
from vocabulary import STOPPING_INTENTS, Intent, Note, Reason, ScenarioKind

HISTORY_LENGTH = 20
# While one of these is pending, the bot's own messages don't restart stopped-replying.
CONTACT_LED = (ScenarioKind.BUSY, ScenarioKind.SPECIFIC_TIME)


def _last_outbound_text() -> tuple[str, list]:
    """The text of the conversation's latest outbound message, a subquery of the lock's
    statement (scheduling.sql): all of the history the rule classifier reads."""
    return (
        f"SELECT m.text FROM {Message._meta.db_table} m WHERE m.conversation_id = c.id AND m.direction = %s "
        "ORDER BY m.at DESC, m.id DESC LIMIT 1",
        [Message.Direction.OUTBOUND],
    )


def _history(conversation: Conversation, model: str, last_outbound: str | None) -> tuple[HistoryItem, ...]:
    if not model:  # the rules read the last outbound message only: the lock's query brought it
        return () if last_outbound is None else (HistoryItem(Message.Direction.OUTBOUND, last_outbound),)
    recent = conversation.messages.order_by("-at", "-id").values_list("direction", "text")[:HISTORY_LENGTH]
    return tuple(HistoryItem(direction, text) for direction, text in reversed(recent))


def _recorded(conversation: Conversation, provider_id: str) -> Message | None:
    """The message already recorded under this provider id: webhooks and API clients retry."""
    return conversation.messages.filter(provider_id=provider_id).first() if provider_id else None


def classify_inbound(conversation: Conversation, text: str, now, *, last_outbound: str | None = None) -> Classification:
    """`last_outbound`: the last outbound message's text, all the rules read of the history;
    a model reads the recent history itself."""
    bot = conversation.bot
    return classifier.classify(
        ClassifyInput(
            text=text,
            now=now,
            tz=conversation.contact.tz,
            history=_history(conversation, classifier.selected_model(bot.ai_model), last_outbound),
            booking_link=bot.booking_link,
            model=bot.ai_model,
        )
    )


def record_inbound(
    conversation: Conversation, text: str, *, channel: str = "", provider_id: str = "", clock=system_clock
) -> Message:
    """The contact wrote: reset the logic, then act on what they said. `conversation` comes
    with its bot and contact (as the directory's lookups give it).

    A model's classification (a network call) runs first, outside any transaction, so no
    lock is held across the network. The rules are pure and fast: they classify under the
    lock, from what the lock's statement read. A provider id seen before returns the first
    message unchanged (Twilio retries webhooks): the unique constraint on inbound provider
    ids decides, so a new message pays for no check before its insert.
    """
    now = clock.now()
    result = None
    if classifier.selected_model(conversation.bot.ai_model):
        if existing := _recorded(conversation, provider_id):  # a retry does not pay for a model call
            return existing
        result = classify_inbound(conversation, text, now)
    try:
        with transaction.atomic():
            context = lock_and_refresh(conversation, **_reply_context(now))
            return _record_locked(conversation, context, text, channel, provider_id, now, result)
    except IntegrityError:
        if existing := _recorded(conversation, provider_id):  # a retry, recorded before or meanwhile
            return existing
        raise


def record_reply(
    bot_id: int, phone: str, text: str, *, channel: str, provider_id: str = "", clock=system_clock
) -> Message | None:
    """record_inbound for a webhook's usual sender, a known contact: finding and locking
    their conversation take one statement. None when the contact or the conversation is new
    (the caller creates them, then calls record_inbound)."""
    now = clock.now()
    conversation = None
    try:
        with transaction.atomic():
            found = lock_by_phone(bot_id, phone, **_reply_context(now))
            if found is None:
                return None
            conversation, context = found
            if not classifier.selected_model(conversation.bot.ai_model):
                return _record_locked(conversation, context, text, channel, provider_id, now, None)
    except IntegrityError:
        if conversation is not None and (existing := _recorded(conversation, provider_id)):
            return existing
        raise
    # A model classifies before the lock is taken: record_inbound's way (this lock is released).
    return record_inbound(conversation, text, channel=channel, provider_id=provider_id, clock=clock)


def _reply_context(now) -> dict[str, tuple[str, list]]:
    """What a reply reads under the lock besides the conversation's row (scheduling.sql)."""
    return {"last_outbound_text": _last_outbound_text(), "latest_sent": outcomes.latest_sent_before(FollowUp, now)}


def _record_locked(conversation, context, text, channel, provider_id, now, result) -> Message:
    """The message and its consequences, under the conversation's lock; `result`: the
    classification when a model made it before the lock, else None (the rules, now)."""
    result = result or classify_inbound(conversation, text, now, last_outbound=context["last_outbound_text"])
    message = Message.objects.create(
        conversation=conversation,
        direction=Message.Direction.INBOUND,
        author=Message.Author.CONTACT,
        channel=channel or conversation.channel,
        text=text,
        at=now,
        provider_id=provider_id,
        intent=result.intent,
        requested_at=result.follow_up_at,
        classified_by=result.source,
    )
    _apply_inbound(conversation, message, result, latest_sent=context["latest_sent"])
    return message


def _apply_inbound(conversation: Conversation, message: Message, result: Classification, *, latest_sent) -> None:
    now = message.at
    planning.cancel_pending(conversation, reason=Reason.CONTACT_REPLIED, at=now)
    if latest_sent is not None:  # no follow-up went out before: none to credit
        outcomes.credit_inbound(FollowUp, conversation.pk, now, result.intent, latest_sent=latest_sent)
    conversation.last_inbound_at = now
    conversation.channel = message.channel
    notes: list[EngineEvent] = []
    if conversation.stopped:
        conversation.stopped, conversation.stopped_reason = False, ""
        notes.append(planning.make_note(conversation, now, Note.RESUMED, "the contact wrote again after a stop"))
    contact = conversation.contact
    if result.intent == Intent.OPT_OUT:
        # One row per channel said on (a constraint): a second STOP on it keeps the first.
        OptOut.objects.bulk_create([OptOut(contact=contact, channel=message.channel, at=now)], ignore_conflicts=True)
        detail = f"opted out of every channel (said on {message.get_channel_display()})"
        notes.append(planning.make_note(conversation, now, Note.OPTED_OUT, detail))
    elif result.intent == Intent.OPT_IN and OptOut.objects.filter(contact=contact).delete()[0]:
        notes.append(planning.make_note(conversation, now, Note.OPTED_IN, "opted back in to every channel"))
    if result.intent in STOPPING_INTENTS:
        conversation.stopped, conversation.stopped_reason = True, result.intent
        notes.append(planning.make_note(conversation, now, Note.STOPPED, result.intent))
    save_columns(conversation, "last_inbound_at", "channel", "stopped", "stopped_reason")
    EngineEvent.objects.bulk_create(notes)

    if conversation.paused:  # a person paused follow-ups: a reply does not lift that
        return
    if result.intent == Intent.BUSY:
        _start(conversation, ScenarioKind.BUSY, anchor=now, trigger=message)
    elif result.intent == Intent.SPECIFIC_TIME and result.follow_up_at:
        _start(conversation, ScenarioKind.SPECIFIC_TIME, anchor=result.follow_up_at, trigger=message)


def _start(conversation: Conversation, kind: str, *, anchor, trigger: Message):
    scenario = conversation.bot.live_scenario(kind)
    if scenario is None:
        return None
    due_at = steps.first_due(kind, scenario.delays, anchor, conversation.bot.tz)
    return planning.plan(conversation, scenario, step=1, due_at=due_at, now=trigger.at, trigger=trigger)


def record_outbound(
    conversation: Conversation,
    text: str,
    *,
    author: str = Message.Author.BOT,
    channel: str = "",
    provider_id: str = "",
    clock=system_clock,
) -> Message:
    """The bot or a human agent wrote (not a follow-up): (re)start stopped-replying from here."""
    with transaction.atomic():
        conversation = locked_conversation(conversation.pk)
        if existing := _recorded(conversation, provider_id):
            return existing
        now = clock.now()
        message = Message.objects.create(
            conversation=conversation,
            direction=Message.Direction.OUTBOUND,
            author=author,
            channel=channel or conversation.channel,
            text=text,
            at=now,
            provider_id=provider_id,
        )
        if conversation.stopped or conversation.paused:
            return message
        live = list(planning.live_follow_ups(conversation).select_related("scenario"))
        if any(f.kind in CONTACT_LED for f in live):
            return message
        pending = next((f for f in live if f.status == FollowUp.Status.PENDING), None)
        scenario = conversation.bot.live_scenario(ScenarioKind.STOPPED_REPLYING)
        if scenario is None:
            return message
        due_at = steps.first_due(scenario.kind, scenario.delays, now, conversation.bot.tz)
        if due_at is None:  # a cadence without steps (refused by the admin) plans nothing
            return message
        if pending is not None:
            planning.replan_first_step(pending, due_at=due_at, now=now, trigger=message)
        else:
            planning.plan(conversation, scenario, step=1, due_at=due_at, now=now, trigger=message)
    return message


def record_appointment_booked(conversation: Conversation, *, clock=system_clock, source: str = "api") -> int:
    """An appointment was booked: every pending follow-up is cancelled and the conversation stops."""
    with transaction.atomic():
        conversation = locked_conversation(conversation.pk)
        now = clock.now()
        cancelled = planning.cancel_pending(conversation, reason=Reason.APPOINTMENT_BOOKED, at=now)
        conversation.stopped, conversation.stopped_reason = True, Reason.APPOINTMENT_BOOKED
        conversation.save(update_fields=["stopped", "stopped_reason"])
        planning.note(conversation, now, Note.STOPPED, f"{outcomes.BOOKING_NOTE} ({source})")
        outcomes.credit_booking(FollowUp, conversation.pk, now)
    return cancelled


def set_bot_active(bot: Bot, active: bool, *, clock=system_clock) -> None:
    """Switching a bot off plans nothing and cancels nothing: due follow-ups are skipped
    (bot_inactive) by the dispatcher, which reads the flag at send time. Follow-ups a
    dispatcher claimed but has not handed to the provider go back to be checked again, so
    nothing goes out once the switch-off is acknowledged."""
    with transaction.atomic():
        Bot.objects.filter(pk=bot.pk).update(active=active)
        if not active:
            release_bot_claims(bot.pk, clock.now())
    bot.active = active
