"""Every qcluster process dispatches: two cluster processes, each with one worker, send
one batch of due follow-ups together through the real Twilio SDK (pointed at the test
Twilio server), each follow-up exactly once. With the ORM broker, and with Redis as the
broker and the pacing store when a redis-server binary is there (CI installs it)."""

import shutil
import socket
import subprocess
import tempfile
from collections import Counter
from functools import partial
from pathlib import Path

import pytest

from scheduling.models import FollowUp
from tests.factories import make_bot, make_due_follow_ups
from tests.support import twilio_harness
from tests.support.cluster import kill_group, start_cluster
from tests.support.processes import free_port, twilio_env, wait_for

ROWS = 400
# Each cluster sends from its own number (TWILIO_SMS_FROM), so the test Twilio server
# tells which process sent what. Short codes: 100 segments/s each, pacing is no limit here.
NUMBERS = ("55501", "55502")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["orm", "redis"])
def broker(request):
    if request.param == "orm":
        yield ""
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server on this machine (CI installs Debian's redis-server)")
    port, workdir = free_port(), tempfile.mkdtemp(prefix="followups-redis-")
    redis = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    wait_for(lambda: _answers(port), seconds=20, what="redis-server to start")
    yield url
    redis.terminate()
    redis.wait(timeout=20)
    shutil.rmtree(workdir, ignore_errors=True)


def _answers(port) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def dispatcher_started(log: Path) -> bool:
    return "dispatcher started" in log.read_text()


def cluster_env(number, twilio, redis_url) -> dict[str, str]:
    return twilio_env(
        twilio,
        LLM_MODEL="",
        TWILIO_SMS_FROM=number,
        PUBLIC_BASE_URL="",
        REDIS_URL=redis_url,
        Q_WORKERS="1",
        DISPATCH_INTERVAL_SECONDS="1",
        DISPATCH_BATCH_SIZE="20",
        DISPATCH_SEND_CONCURRENCY="8",
    )


def test_two_cluster_processes_share_the_work_and_send_each_follow_up_once(broker, tmp_path):
    bot = make_bot(name="Scale Dental", cadences={"stopped_replying": "5m", "busy": None, "specific_time": None})
    with twilio_harness.running_twilio_server(process=True, latency=0.05, concurrency=100) as twilio:
        logs = {n: tmp_path / f"cluster-{n}.log" for n in NUMBERS}
        clusters = [start_cluster(cluster_env(n, twilio, broker), log=log) for n, log in logs.items()]
        try:
            for n, log in logs.items():
                wait_for(partial(dispatcher_started, log), seconds=60, what=f"cluster {n}'s dispatcher")
            ids = set(make_due_follow_ups(ROWS, bot=bot, phone_prefix="+1777"))
            wait_for(
                lambda: not FollowUp.objects.filter(status__in=["pending", "sending"]).exists(),
                seconds=120,
                what="every follow-up to be dispatched",
            )
        finally:
            for cluster in clusters:  # nothing is left to send: no need to wait for a clean stop
                kill_group(cluster)
        stats = twilio.stats()
    tails = "\n".join(log.read_text()[-2000:] for log in logs.values())
    assert set(FollowUp.objects.values_list("status", flat=True)) == {"sent"}, tails
    assert set(FollowUp.objects.values_list("id", flat=True)) == ids
    to_counts = Counter(m["to"] for m in stats["messages"])
    assert len(to_counts) == ROWS and max(to_counts.values()) == 1 and stats["duplicates"] == 0
    by_number = Counter(m["from"] for m in stats["messages"])
    assert set(by_number) == set(NUMBERS), f"both processes sent: {by_number}"
