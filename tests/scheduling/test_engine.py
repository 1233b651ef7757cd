"""The engine's handlers and dispatcher on a virtual clock, beyond the shared scenarios."""

from datetime import timedelta

import pytest

from channels_out.senders.base import SendError
from channels_out.senders.console import RecordingSender
from conversations.models import OptOut
from scheduling import events
from scheduling.claims import hand_over
from scheduling.dispatch import claim, dispatch_due
from scheduling.models import FollowUp
from tests.factories import at, clock, make_bot, make_conversation
from tests.support.checks import present
from tests.support.engine import due_follow_up, outcomes, pending, run_until

pytestmark = pytest.mark.django_db
S = FollowUp.Status


def test_consecutive_outbound_messages_move_the_plan_instead_of_stacking_it():
    conversation, c = make_conversation(), clock()
    events.record_outbound(conversation, "Hi Ana!", clock=c)
    c.set(at("2026-03-06T10:03:00-05:00"))
    events.record_outbound(conversation, "Want to book?", clock=c)
    [follow_up] = pending(conversation)
    assert (follow_up.step, follow_up.planned_at) == (1, at("2026-03-06T10:08:00-05:00"))
    assert present(follow_up.trigger_message).text == "Want to book?"
    assert not conversation.follow_ups.filter(status=S.CANCELLED).exists()


def test_an_outbound_after_a_sent_step_restarts_the_cadence_from_step_one():
    conversation, c, sender = make_conversation(), clock(), RecordingSender()
    events.record_outbound(conversation, "Hi Ana!", clock=c)
    run_until(conversation, c, "2026-03-06T10:05:00-05:00", sender)
    [step2] = pending(conversation)
    assert step2.step == 2
    c.set(at("2026-03-06T10:10:00-05:00"))
    events.record_outbound(conversation, "Our agent here, any questions?", clock=c)
    [again] = pending(conversation)
    assert (again.step, again.planned_at) == (1, at("2026-03-06T10:15:00-05:00"))


def test_the_bot_answering_a_busy_contact_does_not_restart_stopped_replying():
    conversation, c = make_conversation(), clock()
    events.record_inbound(conversation, "in a meeting", clock=c)
    events.record_outbound(conversation, "No problem!", clock=c)
    assert [f.kind for f in pending(conversation)] == ["busy"]


def test_stop_opts_out_of_the_channel_and_start_takes_it_back():
    conversation, c = make_conversation(), clock()
    events.record_outbound(conversation, "Hi Ana!", clock=c)
    events.record_inbound(conversation, "STOP", clock=c)
    conversation.refresh_from_db()
    assert conversation.stopped and conversation.stopped_reason == "opt_out"
    assert OptOut.objects.filter(contact=conversation.contact, channel="sms").exists()
    assert conversation.follow_ups.get().reason == "contact_replied"
    events.record_outbound(conversation, "You have been unsubscribed.", clock=c)
    assert pending(conversation) == []
    events.record_inbound(conversation, "START", clock=c)
    conversation.refresh_from_db()
    assert not conversation.stopped
    assert not OptOut.objects.filter(contact=conversation.contact).exists()


def test_a_contact_still_opted_out_is_skipped_not_messaged():
    conversation, c, sender = make_conversation(), clock(), RecordingSender()
    events.record_inbound(conversation, "stop", clock=c)
    c.set(at("2026-03-06T11:00:00-05:00"))
    events.record_inbound(conversation, "what are your prices?", clock=c)  # lifts the stop, not the opt-out
    events.record_outbound(conversation, "Cleanings start at $80.", clock=c)
    run_until(conversation, c, "2026-03-07T00:00:00-05:00", sender)
    assert sender.sent == []
    assert outcomes(conversation) == [(1, S.SKIPPED, "opted_out"), (2, S.SKIPPED, "opted_out")]


def test_while_the_bot_is_off_each_due_step_is_skipped_and_the_cadence_runs_on():
    conversation, c, sender = make_conversation(), clock(), RecordingSender()
    events.record_outbound(conversation, "Hi Ana!", clock=c)
    events.set_bot_active(conversation.bot, False)
    run_until(conversation, c, "2026-03-06T10:05:00-05:00", sender)
    events.set_bot_active(conversation.bot, True)
    run_until(conversation, c, "2026-03-07T00:00:00-05:00", sender)
    assert outcomes(conversation) == [(1, S.SKIPPED, "bot_inactive"), (2, S.SENT, "")]
    assert present(conversation.follow_ups.get(step=2).sent_message).at == at("2026-03-06T10:20:00-05:00")


def test_disabled_scenarios_plan_nothing():
    bot = make_bot(cadences={"busy": None, "stopped_replying": None})
    conversation, c = make_conversation(bot), clock()
    events.record_inbound(conversation, "driving", clock=c)
    events.record_outbound(conversation, "Drive safe", clock=c)
    assert conversation.follow_ups.count() == 0


def test_a_requested_time_outside_working_hours_is_deferred_and_shows_both_times():
    bot = make_bot(hours={d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
    conversation, c = make_conversation(bot), clock()
    events.record_inbound(conversation, "call me tonight", clock=c)
    [follow_up] = pending(conversation)
    assert follow_up.kind == "specific_time"
    assert follow_up.due_at == at("2026-03-06T19:00:00-05:00")
    assert follow_up.planned_at == at("2026-03-09T08:00:00-04:00")


def test_hours_changed_after_planning_are_checked_again_at_send_time():
    conversation, c, sender = make_conversation(), clock(), RecordingSender()
    events.record_outbound(conversation, "Hi Ana!", clock=c)
    bot = conversation.bot
    bot.working_windows.create(weekday=4, start=at("2026-01-01T14:00:00").time(), end=None)
    c.set(at("2026-03-06T10:05:00-05:00"))
    report = dispatch_due(c, sender=sender)
    assert report.deferred == 1 and sender.sent == []
    assert pending(conversation)[0].planned_at == at("2026-03-06T14:00:00-05:00")


def test_a_reply_while_a_follow_up_is_in_flight_stops_the_old_cadence():
    conversation, c = make_conversation(), clock()
    events.record_outbound(conversation, "Hi Ana!", clock=c)

    class ReplyDuringSend(RecordingSender):
        def send(self, message):
            events.record_inbound(conversation, "what are your prices?", clock=c)
            return super().send(message)

    c.set(at("2026-03-06T10:05:00-05:00"))
    dispatch_due(c, sender=ReplyDuringSend())
    assert [f.status for f in conversation.follow_ups.order_by("id")] == [S.SENT]


def test_a_refused_send_is_failed_with_the_provider_reason_and_the_cadence_stops():
    conversation, c = make_conversation(), clock()
    events.record_outbound(conversation, "Hi Ana!", clock=c)

    class Refusing(RecordingSender):
        def send(self, message):
            raise SendError("twilio_error 21211: invalid 'To' number")

    c.set(at("2026-03-06T10:05:00-05:00"))
    assert dispatch_due(c, sender=Refusing()).failed == 1
    [follow_up] = conversation.follow_ups.all()
    assert (follow_up.status, follow_up.reason) == (S.FAILED, "twilio_error 21211: invalid 'To' number")


def test_a_claim_is_exclusive_and_a_crashed_claim_never_handed_over_is_sent_by_another():
    _, c = due_follow_up()
    sender = RecordingSender()
    assert len(claim(c.now(), "worker-a", 10)) == 1
    assert claim(c.now(), "worker-b", 10) == []  # already claimed: nobody else gets it
    c.set(c.now() + timedelta(minutes=3))  # worker-a crashed before handing it over
    report = dispatch_due(c, sender=sender)
    assert (report.released, report.sent, len(sender.sent)) == (1, 1, 1)


def test_a_crashed_claim_handed_over_is_never_resent():
    conversation, c = due_follow_up()
    sender = RecordingSender()
    [claimed_id] = claim(c.now(), "worker-a", 10)
    assert hand_over(claimed_id, "worker-a", c.now())  # then worker-a crashed mid-call
    c.set(c.now() + timedelta(minutes=3))
    assert dispatch_due(c, sender=sender).outcome_unknown == 0  # not yet: it may still answer
    c.set(c.now() + timedelta(minutes=30))
    report = dispatch_due(c, sender=sender)
    assert report.outcome_unknown == 1 and sender.sent == []
    follow_up = conversation.follow_ups.get()
    assert (follow_up.status, follow_up.reason) == (S.FAILED, "send_outcome_unknown")


def test_a_time_budget_hands_unstarted_rows_back():
    c, sender = clock(), RecordingSender()
    for i in range(3):
        events.record_outbound(make_conversation(phone=f"+1555555010{i}"), "Hi!", clock=c)
    c.set(at("2026-03-06T10:05:00-05:00"))
    readings = iter([0, 0])  # the budget holds for the first claim, then it is spent
    report = dispatch_due(c, sender=sender, time_budget=10, monotonic=lambda: next(readings, 60))
    assert (report.claimed, report.released, len(sender.sent)) == (3, 3, 0)
    assert FollowUp.objects.filter(status=S.PENDING).count() == 3
    assert dispatch_due(c, sender=sender).sent == 3


def test_the_database_refuses_two_pending_follow_ups_in_one_conversation():
    from django.db import IntegrityError, transaction

    conversation, c = make_conversation(), clock()
    events.record_outbound(conversation, "Hi Ana!", clock=c)
    first = pending(conversation)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.create(
            conversation=conversation,
            scenario=first.scenario,
            kind=first.kind,
            step=1,
            steps_total=2,
            due_at=first.due_at,
            planned_at=first.planned_at,
            created_at=c.now(),
        )
