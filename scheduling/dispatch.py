"""Sending what is due, at most once per follow-up, with several dispatchers at once.

1. Claim: in a short transaction, pick due pending rows (SKIP LOCKED on PostgreSQL) and
   move them to `sending` with a claim token by a conditional UPDATE. Only rows this run
   moved are its own. The claim commits before any network call.
2. Check and send each claimed row outside any transaction: text (maybe a model call),
   then the sender (a provider call).
3. Record what was sent in bulk (scheduling/recording.py): every DISPATCH_RECORD_SECONDS
   and at the end of the batch, one transaction marks the rows sent by a conditional
   UPDATE on the claim token and plans their next steps under their conversations' locks.

A row left in `sending` by a crash (claimed, or sent but not yet recorded) is never sent
again: after SEND_OUTCOME_TIMEOUT_SECONDS it becomes failed / send_outcome_unknown for a
person to look at.
"""

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from channels_out import routing
from channels_out.compose import LOOK_UP, compose, previous_texts
from channels_out.senders.base import Outgoing, SendError
from scheduling import planning
from scheduling.clock import system_clock
from scheduling.models import FollowUp
from scheduling.recording import Delivered, lock_conversation, record_delivered
from scheduling.rules.send_checks import DAY, Decision, DueState, decide

log = logging.getLogger("followups.dispatch")

Status = FollowUp.Status


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    cancelled: int = 0
    deferred: int = 0
    failed: int = 0
    released: int = 0
    outcome_unknown: int = 0
    outcomes: list = field(default_factory=list)


def dispatch_due(clock=system_clock, *, sender=None, batch_size=None, time_budget=None,
                 on_sent=None, monotonic=time.monotonic) -> DispatchReport:
    """Claim and handle every follow-up due by `clock.now()`, batch after batch.

    `sender` replaces the configured senders (simulate, tests, benchmarks). `time_budget`
    (seconds of real time) stops claiming more and hands unstarted rows back, so a task
    timeout never strands claimed rows.
    """
    batch_size = batch_size or settings.DISPATCH_BATCH_SIZE
    deadline = monotonic() + time_budget if time_budget is not None else None
    report = DispatchReport()
    report.outcome_unknown = fail_stale_claims(clock.now())
    while deadline is None or monotonic() < deadline:
        token = uuid.uuid4().hex
        ids = claim(clock.now(), token, batch_size)
        if not ids:
            break
        report.claimed += len(ids)
        if not _handle_batch(ids, token, clock, report, sender=sender, on_sent=on_sent, deadline=deadline,
                             monotonic=monotonic):
            break
    return report


def _handle_batch(ids, token, clock, report, *, sender, on_sent, deadline, monotonic) -> bool:
    """Handle one claimed batch; False when the time budget ran out in it."""
    follow_ups = _load(ids, token)
    recent = recent_sends(follow_ups, clock.now())
    previous = previous_texts(follow_ups)
    delivered: list[Delivered] = []
    recorded_at = monotonic()
    try:
        for position, follow_up in enumerate(follow_ups):
            if deadline is not None and monotonic() >= deadline:
                report.released += release([f.pk for f in follow_ups[position:]], token)
                return False
            outcome = handle_claimed(follow_up, token, clock, sender=sender, delivered=delivered,
                                     recent=recent.get(follow_up.conversation.contact_id, ()),
                                     previous=previous.get(follow_up.pk))
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.outcomes.append((follow_up.pk, outcome))
            if delivered and monotonic() - recorded_at >= settings.DISPATCH_RECORD_SECONDS:
                _record(delivered, token, on_sent)
                renew([f.pk for f in follow_ups[position + 1:]], token, clock.now())
                recorded_at = monotonic()
    finally:
        _record(delivered, token, on_sent)  # what went out is recorded, whatever stopped the batch
    return True


def _record(delivered: list[Delivered], token: str, on_sent) -> None:
    record_delivered(delivered, token)
    for d in delivered:
        if on_sent:
            on_sent(d.follow_up)
    delivered.clear()


def claim(now, token: str, batch_size: int) -> list[int]:
    with transaction.atomic():
        candidates = list(
            FollowUp.objects.filter(status=Status.PENDING, planned_at__lte=now)
            .order_by("planned_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:batch_size]
        )
        if not candidates:
            return []
        FollowUp.objects.filter(id__in=candidates, status=Status.PENDING).update(
            status=Status.SENDING, claimed_at=now, claim_token=token
        )
    return list(
        FollowUp.objects.filter(claim_token=token, status=Status.SENDING).order_by("planned_at", "id")
        .values_list("id", flat=True)
    )


def release(ids, token: str) -> int:
    return _claimed(ids, token).update(status=Status.PENDING, claimed_at=None, claim_token="")


def renew(ids, token: str, now) -> int:
    """Restart the staleness clock of rows still waiting in a long batch."""
    return _claimed(ids, token).update(claimed_at=now) if ids else 0


def _claimed(ids, token: str):
    return FollowUp.objects.filter(id__in=list(ids), claim_token=token, status=Status.SENDING)


def fail_stale_claims(now) -> int:
    cutoff = now - timedelta(seconds=settings.SEND_OUTCOME_TIMEOUT_SECONDS)
    return FollowUp.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff).update(
        status=Status.FAILED, reason="send_outcome_unknown", finished_at=now
    )


def _load(ids, token: str):
    """The claimed rows still ours, with all the checks and the text need."""
    rows = (
        _claimed(ids, token)
        .select_related("scenario", "conversation__bot", "conversation__contact", "trigger_message")
        .prefetch_related("conversation__bot__working_windows", "conversation__contact__opt_outs")
    )
    by_id = {f.pk: f for f in rows}
    return [by_id[i] for i in ids if i in by_id]


def recent_sends(follow_ups, now) -> dict[int, tuple]:
    """contact id -> when this bot's follow-ups went out to them in the 24 hours before `now`,
    for the contacts whose bot has a daily limit: one query for a whole batch."""
    contacts = {f.conversation.contact_id for f in follow_ups if f.conversation.bot.max_follow_ups_per_day is not None}
    if not contacts:
        return {}
    rows = FollowUp.objects.filter(
        conversation__contact_id__in=contacts, status=Status.SENT, finished_at__gt=now - DAY,
    ).values_list("conversation__contact_id", "finished_at")
    found: dict[int, tuple] = {}
    for contact_id, sent_at in rows:
        found[contact_id] = (*found.get(contact_id, ()), sent_at)
    return found


def due_state(follow_up: FollowUp, now, recent: tuple | None = None) -> DueState:
    conversation = follow_up.conversation
    bot, contact = conversation.bot, conversation.contact
    last_inbound = conversation.last_inbound_at
    if recent is None:
        recent = recent_sends([follow_up], now).get(contact.pk, ())
    return DueState(
        now=now,
        bot_active=bot.active,
        scenario_enabled=follow_up.scenario.enabled and bot.auto_follow_up,
        conversation_stopped=conversation.stopped,
        contact_wrote_since_planned=last_inbound is not None and last_inbound > follow_up.created_at,
        windows=bot.windows(),
        tz=bot.tz,
        conversation_channel=conversation.channel,
        channel_switching=bot.channel_switching,
        has_phone=bool(contact.phone),
        last_inbound_at=last_inbound,
        opted_out=contact.opted_out,
        due_at=follow_up.due_at,
        contact_window=bot.contact_window(),
        contact_tz=contact.tz,
        daily_limit=bot.max_follow_ups_per_day,
        recent_sends=recent,
    )


def handle_claimed(follow_up: FollowUp, token: str, clock, *, sender=None, delivered=None, recent=None,
                   previous=LOOK_UP) -> str:
    """Check and send one claimed follow-up; returns the outcome's name.

    A send is appended to `delivered` for the caller to record in bulk; without that list
    it is recorded at once. `recent`, `previous`: see recent_sends and previous_texts
    (looked up when not given).
    """
    now = clock.now()
    decision = decide(due_state(follow_up, now, recent))
    if decision.action != "send":
        return _finish_unsent(follow_up, token, decision, now)

    text, source = compose(follow_up, previous=previous)
    contact = follow_up.conversation.contact
    outgoing = Outgoing(
        follow_up_id=follow_up.pk, bot_id=follow_up.conversation.bot_id,
        conversation_id=follow_up.conversation_id, channel=decision.channel,
        to=routing.address(decision.channel, contact), text=text, sent_at=now,
    )
    try:
        result = (sender or routing.sender_for(decision.channel)).send(outgoing)
    except SendError as exc:
        return _record_failure(follow_up, token, clock.now(), str(exc) or "send_failed", text, source, decision)
    except Exception as exc:  # noqa: BLE001 - the outcome of an unexpected error is unknown
        log.exception("sender crashed on follow-up %s", follow_up.pk)
        return _record_failure(follow_up, token, clock.now(), f"send_outcome_unknown: {exc}"[:200], text,
                               source, decision)
    sent = Delivered(follow_up, decision.channel, text, source, result, clock.now())
    if delivered is None:
        record_delivered([sent], token)
    else:
        delivered.append(sent)
    return "sent"


def _finish_unsent(follow_up, token, decision: Decision, now) -> str:
    if decision.action == "defer":
        _claimed([follow_up.pk], token).update(status=Status.PENDING, planned_at=decision.defer_to,
                                               claimed_at=None, claim_token="")
        return "deferred"
    status = Status.SKIPPED if decision.action == "skip" else Status.CANCELLED
    with transaction.atomic():
        lock_conversation(follow_up.conversation)
        if not _claimed([follow_up.pk], token).update(status=status, reason=decision.reason, finished_at=now):
            return "failed"
        if status == Status.SKIPPED:
            # A skipped step still uses its place in the cadence: the next one counts from
            # the time this one was planned for.
            planning.plan_next_step(follow_up, done_at=follow_up.planned_at)
    return "skipped" if status == Status.SKIPPED else "cancelled"


def _record_failure(follow_up, token, now, reason, text, source, decision) -> str:
    _claimed([follow_up.pk], token).update(status=Status.FAILED, reason=reason[:200], finished_at=now,
                                           text=text, text_source=source, channel=decision.channel)
    return "failed"
