from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduling.rules.send_checks import DueState, decide
from scheduling.rules.working_hours import parse_windows

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 10, 0, tzinfo=NY)
OK = DueState(
    now=NOW, bot_active=True, scenario_enabled=True, conversation_stopped=False,
    contact_wrote_since_planned=False, windows={}, tz=NY, conversation_channel="sms",
    channel_switching=True, has_phone=True, last_inbound_at=NOW - timedelta(hours=1), opted_out=frozenset(),
)


def test_all_clear_sends_on_the_chosen_channel():
    assert decide(OK).action == "send"
    assert decide(replace(OK, conversation_channel="live_chat")).channel == "sms"


def test_an_inactive_bot_skips():
    assert (decide(replace(OK, bot_active=False)).action, decide(replace(OK, bot_active=False)).reason) == (
        "skip", "bot_inactive")


def test_hours_changed_since_planning_defers_to_the_next_window():
    evening_only = parse_windows({"fri": [["18:00", "20:00"]]})
    decision = decide(replace(OK, windows=evening_only))
    assert decision.action == "defer"
    assert decision.defer_to == datetime(2026, 3, 6, 18, 0, tzinfo=NY)


def test_a_reply_after_planning_cancels():
    assert decide(replace(OK, contact_wrote_since_planned=True)).reason == "contact_replied"


def test_opted_out_and_window_reasons_come_from_channel_choice():
    assert decide(replace(OK, opted_out=frozenset({"sms"}))).reason == "opted_out"
    late = replace(OK, conversation_channel="whatsapp", last_inbound_at=NOW - timedelta(days=2), has_phone=False)
    assert decide(late).reason == "outside_messaging_window"
