"""Django-Q2 entry points for dispatching. The follow-up table is the source of truth;
these tasks may run twice or overlap (the ORM broker delivers at least once) and that
is harmless, because every row is claimed by a conditional UPDATE before it is sent.

Django-Q2 schedules have one-minute resolution, so the minute schedule starts
`dispatch_loop`, which makes a pass every DISPATCH_INTERVAL_SECONDS for about a minute.
"""

import time

from django.conf import settings

from scheduling.clock import system_clock
from scheduling.dispatch import dispatch_due

SCHEDULE_NAME = "followups: dispatch due follow-ups"


def dispatch() -> dict:
    """One pass: everything due now, within a time budget well under the task timeout."""
    report = dispatch_due(system_clock, time_budget=settings.DISPATCH_TIME_BUDGET_SECONDS)
    return {k: v for k, v in vars(report).items() if k != "outcomes"}


def dispatch_loop(seconds: float | None = None, *, sleep=time.sleep, monotonic=time.monotonic) -> int:
    """Passes every DISPATCH_INTERVAL_SECONDS for `seconds` (default DISPATCH_LOOP_SECONDS)."""
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
