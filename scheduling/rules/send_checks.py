"""The checks made when a follow-up comes due, as one pure decision."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduling.rules.channel_choice import choose_channel
from scheduling.rules.working_hours import Windows, next_open


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
    opted_out: frozenset[str]


@dataclass(frozen=True)
class Decision:
    action: str  # "send", "skip", "cancel" or "defer"
    channel: str = ""
    reason: str = ""
    defer_to: datetime | None = None


def decide(state: DueState) -> Decision:
    if state.contact_wrote_since_planned:
        return Decision("cancel", reason="contact_replied")
    if state.conversation_stopped:
        return Decision("cancel", reason="conversation_stopped")
    if not state.bot_active:
        return Decision("skip", reason="bot_inactive")
    if not state.scenario_enabled:
        return Decision("skip", reason="scenario_disabled")
    opens = next_open(state.now, state.windows, state.tz)
    if opens != state.now:  # different instants (== compares instants across zones)
        # Working hours changed since planning: wait for the next window.
        return Decision("defer", reason="outside_working_hours", defer_to=opens)
    choice = choose_channel(
        conversation_channel=state.conversation_channel,
        channel_switching=state.channel_switching,
        has_phone=state.has_phone,
        last_inbound_at=state.last_inbound_at,
        at=state.now,
        opted_out=state.opted_out,
    )
    if choice.channel is None:
        return Decision("skip", reason=choice.skip_reason)
    return Decision("send", channel=choice.channel)
