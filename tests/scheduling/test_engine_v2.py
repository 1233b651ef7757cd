"""Contract version 2 in the engine: an opt-out covers every channel, contact hours, the
daily limit, and a new bot's defaults (existing bots keep the old behaviour)."""

from datetime import time

import pytest

from bots.models import Bot
from channels_out.senders.console import RecordingSender
from conversations.models import OptOut
from scheduling import events
from scheduling.models import FollowUp
from tests.factories import at, clock, make_account, make_bot, make_conversation
from tests.support.engine import outcomes, pending, run_until

pytestmark = pytest.mark.django_db
S = FollowUp.Status


def test_a_new_bot_gets_contact_hours_and_a_daily_limit():
    bot = Bot.objects.create(account=make_account(), name="New clinic", timezone="America/New_York")
    assert bot.contact_window() == (time(8), time(21))
    assert bot.max_follow_ups_per_day == 3


def test_an_opt_out_said_on_sms_covers_whatsapp_and_the_switch_to_sms():
    conversation, c, sender = make_conversation(), clock(), RecordingSender()
    events.record_inbound(conversation, "please stop texting me", clock=c)
    # Later the contact writes on WhatsApp (lifting the stop, not the opt-out).
    c.set(at("2026-03-06T12:00:00-05:00"))
    events.record_inbound(conversation, "what are your prices?", channel="whatsapp", clock=c)
    events.record_outbound(conversation, "Cleanings start at $80.", clock=c)
    # Step 1 would go on WhatsApp, step 2 (after 24 h) would switch to SMS: both skipped.
    make_cadence(conversation.bot, "5m, 1d")
    events.record_outbound(conversation, "Anything else?", clock=c)
    run_until(conversation, c, "2026-03-09T00:00:00-05:00", sender)
    assert sender.sent == []
    assert outcomes(conversation)[-2:] == [(1, S.SKIPPED, "opted_out"), (2, S.SKIPPED, "opted_out")]


def test_start_on_another_channel_takes_back_the_opt_out_everywhere():
    conversation, c = make_conversation(), clock()
    events.record_inbound(conversation, "STOP", clock=c)
    events.record_inbound(conversation, "START", channel="whatsapp", clock=c)
    assert not OptOut.objects.filter(contact=conversation.contact).exists()


def make_cadence(bot, cadence, kind="stopped_replying"):
    scenario = bot.scenario(kind)
    scenario.cadence = cadence
    scenario.save()


def test_contact_hours_defer_the_plan_and_show_the_original_time():
    bot = make_bot(contact_hours_enabled=True, contact_hours_start=time(8), contact_hours_end=time(21))
    conversation, c = make_conversation(bot, timezone="America/Los_Angeles"), clock("2026-03-06T23:50:00-05:00")
    events.record_outbound(conversation, "Hi Ana!", clock=c)  # step 1 due 23:55 New York = 20:55 LA
    [follow_up] = pending(conversation)
    assert follow_up.due_at == at("2026-03-06T23:55:00-05:00")
    assert follow_up.planned_at == at("2026-03-06T23:55:00-05:00")  # still inside her 21:00
    c.set(at("2026-03-07T00:10:00-05:00"))
    events.record_outbound(conversation, "Are you there?", clock=c)  # due 00:15 NY = 21:15 LA
    [follow_up] = pending(conversation)
    assert follow_up.planned_at == at("2026-03-07T08:00:00-08:00") and follow_up.deferred


def test_hours_changed_after_planning_are_checked_again_at_send_time():
    conversation, c, sender = make_conversation(), clock(), RecordingSender()
    events.record_outbound(conversation, "Hi Ana!", clock=c)  # due 10:05
    Bot.objects.filter(pk=conversation.bot_id).update(
        contact_hours_enabled=True, contact_hours_start=time(12), contact_hours_end=time(21)
    )
    c.set(at("2026-03-06T10:05:00-05:00"))
    run_until(conversation, c, "2026-03-06T10:05:00-05:00", sender)
    [follow_up] = pending(conversation)
    assert follow_up.planned_at == at("2026-03-06T12:00:00-05:00") and sender.sent == []


def test_with_no_sending_time_within_7_days_the_step_is_skipped_at_its_due_time():
    always_night = {d: [["02:00", "03:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    bot = make_bot(hours=always_night, contact_hours_enabled=True)
    conversation, c, sender = make_conversation(bot), clock(), RecordingSender()
    events.record_outbound(conversation, "Hi Ana!", clock=c)
    [follow_up] = pending(conversation)
    assert follow_up.planned_at == follow_up.due_at == at("2026-03-06T10:05:00-05:00")
    run_until(conversation, c, "2026-03-06T10:05:00-05:00", sender)
    assert outcomes(conversation)[0] == (1, S.SKIPPED, "no_sending_window")
    # It keeps its place: step 2 is due 15 minutes after step 1's time.
    assert pending(conversation)[0].due_at == at("2026-03-06T10:20:00-05:00")


def test_the_daily_limit_skips_and_the_cadence_keeps_its_place():
    bot = make_bot(max_follow_ups_per_day=2, cadences={"stopped_replying": "5m, 1h, 2h, 20h, 1h"})
    conversation, c, sender = make_conversation(bot), clock(), RecordingSender()
    events.record_outbound(conversation, "Hi Ana!", clock=c)
    run_until(conversation, c, "2026-03-08T00:00:00-05:00", sender)
    rows = list(conversation.follow_ups.order_by("id"))
    assert outcomes(conversation) == [
        (1, S.SENT, ""),
        (2, S.SENT, ""),
        (3, S.SKIPPED, "daily_limit"),
        (4, S.SKIPPED, "daily_limit"),
        (5, S.SENT, ""),
    ]
    # Step 3 was planned for 13:05; step 4 counts from there (+20 h = 09:05 next day, when step 1
    # of 10:05 is still inside 24 h), step 5 an hour later at 10:05 sends: 10:05 yesterday no longer counts.
    assert [f.planned_at for f in rows[2:]] == [
        at("2026-03-06T13:05:00-05:00"),
        at("2026-03-07T09:05:00-05:00"),
        at("2026-03-07T10:05:00-05:00"),
    ]


def test_the_daily_limit_counts_every_scenario_of_the_bot():
    bot = make_bot(max_follow_ups_per_day=1)
    conversation, c, sender = make_conversation(bot), clock(), RecordingSender()
    events.record_outbound(conversation, "Hi Ana!", clock=c)
    run_until(conversation, c, "2026-03-06T10:05:00-05:00", sender)  # stopped_replying step 1 sent
    c.set(at("2026-03-06T10:10:00-05:00"))
    events.record_inbound(conversation, "driving", clock=c)  # busy: 30m later
    run_until(conversation, c, "2026-03-06T10:40:00-05:00", sender)
    busy = conversation.follow_ups.filter(kind="busy").order_by("id")
    assert [(f.step, f.status, f.reason) for f in busy] == [(1, S.SKIPPED, "daily_limit"), (2, S.PENDING, "")]
    assert len(sender.sent) == 1
