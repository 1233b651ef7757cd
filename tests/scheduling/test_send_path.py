"""The send path under provider conditions: retries only when certainly not sent, pacing
per sending number, the late cut-off, and nothing handed over after an acknowledged
reply, booking or deactivation."""

from datetime import timedelta
from itertools import pairwise

import pytest

from channels_out import pacing
from channels_out.models import SendingNumber
from channels_out.senders.base import ProviderBusy, Sender, SendError, SendResult
from channels_out.senders.console import RecordingSender
from conversations.models import Message
from scheduling import events
from scheduling.claims import hand_over
from scheduling.dispatch import MAX_TRIES, backoff, claim, dispatch_due
from scheduling.models import FollowUp
from tests.factories import at, clock, make_bot, make_conversation
from tests.support.checks import present
from tests.support.engine import due_follow_up, outcomes

pytestmark = pytest.mark.django_db
S = FollowUp.Status


class Scripted(Sender):
    """Answers with the next scripted outcome: an exception to raise, or None to accept."""

    def __init__(self, *script):
        self.script, self.calls = list(script), []

    def send(self, message):
        self.calls.append(message)
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        return SendResult(provider_id=f"SM{len(self.calls)}", delivery_status="queued")


def run_at_planned_times(conversation, c, sender, *, passes=10):
    for _ in range(passes):
        nxt = conversation.follow_ups.filter(status=S.PENDING).order_by("planned_at").first()
        if nxt is None or nxt.step > 1:
            return
        c.set(max(c.now(), nxt.planned_at))
        dispatch_due(c, sender=sender)


# --- retries ------------------------------------------------------------------------------


def test_a_provider_busy_answer_is_retried_with_backoff_and_then_sent(settings):
    conversation, c = due_follow_up()
    sender = Scripted(ProviderBusy("twilio_http_429 20429: Too Many Requests"), None)
    assert dispatch_due(c, sender=sender).retried == 1
    follow_up = conversation.follow_ups.get()
    assert (follow_up.status, follow_up.attempts) == (S.PENDING, 1)
    assert "20429" in follow_up.reason
    wait = (follow_up.planned_at - c.now()).total_seconds()
    assert settings.SEND_RETRY_BASE_SECONDS * 0.5 <= wait <= settings.SEND_RETRY_BASE_SECONDS * 1.5
    c.set(follow_up.planned_at)
    assert dispatch_due(c, sender=sender).sent == 1
    follow_up.refresh_from_db()
    assert (follow_up.status, len(sender.calls)) == (S.SENT, 2)
    assert Message.objects.filter(is_follow_up=True).count() == 1


def test_after_five_tries_the_provider_is_unavailable():
    conversation, c = due_follow_up()
    sender = Scripted(*[ProviderBusy("connection refused before sending")] * MAX_TRIES)
    run_at_planned_times(conversation, c, sender)
    follow_up = present(conversation.follow_ups.order_by("id").first())
    assert len(sender.calls) == MAX_TRIES
    assert follow_up.status == S.FAILED and follow_up.reason.startswith("provider_unavailable")


def test_a_definite_refusal_fails_at_once_with_its_code():
    conversation, c = due_follow_up()
    sender = Scripted(SendError("twilio_error 21211: Invalid 'To' Phone Number"))
    assert dispatch_due(c, sender=sender).failed == 1
    assert conversation.follow_ups.get().reason == "twilio_error 21211: Invalid 'To' Phone Number"


def test_an_unknown_outcome_is_never_sent_again():
    conversation, c = due_follow_up()
    sender = Scripted(TimeoutError("read timed out after the request went out"))
    assert dispatch_due(c, sender=sender).outcome_unknown == 1
    c.set(c.now() + timedelta(hours=1))
    dispatch_due(c, sender=sender)
    follow_up = conversation.follow_ups.get()
    assert len(sender.calls) == 1
    assert follow_up.status == S.FAILED and follow_up.reason.startswith("send_outcome_unknown")


def test_backoff_doubles_with_jitter():
    assert [backoff(n, rand=lambda: 0.5).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff(1, rand=lambda: 0.0).total_seconds() == 1 and backoff(1, rand=lambda: 0.999).total_seconds() < 3


def test_a_reply_while_waiting_for_a_retry_cancels_it():
    conversation, c = due_follow_up()
    dispatch_due(c, sender=Scripted(ProviderBusy("busy")))
    events.record_inbound(conversation, "what are your prices?", clock=c)
    follow_up = present(conversation.follow_ups.order_by("id").first())
    assert (follow_up.status, follow_up.reason) == (S.CANCELLED, "contact_replied")


# --- never after an acknowledged reply ------------------------------------------------------


def test_a_reply_between_claim_and_hand_over_wins():
    conversation, c = due_follow_up()
    [claimed_id] = claim(c.now(), "worker", 10)
    events.record_inbound(conversation, "STOP", clock=c)  # acknowledged: the webhook answers now
    assert not hand_over(claimed_id, "worker", c.now())
    follow_up = conversation.follow_ups.get()
    assert (follow_up.status, follow_up.reason) == (S.CANCELLED, "contact_replied")


def test_a_hand_over_before_the_reply_stays_in_the_providers_hands():
    conversation, c = due_follow_up()
    [claimed_id] = claim(c.now(), "worker", 10)
    assert hand_over(claimed_id, "worker", c.now())
    events.record_inbound(conversation, "STOP", clock=c)
    assert conversation.follow_ups.get().status == S.SENDING  # its outcome is recorded by the dispatcher


def test_a_booking_between_claim_and_hand_over_wins():
    conversation, c = due_follow_up()
    [claimed_id] = claim(c.now(), "worker", 10)
    events.record_appointment_booked(conversation, clock=c)
    assert not hand_over(claimed_id, "worker", c.now())


def test_switching_the_bot_off_takes_back_claims_not_handed_over():
    conversation, c = due_follow_up()
    [claimed_id] = claim(c.now(), "worker", 10)
    events.set_bot_active(conversation.bot, False, clock=c)
    assert not hand_over(claimed_id, "worker", c.now())
    sender = RecordingSender()
    dispatch_due(c, sender=sender)
    assert sender.sent == []
    assert present(conversation.follow_ups.order_by("id").first()).reason == "bot_inactive"


def test_a_new_outbound_while_a_retry_waits_replaces_it_instead_of_stacking():
    conversation, c = due_follow_up()
    [claimed_id] = claim(c.now(), "worker", 10)
    events.record_outbound(conversation, "Our agent here, any questions?", clock=c)  # plans a new step 1
    from scheduling.claims import requeue

    requeue([claimed_id], "worker", c.now(), planned_at=c.now())
    assert outcomes(conversation) == [(1, S.CANCELLED, "replanned"), (1, S.PENDING, "")]


# --- late cut-off ---------------------------------------------------------------------------


def test_after_an_outage_longer_than_the_cut_off_it_is_skipped_too_late():
    conversation, c = due_follow_up()
    c.set(c.now() + timedelta(hours=2, minutes=1))
    sender = RecordingSender()
    dispatch_due(c, sender=sender)
    # Step 1 (10:05) is past the cut-off; step 2 keeps its place (10:20), which at 12:06 is
    # still within two hours of its planned time, so it goes.
    assert outcomes(conversation)[:2] == [(1, S.SKIPPED, "too_late"), (2, S.SENT, "")]
    assert [m.follow_up_id for m in sender.sent] == [conversation.follow_ups.get(step=2).pk]


def test_within_the_cut_off_it_still_goes_and_retries_do_not_move_the_cut_off():
    conversation, c = due_follow_up()
    dispatch_due(c, sender=Scripted(ProviderBusy("busy")))
    follow_up = conversation.follow_ups.get()
    assert follow_up.late_from == at("2026-03-06T10:05:00-05:00")
    c.set(c.now() + timedelta(hours=1, minutes=59))
    assert dispatch_due(c, sender=RecordingSender()).sent == 1


# --- pacing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, rate",
    [
        ("+15555550100", 1),
        ("+14155550100", 1),
        ("+18005550100", 3),
        ("+18885550100", 3),
        ("55555", 100),
        ("123456", 100),
        ("whatsapp:+14155550100", 80),
    ],
)
def test_each_number_has_a_rate_by_its_type(number, rate):
    assert pacing.default_rate(number) == rate


def test_the_database_pacer_spaces_a_long_code_one_segment_a_second():
    pacer = pacing.DatabasePacer()
    slots = [pacer.reserve("+15555550100", 1, 1000.0, max_wait=2.0) for _ in range(4)]
    assert [(s.granted, s.at) for s in slots] == [(True, 1000.0), (True, 1001.0), (True, 1002.0), (False, 1001.0)]
    assert pacer.reserve("+15555550100", 2, 1003.0, max_wait=0).at == 1003.0  # free again
    assert pacer.reserve("+15555550100", 1, 1004.0, max_wait=0).granted is False  # 2 segments took 2 s


def test_an_owners_override_sets_the_numbers_rate():
    SendingNumber.objects.create(number="+15555550100", segments_per_second=10)
    pacer = pacing.DatabasePacer()
    assert [pacer.reserve("+15555550100", 1, 50.0, max_wait=1.0).at for _ in range(3)] == [50.0, 50.1, 50.2]


def test_the_dispatcher_keeps_a_long_code_to_its_rate_and_the_rest_waits_in_the_table(settings):
    settings.PACING_MAX_WAIT_SECONDS = 1.0
    bot = make_bot(sms_from="+15555550100")
    c = clock()
    conversations = [make_conversation(bot, phone=f"+1555555{i:04d}") for i in range(6)]
    for conversation in conversations:
        events.record_outbound(conversation, "Hi!", clock=c)
    c.set(at("2026-03-06T10:05:00-05:00"))
    sender = RecordingSender()
    sent_at = []

    def sleep(seconds):  # a virtual wait for the slot
        c.set(c.now() + timedelta(seconds=seconds))

    class Timing(Sender):
        paced = True  # like Twilio's

        def send(self, message):
            sent_at.append(c.now())
            return sender.send(message)

    for _ in range(10):
        nxt = FollowUp.objects.filter(status=S.PENDING, step=1).order_by("planned_at").first()
        if nxt is None:
            break
        c.set(max(c.now(), nxt.planned_at))
        dispatch_due(c, sender=Timing(), sleep=sleep)
    assert len(sent_at) == 6
    gaps = [(b - a).total_seconds() for a, b in pairwise(sent_at)]
    assert min(gaps) >= 1.0  # never two in one second from a long code


def test_a_sender_without_a_rate_is_not_paced(settings):
    bot = make_bot(sms_from="+15555550100")
    c = clock()
    for i in range(3):
        events.record_outbound(make_conversation(bot, phone=f"+1555555{i:04d}"), "Hi!", clock=c)
    c.set(at("2026-03-06T10:05:00-05:00"))
    assert dispatch_due(c, sender=RecordingSender()).sent == 3  # the console/recording senders
    assert not SendingNumber.objects.exists()


# --- a batch broken off -------------------------------------------------------------------


def test_sends_still_in_flight_when_a_batch_breaks_off_are_recorded(settings, monkeypatch):
    """The database going away under the claims' renewal stops the batch; the sends already
    made are recorded all the same, instead of ending as send_outcome_unknown."""
    from django.db import OperationalError
    from django.utils import timezone

    from scheduling import dispatch
    from scheduling.clock import VirtualClock
    from tests.factories import make_due_follow_ups

    settings.DISPATCH_RECORD_SECONDS = 0  # record, then renew, after the first send
    ids = make_due_follow_ups(3)
    sender = Scripted()

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(dispatch, "renew", database_gone)
    with pytest.raises(OperationalError):
        dispatch_due(VirtualClock(timezone.now()), sender=sender)
    assert len(sender.calls) == 3
    assert dict(FollowUp.objects.filter(pk__in=ids).values_list("pk", "status")) == dict.fromkeys(ids, S.SENT)
