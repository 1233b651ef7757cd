"""Results through the real engine: histories built with its handlers on a virtual clock,
every figure asserted; the incremental outcome columns against the pure definitions; the
backfill."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from hypothesis import given, settings
from hypothesis import strategies as st

from bots.models import Bot
from channels_out.senders.base import SendError
from channels_out.senders.console import RecordingSender
from conversations.models import OptOut
from rules import results as rules
from scheduling import events, outcomes
from scheduling.dispatch import dispatch_due
from scheduling.models import EngineEvent, FollowUp
from scheduling.results import MIN_SENT_TO_RANK, StepFigures, best_and_worst, results_for, results_for_days
from tests.factories import at, clock, make_bot, make_conversation
from tests.support.checks import present

pytestmark = pytest.mark.django_db
CADENCE = {"stopped_replying": "1h, 1d, 2d", "busy": None, "specific_time": None}


class Refusing(RecordingSender):
    def send(self, message):
        raise SendError("twilio_error 21211: invalid 'To' number")


def advance(c, until: str, sender) -> None:
    """Dispatch every due follow-up at its planned time, up to `until`."""
    while (nxt := FollowUp.objects.filter(status="pending").order_by("planned_at").first()) and (
        nxt.planned_at <= at(until)
    ):
        c.set(nxt.planned_at)
        dispatch_due(c, sender=sender)
    c.set(at(until))


def build_history():
    """Mon 2 March 2026, 10:00 New York: the bot writes to six contacts; stopped-replying
    sends step 1 at 11:00, step 2 on Tuesday 11:00, step 3 on Thursday 11:00."""
    bot = make_bot(cadences=CADENCE)
    a, b, cc, d, e, f = (make_conversation(bot, phone=f"+1555555010{i}") for i in range(6))
    c, sender = clock("2026-03-02T10:00:00-05:00"), RecordingSender()
    for conversation in (a, b, cc, d, f):
        events.record_outbound(conversation, "Hi!", clock=c)
    OptOut.objects.create(contact=f.contact, channel="sms", at=c.now())  # each of its steps is skipped
    c.set(at("2026-03-02T10:10:00-05:00"))
    events.record_outbound(e, "Hi!", clock=c)
    advance(c, "2026-03-02T11:00:00-05:00", sender)
    c.set(at("2026-03-02T11:10:00-05:00"))
    dispatch_due(c, sender=Refusing())  # e's step 1 fails
    advance(c, "2026-03-02T12:00:00-05:00", sender)
    events.record_inbound(d, "I just booked an appointment", clock=c)  # a reply and a booking
    advance(c, "2026-03-03T12:00:00-05:00", sender)
    events.record_inbound(cc, "STOP", clock=c)  # 25 h after step 1, 1 h after step 2
    advance(c, "2026-03-03T13:00:00-05:00", sender)
    events.record_inbound(a, "ok thanks", clock=c)  # after step 2: only step 2 is replied
    advance(c, "2026-03-10T11:01:00-05:00", sender)
    events.record_appointment_booked(b, clock=c)  # day 8 after b's step 2, day 6 after its step 3
    return bot, (a, b, cc, d, e, f)


def figures(step: StepFigures):
    return (step.sent, step.replied, step.booked, step.opted_out, step.skipped, step.failed)


def test_every_figure_of_a_known_history():
    bot, _ = build_history()
    r = results_for_days(Bot.objects.filter(pk=bot.pk), date(2026, 3, 1), date(2026, 3, 14))
    assert r.zone == "America/New_York"
    stopped, busy, specific = r.scenarios
    assert [s.kind for s in r.scenarios] == ["stopped_replying", "busy", "specific_time"]
    assert busy.steps == specific.steps == () and busy.sent == 0 and busy.reply_rate is None
    # sent, replied, booked, opted out, skipped, failed
    assert [figures(s) for s in stopped.steps] == [(4, 1, 1, 0, 1, 1), (3, 2, 0, 1, 1, 0), (1, 0, 1, 0, 1, 0)]
    assert [s.reply_rate for s in stopped.steps] == [0.25, 2 / 3, 0.0]
    assert (r.total.sent, r.total.replied, r.total.booked, r.total.opted_out) == (8, 3, 2, 1)
    assert r.total.reply_rate == 3 / 8
    assert [(w.start, w.sent, w.replied) for w in r.weeks] == [
        (date(2026, 2, 23), 0, 0),
        (date(2026, 3, 2), 8, 3),
        (date(2026, 3, 9), 0, 0),
    ]
    assert [(x.reason, x.count) for x in r.skipped] == [("opted_out", 3)]
    assert [(x.reason, x.count) for x in r.failed] == [("twilio_error 21211", 1)]
    assert r.best is None and r.worst is None  # no step has 20 sent


def test_a_period_counts_follow_ups_by_their_send_time():
    bot, _ = build_history()
    bots = Bot.objects.filter(pk=bot.pk)
    tuesday = results_for_days(bots, date(2026, 3, 3), date(2026, 3, 3))
    assert (tuesday.total.sent, tuesday.total.replied, tuesday.total.opted_out) == (3, 2, 1)
    assert [(w.start, w.sent) for w in tuesday.weeks] == [(date(2026, 3, 2), 3)]
    # Instants: 11:00 sharp is in [11:00, 11:01), not in [10:00, 11:00).
    assert results_for(bots, at("2026-03-02T11:00:00-05:00"), at("2026-03-02T11:01:00-05:00")).total.sent == 4
    assert results_for(bots, at("2026-03-02T10:00:00-05:00"), at("2026-03-02T11:00:00-05:00")).total.sent == 0
    other = make_bot(cadences=CADENCE, name="Other")
    assert results_for_days(Bot.objects.filter(pk=other.pk), date(2026, 3, 1), date(2026, 3, 14)).total.sent == 0
    both = results_for_days(Bot.objects.filter(pk__in=[bot.pk, other.pk]), date(2026, 3, 1), date(2026, 3, 14))
    assert both.zone == "UTC" and both.total.sent == 8


def test_the_columns_equal_the_pure_definitions_and_the_backfill_writes_them_again():
    build_history()
    written = {
        f.pk: rules.Outcome(f.replied_at, f.booked_at, f.opted_out_at) for f in FollowUp.objects.filter(status="sent")
    }
    assert sum(o.replied_at is not None for o in written.values()) == 3
    FollowUp.objects.update(replied_at=None, booked_at=None, opted_out_at=None)
    ids = FollowUp.objects.values_list("conversation_id", flat=True)
    from conversations.models import Message

    outcomes.recompute(FollowUp, Message, EngineEvent, ids)
    again = {
        f.pk: rules.Outcome(f.replied_at, f.booked_at, f.opted_out_at) for f in FollowUp.objects.filter(status="sent")
    }
    assert again == written


def test_best_and_worst_need_two_steps_with_enough_sends():
    def step(n, sent, replied):
        return StepFigures(sent=sent, replied=replied, booked=0, opted_out=0, skipped=0, failed=0, kind="busy", step=n)

    few = step(3, MIN_SENT_TO_RANK - 1, MIN_SENT_TO_RANK - 1)
    assert best_and_worst([step(1, 20, 5), few]) == (None, None)
    assert best_and_worst([step(1, 20, 5), step(2, 40, 20), few]) == (step(2, 40, 20), step(1, 20, 5))


ACTIONS = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=60 * 24 * 10),  # minutes to wait
        st.sampled_from(["ok", "STOP", "I just booked an appointment", "booked", "outbound", "nothing"]),
    ),
    max_size=8,
)


@settings(max_examples=25)
@given(actions=ACTIONS)
def test_random_histories_keep_the_columns_equal_to_the_pure_function(actions):
    bot = make_bot(cadences={"stopped_replying": "1h, 12h, 2d, 3d", "busy": "2h", "specific_time": None})
    conversation = make_conversation(bot)
    c, sender = clock("2026-03-02T10:00:00-05:00"), RecordingSender()
    events.record_outbound(conversation, "Hi!", clock=c)
    for minutes, action in actions:
        advance(c, (c.now() + timedelta(minutes=minutes)).isoformat(), sender)
        if action == "outbound":
            events.record_outbound(conversation, "Still there?", clock=c)
        elif action == "booked":
            events.record_appointment_booked(conversation, clock=c)
        elif action != "nothing":
            events.record_inbound(conversation, action, clock=c)
    sent = [
        rules.Sent(f.pk, present(f.finished_at))
        for f in FollowUp.objects.filter(status="sent", conversation=conversation)
    ]
    inbound = [
        rules.Inbound(m.at, m.intent) for m in conversation.messages.filter(direction="inbound").order_by("at", "id")
    ]
    bookings = list(
        EngineEvent.objects.filter(conversation=conversation, detail__startswith="appointment booked").values_list(
            "at", flat=True
        )
    )
    expected = rules.outcomes(sent, inbound, bookings)
    actual = {
        f.pk: rules.Outcome(f.replied_at, f.booked_at, f.opted_out_at)
        for f in FollowUp.objects.filter(status="sent", conversation=conversation)
    }
    assert actual == expected


@pytest.mark.django_db(transaction=True)
def test_the_backfill_migration_fills_the_bot_and_the_outcomes():
    build_history()
    expected = {
        f.pk: (f.bot_id, f.replied_at, f.booked_at, f.opted_out_at) for f in FollowUp.objects.filter(status="sent")
    }
    executor = MigrationExecutor(connection)
    executor.migrate([("scheduling", "0005_console_names")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    after = {
        f.pk: (f.bot_id, f.replied_at, f.booked_at, f.opted_out_at) for f in FollowUp.objects.filter(status="sent")
    }
    assert after == expected and sum(v[1] is not None for v in after.values()) == 3
