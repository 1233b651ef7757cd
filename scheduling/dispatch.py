"""Sending what is due: at most once per follow-up, never after an acknowledged reply,
paced per sending number, by any number of dispatchers (threads, processes, machines).

1. Claim: in a short transaction, pick due pending rows (SKIP LOCKED on PostgreSQL) and
   move them to `sending` with a claim token by a conditional UPDATE. Only rows this run
   moved are its own. The claim commits before any network call.
2. Decide, for the whole batch from one load: cancel, skip, defer, or send.
3. Send, in a bounded pool of threads, each row outside any transaction: its text (maybe a
   model call); a slot in its sending number's pace (a short wait, or back to our table
   until the number is free); the hand-over (claims.hand_over: one conditional UPDATE that
   a reply, booking or deactivation handled first makes fail); then the provider call.
4. Record, in bulk, every DISPATCH_RECORD_SECONDS and at the end of the batch
   (scheduling/recording.py). A provider that certainly did not take the message (load,
   connection refused) puts the row back to pending with exponential backoff and jitter;
   after MAX_TRIES it fails (provider_unavailable). A refusal fails with its code. An
   unknown outcome (timeout after sending, 5xx) fails as send_outcome_unknown: never resent.

A row left in `sending` by a crash is taken back after CLAIM_TIMEOUT_SECONDS when it was
never handed over (it was not sent), and failed as send_outcome_unknown after
SEND_OUTCOME_TIMEOUT_SECONDS when it was (it may have been).
"""

import logging
import random
import time
import uuid
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from channels_out import routing
from channels_out.connections import give_back_connection
from channels_out.pacing import pacer, pacing_key
from channels_out.segments import segments
from channels_out.senders.base import Outgoing, ProviderBusy, SendError, SendResult
from rules.send_checks import DAY, Decision, DueState, decide
from scheduling import planning
from scheduling.claims import NOT_HANDED_OVER, claimed, hand_over, requeue
from scheduling.clock import system_clock
from scheduling.compose import LOOK_UP, compose, previous_texts
from scheduling.models import FollowUp
from scheduling.recording import Delivered, lock_conversation, record_delivered
from scheduling.send_pool import InlinePool, SendPool
from vocabulary import Action, Channel, Reason

log = logging.getLogger("followups.dispatch")

Status = FollowUp.Status
MAX_TRIES = 5  # provider refusals for load, then failed / provider_unavailable
PACED_CHANNELS = frozenset({Channel.SMS, Channel.WHATSAPP})


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
    retried: int = 0  # the provider did not take it: pending again, with backoff
    paced: int = 0  # its sending number was booked ahead: pending again until it is free
    lost: int = 0  # taken back meanwhile (a reply, a deactivation): not sent
    outcomes: list = field(default_factory=list)

    def count(self, follow_up_id: int, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.outcomes.append((follow_up_id, outcome))


@dataclass
class Attempt:
    """What a pool thread did with one row; the caller records it."""

    outcome: str  # "sent", "retried", "paced", "failed", "outcome_unknown", "lost", "released"
    follow_up: FollowUp
    decision: Decision
    text: str = ""
    source: str = ""
    reason: str = ""
    result: SendResult | None = None
    at: datetime | None = None
    retry_at: datetime | None = None

    def delivered(self) -> Delivered:
        """A sent attempt, as it is recorded."""
        assert self.result is not None and self.at is not None, "only a sent attempt has a result"
        return Delivered(self.follow_up, self.decision.channel, self.text, self.source, self.result, self.at)


def dispatch_due(
    clock=system_clock,
    *,
    sender=None,
    batch_size=None,
    time_budget=None,
    on_sent=None,
    monotonic=time.monotonic,
    concurrency=None,
    sleep=time.sleep,
) -> DispatchReport:
    """Claim and handle every follow-up due by `clock.now()`, batch after batch.

    `sender` replaces the configured senders (simulate, tests, benchmarks). `time_budget`
    (seconds of real time) stops claiming more and hands unstarted rows back, so a task
    timeout never strands claimed rows. `concurrency`: provider calls at once (default
    DISPATCH_SEND_CONCURRENCY; one inside a transaction). `sleep` waits for a pacing slot.
    """
    batch_size = batch_size or settings.DISPATCH_BATCH_SIZE
    concurrency = concurrency or settings.DISPATCH_SEND_CONCURRENCY
    deadline = monotonic() + time_budget if time_budget is not None else None
    report = DispatchReport()
    report.released, report.outcome_unknown = sweep_stale_claims(clock.now())
    pool = _pool(concurrency, sender)
    if isinstance(pool, SendPool):
        # Each batch ends with a wave of provider calls still in flight while the pool idles:
        # batches of several waves keep it busy (about 80% with four).
        batch_size = max(batch_size, 4 * concurrency)
    try:
        while deadline is None or monotonic() < deadline:
            token = uuid.uuid4().hex
            ids = claim(clock.now(), token, batch_size)
            if not ids:
                break
            report.claimed += len(ids)
            run = _Batch(
                ids,
                token,
                clock,
                report,
                sender=sender,
                on_sent=on_sent,
                deadline=deadline,
                monotonic=monotonic,
                sleep=sleep,
            )
            if not run.handle(pool):
                break
    finally:
        pool.close()
    return report


def _pool(concurrency: int, sender):
    """Threads for senders that wait on the network, outside a transaction; else inline."""
    remote = sender.remote if sender is not None else routing.senders_are_remote()
    if concurrency <= 1 or connection.in_atomic_block or not remote:
        return InlinePool()
    return SendPool(concurrency)


class _Batch:
    """One claimed batch: decided together, sent in the pool, recorded in bulk."""

    def __init__(self, ids, token, clock, report, *, sender, on_sent, deadline, monotonic, sleep):
        self.ids, self.token, self.clock, self.report = ids, token, clock, report
        self.sender, self.on_sent, self.deadline, self.monotonic, self.sleep = (
            sender,
            on_sent,
            deadline,
            monotonic,
            sleep,
        )
        self.delivered: list[Delivered] = []

    def handle(self, pool) -> bool:
        """False when the time budget ran out in this batch."""
        follow_ups = _load(self.ids, self.token)
        now = self.clock.now()
        recent = recent_sends(follow_ups, now)
        previous = previous_texts(follow_ups)
        futures = []
        for follow_up in follow_ups:
            decision = decide(due_state(follow_up, now, recent.get(follow_up.conversation.contact_id, ())))
            if decision.action == Action.SEND:
                futures.append(pool.submit(self._send, follow_up, decision, previous.get(follow_up.pk)))
            else:
                self.report.count(follow_up.pk, finish_unsent(follow_up, self.token, decision, now))
        recorded_at = self.monotonic()
        out_of_time = False
        in_flight = set(futures)
        try:
            for future in as_completed(futures):
                in_flight.discard(future)
                attempt = future.result()
                out_of_time |= attempt.outcome == "released"
                self._apply(attempt)
                if self.delivered and self.monotonic() - recorded_at >= settings.DISPATCH_RECORD_SECONDS:
                    self._record()
                    renew(self.ids, self.token, self.clock.now())
                    recorded_at = self.monotonic()
        finally:
            # Whatever stopped the batch (the database going away under renew(), say), the
            # sends still in flight may go out: wait for them, so that those that did are
            # recorded with the rest instead of ending as send_outcome_unknown. The others
            # are left claimed: the sweep takes back what was never handed over.
            for future in in_flight:
                try:
                    attempt = future.result()
                except Exception:  # noqa: BLE001 - a crashed send has nothing to record: the sweep judges its row
                    continue
                if attempt.outcome == "sent":
                    self.delivered.append(attempt.delivered())
            self._record()  # what went out is recorded, whatever stopped the batch
        return not out_of_time

    def _send(self, follow_up: FollowUp, decision: Decision, previous) -> Attempt:
        if self.deadline is not None and self.monotonic() >= self.deadline:
            return Attempt("released", follow_up, decision)
        return send_one(
            follow_up, decision, self.token, self.clock, sender=self.sender, previous=previous, sleep=self.sleep
        )

    def _apply(self, attempt: Attempt) -> None:
        if attempt.outcome == "sent":
            self.delivered.append(attempt.delivered())
        else:
            apply_unsent(attempt, self.token, self.clock.now())
        self.report.count(attempt.follow_up.pk, attempt.outcome)

    def _record(self) -> None:
        record_with_retries(self.delivered, self.token, sleep=self.sleep)
        if self.on_sent:
            for d in self.delivered:
                self.on_sent(d.follow_up)
        self.delivered.clear()


RECORD_RETRY_WAITS = (0.5, 1, 2, 4, 8)  # about 15 s: a database restart, a failover


def record_with_retries(delivered: list[Delivered], token: str, *, sleep=time.sleep) -> None:
    """Record sends that went out, trying again while the database is away: they were sent,
    and a send that is not recorded ends as send_outcome_unknown."""
    for wait in (*RECORD_RETRY_WAITS, None):
        try:
            record_delivered(delivered, token)
            return
        except DatabaseError as exc:
            if wait is None or connection.in_atomic_block:
                raise
            log.warning("recording %d sends failed, again in %ss: %s", len(delivered), wait, exc)
            connection.close()
            sleep(wait)


def send_one(
    follow_up: FollowUp, decision: Decision, token: str, clock, *, sender=None, previous=LOOK_UP, sleep=time.sleep
) -> Attempt:
    """Text, pace, hand over, call the provider: one row, in a pool thread. Writes only the
    hand-over (and the pace); the caller records the outcome."""
    attempt = Attempt("lost", follow_up, decision)
    sender = sender or routing.sender_for(decision.channel)
    conversation = follow_up.conversation
    try:
        attempt.text, attempt.source = compose(follow_up, previous=previous)
        if sender.paced and not _wait_for_slot(follow_up, decision.channel, attempt, clock, sleep):
            return attempt
        if not hand_over(follow_up.pk, token, clock.now()):
            return attempt  # a reply, a booking or a deactivation took it back first
    except DatabaseError as exc:
        # Nothing went to the provider. Drop this thread's broken connection; the row goes back.
        log.warning("database error before sending follow-up %s: %s", follow_up.pk, exc)
        connection.close()
        attempt.outcome = "released"
        return attempt
    finally:
        if sender.remote:
            give_back_connection()  # not held across the provider call, nor by an idle thread
    outgoing = Outgoing(
        follow_up_id=follow_up.pk,
        bot_id=conversation.bot_id,
        conversation_id=conversation.pk,
        channel=decision.channel,
        to=routing.address(decision.channel, conversation.contact),
        text=attempt.text,
        sent_at=clock.now(),
        bot=conversation.bot,
    )
    try:
        attempt.result = sender.send(outgoing)
    except ProviderBusy as exc:
        attempt.outcome, attempt.reason = "retried", f"{Reason.PROVIDER_BUSY}: {exc}"
    except SendError as exc:
        attempt.outcome, attempt.reason = "failed", str(exc) or Reason.SEND_FAILED
    except Exception as exc:
        log.exception("sender crashed on follow-up %s", follow_up.pk)
        attempt.outcome, attempt.reason = "outcome_unknown", f"{Reason.SEND_OUTCOME_UNKNOWN}: {exc}"
    else:
        attempt.outcome = "sent"
    attempt.at = clock.now()
    return attempt


def _wait_for_slot(follow_up, channel: str, attempt: Attempt, clock, sleep) -> bool:
    """Take a slot in the sending number's pace and wait for it; False when the number is
    booked too far ahead (attempt says until when)."""
    number = routing.sending_number(follow_up.conversation.bot, channel) if channel in PACED_CHANNELS else ""
    if not number:
        return True
    connection.ensure_connection()  # waiting for a pooled connection must not age `now`
    now = clock.now().timestamp()
    slot = pacer().reserve(pacing_key(channel, number), segments(attempt.text), now, settings.PACING_MAX_WAIT_SECONDS)
    if not slot.granted:
        attempt.outcome = "paced"
        attempt.retry_at = datetime.fromtimestamp(slot.at, tz=clock.now().tzinfo)
        return False
    if slot.at > now:
        give_back_connection()  # not held while waiting for the slot
        sleep(slot.at - now)
    return True


def apply_unsent(attempt: Attempt, token: str, now: datetime) -> None:
    """Record an attempt that did not end in a send (the caller's thread)."""
    f = attempt.follow_up
    if attempt.outcome == "retried":
        tries = f.attempts + 1
        if tries >= MAX_TRIES:
            attempt.outcome, attempt.reason = "failed", f"{Reason.PROVIDER_UNAVAILABLE}: {attempt.reason}"
        else:
            requeue(
                [f.pk],
                token,
                now,
                refused=True,
                reason=attempt.reason[:200],
                attempts=tries,
                planned_at=now + backoff(tries),
            )
            return
    if attempt.outcome == "paced":
        requeue([f.pk], token, now, planned_at=max(attempt.retry_at or now, now))
    elif attempt.outcome == "released":
        requeue([f.pk], token, now)
    elif attempt.outcome in ("failed", "outcome_unknown"):
        claimed([f.pk], token).update(
            status=Status.FAILED,
            reason=attempt.reason[:200],
            finished_at=now,
            text=attempt.text,
            text_source=attempt.source,
            channel=attempt.decision.channel,
        )


def backoff(tries: int, *, rand=random.random) -> timedelta:
    """Exponential with full jitter: ~2 s, 4 s, 8 s, 16 s between tries, never all at once."""
    base = settings.SEND_RETRY_BASE_SECONDS * 2 ** (tries - 1)
    return timedelta(seconds=base * (0.5 + rand()))


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
            status=Status.SENDING, claimed_at=now, claim_token=token, handed_at=None
        )
    return list(
        FollowUp.objects.filter(claim_token=token, status=Status.SENDING)
        .order_by("planned_at", "id")
        .values_list("id", flat=True)
    )


def renew(ids, token: str, now) -> int:
    """Restart the staleness clock of rows still waiting in a long batch."""
    return claimed(ids, token).filter(handed_at__isnull=True).update(claimed_at=now) if ids else 0


def sweep_stale_claims(now) -> tuple[int, int]:
    """Claims a crashed dispatcher left behind: (taken back, failed as outcome unknown)."""
    never_handed = FollowUp.objects.filter(
        NOT_HANDED_OVER, claimed_at__lt=now - timedelta(seconds=settings.CLAIM_TIMEOUT_SECONDS)
    ).values_list("id", flat=True)
    released = requeue(list(never_handed), None, now) if never_handed.exists() else 0
    unknown = FollowUp.objects.filter(
        status=Status.SENDING,
        handed_at__isnull=False,
        handed_at__lt=now - timedelta(seconds=settings.SEND_OUTCOME_TIMEOUT_SECONDS),
    ).update(status=Status.FAILED, reason=Reason.SEND_OUTCOME_UNKNOWN, finished_at=now)
    return released, unknown


def _load(ids, token: str):
    """The claimed rows still ours, with all the checks and the text need."""
    rows = (
        claimed(ids, token)
        .select_related("scenario", "conversation__bot", "conversation__contact", "trigger_message")
        .prefetch_related("conversation__bot__working_windows", "conversation__contact__opt_outs")
    )
    by_id = {}
    for f in rows:
        f.conversation.contact.bot = f.conversation.bot  # the same bot: Contact.tz reads it, no query
        by_id[f.pk] = f
    return [by_id[i] for i in ids if i in by_id]


def recent_sends(follow_ups, now) -> dict[int, tuple]:
    """contact id -> when this bot's follow-ups went out to them in the 24 hours before `now`,
    for the contacts whose bot has a daily limit: one query for a whole batch."""
    contacts = {f.conversation.contact_id for f in follow_ups if f.conversation.bot.max_follow_ups_per_day is not None}
    if not contacts:
        return {}
    rows = FollowUp.objects.filter(
        conversation__contact_id__in=contacts,
        status=Status.SENT,
        finished_at__gt=now - DAY,
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
        scenario_enabled=follow_up.scenario.is_on(bot),
        conversation_stopped=conversation.stopped,
        conversation_paused=conversation.paused_at is not None,
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
        late_from=follow_up.lateness_reference,
        late_cutoff=bot.late_cutoff,
    )


def handle_claimed(follow_up: FollowUp, token: str, clock, *, sender=None) -> str:
    """Check, send and record one claimed follow-up at once (the demo, one-off callers)."""
    now = clock.now()
    decision = decide(due_state(follow_up, now))
    if decision.action != Action.SEND:
        return finish_unsent(follow_up, token, decision, now)
    attempt = send_one(follow_up, decision, token, clock, sender=sender)
    if attempt.outcome == "sent":
        record_delivered([attempt.delivered()], token)
    else:
        apply_unsent(attempt, token, clock.now())
    return attempt.outcome


def finish_unsent(follow_up, token, decision: Decision, now) -> str:
    if decision.action == Action.DEFER:
        # A new plan (hours changed): lateness counts from the new time.
        requeue([follow_up.pk], token, now, planned_at=decision.defer_to, late_from=decision.defer_to)
        return "deferred"
    status = Status.SKIPPED if decision.action == Action.SKIP else Status.CANCELLED
    with transaction.atomic():
        lock_conversation(follow_up.conversation)
        if (
            not claimed([follow_up.pk], token)
            .filter(handed_at__isnull=True)
            .update(status=status, reason=decision.reason, finished_at=now)
        ):
            return "lost"
        if status == Status.SKIPPED:
            # A skipped step still uses its place in the cadence: the next one counts from
            # the time this one was planned for.
            planning.plan_next_step(follow_up, done_at=follow_up.planned_at)
    return "skipped" if status == Status.SKIPPED else "cancelled"
