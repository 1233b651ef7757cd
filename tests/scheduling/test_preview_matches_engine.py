"""The preview can't disagree with the engine: for generated cadences, working hours, contact
hours, zones, daily limits and dispatcher outages, rules/projection.py gives exactly what the
real engine plans and does step by step on a virtual clock, for a contact who never answers.

The engine is driven as the periodic dispatcher would drive it: at each pending follow-up's
planned time, or, when the dispatcher was down until some moment, then.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from bots.models import WorkingWindow
from channels_out.senders.console import RecordingSender
from rules.cadence import Delay
from rules.projection import Hours, project
from scheduling import events
from scheduling.clock import VirtualClock
from scheduling.dispatch import dispatch_due
from scheduling.models import FollowUp
from tests.factories import make_bot, make_conversation

pytestmark = pytest.mark.django_db

ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "UTC",
]
BUSY = "Sorry, I'm in a meeting right now"
ASKS_FOR_A_TIME = "Can you call me tomorrow at 3pm?"
SLOTS = 48  # half hours in a day

delays = st.one_of(
    st.builds(Delay, st.integers(1, 600), st.just("minutes")),
    st.builds(Delay, st.integers(1, 72), st.just("hours")),
    st.builds(Delay, st.integers(1, 3), st.just("days")),
    st.builds(Delay, st.just(1), st.just("weeks")),
)


def clock_at(slot: int) -> time | None:
    return None if slot == SLOTS else time(slot // 2, 30 * (slot % 2))


@st.composite
def working_windows(draw) -> dict[int, list[tuple[time, time | None]]]:
    """Up to two windows a day on the half hour, a window may end at midnight; some days
    closed; sometimes none at all (always open)."""
    windows: dict[int, list[tuple[time, time | None]]] = {}
    if draw(st.booleans()):
        return windows
    for day in range(7):
        bounds = sorted(draw(st.lists(st.integers(0, SLOTS), max_size=4, unique=True)))
        spans = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds) - 1, 2)]
        if spans:
            windows[day] = [(clock_at(a) or time(0), clock_at(b)) for a, b in spans]
    return windows


contact_windows = st.one_of(
    st.none(),
    st.tuples(st.integers(0, SLOTS - 1), st.integers(0, SLOTS - 1))
    .filter(lambda w: w[0] != w[1])
    .map(lambda w: (clock_at(w[0]) or time(0), clock_at(w[1]) or time(0))),
)

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def engine_run(kind, cadence, start, working, contact_window, bot_zone, contact_zone, limit, cutoff, back):
    """What the engine does: (trigger's anchor, [(step, due, planned, sent, reason, at)])."""
    FollowUp.objects.filter(status=FollowUp.Status.PENDING).delete()  # an earlier, failed example's
    bot = make_bot(
        timezone=bot_zone,
        cadences={kind: ", ".join(str(d) for d in cadence) or ""},
        contact_hours_enabled=contact_window is not None,
        contact_hours_start=contact_window[0] if contact_window else time(8),
        contact_hours_end=contact_window[1] if contact_window else time(21),
        max_follow_ups_per_day=limit,
        late_cutoff=cutoff,
    )
    for day, spans in working.items():
        for opens, closes in spans:
            WorkingWindow.objects.create(bot=bot, weekday=day, start=opens, end=closes)
    conversation = make_conversation(bot, timezone=contact_zone)
    clock = VirtualClock(start)
    if kind == "stopped_replying":
        events.record_outbound(conversation, "Hi, any questions?", clock=clock)
        anchor = start
    else:
        message = events.record_inbound(conversation, BUSY if kind == "busy" else ASKS_FOR_A_TIME, clock=clock)
        assert message.intent == kind
        anchor = message.requested_at if kind == "specific_time" else start
    sender = RecordingSender()
    pending = conversation.follow_ups.filter(status=FollowUp.Status.PENDING)
    while (due := pending.order_by("planned_at").first()) is not None:
        clock.set(max(due.planned_at, back, clock.now()))
        dispatch_due(clock, sender=sender)
    done = conversation.follow_ups.order_by("id")
    return anchor, [
        (f.step, f.due_at, f.planned_at, f.status == FollowUp.Status.SENT, f.reason, f.finished_at) for f in done
    ]


@PROPERTY
@given(
    kind=st.sampled_from(["stopped_replying", "busy", "specific_time"]),
    cadence=st.lists(delays, min_size=1, max_size=5),
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC)
    ),
    working=working_windows(),
    contact_window=contact_windows,
    bot_zone=st.sampled_from(ZONES),
    contact_zone=st.sampled_from(ZONES),
    limit=st.one_of(st.none(), st.integers(1, 3)),
    cutoff=st.sampled_from([timedelta(hours=2), timedelta(minutes=30)]),
    outage=st.one_of(
        st.just(timedelta(0)),
        st.integers(1, 120).map(lambda m: timedelta(minutes=m)),
        st.integers(2, 96).map(lambda h: timedelta(hours=h)),
    ),
)
@example(  # the brief's case: "1h, 1d" from Friday 16:30 New York, open Mon-Fri 09-17
    kind="stopped_replying",
    cadence=[Delay(1, "hours"), Delay(1, "days")],
    start=datetime(2026, 3, 6, 21, 30, tzinfo=UTC),
    working={d: [(time(9), time(17))] for d in range(5)},
    contact_window=(time(8), time(21)),
    bot_zone="America/New_York",
    contact_zone="America/Los_Angeles",
    limit=3,
    cutoff=timedelta(hours=2),
    outage=timedelta(0),
)
@example(  # a daily limit of 1 against a tight cadence, across the spring DST change
    kind="busy",
    cadence=[Delay(30, "minutes"), Delay(2, "hours"), Delay(1, "days"), Delay(5, "minutes")],
    start=datetime(2026, 3, 8, 5, 0, tzinfo=UTC),
    working={},
    contact_window=(time(22), time(6)),
    bot_zone="America/New_York",
    contact_zone="Europe/London",
    limit=1,
    cutoff=timedelta(hours=2),
    outage=timedelta(0),
)
@example(  # the dispatcher is down for a day: too late, then back on the cadence
    kind="stopped_replying",
    cadence=[Delay(1, "hours"), Delay(2, "hours"), Delay(1, "days")],
    start=datetime(2026, 6, 2, 14, 0, tzinfo=UTC),
    working={d: [(time(8), time(12)), (time(13), None)] for d in range(6)},
    contact_window=None,
    bot_zone="Europe/London",
    contact_zone="Europe/London",
    limit=None,
    cutoff=timedelta(hours=2),
    outage=timedelta(hours=26),
)
@example(  # working hours and contact hours that never meet: skipped at the due time, and on
    kind="specific_time",
    cadence=[Delay(1, "days"), Delay(3, "hours")],
    start=datetime(2026, 10, 30, 12, 0, tzinfo=UTC),
    working={d: [(time(9), time(10))] for d in range(7)},
    contact_window=(time(9), time(10)),
    bot_zone="America/New_York",
    contact_zone="Asia/Kolkata",
    limit=2,
    cutoff=timedelta(hours=2),
    outage=timedelta(0),
)
def test_the_projection_is_what_the_engine_does(
    kind, cadence, start, working, contact_window, bot_zone, contact_zone, limit, cutoff, outage
):
    if kind == "specific_time":
        cadence = cadence[1:]  # its cadence lists the follow-ups after the requested time; may be empty
    back = start + outage  # the dispatcher runs again from then
    anchor, done = engine_run(
        kind, cadence, start, working, contact_window, bot_zone, contact_zone, limit, cutoff, back
    )
    hours = Hours(
        working=working,
        bot_tz=ZoneInfo(bot_zone),
        contact_window=contact_window,
        contact_tz=ZoneInfo(contact_zone),
        daily_limit=limit,
        late_cutoff=cutoff,
    )
    projected = project(kind, cadence, anchor, hours, now=back)
    for p in projected:  # the spread, with --hypothesis-show-statistics
        event(p.reason or ("sent, deferred" if p.deferred else "sent on time"))
    assert [(p.step, p.due_at, p.planned_at, p.sent, p.reason, p.at) for p in projected] == done
