"""Django-Q2 entry points for dispatching. The follow-up table is the source of truth;
dispatchers may run at once anywhere (every row is claimed by a conditional UPDATE before
it is sent), and a task the broker delivers twice is harmless.

Every cluster worker process runs a dispatcher of its own in a background thread
(`start_in_worker`, on Django-Q2's post_spawn signal): one qcluster process or many, on one
machine or several, they all send. The minute schedule (a migration creates it) makes one
more pass as a safety net, or, with DISPATCH_IN_WORKERS off, a loop of passes every
DISPATCH_INTERVAL_SECONDS for about a minute (schedules fire at most once a minute).
"""

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections

from scheduling.clock import system_clock
from scheduling.dispatch import dispatch_due
from scheduling.models import FollowUp

SCHEDULE_NAME = "followups: dispatch due follow-ups"
log = logging.getLogger("followups.dispatch")


def dispatch() -> dict:
    """One pass: everything due now, within a time budget well under the task timeout."""
    report = dispatch_due(system_clock, time_budget=settings.DISPATCH_TIME_BUDGET_SECONDS)
    return {k: v for k, v in vars(report).items() if k != "outcomes"}


def dispatch_loop(seconds: float | None = None, *, sleep=time.sleep, monotonic=time.monotonic) -> int:
    """Passes every DISPATCH_INTERVAL_SECONDS for `seconds` (default DISPATCH_LOOP_SECONDS);
    one pass when the workers dispatch themselves."""
    if seconds is None and settings.DISPATCH_IN_WORKERS:
        dispatch()
        return 1
    seconds = settings.DISPATCH_LOOP_SECONDS if seconds is None else seconds
    interval = settings.DISPATCH_INTERVAL_SECONDS
    end = monotonic() + seconds
    passes = 0
    while True:
        started = monotonic()
        dispatch()
        passes += 1
        wait = interval - (monotonic() - started)
        if monotonic() + max(wait, 0) >= end:
            return passes
        if wait > 0:
            sleep(wait)


def run_dispatcher(stop: threading.Event, *, clock=system_clock) -> None:
    """A worker's dispatcher: passes back to back while there is work, else a wait until the
    next follow-up is due (at most DISPATCH_INTERVAL_SECONDS), until `stop` is set."""
    while not stop.is_set():
        try:
            close_old_connections()  # a restarted database is survived
            dispatch()
            wait = seconds_until_next_due(clock)
        except Exception:
            log.exception("dispatcher pass failed")
            wait = settings.DISPATCH_INTERVAL_SECONDS
        if wait > 0:
            stop.wait(wait)


def seconds_until_next_due(clock=system_clock) -> float:
    nxt = (
        FollowUp.objects.filter(status=FollowUp.Status.PENDING)
        .order_by("planned_at")
        .values_list("planned_at", flat=True)
        .first()
    )
    interval = float(settings.DISPATCH_INTERVAL_SECONDS)
    if nxt is None:
        return interval
    return min(interval, max((nxt - clock.now()).total_seconds(), 0.05))


_started = threading.Event()


def start_in_worker(sender=None, proc_name="", **kwargs) -> None:
    """Django-Q2's post_spawn, in each new worker process: start its dispatcher thread."""
    if not settings.DISPATCH_IN_WORKERS or _started.is_set():
        return
    _started.set()
    stop = threading.Event()
    threading.Thread(target=run_dispatcher, args=(stop,), name=f"dispatcher {proc_name}", daemon=True).start()
    log.info("dispatcher started in %s", proc_name)
