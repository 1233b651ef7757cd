"""The naive design: one Django-Q2 `Schedule` row per follow-up (schedule_type ONCE,
next_run = its due time), run by a real `manage.py qcluster`, whose task sends that one
follow-up. The per-row work is the dispatcher's own (claim by a conditional UPDATE, the
same checks, no-op send, record, plan the next step), so only the scheduling differs.

Django-Q2's scheduler runs inside the cluster's guard loop about every 30 s (every 60
guard cycles of 0.5 s): a due schedule waits up to 30 s before its task even exists.
That wait is part of the design, so the rate is taken over the whole wall time.
"""

import os
import re
import subprocess
import threading
import time
import uuid

from benchmarks.common import PYTHON, ROOT, NoopSender, scalar, sql
from tests.support.cluster import stop_cluster


def send_one(follow_up_id: int) -> str:
    """The task of one schedule: send this follow-up if it is still pending and due."""
    from scheduling import dispatch
    from scheduling.clock import system_clock
    from scheduling.models import FollowUp

    token, now = uuid.uuid4().hex, system_clock.now()
    claimed = FollowUp.objects.filter(pk=follow_up_id, status=FollowUp.Status.PENDING, planned_at__lte=now).update(
        status=FollowUp.Status.SENDING, claimed_at=now, claim_token=token
    )
    if not claimed:
        return "not pending"
    follow_up = dispatch._load([follow_up_id], token)[0]
    return dispatch.handle_claimed(follow_up, token, system_clock, sender=NoopSender())


def add_schedules(url: str) -> int:
    """One ONCE schedule per pending follow-up (due now or later), and none other: the
    product's own dispatch schedule is removed so it can't send these rows itself."""
    sql("DELETE FROM django_q_schedule", url=url)
    sql(
        """INSERT INTO django_q_schedule (name, func, args, schedule_type, repeats, next_run)
           SELECT 'follow-up ' || id, 'benchmarks.naive.send_one', id::text, 'O', -1, planned_at
           FROM scheduling_followup WHERE status = 'pending'""",
        url=url,
    )
    return scalar("SELECT count(*) FROM django_q_schedule", url=url)


def run(pop, url: str, workers: int = 2, timeout: float = 300) -> dict:
    """Start the cluster; the clock starts when it says it is running (its start-up is
    not counted) and stops at the last follow-up's finished_at."""
    schedules = add_schedules(url)
    # DISPATCH_IN_WORKERS off: the workers run only the schedules' tasks, no dispatcher of their own.
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "Q_WORKERS": str(workers),
        "LOG_LEVEL": "INFO",
        "DISPATCH_IN_WORKERS": "false",
    }
    cluster = subprocess.Popen(
        [PYTHON, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    stderr = cluster.stderr
    assert stderr is not None  # stderr=PIPE
    running = threading.Event()
    log_tail: list[str] = []

    def read_log() -> None:  # Django-Q2 logs "Q Cluster <name> running." once its workers are up
        for line in stderr:
            log_tail[:] = [*log_tail, line][-20:]
            if re.search(r"Q Cluster .* running", line):
                running.set()

    threading.Thread(target=read_log, daemon=True).start()
    try:
        if not running.wait(60):
            raise RuntimeError("qcluster did not start:\n" + "".join(log_tail))
        started = time.time()
        due = pop.due_where()
        while time.time() - started < timeout:
            if scalar(f"SELECT count(*) FROM scheduling_followup WHERE {due} AND status = 'sent'", url=url) >= pop.due:
                break
            time.sleep(0.5)
    finally:
        stop_cluster(cluster)
    first, last, sent = sql(
        f"""SELECT extract(epoch FROM min(finished_at)), extract(epoch FROM max(finished_at)),
                                count(*) FROM scheduling_followup WHERE {pop.due_where()} AND status = 'sent'""",
        url=url,
    )[0]
    messages = scalar(
        f"""SELECT count(*) FROM conversations_message
                          WHERE id > {pop.seeded_max["conversations_message"]} AND is_follow_up""",
        url=url,
    )
    wall = float(last) - started if last else timeout
    return {
        "workers": workers,
        "schedules": schedules,
        "sent": sent,
        "wall": wall,
        "rate": sent / wall if wall else 0.0,
        "first_send_after": float(first) - started if first else None,
        "processing_rate": sent / (float(last) - float(first)) if last and last > first else None,
        "check": "ok" if sent == pop.due and messages == pop.due else f"FAILED: {sent} sent, {messages} messages",
    }
