"""One handler per event of a conversation. Webhooks, the API, the admin and `simulate`
all come through here, so production and simulation run the very same rules.

Each handler locks the conversation row for its transaction: events of one conversation
are applied one at a time, in order, whatever process receives them.
"""

from django.db import transaction

from bots.models import Bot
from conversations import classifier
from conversations.classifier.types import Classification, ClassifyInput, HistoryItem
from conversations.models import Conversation, Message, OptOut
from rules import steps
from scheduling import outcomes, planning
from scheduling.claims import release_bot_claims
from scheduling.clock import system_clock
from scheduling.models import FollowUp
from vocabulary import STOPPING_INTENTS, Intent, Note, Reason, ScenarioKind

HISTORY_LENGTH = 20
# While one of these is pending, the bot's own messages don't restart stopped-replying.
CONTACT_LED = (ScenarioKind.BUSY, ScenarioKind.SPECIFIC_TIME)


def _locked(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().select_related("bot", "contact").get(pk=conversation.pk)


def _history(conversation: Conversation) -> tuple[HistoryItem, ...]:
    recent = conversation.messages.order_by("-at", "-id").values_list("direction", "text")[:HISTORY_LENGTH]
    return tuple(HistoryItem(direction, text) for direction, text in reversed(recent))


def _recorded(conversation: Conversation, provider_id: str) -> Message | None:
    """The message already recorded under this provider id: webhooks and API clients retry."""
    return conversation.messages.filter(provider_id=provider_id).first() if provider_id else None


def classify_inbound(conversation: Conversation, text: str, now) -> Classification:
    bot = conversation.bot
    return classifier.classify(
        ClassifyInput(
            text=text,
            now=now,
            tz=conversation.contact.tz,
            history=_history(conversation),
            booking_link=bot.booking_link,
            model=bot.ai_model,
        )
    )


def record_inbound(
    conversation: Conversation, text: str, *, channel: str = "", provider_id: str = "", clock=system_clock
) -> Message:
    """The contact wrote: reset the logic, then act on what they said.

    Classification (maybe a model call) runs before the transaction, so no lock is held
    across the network. A provider id seen before returns the first message unchanged:
    Twilio retries webhooks.
    """
    if existing := _recorded(conversation, provider_id):
        return existing
    now = clock.now()
    result = classify_inbound(conversation, text, now)
    with transaction.atomic():
        conversation = _locked(conversation)
        if existing := _recorded(conversation, provider_id):  # a concurrent retry won
            return existing
        channel = channel or conversation.channel
        message = Message.objects.create(
            conversation=conversation,
            direction=Message.Direction.INBOUND,
            author=Message.Author.CONTACT,
            channel=channel,
            text=text,
            at=now,
            provider_id=provider_id,
            intent=result.intent,
            requested_at=result.follow_up_at,
            classified_by=result.source,
        )
        _apply_inbound(conversation, message, result)
    return message


def _apply_inbound(conversation: Conversation, message: Message, result: Classification) -> None:
    now = message.at
    planning.cancel_pending(conversation, reason=Reason.CONTACT_REPLIED, at=now)
    outcomes.credit_inbound(FollowUp, conversation.pk, now, result.intent)
    conversation.last_inbound_at = now
    conversation.channel = message.channel
    if conversation.stopped:
        conversation.stopped, conversation.stopped_reason = False, ""
        planning.note(conversation, now, Note.RESUMED, "the contact wrote again after a stop")
    contact = conversation.contact
    if result.intent == Intent.OPT_OUT:
        OptOut.objects.get_or_create(contact=contact, channel=message.channel, defaults={"at": now})
        planning.note(
            conversation, now, Note.OPTED_OUT, f"opted out of every channel (said on {message.get_channel_display()})"
        )
    elif result.intent == Intent.OPT_IN and OptOut.objects.filter(contact=contact).delete()[0]:
        planning.note(conversation, now, Note.OPTED_IN, "opted back in to every channel")
    if result.intent in STOPPING_INTENTS:
        conversation.stopped, conversation.stopped_reason = True, result.intent
        planning.note(conversation, now, Note.STOPPED, result.intent)
    conversation.save(update_fields=["last_inbound_at", "channel", "stopped", "stopped_reason"])

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
        conversation = _locked(conversation)
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
        conversation = _locked(conversation)
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
