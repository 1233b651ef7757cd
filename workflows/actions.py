"""Running workflows: what happens each time a follow-up of their scenarios is sent.

They run in a Django-Q2 task after the send has committed, never inside it, and only
ever write ActionRun rows, tags, the assignee and emails: a failing action is recorded on
its run and never touches the follow-up, which stays sent and is never resent.

The broker delivers tasks at least once, so everything here is idempotent: one ActionRun
per (follow-up, action), and each attempt is claimed by a conditional UPDATE on
(status pending, attempts) that only one delivery can win. A run that is done or failed
is never run again.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from conversations.models import Conversation, Tag
from scheduling.models import FollowUp
from workflows.models import ActionRun, Workflow, WorkflowAction

log = logging.getLogger("followups.workflows")

Kind = WorkflowAction.Kind
Run = ActionRun.Status
IN_PROGRESS = "in progress"


class ActionFailed(Exception):
    """The action cannot be done as configured; str() is the detail recorded."""


def enqueue_workflows(follow_ups) -> None:
    """Called inside the transaction that records these sends (scheduling's follow_ups_sent
    signal): one query finds the scenarios with a workflow, and each of their follow-ups is
    queued only once that transaction commits, so never for a send that was rolled back."""
    scenario_ids = {f.scenario_id for f in follow_ups}
    with_workflow = set(
        Workflow.scenarios.through.objects.filter(scenario_id__in=scenario_ids).values_list("scenario_id", flat=True)
    )
    for follow_up in follow_ups:
        if follow_up.scenario_id in with_workflow:
            transaction.on_commit(partial(async_task, "workflows.tasks.run_workflow", follow_up.pk))


def run_workflow(follow_up_id: int, *, now=None) -> dict:
    """Run (at most once each) the actions of the workflows of the follow-up's scenario;
    {action id: status}."""
    now = now or timezone.now()
    follow_up = (
        FollowUp.objects.select_related("conversation__contact", "conversation__bot").filter(pk=follow_up_id).first()
    )
    if follow_up is None or follow_up.status != FollowUp.Status.SENT:
        return {}
    outcomes = {}
    actions = WorkflowAction.objects.filter(workflow__scenarios=follow_up.scenario_id).select_related("user")
    for action in actions.order_by("workflow_id", "position", "id"):
        with transaction.atomic():
            run, created = ActionRun.objects.get_or_create(
                follow_up=follow_up, action=action, defaults={"kind": action.kind}
            )
            if created and run.kind == Kind.WEBHOOK:
                # Only the delivery that created the run queues its POST, and only once the
                # row exists: a duplicate delivery never starts a second retry chain.
                transaction.on_commit(partial(async_task, "workflows.tasks.post_webhook", run.pk))
        if run.status == Run.PENDING:
            _perform(run, action, follow_up, now)
            run.refresh_from_db(fields=["status", "attempts", "detail"])
        outcomes[action.pk] = run.status
    return outcomes


# --- claiming and recording ---------------------------------------------------------


def claim(run: ActionRun, attempt: int, now) -> bool:
    """Take attempt number `attempt` of a pending run. Only one caller wins it."""
    won = ActionRun.objects.filter(pk=run.pk, status=Run.PENDING, attempts=attempt - 1).update(
        attempts=attempt, detail=f"{IN_PROGRESS} (attempt {attempt})", updated_at=now
    )
    if won:
        run.attempts = attempt
    return bool(won)


def finish(run: ActionRun, status: str, detail: str, now) -> bool:
    """Record the outcome of the attempt this caller claimed (status may stay pending)."""
    return bool(
        ActionRun.objects.filter(pk=run.pk, status=Run.PENDING, attempts=run.attempts).update(
            status=status, detail=detail[:300], updated_at=now
        )
    )


def interrupted(run: ActionRun, now) -> bool:
    """Claimed but unfinished for longer than a task may run: the worker died mid-way
    (Django-Q kills a task at its timeout, and redelivers it only after `retry`)."""
    timeout = timedelta(seconds=settings.Q_CLUSTER.get("timeout", 120))
    return run.status == Run.PENDING and run.detail.startswith(IN_PROGRESS) and run.updated_at <= now - timeout


def reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, ActionFailed) else f"{type(exc).__name__}: {exc}"


def _fail_unclaimed(run: ActionRun, detail: str, now) -> None:
    ActionRun.objects.filter(pk=run.pk, status=Run.PENDING, attempts=0).update(
        status=Run.FAILED, attempts=1, detail=detail[:300], updated_at=now
    )


# --- performing ---------------------------------------------------------------------


def _perform(run: ActionRun, action: WorkflowAction, follow_up: FollowUp, now) -> None:
    if run.kind in LOCAL:
        _run_local(run, action, follow_up, now)
    elif run.kind == Kind.NOTIFY:
        _run_notify(run, action, follow_up, now)
    elif run.kind == Kind.WEBHOOK:
        pass  # workflows.tasks.post_webhook owns it, with its retries
    else:
        # Never "start a bot" or anything else not listed: a follow-up sets off no bot.
        _fail_unclaimed(run, "unknown action", now)


def _run_local(run, action, follow_up, now) -> None:
    """Database-only actions: claim, act and mark done in one transaction, so a crash
    leaves the run unclaimed for the redelivery to do again."""
    try:
        with transaction.atomic():
            if claim(run, 1, now):
                LOCAL[run.kind](action, follow_up)
                finish(run, Run.DONE, "", now)
    except Exception as exc:
        if not isinstance(exc, ActionFailed):
            log.exception("workflow action %s failed for follow-up %s", action.pk, follow_up.pk)
        _fail_unclaimed(run, reason(exc), now)


def _run_notify(run, action, follow_up, now) -> None:
    """An email cannot be taken back: the claim commits before sending, and a send
    interrupted by a crash is recorded failed rather than risked twice."""
    if not claim(run, 1, now):
        run.refresh_from_db()
        if interrupted(run, now):
            finish(run, Run.FAILED, "interrupted while sending: the email may not have gone out", now)
        return
    try:
        address = notify(action, follow_up)
    except Exception as exc:
        if not isinstance(exc, ActionFailed):
            log.exception("notify action %s failed for follow-up %s", action.pk, follow_up.pk)
        finish(run, Run.FAILED, reason(exc), now)
    else:
        finish(run, Run.DONE, f"emailed {address}", now)


def _tag_name(action) -> str:
    name = action.tag.strip()
    if not name:
        raise ActionFailed("no tag named")
    return name


def add_tag(action, follow_up) -> None:
    tag, _ = Tag.objects.get_or_create(account_id=follow_up.conversation.contact.account_id, name=_tag_name(action))
    follow_up.conversation.contact.tags.add(tag)


def remove_tag(action, follow_up) -> None:
    # A tag nobody has is simply not there: nothing to create just to remove it.
    contact = follow_up.conversation.contact
    contact.tags.remove(*Tag.objects.filter(account_id=contact.account_id, name=_tag_name(action)))


def assign(action, follow_up) -> None:
    if action.user_id is None:
        raise ActionFailed("no user to assign (the user was deleted)")
    Conversation.objects.filter(pk=follow_up.conversation_id).update(assigned_to=action.user_id)


LOCAL = {Kind.ADD_TAG: add_tag, Kind.REMOVE_TAG: remove_tag, Kind.ASSIGN: assign}


def response_info_url(contact) -> str:
    path = reverse("response_info", args=[contact.pk])
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}"


def notify(action, follow_up) -> str:
    """Email the action's user about the sent follow-up; returns the address."""
    user = action.user
    if user is None:
        raise ActionFailed("no user to notify (the user was deleted)")
    if not user.email:
        raise ActionFailed(f"user {user.get_username()} has no email address")
    conversation = follow_up.conversation
    contact, bot = conversation.contact, conversation.bot
    step = f"step {follow_up.step} of {follow_up.steps_total}"
    sent_at = timezone.localtime(follow_up.finished_at, bot.tz) if follow_up.finished_at else None
    subject = f"Follow-up sent to {contact}: {follow_up.get_kind_display()}, {step}"
    body = "\n".join(
        [
            f"{bot} sent an automatic follow-up to {contact}.",
            "",
            f"Scenario: {follow_up.get_kind_display()}",
            f"Step: {step}",
            f"Channel: {follow_up.get_channel_display()}",
            f"Sent at: {sent_at:%Y-%m-%d %H:%M %Z}" if sent_at else "Sent at: -",
            "",
            "Message:",
            follow_up.text,
            "",
            f"Response Info: {response_info_url(contact)}",
        ]
    )
    send_mail(subject, body, None, [user.email])
    return user.email
