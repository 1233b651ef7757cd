"""A real `manage.py qcluster` process for the end-to-end and scale-out tests.

Stopping it: SIGTERM to the qcluster process alone, as a process manager stopping the
service would. Django-Q2 then stops its own children in order (the pusher, the workers
after the task in hand, the monitor) and exits within a second or so.

Not SIGTERM to the whole process group: the sentinel and the workers would die at once
(Django-Q2 leaves SIGTERM at its default in them) while the qcluster process's handler
sets the stop event; the sentinel, killed while waiting on that event, never acknowledges
the wake-up, and multiprocessing's Event.set() waits for it forever. The test then sat out
its whole stop timeout before a SIGKILL.
"""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.processes import REPO

STOP_SECONDS = 20


def start_cluster(env: dict, *, log: Path | None = None) -> subprocess.Popen:
    """`manage.py qcluster` in a session of its own (so leftovers can be killed as a group),
    its output in `log` if given."""
    command = [sys.executable, "manage.py", "qcluster"]
    if log is None:
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
    with open(log, "w") as out:  # the child keeps its own copy
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_cluster(cluster: subprocess.Popen, *, seconds: float = STOP_SECONDS) -> bool:
    """SIGTERM to the qcluster process; True if it stopped by itself within `seconds`.
    Whatever is left of its process group is killed either way."""
    stopped = False
    if cluster.poll() is None:
        cluster.send_signal(signal.SIGTERM)
        try:
            cluster.wait(timeout=seconds)
            stopped = True
        except subprocess.TimeoutExpired:
            pass
    else:
        stopped = True
    kill_group(cluster)
    return stopped


def kill_group(cluster: subprocess.Popen) -> None:
    """SIGKILL to the cluster's whole process group (nothing left behind), then reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(cluster.pid, signal.SIGKILL)
    cluster.wait(timeout=10)
