"""The Django-Q2 side of dispatching: one schedule, a loop of passes, idempotent tasks."""

import pytest
from django_q.brokers import get_broker
from django_q.models import OrmQ, Schedule
from django_q.scheduler import scheduler

from scheduling import tasks

pytestmark = pytest.mark.django_db


def test_one_schedule_runs_the_dispatcher_every_minute():
    [schedule] = Schedule.objects.filter(func="scheduling.tasks.dispatch_loop")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 1, -1)
    assert Schedule.objects.count() == 1  # no schedule row per follow-up


def test_the_cluster_scheduler_enqueues_the_dispatch_loop(monkeypatch):
    # The scheduler closes stale connections first; inside a test transaction that
    # would close the test's own connection.
    monkeypatch.setattr("django_q.scheduler.close_old_django_connections", lambda: None)
    scheduler(broker=get_broker())
    assert OrmQ.objects.count() == 1
    assert OrmQ.objects.get().task["func"] == "scheduling.tasks.dispatch_loop"


def test_the_loop_makes_a_pass_every_interval_for_its_duration(settings, monkeypatch):
    settings.DISPATCH_INTERVAL_SECONDS = 5
    now = [0.0]
    passes = []
    monkeypatch.setattr(tasks, "dispatch", lambda: passes.append(now[0]))

    def sleep(seconds):
        now[0] += seconds

    assert tasks.dispatch_loop(55, sleep=sleep, monotonic=lambda: now[0]) == 11
    assert passes == [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50]


def test_a_pass_reports_what_it_did():
    assert tasks.dispatch() == {
        "claimed": 0,
        "sent": 0,
        "skipped": 0,
        "cancelled": 0,
        "deferred": 0,
        "failed": 0,
        "released": 0,
        "outcome_unknown": 0,
        "retried": 0,
        "paced": 0,
        "lost": 0,
    }
