"""Django-Q2 entry points. The broker delivers at least once: each task is idempotent."""

import json
from datetime import UTC, timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import schedule

from channels_out.senders.connector import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from workflows import actions
from workflows.models import ActionRun

Run = ActionRun.Status

MAX_ATTEMPTS = 5
# Wait before attempt n+1 after attempt n failed.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
EVENT = "follow_up.sent"


def run_workflow(follow_up_id):
    return actions.run_workflow(follow_up_id)


def post_webhook(action_run_id, attempt=1, *, now=None) -> str:
    """Attempt number `attempt` of a webhook run: POST, then done, a retry or failed.

    A retry carries its attempt number, so a late duplicate of an earlier attempt finds
    that attempt taken and does nothing, and a run that is done is never POSTed again.
    """
    now = now or timezone.now()
    run = (
        ActionRun.objects.select_related("action", "follow_up__conversation__contact").filter(pk=action_run_id).first()
    )
    if run is None or run.status != Run.PENDING:
        return "nothing to do"
    if not actions.claim(run, attempt, now):
        run.refresh_from_db()
        if run.attempts != attempt or not actions.interrupted(run, now):
            return "duplicate delivery"
        # This very attempt's worker died mid-POST (this is Django-Q redelivering it):
        # count it, and go on with the next attempt now.
        if attempt >= MAX_ATTEMPTS:
            actions.finish(run, Run.FAILED, f"attempt {attempt} was interrupted", now)
            return "failed"
        attempt += 1
        if not actions.claim(run, attempt, now):
            return "duplicate delivery"

    action = run.action
    problem = _misconfigured(action)
    if problem:
        actions.finish(run, Run.FAILED, problem, now)  # no retry can fix it
        return "failed"
    ok, detail = _post(run, action, now)
    if ok:
        actions.finish(run, Run.DONE, detail, now)
        return "done"
    if attempt >= MAX_ATTEMPTS:
        actions.finish(run, Run.FAILED, f"{detail} (gave up after {attempt} attempts)", now)
        return "failed"
    next_run = now + BACKOFF[attempt - 1]
    note = f"{detail}; attempt {attempt + 1} at {next_run.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    with transaction.atomic():  # the retry is scheduled only with the failure recorded
        if actions.finish(run, Run.PENDING, note, now):
            schedule(
                "workflows.tasks.post_webhook",
                run.pk,
                attempt=attempt + 1,
                name=f"webhook run {run.pk} attempt {attempt + 1}",
                schedule_type=Schedule.ONCE,
                next_run=next_run,
            )
    return "retry scheduled"


def _misconfigured(action) -> str:
    if action is None or not action.webhook_url:
        return "the webhook action was removed"
    if not action.webhook_secret:
        # As for the connector: unsigned, the receiver could not tell our POSTs from anyone's.
        return "no webhook secret: set one so the receiver can check the signature"
    return ""


def _post(run: ActionRun, action, now) -> tuple[bool, str]:
    body = json.dumps(payload(run.follow_up), separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(action.webhook_secret, body),  # the connector's scheme
        TIMESTAMP_HEADER: str(int(now.timestamp())),
        # The same on every attempt of this run, so receivers can drop duplicates.
        "X-Followup-Delivery": str(run.pk),
    }
    try:
        response = requests.post(
            action.webhook_url,
            data=body,
            headers=headers,
            allow_redirects=False,
            timeout=settings.PROVIDER_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        return False, f"{type(exc).__name__}: {exc}"[:200]
    return 200 <= response.status_code < 300, f"HTTP {response.status_code}"


def payload(follow_up) -> dict:
    conversation = follow_up.conversation
    contact = conversation.contact
    return {
        "event": EVENT,
        "follow_up": {
            "id": follow_up.pk,
            "scenario": follow_up.kind,
            "step": follow_up.step,
            "steps_total": follow_up.steps_total,
            "channel": follow_up.channel,
            "text": follow_up.text,
            "sent_at": follow_up.finished_at.isoformat() if follow_up.finished_at else None,
        },
        "contact": {
            "id": contact.pk,
            "first_name": contact.first_name,
            "phone": contact.phone,
            "email": contact.email,
            "tags": sorted(contact.tags.values_list("name", flat=True)),
        },
        "conversation": {"id": conversation.pk, "channel": conversation.channel},
    }
