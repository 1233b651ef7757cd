"""rules/projection.py: a cadence laid out for a contact who never answers. No database.

Each case is small enough to work out by hand; tests/scheduling/test_preview_matches_engine.py
checks the projection against the real engine over generated cadences and hours."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from rules.cadence import parse_cadence
from rules.projection import CONTACT_HOURS, WORKING_HOURS, Hours, Route, deferred_by, project, project_rest
from rules.working_hours import parse_windows
from vocabulary import Channel, Reason

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
WEEKDAYS_9_TO_5 = parse_windows({d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})


def ny(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def timeline(projected):
    return [(p.step, p.planned_at.astimezone(NY).strftime("%a %d %H:%M"), p.sent, p.reason) for p in projected]


def test_a_step_due_after_hours_is_deferred_to_the_next_opening_and_the_next_counts_from_the_send():
    """Cadence "1h, 1d" from Friday 16:30 with hours Mon-Fri 09-17: step 1 is due 17:30,
    closed, so it goes Monday 09:00; step 2 is a day after that send, Tuesday 09:00."""
    projected = project("stopped_replying", parse_cadence("1h, 1d"), ny("2026-03-06T16:30"), Hours(WEEKDAYS_9_TO_5, NY))
    assert timeline(projected) == [(1, "Mon 09 09:00", True, ""), (2, "Tue 10 09:00", True, "")]
    first, second = projected
    assert first.due_at == ny("2026-03-06T17:30") and first.deferred and first.deferred_by == (WORKING_HOURS,)
    assert not second.deferred and second.deferred_by == ()
    assert [p.steps_total for p in projected] == [2, 2]
    assert first.channel == Channel.SMS


def test_contact_hours_are_read_in_the_contacts_zone():
    """Always open for the bot; the contact in Los Angeles takes messages 08:00-21:00 her time.
    Due 10:00 New York is 07:00 for her: it goes at 08:00 hers, 11:00 New York."""
    hours = Hours({}, NY, contact_window=(time(8), time(21)), contact_tz=LA)
    [step] = project("busy", parse_cadence("1h"), ny("2026-03-06T09:00"), hours)
    assert step.planned_at == ny("2026-03-06T11:00")
    assert step.deferred_by == (CONTACT_HOURS,)


def test_both_hours_can_defer_one_step():
    """Closed at the due time (Friday 18:00), and Monday's 09:00 opening is 06:00 in Los
    Angeles: both are named."""
    hours = Hours(WEEKDAYS_9_TO_5, NY, contact_window=(time(8), time(21)), contact_tz=LA)
    [step] = project("busy", parse_cadence("1h"), ny("2026-03-06T17:00"), hours)
    assert step.planned_at == ny("2026-03-09T11:00")
    assert step.deferred_by == (WORKING_HOURS, CONTACT_HOURS)
    assert deferred_by(ny("2026-03-09T11:00"), hours) == ()


def test_the_daily_limit_skips_a_step_which_keeps_its_place():
    """Limit 2: steps 1 and 2 go out, step 3 is skipped at its time and step 4 counts a day
    from there, when the first two are more than 24 hours old."""
    hours = Hours({}, NY, daily_limit=2)
    projected = project("stopped_replying", parse_cadence("1h, 1h, 1h, 1d"), ny("2026-03-03T10:00"), hours)
    assert timeline(projected) == [
        (1, "Tue 03 11:00", True, ""),
        (2, "Tue 03 12:00", True, ""),
        (3, "Tue 03 13:00", False, Reason.DAILY_LIMIT),
        (4, "Wed 04 13:00", True, ""),
    ]


def test_earlier_sends_count_towards_the_daily_limit():
    hours = Hours({}, NY, daily_limit=1)
    [step] = project("busy", parse_cadence("1h"), ny("2026-03-03T10:00"), hours, sends=[ny("2026-03-02T11:30")])
    assert (step.sent, step.reason) == (False, Reason.DAILY_LIMIT)
    [step] = project("busy", parse_cadence("1h"), ny("2026-03-03T10:00"), hours, sends=[ny("2026-03-02T11:00")])
    assert step.sent  # exactly 24 hours earlier no longer counts


def test_no_sending_window_within_7_days_skips_at_the_due_time():
    """Working hours 09-10 in New York and contact hours 09-10 in Tokyo never overlap."""
    hours = Hours(
        {d: [(time(9), time(10))] for d in range(7)},
        NY,
        contact_window=(time(9), time(10)),
        contact_tz=ZoneInfo("Asia/Tokyo"),
    )
    projected = project("busy", parse_cadence("1h, 2h"), ny("2026-03-03T08:30"), hours)
    assert [(p.sent, p.reason, p.planned_at == p.due_at) for p in projected] == [
        (False, Reason.NO_SENDING_WINDOW, True),
        (False, Reason.NO_SENDING_WINDOW, True),
    ]
    assert projected[1].due_at == projected[0].due_at + timedelta(hours=2)


def test_specific_time_starts_at_the_requested_time_and_the_cadence_follows():
    projected = project("specific_time", parse_cadence("1d", allow_empty=True), ny("2026-03-05T15:00"), Hours({}, NY))
    assert timeline(projected) == [(1, "Thu 05 15:00", True, ""), (2, "Fri 06 15:00", True, "")]
    [only] = project("specific_time", [], ny("2026-03-05T15:00"), Hours({}, NY))
    assert (only.step, only.steps_total) == (1, 1)


def test_day_delays_keep_the_local_time_across_daylight_saving():
    projected = project("stopped_replying", parse_cadence("1d, 1d"), ny("2026-03-07T09:00"), Hours({}, NY))
    assert [p.planned_at.astimezone(NY).hour for p in projected] == [9, 9]  # Sun 8 Mar: clocks went forward


def test_the_rest_after_a_live_step_counts_from_its_planned_time():
    hours = Hours(WEEKDAYS_9_TO_5, NY)
    projected = project_rest(
        "busy",
        parse_cadence("2h, 1d"),
        step=1,
        due_at=ny("2026-03-06T16:00"),
        planned_at=ny("2026-03-06T16:00"),
        late_from=None,
        hours=hours,
        now=ny("2026-03-06T12:00"),
    )
    assert timeline(projected) == [(1, "Fri 06 16:00", True, ""), (2, "Mon 09 09:00", True, "")]
    assert projected[1].due_at == ny("2026-03-07T16:00")


def test_a_step_taken_past_the_late_cut_off_is_skipped_and_the_next_counts_from_its_planned_time():
    """The dispatcher was down: at 15:00, the step planned for 10:00 is 5 hours late."""
    hours = Hours({}, NY, late_cutoff=timedelta(hours=2))
    projected = project_rest(
        "stopped_replying",
        parse_cadence("1h, 1h, 3h"),
        step=1,
        due_at=ny("2026-03-03T10:00"),
        planned_at=ny("2026-03-03T10:00"),
        late_from=None,
        hours=hours,
        now=ny("2026-03-03T15:00"),
    )
    assert timeline(projected) == [
        (1, "Tue 03 10:00", False, Reason.TOO_LATE),
        (2, "Tue 03 11:00", False, Reason.TOO_LATE),
        (3, "Tue 03 14:00", True, ""),  # an hour late: within the cut-off, so it goes now
    ]
    assert projected[2].at == ny("2026-03-03T15:00")
    assert [p.at for p in projected[:2]] == [ny("2026-03-03T15:00")] * 2


def test_a_late_step_within_the_cut_off_goes_when_the_dispatcher_is_back_inside_hours():
    """Planned 16:30; the dispatcher is back at 17:10, closed: deferred to Monday 09:00."""
    hours = Hours(WEEKDAYS_9_TO_5, NY, late_cutoff=timedelta(hours=2))
    [step] = project_rest(
        "busy",
        parse_cadence("1h"),
        step=1,
        due_at=ny("2026-03-06T16:30"),
        planned_at=ny("2026-03-06T16:30"),
        late_from=None,
        hours=hours,
        now=ny("2026-03-06T17:10"),
    )
    assert (step.planned_at, step.sent, step.deferred_by) == (ny("2026-03-09T09:00"), True, (WORKING_HOURS,))


def test_a_platform_conversation_past_its_window_without_a_phone_is_skipped():
    route = Route(channel=Channel.FACEBOOK, has_phone=False, last_inbound_at=ny("2026-03-01T10:00"))
    [step] = project("busy", parse_cadence("1h"), ny("2026-03-03T10:00"), Hours({}, NY), route=route)
    assert (step.sent, step.reason) == (False, Reason.OUTSIDE_MESSAGING_WINDOW)
    [step] = project("busy", parse_cadence("1h"), ny("2026-03-03T10:00"), Hours({}, NY), route=Route(Channel.LIVE_CHAT))
    assert step.channel == Channel.SMS  # live chat moves to SMS
