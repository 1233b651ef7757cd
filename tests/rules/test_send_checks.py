from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from rules.send_checks import DueState, decide
from rules.working_hours import parse_windows

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 10, 0, tzinfo=NY)
OK = DueState(
    now=NOW,
    bot_active=True,
    scenario_enabled=True,
    conversation_stopped=False,
    contact_wrote_since_planned=False,
    windows={},
    tz=NY,
    conversation_channel="sms",
    channel_switching=True,
    has_phone=True,
    last_inbound_at=NOW - timedelta(hours=1),
    opted_out=False,
)


def test_all_clear_sends_on_the_chosen_channel():
    assert decide(OK).action == "send"
    assert decide(replace(OK, conversation_channel="live_chat")).channel == "sms"


def test_an_inactive_bot_skips():
    assert (decide(replace(OK, bot_active=False)).action, decide(replace(OK, bot_active=False)).reason) == (
        "skip",
        "bot_inactive",
    )


def test_hours_changed_since_planning_defers_to_the_next_window():
    evening_only = parse_windows({"fri": [["18:00", "20:00"]]})
    decision = decide(replace(OK, windows=evening_only))
    assert decision.action == "defer"
    assert decision.defer_to == datetime(2026, 3, 6, 18, 0, tzinfo=NY)


def test_a_reply_after_planning_cancels():
    assert decide(replace(OK, contact_wrote_since_planned=True)).reason == "contact_replied"


def test_an_opt_out_skips_on_every_channel_switching_included():
    for channel in ("sms", "whatsapp", "live_chat", "facebook", "email"):
        decision = decide(replace(OK, opted_out=True, conversation_channel=channel))
        assert (decision.action, decision.reason) == ("skip", "opted_out")


def test_the_messaging_window_reason_comes_from_channel_choice():
    late = replace(OK, conversation_channel="whatsapp", last_inbound_at=NOW - timedelta(days=2), has_phone=False)
    assert decide(late).reason == "outside_messaging_window"


LA = ZoneInfo("America/Los_Angeles")


def test_outside_the_contact_hours_defers_to_their_opening():
    # 10:00 New York is 07:00 in Los Angeles: wait for 08:00 there (11:00 New York).
    state = replace(OK, contact_window=(time(8), time(21)), contact_tz=LA)
    decision = decide(state)
    assert (decision.action, decision.defer_to) == ("defer", datetime(2026, 3, 6, 11, 0, tzinfo=NY))


def test_no_instant_in_both_hours_within_7_days_of_the_due_time_skips():
    # The bot works 02:00-03:00 New York; the contact (New York too) only 08:00-21:00.
    state = replace(
        OK,
        windows=parse_windows({d: [["02:00", "03:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}),
        contact_window=(time(8), time(21)),
    )
    decision = decide(state)
    assert (decision.action, decision.reason) == ("skip", "no_sending_window")


def test_the_daily_limit_counts_the_24_hours_before_the_send():
    three = (NOW - timedelta(hours=23), NOW - timedelta(hours=2), NOW - timedelta(minutes=1))
    assert decide(replace(OK, daily_limit=3, recent_sends=three)).reason == "daily_limit"
    assert decide(replace(OK, daily_limit=4, recent_sends=three)).action == "send"
    assert decide(replace(OK, daily_limit=None, recent_sends=three)).action == "send"
    # A send exactly 24 hours earlier no longer counts.
    edge = (NOW - timedelta(hours=24), *three[1:])
    assert decide(replace(OK, daily_limit=3, recent_sends=edge)).action == "send"


def test_a_stop_or_reply_wins_over_the_daily_limit():
    state = replace(OK, daily_limit=1, recent_sends=(NOW - timedelta(hours=1),), contact_wrote_since_planned=True)
    assert decide(state).reason == "contact_replied"


def test_later_than_the_cut_off_after_its_planned_time_is_skipped_too_late():
    two_hours = timedelta(hours=2)
    assert decide(replace(OK, late_from=NOW - two_hours, late_cutoff=two_hours)).action == "send"
    late = decide(replace(OK, late_from=NOW - two_hours - timedelta(seconds=1), late_cutoff=two_hours))
    assert (late.action, late.reason) == ("skip", "too_late")
    assert decide(replace(OK, late_from=NOW - timedelta(days=3), late_cutoff=None)).action == "send"
