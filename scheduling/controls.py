"""What a person does to a conversation from the console: reply, pause and resume its
follow-ups, cancel them. The console's pages call these; the rules are the engine's own.

Each change is made under the conversation's row lock, like the event handlers
(scheduling/events.py), and takes back claimed rows that were not handed over with the same
conditional statement a contact's reply uses (planning.cancel_pending): a dispatcher's
hand-over either committed first (the message was already in the provider's hands) or
finds the row cancelled and sends nothing. Who did it is kept on the follow-up
(`cancelled_by`, the conversation's `paused_by`) and in an engine note, which the Response
Info page shows.

A reply is checked (bot on, no opt-out, a channel that can still reach the contact), its
form's one-time token claimed (a unique row: a second submit of the same form sends
nothing), sent through the channel's sender with no transaction open, then recorded as an
agent's message through events.record_outbound, which restarts stopped-replying from it.
"""

import logging
import secrets
import time
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction

from channels_out import routing
from channels_out.pacing import pacer, pacing_key
from channels_out.segments import segments
from channels_out.senders.base import Outgoing, ProviderBusy, SendError
from conversations.models import Contact, Conversation, Message
from rules import steps
from rules.channel_choice import WINDOWED_CHANNELS, choose_channel
from scheduling import events, planning
from scheduling.clock import system_clock
from scheduling.models import AgentReply, FollowUp
from scheduling.sql import locked_conversation
from vocabulary import Channel, Intent, Note, Reason, ScenarioKind

log = logging.getLogger("followups.controls")

MAX_REPLY_LENGTH = 1600  # Twilio's limit for one message's body
PACED_CHANNELS = frozenset({Channel.SMS, Channel.WHATSAPP})


class NotSent(Exception):
    """The reply was not sent; str() tells the person why. `unknown`: it may have been."""

    def __init__(self, message: str, *, unknown: bool = False):
        super().__init__(message)
        self.unknown = unknown


class AlreadySubmitted(NotSent):
    """This form's reply was submitted before: it is sent once."""


class Resumed(NamedTuple):
    resumed: bool  # False: follow-ups were not paused
    planned: FollowUp | None  # what the resume planned, if anything


def who(user) -> str:
    if user is None:
        return "someone"
    return user.get_full_name() or user.get_username()


def new_reply_token() -> str:
    """For one reply form: a second submit of that form carries the same token."""
    return secrets.token_urlsafe(24)


# --- replying ----------------------------------------------------------------------------------


def reply_channel(conversation: Conversation, now) -> str:
    """The channel a reply written at `now` goes out on; NotSent saying why none can.

    The conversation's channel; past the 24-hour window of Facebook, Instagram or WhatsApp,
    SMS when the engine's channel rules allow it (channel switching on, a phone known), else
    none. Live chat stays live chat: the engine moves follow-ups to SMS once a chat went
    quiet, but a person answering answers where the contact wrote.
    """
    bot, contact = conversation.bot, conversation.contact
    if not bot.active:
        raise NotSent(f"The bot “{bot}” is switched off: switch it on to reply through it.")
    if contact.opted_out:
        raise NotSent(f"{contact} opted out: no message may be sent to them, on any channel, until they send START.")
    channel = conversation.channel
    if channel in WINDOWED_CHANNELS:
        choice = choose_channel(
            conversation_channel=channel,
            channel_switching=bot.channel_switching,
            has_phone=bool(contact.phone),
            last_inbound_at=conversation.last_inbound_at,
            at=now,
        )
        if choice.channel is None:
            why = "the bot's channel switching is off" if not bot.channel_switching else "no phone number known"
            raise NotSent(
                f"More than 24 hours since the contact last wrote on {Channel(channel).label}, which then "
                f"allows no message, and no SMS to switch to ({why})."
            )
        channel = choice.channel
    if not routing.address(channel, contact):
        missing = "e-mail address" if channel == Channel.EMAIL else "phone number"
        raise NotSent(f"{contact} has no {missing} for {Channel(channel).label}.")
    return channel


def send_agent_reply(
    conversation: Conversation,
    text: str,
    user,
    clock=system_clock,
    *,
    token: str | None = None,
    sender=None,
    sleep=time.sleep,
) -> Message:
    """Send `text` to the contact as `user`, through the sender follow-ups on that channel
    use, and record it as an agent's message. NotSent when it was not sent (nothing is
    recorded as sent then). `token`: the form's (new_reply_token), so a double submit
    sends once. Call it with no transaction open: the provider call must hold no lock."""
    text = text.strip()
    if not text:
        raise NotSent("Type a message first.")
    if len(text) > MAX_REPLY_LENGTH:
        raise NotSent(f"A message holds at most {MAX_REPLY_LENGTH} characters; this one has {len(text)}.")
    conversation = Conversation.objects.select_related("bot", "contact").get(pk=conversation.pk)
    now = clock.now()
    channel = reply_channel(conversation, now)
    sender = sender or routing.sender_for(channel)
    reply = _claim(token or new_reply_token(), conversation, user, text, channel, now)
    outgoing = Outgoing(
        follow_up_id=0,
        bot_id=conversation.bot_id,
        conversation_id=conversation.pk,
        channel=channel,
        to=routing.address(channel, conversation.contact),
        text=text,
        sent_at=now,
        bot=conversation.bot,
        reply_id=reply.pk,
    )
    try:
        if sender.paced:
            _wait_for_slot(conversation, channel, text, clock, sleep)
        result = sender.send(outgoing)
    except NotSent as exc:
        _finish(reply, AgentReply.Status.FAILED, str(exc), clock)
        raise
    except ProviderBusy as exc:
        _finish(reply, AgentReply.Status.FAILED, str(exc), clock)
        raise NotSent(
            f"The provider was busy and did not take the message ({exc}). Nothing was sent: try again."
        ) from exc
    except SendError as exc:
        _finish(reply, AgentReply.Status.FAILED, str(exc), clock)
        raise NotSent(f"The provider refused the message ({exc}). Nothing was sent.") from exc
    except Exception as exc:
        log.exception("reply %s: the sender gave no outcome", reply.pk)
        _finish(reply, AgentReply.Status.UNKNOWN, f"{Reason.SEND_OUTCOME_UNKNOWN}: {exc}", clock)
        raise NotSent(
            f"No clear answer from the provider ({type(exc).__name__}): the message may have gone out. "
            "Check with the contact before sending it again.",
            unknown=True,
        ) from exc
    with transaction.atomic():
        message = events.record_outbound(
            conversation,
            text,
            author=Message.Author.AGENT,
            channel=channel,
            provider_id=result.provider_id,
            clock=clock,
        )
        AgentReply.objects.filter(pk=reply.pk).update(status=AgentReply.Status.SENT, message=message, finished_at=now)
        planning.note(
            conversation, now, Note.REPLIED, f"{who(user)} replied from the console on {Channel(channel).label}"
        )
    return message


def _claim(token: str, conversation: Conversation, user, text: str, channel: str, now) -> AgentReply:
    try:
        with transaction.atomic():
            return AgentReply.objects.create(
                token=token, conversation=conversation, by=user, text=text, channel=channel, created_at=now
            )
    except IntegrityError:
        raise AlreadySubmitted("This reply was already submitted: it is sent only once.") from None


def _finish(reply: AgentReply, status: str, reason: str, clock) -> None:
    AgentReply.objects.filter(pk=reply.pk).update(status=status, reason=reason[:200], finished_at=clock.now())


def _wait_for_slot(conversation: Conversation, channel: str, text: str, clock, sleep) -> None:
    """A reply keeps the sending number's rate, like a follow-up: it takes a slot and waits
    for it (at most PACING_MAX_WAIT_SECONDS); a number booked further ahead refuses it."""
    number = routing.sending_number(conversation.bot, channel) if channel in PACED_CHANNELS else ""
    if not number:
        return
    now = clock.now().timestamp()
    slot = pacer().reserve(pacing_key(channel, number), segments(text), now, settings.PACING_MAX_WAIT_SECONDS)
    if not slot.granted:
        raise NotSent(
            f"The number {number} is sending at its full rate: nothing was sent; try again in "
            f"{max(1, round(slot.at - now))} s."
        )
    if slot.at > now:
        sleep(slot.at - now)


# --- pausing and resuming ------------------------------------------------------------------------


def pause_follow_ups(conversation: Conversation, user, clock=system_clock) -> int | None:
    """Cancel the conversation's follow-ups (`paused`) and plan none until resumed: the
    event handlers and the dispatcher read the pause. None when it was paused already, else
    how many were cancelled. A reply from the contact does not lift it: a person paused it."""
    with transaction.atomic():
        conversation = locked_conversation(conversation.pk)
        if conversation.paused:
            return None
        now = clock.now()
        conversation.paused_at, conversation.paused_by = now, user
        conversation.save(update_fields=["paused_at", "paused_by"])
        cancelled = planning.cancel_pending(conversation, reason=Reason.PAUSED, at=now, by=user)
        planning.note(conversation, now, Note.PAUSED, f"follow-ups paused by {who(user)}; {cancelled} cancelled")
    return cancelled


def resume_follow_ups(conversation: Conversation, user, clock=system_clock) -> Resumed:
    """Lift the pause and plan again what the conversation's last message would plan if it
    had just been recorded (replan_from_last_message)."""
    with transaction.atomic():
        conversation = locked_conversation(conversation.pk)
        if not conversation.paused:
            return Resumed(False, None)
        now = clock.now()
        conversation.paused_at, conversation.paused_by = None, None
        conversation.save(update_fields=["paused_at", "paused_by"])
        planned = replan_from_last_message(conversation, now)
        what = f"; {planned.get_kind_display()} planned again from step 1" if planned else "; nothing to plan"
        planning.note(conversation, now, Note.RESUMED, f"follow-ups resumed by {who(user)}{what}")
    return Resumed(True, planned)


CONTACT_LED = (Intent.BUSY, Intent.SPECIFIC_TIME)


def replan_from_last_message(conversation: Conversation, now) -> FollowUp | None:
    """The plan the normal rules make for the conversation's last message, counted from `now`
    (the caller holds the lock; nothing is pending: a pause left nothing):

    - the contact's last message said they are busy, or asked for a time: that scenario from
      step 1 (busy: its first delay from now; a time: the requested one, or now once it has
      passed), whatever the bot wrote after it, as the bot's messages don't replace a
      contact-led plan;
    - else, the last message is outbound (bot, agent or a follow-up): stopped-replying from
      step 1, its first delay from now, as record_outbound does;
    - else (the contact wrote last, no messages, a stopped conversation, the scenario off):
      nothing; the next message plans as usual.
    """
    if conversation.stopped or conversation.follow_ups.filter(status=FollowUp.Status.PENDING).exists():
        return None
    messages = conversation.messages.order_by("-at", "-id")
    last = messages.first()
    if last is None:
        return None
    asked = (
        last
        if last.direction == Message.Direction.INBOUND
        else messages.filter(direction=Message.Direction.INBOUND).first()
    )
    if asked is not None and asked.intent == Intent.BUSY:
        kind, anchor, trigger = ScenarioKind.BUSY, now, asked
    elif asked is not None and asked.intent == Intent.SPECIFIC_TIME and asked.requested_at is not None:
        kind, anchor, trigger = ScenarioKind.SPECIFIC_TIME, max(asked.requested_at, now), asked
    elif last.direction == Message.Direction.OUTBOUND:
        kind, anchor, trigger = ScenarioKind.STOPPED_REPLYING, now, last
    else:
        return None
    scenario = conversation.bot.live_scenario(kind)
    if scenario is None:
        return None
    due_at = steps.first_due(kind, scenario.delays, anchor, conversation.bot.tz)
    return planning.plan(conversation, scenario, step=1, due_at=due_at, now=now, trigger=trigger)


# --- cancelling ----------------------------------------------------------------------------------


def cancel_follow_up(follow_up: FollowUp, user, clock=system_clock) -> bool:
    """Cancel one follow-up that is pending, or claimed but not handed over (a dispatcher's
    hand-over then fails, as after a reply). False when it had gone out or ended already.
    Its cadence ends there; the next message plans as usual."""
    with transaction.atomic():
        conversation = locked_conversation(follow_up.conversation.pk)
        now = clock.now()
        done = planning.cancellable(FollowUp.objects.filter(pk=follow_up.pk)).update(
            status=FollowUp.Status.CANCELLED,
            reason=Reason.CANCELLED_BY_PERSON,
            finished_at=now,
            claim_token="",
            cancelled_by=user,
        )
        if done:
            planning.note(
                conversation,
                now,
                Note.CANCELLED,
                f"{follow_up.get_kind_display()} step {follow_up.step} of {follow_up.steps_total} "
                f"cancelled by {who(user)}",
            )
    return bool(done)


def cancel_contact_follow_ups(contact: Contact, user, clock=system_clock) -> int:
    """Cancel every follow-up still to be sent to `contact`, in all their conversations; how
    many. Nothing is paused: the next message plans as usual."""
    with transaction.atomic():
        conversations = list(Conversation.objects.select_for_update().filter(contact=contact).order_by("pk"))
        now = clock.now()
        total = 0
        for conversation in conversations:
            cancelled = planning.cancel_pending(conversation, reason=Reason.CANCELLED_BY_PERSON, at=now, by=user)
            if cancelled:
                planning.note(
                    conversation, now, Note.CANCELLED, f"all of the contact's follow-ups cancelled by {who(user)}"
                )
            total += cancelled
    return total


def mark_booked(conversation: Conversation, user, clock=system_clock) -> int:
    """An appointment was booked, says a person: the engine's own booking event."""
    return events.record_appointment_booked(conversation, clock=clock, source=f"console, by {who(user)}")
