"""Workflows run when a follow-up is sent: each action at most once, failures recorded
without touching the follow-up, webhooks signed and retried with backoff.

The tasks are plain functions called directly; async_task is replaced by a list (`queue`)
that the tests drain, and time is injected with `now`."""

import ast
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils.module_loading import import_string
from django_q.models import Schedule

from channels_out.senders.console import RecordingSender
from conversations.models import Tag
from scheduling.dispatch import dispatch_due
from scheduling.events import record_outbound
from scheduling.models import FollowUp
from tests.factories import clock as make_clock
from tests.factories import make_bot, make_conversation
from tests.support.checks import present
from tests.support.http_receiver import running_receiver
from tests.support.processes import free_port
from workflows import actions as workflows
from workflows import tasks
from workflows.models import ActionRun, Workflow, WorkflowAction

pytestmark = pytest.mark.django_db

Kind = WorkflowAction.Kind
SECRET = "hook-secret"


# --- a webhook receiver on 127.0.0.1 --------------------------------------------------


@pytest.fixture
def receiver(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with running_receiver() as server:
        yield server


def closed_port_url():
    return f"http://127.0.0.1:{free_port()}/hook"


# --- a queue in place of Django-Q2 ------------------------------------------------------


@pytest.fixture
def queue(monkeypatch):
    queued = []
    monkeypatch.setattr(workflows, "async_task", lambda func, *args, **kwargs: queued.append((func, args, kwargs)))
    return queued


def drain(queue, now):
    """Run the queued webhook tasks, as the cluster would (and keep them, to deliver again)."""
    for func, args, kwargs in list(queue):
        import_string(func)(*args, now=now, **kwargs)


# --- a sent follow-up, through the real engine -----------------------------------------


@pytest.fixture
def world():
    bot = make_bot()  # stopped_replying: 5m, 15m
    conversation = make_conversation(bot, first_name="Dana", email="dana@example.com")
    cold = Tag.objects.create(account=bot.account, name="cold")
    conversation.contact.tags.add(cold)
    users = get_user_model().objects
    return {
        "bot": bot,
        "conversation": conversation,
        "contact": conversation.contact,
        "agent": users.create_user("agent", email="agent@example.com"),
        "owner": users.create_user("owner", email="owner@example.com"),
        "no_email": users.create_user("noemail"),
    }


def send_follow_up(conversation):
    """Outbound at 10:00, follow-up step 1 sent at 10:05 by the real dispatcher."""
    clock = make_clock()
    record_outbound(conversation, "Want to book a cleaning?", clock=clock)
    clock.set(clock.now() + timedelta(minutes=5))
    sender = RecordingSender()
    dispatch_due(clock, sender=sender)
    follow_up = FollowUp.objects.get(conversation=conversation, status=FollowUp.Status.SENT)
    return follow_up, sender, clock


def attach(bot, *actions):
    workflow = Workflow.objects.create(bot=bot, name="After a follow-up")
    for position, fields in enumerate(actions):
        WorkflowAction.objects.create(workflow=workflow, position=position, **fields)
    workflow.scenarios.set(bot.scenarios.filter(kind="stopped_replying"))
    return workflow


def run(follow_up, now, capture):
    with capture(execute=True):
        return workflows.run_workflow(follow_up.pk, now=now)


def runs(follow_up):
    return {r.kind: r for r in ActionRun.objects.filter(follow_up=follow_up)}


def hook(url):
    return {"kind": Kind.WEBHOOK, "webhook_url": url, "webhook_secret": SECRET}


# --- the happy path ---------------------------------------------------------------------


def test_a_sent_follow_up_runs_every_action_of_its_workflow(
    world, receiver, queue, mailoutbox, django_capture_on_commit_callbacks
):
    attach(
        world["bot"],
        {"kind": Kind.ADD_TAG, "tag": "followed-up"},
        {"kind": Kind.REMOVE_TAG, "tag": "cold"},
        {"kind": Kind.ASSIGN, "user": world["agent"]},
        {"kind": Kind.NOTIFY, "user": world["owner"]},
        hook(receiver.url),
    )
    follow_up, _, clock = send_follow_up(world["conversation"])
    now = clock.now()

    run(follow_up, now, django_capture_on_commit_callbacks)
    assert [(f, a) for f, a, _ in queue] == [("workflows.tasks.post_webhook", (runs(follow_up)["webhook"].pk,))]
    drain(queue, now)

    contact, conversation = world["contact"], world["conversation"]
    assert sorted(contact.tags.values_list("name", flat=True)) == ["followed-up"]
    conversation.refresh_from_db()
    assert conversation.assigned_to == world["agent"]

    [email] = mailoutbox
    assert email.to == ["owner@example.com"]
    assert "Dana" in email.subject and "step 1 of 2" in email.subject
    for part in ("Contact Stopped Replying", "step 1 of 2", follow_up.text, f"/contacts/{contact.pk}/response-info/"):
        assert part in email.body

    [hit] = receiver.hits
    expected = hmac.new(SECRET.encode(), hit["body"], hashlib.sha256).hexdigest()
    assert hit["headers"]["x-followup-signature"] == f"sha256={expected}"
    assert hit["headers"]["x-followup-timestamp"] == str(int(now.timestamp()))
    assert hit["headers"]["content-type"] == "application/json"
    body = json.loads(hit["body"])
    assert body["event"] == "follow_up.sent"
    assert body["follow_up"] == {
        "id": follow_up.pk,
        "scenario": "stopped_replying",
        "step": 1,
        "steps_total": 2,
        "channel": "sms",
        "text": follow_up.text,
        "sent_at": follow_up.finished_at.isoformat(),
    }
    assert body["contact"] == {
        "id": contact.pk,
        "first_name": "Dana",
        "phone": "+15555550100",
        "email": "dana@example.com",
        "tags": ["followed-up"],
    }
    assert body["conversation"] == {"id": conversation.pk, "channel": "sms"}

    assert {k: (r.status, r.attempts) for k, r in runs(follow_up).items()} == dict.fromkeys(
        ("add_tag", "remove_tag", "assign", "notify", "webhook"), ("done", 1)
    )


def test_running_the_workflow_twice_does_each_action_once(
    world, receiver, queue, mailoutbox, django_capture_on_commit_callbacks
):
    attach(
        world["bot"],
        {"kind": Kind.ADD_TAG, "tag": "followed-up"},
        {"kind": Kind.REMOVE_TAG, "tag": "cold"},
        {"kind": Kind.NOTIFY, "user": world["owner"]},
        hook(receiver.url),
    )
    follow_up, _, clock = send_follow_up(world["conversation"])
    now = clock.now()
    run(follow_up, now, django_capture_on_commit_callbacks)
    drain(queue, now)
    # Someone tags the contact "cold" again by hand: a duplicate delivery must not undo it.
    world["contact"].tags.add(Tag.objects.get(name="cold"))

    run(follow_up, now + timedelta(minutes=3), django_capture_on_commit_callbacks)
    drain(queue, now + timedelta(minutes=3))  # and the webhook task delivered twice too

    assert len(queue) == 1  # the second run queued no second webhook
    assert len(mailoutbox) == 1
    assert len(receiver.hits) == 1
    assert ActionRun.objects.filter(follow_up=follow_up).count() == 4
    assert sorted(world["contact"].tags.values_list("name", flat=True)) == ["cold", "followed-up"]
    assert Tag.objects.filter(name="followed-up").count() == 1


def test_the_engine_records_a_send_and_the_tasks_entry_point_runs_its_workflow(world, mailoutbox):
    attach(world["bot"], {"kind": Kind.NOTIFY, "user": world["owner"]})
    follow_up, _, _ = send_follow_up(world["conversation"])
    tasks.run_workflow(follow_up.pk)
    tasks.run_workflow(follow_up.pk)
    assert len(mailoutbox) == 1
    assert runs(follow_up)["notify"].status == "done"


# --- failures ------------------------------------------------------------------------------


def test_failing_actions_are_recorded_and_the_rest_still_run(
    world, receiver, queue, mailoutbox, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    attach(
        world["bot"],
        {"kind": Kind.NOTIFY, "user": world["no_email"]},
        hook(receiver.url),
        {"kind": Kind.ASSIGN, "user": None},  # its user was deleted
        {"kind": Kind.ADD_TAG, "tag": "followed-up"},
        {"kind": Kind.NOTIFY, "user": world["owner"]},
    )
    follow_up, sender, clock = send_follow_up(world["conversation"])
    now = clock.now()

    run(follow_up, now, django_capture_on_commit_callbacks)
    drain(queue, now)

    by_action = {present(r.action).position: r for r in ActionRun.objects.filter(follow_up=follow_up)}
    assert (by_action[0].status, by_action[0].attempts) == ("failed", 1)
    assert "no email address" in by_action[0].detail
    assert (by_action[1].status, by_action[1].attempts) == ("pending", 1)
    assert by_action[1].detail.startswith("HTTP 500")
    assert (by_action[2].status, by_action[2].detail) == ("failed", "no user to assign (the user was deleted)")
    assert by_action[3].status == by_action[4].status == "done"
    assert world["contact"].tags.filter(name="followed-up").exists()
    assert [m.to for m in mailoutbox] == [["owner@example.com"]]

    # The follow-up stays sent and nothing is sent again.
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.SENT
    assert len(sender.sent) == 1
    clock.set(now + timedelta(minutes=1))
    dispatch_due(clock, sender=sender)
    assert [m.follow_up_id for m in sender.sent] == [follow_up.pk]


def test_an_unknown_action_kind_is_recorded_failed_and_starts_nothing(world, queue, django_capture_on_commit_callbacks):
    # The admin refuses it; written straight to the table, it must still do nothing.
    attach(world["bot"], {"kind": "start_bot"}, {"kind": Kind.ADD_TAG, "tag": "followed-up"})
    follow_up, _, clock = send_follow_up(world["conversation"])
    run(follow_up, clock.now(), django_capture_on_commit_callbacks)
    assert (runs(follow_up)["start_bot"].status, runs(follow_up)["start_bot"].detail) == ("failed", "unknown action")
    assert runs(follow_up)["add_tag"].status == "done"
    assert queue == []


def test_a_notify_interrupted_by_a_crash_is_failed_by_the_redelivery_not_resent(
    world, mailoutbox, queue, django_capture_on_commit_callbacks
):
    attach(world["bot"], {"kind": Kind.NOTIFY, "user": world["owner"]})
    follow_up, _, clock = send_follow_up(world["conversation"])
    now = clock.now()
    action = WorkflowAction.objects.get()
    crashed = ActionRun.objects.create(follow_up=follow_up, action=action, kind="notify")
    assert workflows.claim(crashed, 1, now)  # the worker claimed it, then died

    run(follow_up, now + timedelta(seconds=30), django_capture_on_commit_callbacks)
    crashed.refresh_from_db()
    assert crashed.status == "pending"  # could still be in progress

    run(follow_up, now + timedelta(minutes=5), django_capture_on_commit_callbacks)
    crashed.refresh_from_db()
    assert crashed.status == "failed" and "interrupted" in crashed.detail
    assert mailoutbox == []


# --- webhook retries ------------------------------------------------------------------------


def webhook_run(world, url, **fields):
    attach(world["bot"], {**hook(url), **fields})
    follow_up, _, clock = send_follow_up(world["conversation"])
    run_ = ActionRun.objects.create(follow_up=follow_up, action=WorkflowAction.objects.get(), kind="webhook")
    return run_, clock.now()


def scheduled(run_):
    """The pending retries of this run, as (next_run, args, kwargs), oldest first."""
    rows = Schedule.objects.filter(func="workflows.tasks.post_webhook").order_by("next_run")
    return [
        (s.next_run, ast.literal_eval(s.args), ast.literal_eval(s.kwargs))
        for s in rows
        if ast.literal_eval(s.args) == (run_.pk,)
    ]


def test_webhook_retries_with_backoff_then_gives_up_after_five_attempts(world, receiver):
    receiver.statuses = [500] * 10
    run_, now = webhook_run(world, receiver.url)
    backoff = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]

    assert tasks.post_webhook(run_.pk, now=now) == "retry scheduled"
    for attempt, wait in enumerate(backoff, start=2):
        next_run, args, kwargs = scheduled(run_)[-1]
        assert next_run == now + wait and next_run > now
        assert kwargs == {"attempt": attempt}
        Schedule.objects.all().delete()  # the cluster deletes a ONCE schedule as it runs it
        now = next_run
        tasks.post_webhook(*args, now=now, **kwargs)

    run_.refresh_from_db()
    assert (run_.status, run_.attempts) == ("failed", 5)
    assert run_.detail == "HTTP 500 (gave up after 5 attempts)"
    assert len(receiver.hits) == 5
    assert scheduled(run_) == []
    assert tasks.post_webhook(run_.pk, attempt=5, now=now) == "nothing to do"
    assert len(receiver.hits) == 5


def test_a_webhook_that_recovers_is_done_and_never_posted_again(world, receiver):
    receiver.statuses = [503]
    run_, now = webhook_run(world, receiver.url)
    tasks.post_webhook(run_.pk, now=now)
    # A late duplicate of attempt 1 while attempt 2 waits: nothing.
    assert tasks.post_webhook(run_.pk, now=now + timedelta(seconds=10)) == "duplicate delivery"
    assert tasks.post_webhook(run_.pk, attempt=2, now=now + timedelta(minutes=1)) == "done"
    assert tasks.post_webhook(run_.pk, attempt=2, now=now + timedelta(minutes=2)) == "nothing to do"
    run_.refresh_from_db()
    assert (run_.status, run_.attempts, run_.detail) == ("done", 2, "HTTP 200")
    assert len(receiver.hits) == 2
    # Every attempt of a run says which delivery it is, so receivers can drop duplicates.
    assert {h["headers"]["x-followup-delivery"] for h in receiver.hits} == {str(run_.pk)}


def test_a_network_error_is_a_failed_attempt(world):
    run_, now = webhook_run(world, closed_port_url())
    assert tasks.post_webhook(run_.pk, now=now) == "retry scheduled"
    run_.refresh_from_db()
    assert (run_.status, run_.attempts) == ("pending", 1)
    assert run_.detail.startswith("ConnectionError")
    assert [k for _, _, k in scheduled(run_)] == [{"attempt": 2}]


def test_a_webhook_without_secret_fails_at_once(world, receiver):
    run_, now = webhook_run(world, receiver.url, webhook_secret="")
    assert tasks.post_webhook(run_.pk, now=now) == "failed"
    run_.refresh_from_db()
    assert run_.status == "failed" and "secret" in run_.detail
    assert receiver.hits == [] and scheduled(run_) == []


def test_an_attempt_interrupted_by_a_crash_is_counted_and_the_next_one_made(world, receiver):
    run_, now = webhook_run(world, receiver.url)
    assert workflows.claim(run_, 1, now)  # attempt 1 claimed; its worker died mid-POST
    # Still within a task's lifetime: it may be running, so leave it.
    assert tasks.post_webhook(run_.pk, now=now + timedelta(seconds=30)) == "duplicate delivery"
    # Django-Q redelivers after `retry`: attempt 1 is dead, attempt 2 goes now.
    assert tasks.post_webhook(run_.pk, now=now + timedelta(minutes=3)) == "done"
    run_.refresh_from_db()
    assert (run_.status, run_.attempts) == ("done", 2)
    assert len(receiver.hits) == 1


# --- enqueueing -------------------------------------------------------------------------------


def test_enqueue_waits_for_the_commit(world, queue, django_capture_on_commit_callbacks):
    attach(world["bot"], {"kind": Kind.ADD_TAG, "tag": "followed-up"})
    follow_up, _, _ = send_follow_up(world["conversation"])
    with django_capture_on_commit_callbacks() as callbacks:
        workflows.enqueue_workflows([follow_up])
        assert queue == []
    assert queue == []
    for callback in callbacks:
        callback()
    assert queue == [("workflows.tasks.run_workflow", (follow_up.pk,), {})]


def test_enqueue_does_nothing_without_a_workflow(world, queue, django_capture_on_commit_callbacks):
    follow_up, _, _ = send_follow_up(world["conversation"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        workflows.enqueue_workflows([follow_up])
    assert callbacks == [] and queue == []


def test_a_follow_up_not_sent_runs_nothing(world, queue, django_capture_on_commit_callbacks):
    attach(world["bot"], {"kind": Kind.ADD_TAG, "tag": "followed-up"})
    record_outbound(world["conversation"], "Hello", clock=make_clock())
    pending = FollowUp.objects.get(status=FollowUp.Status.PENDING)
    assert run(pending, pending.planned_at, django_capture_on_commit_callbacks) == {}
    assert not ActionRun.objects.exists()
