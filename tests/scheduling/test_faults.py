"""Faults the dispatcher must survive without sending anything twice or losing a row.

PostgreSQL only: the claim relies on SELECT ... FOR UPDATE SKIP LOCKED and on several
processes writing at once, which SQLite serialises away (and these tests would prove
nothing there). CI runs them against its own server and exports PGBIN/PGDATA/PGPORT so
the database can be restarted mid-dispatch.

Every wait polls an external process with a deadline; the engine's time is never slept on.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, close_old_connections, connection
from django.db.utils import InterfaceError
from django.utils import timezone

from channels_out.senders.console import RecordingSender
from scheduling.clock import VirtualClock
from scheduling.dispatch import dispatch_due, sweep_stale_claims
from scheduling.models import FollowUp
from tests.factories import make_due_follow_ups
from tests.support.cluster import start_cluster, stop_cluster
from tests.support.processes import REPO, process_env, twilio_env, wait_for

Status = FollowUp.Status

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="fault tests need PostgreSQL (SKIP LOCKED claims by concurrent processes, a server to restart); "
        "run with DATABASE_URL=postgres://...",
    ),
]


# --- helpers ----------------------------------------------------------------------------


def read_ids(path: Path) -> list[int]:
    if not path.exists():
        return []
    # A SIGKILL can't tear a line (one write() per line), but stay strict anyway.
    return [int(line) for line in path.read_text().splitlines() if line.strip()]


def sweep_after(seconds: float):
    """The stale-claims sweep as the next dispatcher pass would run it `seconds` from now
    (a virtual clock), with a recording sender: (its report, what it sent)."""
    later = VirtualClock(timezone.now() + timedelta(seconds=seconds))
    sender = RecordingSender()
    report = dispatch_due(later, sender=sender)
    return report, sender


def statuses() -> Counter:
    return Counter(FollowUp.objects.values_list("status", flat=True))


def finished_rows() -> dict[int, str]:
    """Checks that every row has an outcome (none pending or sending: sent or failed); the
    failed ones' reasons, by id."""
    counts = statuses()
    assert counts[Status.PENDING] == 0 and counts[Status.SENDING] == 0, counts
    assert set(counts) <= {Status.SENT, Status.FAILED}, counts
    return dict(FollowUp.objects.filter(status=Status.FAILED).values_list("id", "reason"))


def stop(process: subprocess.Popen, *, grace=30):
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --- four dispatchers, one SIGKILLed mid-batch ------------------------------------------

ROWS = 10_000
WORKERS = 4
BATCH = 50
HANG_AFTER = 120  # the victim blocks inside its 120th send: 3rd batch, 20th row


@pytest.fixture
def sent_dir(tmp_path):
    """Where the workers record their sends. write() alone makes a line survive the
    writer's SIGKILL (it is in the kernel then); the fsync the workers also do guards
    against a machine crash, which this test doesn't stage. On a disk that fsync costs
    ~4 ms a line, ten thousand times, so use memory-backed /dev/shm when there is one."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    path = Path(tempfile.mkdtemp(prefix="followup-faults-", dir=shm))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_four_dispatchers_one_killed_mid_batch_send_each_follow_up_at_most_once(tmp_path, sent_dir):
    ids = set(make_due_follow_ups(ROWS))
    assert len(ids) == ROWS

    env = process_env(FOLLOWUP_SENDER="console", LLM_MODEL="")
    files = [sent_dir / f"sent-{n}.txt" for n in range(WORKERS)]
    processes = []
    for n, path in enumerate(files):
        args = [sys.executable, "-m", "tests.support.dispatcher_worker", str(path), "--batch-size", str(BATCH)]
        # The victim sends one at a time, so the rest of its batch is claimed but never
        # handed over when it dies; the survivors send in parallel.
        args += ["--hang-after", str(HANG_AFTER), "--concurrency", "1"] if n == 0 else ["--concurrency", "4"]
        with open(tmp_path / f"worker-{n}.out", "w") as out, open(tmp_path / f"worker-{n}.err", "w") as err:
            processes.append(subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=err, start_new_session=True))
    victim, survivors = processes[0], processes[1:]

    def output(n):
        return (tmp_path / f"worker-{n}.out").read_text(), (tmp_path / f"worker-{n}.err").read_text()

    try:
        # The victim is inside a provider call that "succeeded" (its line is on disk) while
        # the rest of its batch is still claimed: kill it there, with no chance to clean up.
        wait_for(
            lambda: len(read_ids(files[0])) >= HANG_AFTER or victim.poll() is not None,
            seconds=90,
            what="the victim to reach its hanging send",
            interval=0.05,
        )
        assert victim.poll() is None, "the victim finished before it could be killed: " + output(0)[1]
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        assert victim.returncode == -signal.SIGKILL

        reports = []
        for n, process in enumerate(survivors, start=1):
            process.wait(timeout=150)
            out, err = output(n)
            assert process.returncode == 0, err[-3000:]
            reports.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for process in processes:
            stop(process, grace=5)

    recorded = {n: read_ids(path) for n, path in enumerate(files)}
    all_recorded = [i for lines in recorded.values() for i in lines]
    twice = [i for i, count in Counter(all_recorded).items() if count > 1]
    assert not twice, f"sent more than once: {twice[:20]}"
    assert set(all_recorded) <= ids
    assert all(r["sent"] > 0 for r in reports), f"every survivor took part: {reports}"

    # Before the timeouts the victim's claims are left alone: nobody can know yet whether
    # it is still working on them, and the survivors never touched them.
    stuck = dict(FollowUp.objects.filter(status=Status.SENDING).values_list("id", "handed_at"))
    assert stuck, "the victim died holding claimed rows"
    assert len(stuck) <= BATCH
    assert sweep_stale_claims(timezone.now()) == (0, 0)
    assert statuses()[Status.PENDING] == 0, statuses()
    handed = {i for i, at in stuck.items() if at is not None}
    never_handed = set(stuck) - handed
    assert never_handed, "the victim held rows of its batch it had not started"

    # The victim's last send reached the "provider" but not the database: it was handed
    # over, so it is never sent again; the rest of its batch never reached the provider.
    limbo = set(recorded[0]) - set(FollowUp.objects.filter(status=Status.SENT).values_list("id", flat=True))
    assert recorded[0][HANG_AFTER - 1] in limbo and limbo <= handed
    assert not never_handed & set(all_recorded)

    # After the claim timeout the rows never handed over are taken back and sent, once.
    report, sweep_sender = sweep_after(settings.CLAIM_TIMEOUT_SECONDS + 60)
    assert (report.released, report.outcome_unknown) == (len(never_handed), 0)
    assert {m.follow_up_id for m in sweep_sender.sent} == never_handed

    # After the send-outcome timeout the handed-over ones fail as unknown, never resent.
    report, sweep_sender = sweep_after(settings.SEND_OUTCOME_TIMEOUT_SECONDS + 60)
    assert report.outcome_unknown == len(handed) and sweep_sender.sent == [], "the sweep resent something"

    failed = finished_rows()
    assert set(failed) == handed
    assert set(failed.values()) == {"send_outcome_unknown"}
    sent = set(FollowUp.objects.filter(status=Status.SENT).values_list("id", flat=True))
    assert sent | handed == ids  # every row has an outcome
    for n in range(1, WORKERS):
        assert set(recorded[n]) <= sent, "a survivor's send was not recorded as sent"


# --- a real Django-Q2 cluster while PostgreSQL restarts ---------------------------------

RESTART_ROWS = 1_000


def pg_ctl_env():
    pgbin, pgdata = os.environ.get("PGBIN"), os.environ.get("PGDATA")
    if not (pgbin and pgdata):
        pytest.skip("PGBIN/PGDATA not set: restarting PostgreSQL needs the CI server (.ci/run exports them)")
    return pgbin, pgdata


def restart_postgres(pgbin: str, pgdata: str):
    # -l keeps the server's output in its log file, not in a pipe of ours.
    command = f"{pgbin}/pg_ctl -D {pgdata} -m fast -w -t 60 -l {pgdata}/server.log restart"
    as_postgres = ["su", "postgres", "-c", command] if os.geteuid() == 0 else ["sh", "-c", command]
    result = subprocess.run(as_postgres, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=90)
    assert result.returncode == 0, result.stdout


def db_retrying(query, *, seconds=30):
    """Run an ORM read from the test process, reconnecting while the server comes back."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return query()
        except (OperationalError, InterfaceError):
            connection.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def enqueue_dispatch_if_idle():
    from django_q.brokers import get_broker
    from django_q.tasks import async_task

    def go():
        # Keep the workers fed without piling tasks up: count only tasks waiting to be
        # picked. Tasks cut off by the restart stay locked in the queue (redelivered only
        # after Q_RETRY), so they must not count.
        if get_broker().queue_size() < 2:
            async_task("scheduling.tasks.dispatch")
        return True

    db_retrying(go)


def test_a_postgres_restart_mid_dispatch_loses_nothing_and_sends_nothing_twice(tmp_path, twilio_server):
    pgbin, pgdata = pg_ctl_env()
    from django_q.models import Schedule

    # The minute schedule would start 55-second loops that outlive the test; the test
    # feeds one-pass dispatch tasks itself.
    Schedule.objects.all().delete()
    ids = set(make_due_follow_ups(RESTART_ROWS, phone_prefix="+1444"))
    phone_of = dict(FollowUp.objects.values_list("id", "conversation__contact__phone"))

    env = twilio_env(
        twilio_server,
        LLM_MODEL="",
        PUBLIC_BASE_URL="",
        Q_WORKERS="2",
        DISPATCH_BATCH_SIZE="10",
        DISPATCH_TIME_BUDGET_SECONDS="3",
        TWILIO_SMS_FROM="55555",  # a short code: 100/s, so pacing leaves the restart something to cut
    )
    cluster_log = tmp_path / "qcluster.log"
    cluster = start_cluster(env, log=cluster_log)

    def sent_count():
        return db_retrying(lambda: FollowUp.objects.filter(status=Status.SENT).count())

    def feed_until(condition, *, seconds, what):
        def step():
            assert cluster.poll() is None, "the cluster exited:\n" + cluster_log.read_text()[-3000:]
            enqueue_dispatch_if_idle()
            return condition()

        return wait_for(step, seconds=seconds, what=what, interval=0.2)

    try:
        feed_until(lambda: sent_count() >= 100, seconds=90, what="the cluster to start sending")
        # Restart while a pass holds claimed rows, i.e. in the middle of a batch.
        feed_until(
            lambda: FollowUp.objects.filter(status=Status.SENDING).exists(),
            seconds=30,
            what="a pass holding claimed rows",
        )
        before = sent_count()
        restart_postgres(pgbin, pgdata)
        restarted_at = timezone.now()
        # Our own connection died with the server: drop it and reconnect on the next query.
        close_old_connections()
        connection.close()
        assert before < RESTART_ROWS - 300, "too few rows left to see the cluster recover"

        feed_until(
            lambda: (
                db_retrying(lambda: FollowUp.objects.filter(status=Status.SENT, finished_at__gt=restarted_at).count())
                >= 50
            ),
            seconds=90,
            what="the cluster to send again after the restart",
        )
        feed_until(
            lambda: not db_retrying(lambda: FollowUp.objects.filter(status=Status.PENDING).exists()),
            seconds=120,
            what="every due follow-up to be dispatched",
        )
    finally:
        # SIGTERM to the qcluster process: running passes (3 s budgets) finish first.
        stopped = stop_cluster(cluster, seconds=30)
    assert stopped, "the cluster did not stop on SIGTERM:\n" + cluster_log.read_text()[-3000:]

    # Past both timeouts: claims never handed over are taken back and sent (here by a
    # recording sender: they never reached Twilio); handed-over ones fail as unknown.
    report, sweep_sender = sweep_after(settings.SEND_OUTCOME_TIMEOUT_SECONDS + 60)
    unknown_count, resent = report.outcome_unknown, {m.follow_up_id for m in sweep_sender.sent}

    failed = finished_rows()
    # A pass cut off by the restart leaves its claims in `sending`; the sweep fails them. A
    # sender that crashed on the dead connection records "send_outcome_unknown: <error>".
    assert all(reason.startswith("send_outcome_unknown") for reason in failed.values()), failed
    assert unknown_count <= len(failed)
    sent = set(FollowUp.objects.filter(status=Status.SENT).values_list("id", flat=True))
    assert sent | set(failed) == ids  # nothing lost
    assert len(failed) <= 100, f"{len(failed)} rows failed: far more than the passes in flight at the restart"

    to_counts = Counter(m["to"] for m in twilio_server.messages())
    twice = [to for to, n in to_counts.items() if n > 1]
    assert not twice, f"sent twice through Twilio: {twice[:20]}"
    assert not {phone_of[i] for i in resent} & set(to_counts), "taken back although Twilio had it"
    sent_phones = {phone_of[i] for i in sent - resent}
    assert sent_phones <= set(to_counts), "a row is marked sent that Twilio never received"
    assert set(to_counts) - sent_phones <= {phone_of[i] for i in failed}
    print(
        f"\nrestart: {before} sent before, {len(sent)} sent in all, {len(failed)} send_outcome_unknown, "
        f"{unknown_count} by the sweep, {len(resent)} taken back and sent after it"
    )
