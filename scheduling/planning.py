"""Creating, moving and cancelling follow-ups. Callers hold the conversation's row lock."""

from datetime import datetime

from django.db import connection
from django.db.models import Q

from bots.models import Scenario
from conversations.models import Conversation, Message
from rules import steps
from rules.channel_choice import choose_channel
from rules.sending_window import next_sending_time
from scheduling.claims import NOT_HANDED_OVER
from scheduling.models import EngineEvent, FollowUp
from vocabulary import Note

LIVE = (FollowUp.Status.PENDING, FollowUp.Status.SENDING)


def predicted_channel(conversation: Conversation, at: datetime) -> str:
    """The channel the follow-up would use if it went out at `at` (checked again then)."""
    contact = conversation.contact
    choice = choose_channel(
        conversation_channel=conversation.channel,
        channel_switching=conversation.bot.channel_switching,
        has_phone=bool(contact.phone),
        last_inbound_at=conversation.last_inbound_at,
        at=at,
    )
    return choice.channel or ""


def sending_time(conversation: Conversation, due_at: datetime) -> datetime | None:
    """The first instant from `due_at` inside the bot's working hours and the contact hours."""
    bot, contact = conversation.bot, conversation.contact
    return next_sending_time(
        due_at, working=bot.windows(), bot_tz=bot.tz, contact_window=bot.contact_window(), contact_tz=contact.tz
    )


def _timing(conversation: Conversation, due_at: datetime):
    # With no sending time within 7 days it stays at its due time, where the dispatcher
    # skips it (no_sending_window).
    planned_at = sending_time(conversation, due_at) or due_at
    return planned_at, predicted_channel(conversation, planned_at)


def build(
    conversation: Conversation,
    scenario: Scenario,
    *,
    step: int,
    due_at: datetime | None,
    now: datetime,
    trigger: Message | None,
    previous: FollowUp | None = None,
) -> FollowUp | None:
    """An unsaved `step` of `scenario`, deferred into working and contact hours; None when there is no such step."""
    if due_at is None:
        return None
    return FollowUp(
        conversation=conversation,
        bot_id=conversation.bot_id,
        scenario=scenario,
        kind=scenario.kind,
        **_step_fields(conversation, scenario, step, due_at, now, trigger, previous),
    )


def _step_fields(conversation, scenario, step, due_at, now, trigger, previous) -> dict:
    """A step's columns: a new plan's, or a pending one's moved back to step 1."""
    planned_at, channel = _timing(conversation, due_at)
    return {
        "step": step,
        "steps_total": steps.steps_total(scenario.kind, scenario.delays),
        "due_at": due_at,
        "planned_at": planned_at,
        "late_from": planned_at,
        "channel": channel,
        "trigger_message": trigger,
        "previous": previous,
        "created_at": now,
    }


def plan(conversation: Conversation, scenario: Scenario, **step) -> FollowUp | None:
    """Plan a step (see build) and save it."""
    follow_up = build(conversation, scenario, **step)
    if follow_up is not None:
        follow_up.save()
    return follow_up


def replan_first_step(follow_up: FollowUp, *, due_at: datetime, now: datetime, trigger: Message) -> None:
    """Move a pending follow-up back to step 1 from a new message, keeping one row per plan."""
    FollowUp.objects.filter(pk=follow_up.pk, status=FollowUp.Status.PENDING).update(
        **_step_fields(follow_up.conversation, follow_up.scenario, 1, due_at, now, trigger, None)
    )
    note(follow_up.conversation, now, Note.REPLANNED, f"{follow_up.get_kind_display()} restarted from a new message")


def next_step(done: FollowUp, *, done_at: datetime, has_pending: bool) -> FollowUp | None:
    """Step n+1 (unsaved) after step n went out or was skipped at `done_at`, or None.

    `conversation` must be fresh (read under its lock): a reply or a stop may have come in
    while step n was being sent. `has_pending`: the conversation already has a pending
    follow-up, i.e. something newer (a reply, a new outbound) decided what comes next.
    """
    conversation = done.conversation
    scenario = done.scenario
    if conversation.stopped or conversation.paused or not scenario.is_on(conversation.bot) or has_pending:
        return None
    last_inbound = conversation.last_inbound_at
    if last_inbound is not None and last_inbound > done.created_at:
        return None  # the contact answered meanwhile: the logic was reset
    due_at = steps.next_due(scenario.kind, scenario.delays, done.step, done_at, conversation.bot.tz)
    return build(
        conversation,
        scenario,
        step=done.step + 1,
        due_at=due_at,
        now=done_at,
        trigger=done.trigger_message,
        previous=done,
    )


def plan_next_step(done: FollowUp, *, done_at: datetime) -> FollowUp | None:
    has_pending = done.conversation.follow_ups.filter(status=FollowUp.Status.PENDING).exists()
    follow_up = next_step(done, done_at=done_at, has_pending=has_pending)
    if follow_up is not None:
        follow_up.save()
    return follow_up


def cancel_pending(conversation: Conversation, *, reason: str, at: datetime, by=None) -> int:
    """Cancel what is planned, including a claimed follow-up a dispatcher has not handed to
    the provider yet: its hand-over then finds the row cancelled (scheduling/claims.py).
    `by`: the person who did it in the console, if one did.

    `cancellable`'s rule written in SQL: every inbound message runs it (scheduling/sql.py)."""
    finished_at = FollowUp._meta.get_field("finished_at").get_db_prep_save(at, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            _CANCEL,
            [FollowUp.Status.CANCELLED, reason, finished_at, by.pk if by else None, conversation.pk, *_CANCELLABLE],
        )
        return cursor.rowcount


_CANCEL = (
    f"UPDATE {FollowUp._meta.db_table} SET status = %s, reason = %s, finished_at = %s, claim_token = '', "
    "cancelled_by_id = %s WHERE conversation_id = %s AND (status = %s OR (status = %s AND handed_at IS NULL))"
)
_CANCELLABLE = (FollowUp.Status.PENDING, FollowUp.Status.SENDING)


def cancellable(follow_ups):
    """Those still to be sent: pending, or claimed but not handed over to a provider."""
    return follow_ups.filter(Q(status=FollowUp.Status.PENDING) | NOT_HANDED_OVER)


def live_follow_ups(conversation: Conversation):
    return conversation.follow_ups.filter(status__in=LIVE)


def note(conversation: Conversation, at: datetime, kind: Note, detail: str = "") -> None:
    make_note(conversation, at, kind, detail).save()


def make_note(conversation: Conversation, at: datetime, kind: Note, detail: str = "") -> EngineEvent:
    """An unsaved engine note: several of one event go in with one INSERT."""
    return EngineEvent(conversation=conversation, at=at, kind=kind, detail=detail[:300])
