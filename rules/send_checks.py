"""The checks made when a follow-up comes due, as one pure decision."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rules.channel_choice import choose_channel
from rules.localtime import utc
from rules.sending_window import ContactWindow, next_sending_time
from rules.working_hours import Windows
from vocabulary import Action, Reason

DAY = timedelta(hours=24)


@dataclass(frozen=True)
class DueState:
    """Everything the checks read, copied out of the database at send time."""

    now: datetime
    bot_active: bool
    scenario_enabled: bool
    conversation_stopped: bool
    contact_wrote_since_planned: bool
    windows: Windows
    tz: ZoneInfo
    conversation_channel: str
    channel_switching: bool
    has_phone: bool
    last_inbound_at: datetime | None
    opted_out: bool
    due_at: datetime | None = None  # the cadence's time, before deferral (default: now)
    contact_window: ContactWindow = None  # contact hours, None = off
    contact_tz: ZoneInfo | None = None  # None = the bot's
    daily_limit: int | None = None  # None = no limit
    recent_sends: tuple[datetime, ...] = ()  # this bot's follow-ups to the contact, last 24 h
    late_from: datetime | None = None  # its planned time (default: now)
    late_cutoff: timedelta | None = None  # None = never too late
    conversation_paused: bool = False  # a person paused its follow-ups in the console


@dataclass(frozen=True)
class Decision:
    action: Action
    channel: str = ""
    reason: str = ""
    defer_to: datetime | None = None


def sends_in_last_day(recent_sends, now: datetime) -> int:
    """Sends in the 24 hours before `now`; one exactly 24 hours earlier no longer counts."""
    since = utc(now) - DAY
    return sum(1 for sent_at in recent_sends if utc(sent_at) > since)


def decide(state: DueState) -> Decision:
    if state.contact_wrote_since_planned:
        return Decision(Action.CANCEL, reason=Reason.CONTACT_REPLIED)
    if state.conversation_stopped:
        return Decision(Action.CANCEL, reason=Reason.CONVERSATION_STOPPED)
    if state.conversation_paused:
        return Decision(Action.CANCEL, reason=Reason.PAUSED)
    if not state.bot_active:
        return Decision(Action.SKIP, reason=Reason.BOT_INACTIVE)
    if not state.scenario_enabled:
        return Decision(Action.SKIP, reason=Reason.SCENARIO_DISABLED)
    if state.opted_out:  # the contact asked the business to stop: every channel
        return Decision(Action.SKIP, reason=Reason.OPTED_OUT)
    if (
        state.late_cutoff is not None
        and state.late_from is not None
        and utc(state.now) - utc(state.late_from) > state.late_cutoff
    ):
        return Decision(Action.SKIP, reason=Reason.TOO_LATE)  # after an outage: out of context by now
    opens = next_sending_time(
        state.due_at or state.now,
        not_before=state.now,
        working=state.windows,
        bot_tz=state.tz,
        contact_window=state.contact_window,
        contact_tz=state.contact_tz or state.tz,
    )
    if opens is None:
        return Decision(Action.SKIP, reason=Reason.NO_SENDING_WINDOW)
    if opens != state.now:  # different instants (== compares instants across zones)
        # Hours changed since planning: wait for the next instant inside both.
        return Decision(Action.DEFER, reason=Reason.OUTSIDE_SENDING_HOURS, defer_to=opens)
    choice = choose_channel(
        conversation_channel=state.conversation_channel,
        channel_switching=state.channel_switching,
        has_phone=state.has_phone,
        last_inbound_at=state.last_inbound_at,
        at=state.now,
    )
    if choice.channel is None:
        return Decision(Action.SKIP, reason=choice.skip_reason)
    if state.daily_limit is not None and sends_in_last_day(state.recent_sends, state.now) >= state.daily_limit:
        return Decision(Action.SKIP, reason=Reason.DAILY_LIMIT)
    return Decision(Action.SEND, channel=choice.channel)
