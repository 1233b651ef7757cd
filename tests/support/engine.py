"""The real engine on a virtual clock, driven as the periodic dispatcher would drive it, and
what it left on a conversation."""

from channels_out.senders.base import Sender
from channels_out.senders.console import RecordingSender
from conversations.models import Conversation
from scheduling import events
from scheduling.clock import VirtualClock
from scheduling.dispatch import dispatch_due
from scheduling.models import FollowUp
from tests.factories import at, clock, make_conversation

PENDING = FollowUp.Status.PENDING


def pending(conversation: Conversation) -> list[FollowUp]:
    return list(conversation.follow_ups.filter(status=PENDING))


def outcomes(conversation: Conversation) -> list[tuple[int, str, str]]:
    """(step, status, reason) of each of the conversation's follow-ups, oldest first."""
    return [(f.step, f.status, f.reason) for f in conversation.follow_ups.order_by("id")]


def run_until(conversation: Conversation, c: VirtualClock, until: str, sender: Sender) -> None:
    """Dispatch each due follow-up at its planned time, up to `until`, as the periodic dispatcher would."""
    while (nxt := conversation.follow_ups.filter(status=PENDING).order_by("planned_at").first()) and (
        nxt.planned_at <= at(until)
    ):
        c.set(nxt.planned_at)
        dispatch_due(c, sender=sender)


def send_pending(conversation: Conversation, c: VirtualClock) -> tuple[FollowUp, RecordingSender]:
    """Move the clock to the conversation's pending follow-up and let the real dispatcher
    handle it: the follow-up as it is then, and what was sent."""
    follow_up = conversation.follow_ups.get(status=PENDING)
    c.set(follow_up.planned_at)
    sender = RecordingSender()
    dispatch_due(c, sender=sender)
    follow_up.refresh_from_db()
    return follow_up, sender


def due_follow_up(bot=None, **contact) -> tuple[Conversation, VirtualClock]:
    """A conversation whose stopped-replying step 1 is due: the bot wrote at 10:00 and the
    clock stands at 10:05."""
    conversation, c = make_conversation(bot, **contact), clock()
    events.record_outbound(conversation, "Hi Ana!", clock=c)
    c.set(at("2026-03-06T10:05:00-05:00"))
    return conversation, c
