"""The Results definitions (rules/results.py), edge cases and boundaries included."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from rules.results import Inbound, Outcome, Sent, day_bounds, last_days, outcomes, rate, replied_follow_up
from tests.factories import at

T0 = at("2026-03-02T10:00:00-05:00")
H, D = timedelta(hours=1), timedelta(days=1)


def sent(*offsets):
    return [Sent(i + 1, T0 + o) for i, o in enumerate(offsets)]


def test_a_reply_credits_the_follow_up_before_it():
    result = outcomes(sent(timedelta(0)), [Inbound(T0 + H)], [])
    assert result == {1: Outcome(replied_at=T0 + H)}


def test_a_reply_after_the_next_follow_up_credits_only_the_next_one():
    result = outcomes(sent(timedelta(0), 2 * H), [Inbound(T0 + 3 * H)], [])
    assert result == {1: Outcome(), 2: Outcome(replied_at=T0 + 3 * H)}


def test_reply_boundaries_strictly_after_the_send_and_up_to_seven_days_inclusive():
    follow_ups = sent(timedelta(0))
    assert replied_follow_up(follow_ups, T0) is None
    assert replied_follow_up(follow_ups, T0 + 7 * D) == follow_ups[0]
    assert replied_follow_up(follow_ups, T0 + 7 * D + timedelta(seconds=1)) is None


def test_a_message_at_the_very_instant_of_the_next_send_still_answers_the_earlier_one():
    follow_ups = sent(timedelta(0), H)
    assert replied_follow_up(follow_ups, T0 + H) == follow_ups[0]


def test_equal_send_times_go_to_the_higher_id():
    follow_ups = [Sent(5, T0), Sent(9, T0)]
    assert replied_follow_up(follow_ups, T0 + H) == follow_ups[1]


def test_the_first_reply_is_kept():
    result = outcomes(sent(timedelta(0)), [Inbound(T0 + H), Inbound(T0 + 2 * H)], [])
    assert result[1].replied_at == T0 + H


def test_a_booking_credits_every_follow_up_of_the_last_seven_days_but_not_on_day_eight():
    follow_ups = sent(timedelta(0), D, 2 * D)
    booking = T0 + 7 * D + H  # on day 8 for the first, within 7 days of the others
    result = outcomes(follow_ups, [], [booking])
    assert [result[i].booked_at for i in (1, 2, 3)] == [None, booking, booking]
    assert outcomes(sent(timedelta(0)), [], [T0 + 7 * D])[1].booked_at == T0 + 7 * D
    assert outcomes(sent(timedelta(0)), [], [T0])[1].booked_at is None


def test_a_booked_message_is_a_booking_and_a_reply():
    result = outcomes(sent(timedelta(0)), [Inbound(T0 + H, "booked")], [])
    assert result[1] == Outcome(replied_at=T0 + H, booked_at=T0 + H)


def test_an_opt_out_within_24_hours_counts_and_one_after_25_hours_does_not():
    follow_ups = sent(timedelta(0), 2 * H)
    late = outcomes(follow_ups, [Inbound(T0 + 25 * H, "opt_out")], [])
    assert late[1].opted_out_at is None and late[2].opted_out_at == T0 + 25 * H  # 23 h after the second
    assert late[2].replied_at == T0 + 25 * H and late[1].replied_at is None
    edge = outcomes(sent(timedelta(0)), [Inbound(T0 + 24 * H, "opt_out")], [])
    assert edge[1].opted_out_at == T0 + 24 * H


def test_nothing_before_the_send_counts():
    result = outcomes(sent(D), [Inbound(T0, "opt_out"), Inbound(T0, "booked")], [T0])
    assert result == {1: Outcome()}


def test_rate_and_periods():
    assert rate(1, 4) == 0.25 and rate(0, 0) is None
    ny = ZoneInfo("America/New_York")
    start, end = day_bounds(date(2026, 3, 2), date(2026, 3, 8), ny)
    assert (start, end) == (at("2026-03-02T00:00:00-05:00"), at("2026-03-09T00:00:00-04:00"))  # DST on the 8th
    assert last_days(7, at("2026-03-08T23:30:00-04:00"), ny) == (date(2026, 3, 2), date(2026, 3, 8))
