from datetime import UTC, datetime, timedelta

from rules.channel_choice import choose_channel

NOW = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)


def choose(channel, *, switching=True, phone=True, last_inbound=NOW - timedelta(hours=1)):
    return choose_channel(
        conversation_channel=channel,
        channel_switching=switching,
        has_phone=phone,
        last_inbound_at=last_inbound,
        at=NOW,
    )


def test_sms_stays_sms():
    assert choose("sms").channel == "sms"


def test_live_chat_moves_to_sms_when_a_phone_is_known():
    assert choose("live_chat").channel == "sms"
    assert choose("live_chat", phone=False).channel == "live_chat"
    assert choose("live_chat", switching=False).channel == "live_chat"


def test_platforms_stay_inside_their_24_hour_window():
    for channel in ("facebook", "instagram", "whatsapp"):
        assert choose(channel, last_inbound=NOW - timedelta(hours=24)).channel == channel


def test_platforms_past_24_hours_move_to_sms():
    for channel in ("facebook", "instagram", "whatsapp"):
        assert choose(channel, last_inbound=NOW - timedelta(hours=24, seconds=1)).channel == "sms"


def test_past_the_window_with_no_way_to_switch_is_skipped():
    late = NOW - timedelta(days=2)
    assert choose("whatsapp", last_inbound=late, switching=False).skip_reason == "outside_messaging_window"
    assert choose("facebook", last_inbound=late, phone=False).skip_reason == "outside_messaging_window"
    assert choose("instagram", last_inbound=None, phone=False).skip_reason == "outside_messaging_window"


def test_email_has_no_window_and_no_switch():
    assert choose("email", last_inbound=None).channel == "email"
