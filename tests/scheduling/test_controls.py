"""What a person does from the console (scheduling/controls.py), on the real engine and a
virtual clock: reply, pause and resume follow-ups, cancel them, each recorded with who."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from channels_out.senders.base import ProviderBusy, SendError
from channels_out.senders.console import RecordingSender
from conversations.models import Conversation, Message, OptOut
from scheduling import controls, events
from scheduling.claims import hand_over, requeue
from scheduling.dispatch import claim, dispatch_due
from scheduling.models import AgentReply, EngineEvent, FollowUp
from tests.factories import at, clock, make_bot, make_conversation
from tests.support.engine import pending
from vocabulary import Note, Reason

pytestmark = pytest.mark.django_db

PENDING, CANCELLED, SENT = FollowUp.Status.PENDING, FollowUp.Status.CANCELLED, FollowUp.Status.SENT


@pytest.fixture
def alice():
    return get_user_model().objects.create_user("alice", first_name="Alice", last_name="Agent", is_staff=True)


@pytest.fixture
def conversation():
    return make_conversation(make_bot())


def notes(conversation, kind):
    return list(EngineEvent.objects.filter(conversation=conversation, kind=kind).values_list("detail", flat=True))


class Refusing(RecordingSender):
    def __init__(self, error):
        super().__init__()
        self.error = error

    def send(self, message):
        raise self.error


# --- replying ----------------------------------------------------------------------------------


def test_a_reply_is_sent_recorded_as_the_agents_and_restarts_stopped_replying(conversation, alice):
    c, sender = clock(), RecordingSender()
    events.record_outbound(conversation, "Still keen on a cleaning?", clock=c)
    [planned] = pending(conversation)
    c.set(at("2026-03-06T10:03:00-05:00"))

    message = controls.send_agent_reply(conversation, "  Hi Ana, Tuesday works?  ", alice, c, sender=sender)

    [sent] = sender.sent
    assert (sent.channel, sent.to, sent.text, sent.follow_up_id) == ("sms", "+15555550100", "Hi Ana, Tuesday works?", 0)
    assert (message.author, message.direction, message.text) == ("agent", "outbound", "Hi Ana, Tuesday works?")
    assert message.provider_id == f"rec-reply-{sent.reply_id}" and message.at == c.now()
    # The pending stopped-replying step now counts from the reply (the same row, step 1).
    [moved] = pending(conversation)
    assert moved.pk == planned.pk and moved.trigger_message == message
    assert moved.due_at == at("2026-03-06T10:08:00-05:00")
    reply = AgentReply.objects.get()
    assert (reply.status, reply.by, reply.message) == ("sent", alice, message)
    assert notes(conversation, Note.REPLIED) == ["Alice Agent replied from the console on SMS"]


def test_a_reply_plans_stopped_replying_when_nothing_was_planned(conversation, alice):
    c = clock()
    events.record_inbound(conversation, "Who is this?", clock=c)
    assert not pending(conversation)
    message = controls.send_agent_reply(conversation, "Ana Dental here!", alice, c, sender=RecordingSender())
    [planned] = pending(conversation)
    assert planned.kind == "stopped_replying" and planned.trigger_message == message


def test_an_opted_out_contact_is_refused_and_nothing_is_sent(conversation, alice):
    c, sender = clock(), RecordingSender()
    events.record_inbound(conversation, "STOP", clock=c)
    with pytest.raises(controls.NotSent, match="opted out"):
        controls.send_agent_reply(conversation, "But wait!", alice, c, sender=sender)
    assert sender.sent == [] and not AgentReply.objects.exists()
    assert not conversation.messages.filter(direction="outbound").exists()


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        (lambda conv: conv.bot.__class__.objects.filter(pk=conv.bot_id).update(active=False), "switched off"),
        (lambda conv: conv.contact.__class__.objects.filter(pk=conv.contact_id).update(phone=""), "no phone number"),
        (lambda conv: None, "Type a message first"),
    ],
    ids=["bot off", "no phone", "empty"],
)
def test_a_reply_that_cannot_go_out_is_refused_with_the_reason(conversation, alice, setup, words):
    setup(conversation)
    sender = RecordingSender()
    text = "" if words.startswith("Type") else "Hello"
    with pytest.raises(controls.NotSent, match=words):
        controls.send_agent_reply(conversation, text, alice, clock(), sender=sender)
    assert sender.sent == [] and not Message.objects.exists()


def test_past_the_24_hour_window_a_reply_switches_to_sms_or_is_refused(alice):
    c = clock()
    bot = make_bot(channel_switching=True)
    conversation = make_conversation(bot, channel="facebook")
    events.record_inbound(conversation, "Hi", channel="facebook", clock=c)
    c.set(c.now() + timedelta(hours=23))
    sender = RecordingSender()
    controls.send_agent_reply(conversation, "Within the window", alice, c, sender=sender)
    c.set(c.now() + timedelta(hours=2))
    controls.send_agent_reply(conversation, "Past it", alice, c, sender=sender)
    assert [m.channel for m in sender.sent] == ["facebook", "sms"]

    bot.channel_switching = False
    bot.save()
    with pytest.raises(controls.NotSent, match="24 hours"):
        controls.send_agent_reply(conversation, "Refused", alice, c, sender=sender)
    assert len(sender.sent) == 2


def test_live_chat_replies_stay_on_live_chat(alice):
    conversation = make_conversation(make_bot(channel_switching=True), channel="live_chat")
    sender = RecordingSender()
    controls.send_agent_reply(conversation, "Hello", alice, clock(), sender=sender)
    assert [m.channel for m in sender.sent] == ["live_chat"]


@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        (SendError("twilio_error 21211: invalid To"), "failed", r"refused the message \(twilio_error 21211"),
        (ProviderBusy("twilio_busy 20429: slow down"), "failed", "busy"),
        (RuntimeError("connection dropped"), "unknown", "may have gone out"),
    ],
    ids=["refused", "busy", "unknown"],
)
def test_a_provider_failure_records_nothing_as_sent(conversation, alice, error, status, words):
    c = clock()
    events.record_outbound(conversation, "Still keen?", clock=c)
    [planned] = pending(conversation)
    with pytest.raises(controls.NotSent, match=words) as raised:
        controls.send_agent_reply(conversation, "Hello", alice, c, sender=Refusing(error))
    assert raised.value.unknown == (status == "unknown")
    assert list(conversation.messages.values_list("author", flat=True)) == ["bot"]
    assert pending(conversation)[0].trigger_message_id == planned.trigger_message_id  # not restarted
    reply = AgentReply.objects.get()
    assert reply.status == status and reply.message is None and reply.reason


def test_the_same_form_submitted_twice_sends_once(conversation, alice):
    sender, token = RecordingSender(), controls.new_reply_token()
    controls.send_agent_reply(conversation, "Hello", alice, clock(), sender=sender, token=token)
    with pytest.raises(controls.AlreadySubmitted):
        controls.send_agent_reply(conversation, "Hello", alice, clock(), sender=sender, token=token)
    assert len(sender.sent) == 1 and conversation.messages.count() == 1
    controls.send_agent_reply(conversation, "Hello again", alice, clock(), sender=sender)  # a new form
    assert len(sender.sent) == 2


# --- pausing and resuming ----------------------------------------------------------------------


def test_pausing_cancels_what_is_planned_and_plans_nothing_until_resumed(conversation, alice):
    c = clock()
    events.record_outbound(conversation, "Still keen?", clock=c)
    [planned] = pending(conversation)

    assert controls.pause_follow_ups(conversation, alice, c) == 1
    assert controls.pause_follow_ups(conversation, alice, c) is None  # already paused
    planned.refresh_from_db()
    assert (planned.status, planned.reason, planned.cancelled_by) == (CANCELLED, Reason.PAUSED, alice)
    conversation.refresh_from_db()
    assert conversation.paused_at == c.now() and conversation.paused_by == alice
    assert notes(conversation, Note.PAUSED) == ["follow-ups paused by Alice Agent; 1 cancelled"]

    # Nothing plans while paused: the bot writing, the contact being busy (a reply does not
    # lift a pause), an agent's reply.
    events.record_outbound(conversation, "Hello?", clock=c)
    events.record_inbound(conversation, "I'm busy right now", clock=c)
    controls.send_agent_reply(conversation, "No problem", alice, c, sender=RecordingSender())
    assert not pending(conversation)
    conversation.refresh_from_db()
    assert conversation.paused


def test_resuming_plans_again_from_the_last_message(conversation, alice):
    c = clock()
    events.record_outbound(conversation, "Still keen?", clock=c)
    controls.pause_follow_ups(conversation, alice, c)
    c.set(at("2026-03-06T11:00:00-05:00"))

    resumed, planned = controls.resume_follow_ups(conversation, alice, c)

    assert resumed and planned is not None
    assert (planned.kind, planned.step, planned.status) == ("stopped_replying", 1, PENDING)
    assert planned.due_at == at("2026-03-06T11:05:00-05:00")  # counted from the resume
    conversation.refresh_from_db()
    assert not conversation.paused and conversation.paused_by is None
    assert notes(conversation, Note.RESUMED) == [
        "follow-ups resumed by Alice Agent; Contact Stopped Replying planned again from step 1"
    ]
    assert controls.resume_follow_ups(conversation, alice, c) == (False, None)  # not paused


def test_resuming_after_the_contact_said_busy_plans_the_busy_cadence(conversation, alice):
    c = clock()
    controls.pause_follow_ups(conversation, alice, c)
    events.record_inbound(conversation, "I'm in a meeting right now", clock=c)
    events.record_outbound(conversation, "Sure, later then", clock=c)  # the bot's words don't replace it
    _, planned = controls.resume_follow_ups(conversation, alice, c)
    assert planned is not None and planned.kind == "busy" and planned.due_at == c.now() + timedelta(minutes=30)


def test_resuming_after_the_contact_wrote_last_plans_nothing(conversation, alice):
    c = clock()
    controls.pause_follow_ups(conversation, alice, c)
    events.record_inbound(conversation, "Who is this?", clock=c)
    assert controls.resume_follow_ups(conversation, alice, c) == (True, None)
    events.record_outbound(conversation, "Ana Dental!", clock=c)  # the normal rules again
    assert len(pending(conversation)) == 1


def claimed_at_its_time(conversation):
    """The bot wrote; at the follow-up's planned time a dispatcher claims it ("tok")."""
    c = clock()
    events.record_outbound(conversation, "Still keen?", clock=c)
    [planned] = pending(conversation)
    c.set(planned.planned_at)
    [claimed_id] = claim(c.now(), "tok", 10)
    return c, planned, claimed_id


def test_a_pause_stops_a_claimed_follow_up_that_was_not_handed_over(conversation, alice):
    c, planned, claimed_id = claimed_at_its_time(conversation)

    controls.pause_follow_ups(conversation, alice, c)

    assert not hand_over(claimed_id, "tok", c.now())  # the dispatcher finds it taken back
    planned.refresh_from_db()
    assert (planned.status, planned.reason) == (CANCELLED, Reason.PAUSED)


def test_the_dispatcher_checks_the_pause_at_send_time(conversation, alice):
    """A follow-up a provider refused for load goes back to pending, pause or not: a pause
    cancels it then; and a due row on a paused conversation is never sent."""
    c, planned, claimed_id = claimed_at_its_time(conversation)
    assert hand_over(claimed_id, "tok", c.now())  # in the provider's hands: a pause can't take it back
    controls.pause_follow_ups(conversation, alice, c)
    requeue([claimed_id], "tok", c.now(), refused=True)  # ...which refused it for load
    planned.refresh_from_db()
    assert (planned.status, planned.reason) == (CANCELLED, Reason.PAUSED)

    # A pending row on a paused conversation (written behind the engine's back) is cancelled when due.
    FollowUp.objects.filter(pk=planned.pk).update(status=PENDING, reason="")
    sender = RecordingSender()
    report = dispatch_due(c, sender=sender)
    assert sender.sent == [] and report.cancelled == 1
    planned.refresh_from_db()
    assert (planned.status, planned.reason) == (CANCELLED, Reason.PAUSED)


def test_a_step_sent_while_the_conversation_was_paused_plans_no_next_step(conversation, alice):
    c = clock()
    events.record_outbound(conversation, "Still keen?", clock=c)
    [planned] = pending(conversation)
    c.set(planned.planned_at)
    sender = RecordingSender()

    def pause_during_the_send(message):
        controls.pause_follow_ups(conversation, alice, c)  # after the hand-over
        return RecordingSender.send(sender, message)

    sender.send = pause_during_the_send  # type: ignore[method-assign]
    dispatch_due(c, sender=sender)
    planned.refresh_from_db()
    assert planned.status == SENT and not pending(conversation)


# --- cancelling ----------------------------------------------------------------------------------


def test_cancelling_one_follow_up_records_who(conversation, alice):
    c = clock()
    events.record_outbound(conversation, "Still keen?", clock=c)
    [planned] = pending(conversation)
    assert controls.cancel_follow_up(planned, alice, c)
    planned.refresh_from_db()
    assert (planned.status, planned.reason, planned.cancelled_by) == (CANCELLED, Reason.CANCELLED_BY_PERSON, alice)
    assert notes(conversation, Note.CANCELLED) == ["Contact Stopped Replying step 1 of 2 cancelled by Alice Agent"]
    assert not controls.cancel_follow_up(planned, alice, c)  # ended already
    events.record_outbound(conversation, "Hello?", clock=c)  # the next message plans as usual
    assert len(pending(conversation)) == 1


def test_cancelling_a_claimed_follow_up_stops_its_hand_over_but_not_a_handed_one(conversation, alice):
    c, planned, claimed_id = claimed_at_its_time(conversation)
    assert controls.cancel_follow_up(planned, alice, c)
    assert not hand_over(claimed_id, "tok", c.now())

    events.record_outbound(conversation, "Hello?", clock=c)
    [again] = pending(conversation)
    c.set(again.planned_at)
    [claimed_id] = claim(c.now(), "tok2", 10)
    assert hand_over(claimed_id, "tok2", c.now())
    assert not controls.cancel_follow_up(again, alice, c)  # in the provider's hands
    assert FollowUp.objects.get(pk=again.pk).status == FollowUp.Status.SENDING


def test_cancelling_all_of_a_contacts_follow_ups_covers_each_conversation(conversation, alice):
    c = clock()
    other_bot = make_bot(account=conversation.bot.account, name="Second bot")
    other = Conversation.objects.create(bot=other_bot, contact=conversation.contact, channel="sms")
    for conv in (conversation, other):
        events.record_outbound(conv, "Still keen?", clock=c)
    assert controls.cancel_contact_follow_ups(conversation.contact, alice, c) == 2
    rows = FollowUp.objects.values_list("status", "reason", "cancelled_by")
    assert list(rows) == [(CANCELLED, Reason.CANCELLED_BY_PERSON, alice.pk)] * 2
    assert EngineEvent.objects.filter(kind=Note.CANCELLED).count() == 2


def test_marking_booked_names_who(conversation, alice):
    c = clock()
    events.record_outbound(conversation, "Still keen?", clock=c)
    assert controls.mark_booked(conversation, alice, c) == 1
    assert notes(conversation, Note.STOPPED) == ["appointment booked (console, by Alice Agent)"]


def test_opt_outs_are_untouched_by_controls(conversation, alice):
    OptOut.objects.create(contact=conversation.contact, channel="sms", at=clock().now())
    controls.pause_follow_ups(conversation, alice, clock())
    controls.resume_follow_ups(conversation, alice, clock())
    assert conversation.contact.opt_outs.count() == 1
