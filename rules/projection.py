"""What a cadence will do if the contact never answers: for each step, when it is due, when
it would go out (deferred into working and contact hours, and why), or why it would be
skipped (daily limit, no sending window, ...).

It is made of the very functions the engine plans and sends with: rules.steps for due times,
rules.sending_window for the planned time (as scheduling/planning.py), rules.send_checks.decide
at the moment the dispatcher would take the step (as scheduling/dispatch.py). So the bot
page's preview and Response Info's "Coming next" can't disagree with the engine;
tests/scheduling/test_preview_matches_engine.py drives the real engine to check it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rules import steps
from rules.cadence import Delay
from rules.send_checks import DueState, decide
from rules.sending_window import ContactWindow, daily_windows, next_sending_time
from rules.working_hours import Windows, is_open, next_open
from vocabulary import Action, Channel

WORKING_HOURS = "working hours"
CONTACT_HOURS = "contact hours"
# A step is deferred at most once when the dispatcher is on time; after an outage, when the
# hours have closed meanwhile, once more. More would mean the rules contradict themselves.
MAX_DEFERRALS = 10


@dataclass(frozen=True)
class Hours:
    """The bot's settings a projection reads."""

    working: Windows
    bot_tz: ZoneInfo
    contact_window: ContactWindow = None  # None: contact hours off
    contact_tz: ZoneInfo | None = None  # None: the bot's
    daily_limit: int | None = None  # None: no limit
    late_cutoff: timedelta | None = None  # None: never too late

    @property
    def contact_zone(self) -> ZoneInfo:
        return self.contact_tz or self.bot_tz


@dataclass(frozen=True)
class Route:
    """The conversation's channel, as the channel rules read it. The default, SMS to a known
    phone number, is never skipped for its channel (the bot page's sample contact)."""

    channel: str = Channel.SMS
    channel_switching: bool = True
    has_phone: bool = True
    last_inbound_at: datetime | None = None


@dataclass(frozen=True)
class ProjectedStep:
    step: int
    steps_total: int
    due_at: datetime  # the cadence's time
    planned_at: datetime  # when it is planned for; a skipped step keeps its place here
    at: datetime  # when the dispatcher takes it: planned_at, or later after an outage
    sent: bool
    reason: str = ""  # why it would be skipped (a vocabulary.Reason)
    deferred_by: tuple[str, ...] = ()  # WORKING_HOURS and/or CONTACT_HOURS, when planned_at != due_at
    channel: str = ""  # the channel it would go out on

    @property
    def deferred(self) -> bool:
        return self.planned_at != self.due_at


def project(
    kind: str,
    delays: list[Delay],
    anchor: datetime,
    hours: Hours,
    *,
    now: datetime | None = None,
    sends: Iterable[datetime] = (),
    route: Route = Route(),
) -> list[ProjectedStep]:
    """Every step of a cadence from its trigger. `anchor` as rules.steps.first_due takes it: the
    triggering message's time, or for specific_time the requested time. `now`: when the
    dispatcher runs (default: on time for every step). `sends`: follow-ups the contact already
    had from the bot, for the daily limit."""
    due = steps.first_due(kind, delays, anchor, hours.bot_tz)
    return _walk(kind, delays, 1, due, None, None, hours, now, sends, route)


def project_rest(
    kind: str,
    delays: list[Delay],
    *,
    step: int,
    due_at: datetime,
    planned_at: datetime,
    late_from: datetime | None,
    hours: Hours,
    now: datetime | None = None,
    sends: Iterable[datetime] = (),
    route: Route = Route(),
) -> list[ProjectedStep]:
    """A step already planned (a live follow-up, as stored) and the steps after it."""
    return _walk(kind, delays, step, due_at, planned_at, late_from, hours, now, sends, route)


def deferred_by(due: datetime, hours: Hours) -> tuple[str, ...]:
    """Why a step due at `due` can't go out then: the working hours are closed, and/or the
    contact hours are closed when the working hours next open. () when it goes out on time."""
    opens = next_open(due, hours.working, hours.bot_tz)
    why = []
    if opens != due:
        why.append(WORKING_HOURS)
    if not is_open(opens, daily_windows(hours.contact_window), hours.contact_zone):
        why.append(CONTACT_HOURS)
    return tuple(why)


def planned_time(due: datetime, hours: Hours) -> datetime:
    """As the engine plans a step (scheduling/planning.py): the first instant inside both
    windows, or its due time when there is none within 7 days (skipped then)."""
    opens = next_sending_time(
        due,
        working=hours.working,
        bot_tz=hours.bot_tz,
        contact_window=hours.contact_window,
        contact_tz=hours.contact_zone,
    )
    return opens or due


def _walk(kind, delays, step, due, planned, late_from, hours: Hours, now, sends, route: Route) -> list[ProjectedStep]:
    total = steps.steps_total(kind, delays)
    sent_times = list(sends)
    projected: list[ProjectedStep] = []
    while due is not None:
        if planned is None:
            planned = planned_time(due, hours)
        late_from = late_from or planned
        for _ in range(MAX_DEFERRALS):
            at = planned if now is None else max(planned, now)  # the dispatcher takes it then
            decision = decide(_state(at, due, late_from, hours, route, sent_times))
            if decision.action != Action.DEFER or decision.defer_to is None:
                break
            planned = late_from = decision.defer_to  # as dispatch.finish_unsent requeues it
        sent = decision.action == Action.SEND
        projected.append(
            ProjectedStep(
                step=step,
                steps_total=total,
                due_at=due,
                planned_at=planned,
                at=at,
                sent=sent,
                reason="" if sent else str(decision.reason),
                deferred_by=_why_deferred(due, planned, now, hours),
                channel=decision.channel,
            )
        )
        # The next step counts from the send, or from a skipped step's planned time.
        done_at = at if sent else planned
        if sent:
            sent_times.append(at)
        due = steps.next_due(kind, delays, step, done_at, hours.bot_tz)
        step, planned, late_from = step + 1, None, None
    return projected


def _why_deferred(due, planned, now, hours: Hours) -> tuple[str, ...]:
    if planned == due:
        return ()
    # Planned into the hours, or (after an outage) deferred when the dispatcher came back.
    return deferred_by(due, hours) or (deferred_by(now, hours) if now is not None else ())


def _state(at, due, late_from, hours: Hours, route: Route, sent_times) -> DueState:
    """The send checks' input for a contact who never answers, on a conversation that goes on."""
    return DueState(
        now=at,
        bot_active=True,
        scenario_enabled=True,
        conversation_stopped=False,
        contact_wrote_since_planned=False,
        windows=hours.working,
        tz=hours.bot_tz,
        conversation_channel=route.channel,
        channel_switching=route.channel_switching,
        has_phone=route.has_phone,
        last_inbound_at=route.last_inbound_at,
        opted_out=False,
        due_at=due,
        contact_window=hours.contact_window,
        contact_tz=hours.contact_zone,
        daily_limit=hours.daily_limit,
        recent_sends=tuple(sent_times),
        late_from=late_from,
        late_cutoff=hours.late_cutoff,
    )
