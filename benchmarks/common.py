"""What every benchmark module shares: Django set-up, the no-op sender, timing, and
running N separate worker processes started at the same instant."""

import json
import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "followup_project.settings")
    import django

    django.setup()


def database_url(name: str | None = None) -> str:
    """DATABASE_URL, or the same server with another database name."""
    url = os.environ["DATABASE_URL"]
    return url if name is None else url.rsplit("/", 1)[0] + "/" + name


def pg_connect(url: str | None = None, autocommit: bool = True):
    import psycopg

    # Client-side binding: several statements (and utility statements) in one execute.
    return psycopg.connect(url or database_url(), autocommit=autocommit, cursor_factory=psycopg.ClientCursor)


def sql(query: str, params=None, url: str | None = None):
    """Run one statement on its own autocommit connection; rows if it returns any."""
    with pg_connect(url) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else None


def scalar(query: str, params=None, url: str | None = None):
    return sql(query, params, url)[0][0]


class NoopSender:
    """Accepts every message at once: the benchmarks measure the engine, not a provider.
    Local (no network wait: the dispatcher calls it inline, as it does the console sender)
    and not paced (no sending number's rate)."""

    name = "noop"
    remote = False
    paced = False

    def send(self, message):
        from channels_out.senders.base import SendResult

        return SendResult(provider_id=f"noop{message.follow_up_id}", delivery_status="sent")


def process_cpu_seconds(pid: int, children: bool = False) -> float:
    """User + system CPU time of a process on this machine; `children`: plus that of its
    children it has reaped (e.g. PostgreSQL backends that have exited)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float | None:
    """CPU time of the whole benchmark PostgreSQL server so far: the postmaster, its live
    processes (backends, a connection pool's idle ones included) and those that exited.
    None when the server is not ours to see (no PGDATA)."""
    try:
        postmaster = int(Path(os.environ["PGDATA"], "postmaster.pid").read_text().split()[0])
        total = process_cpu_seconds(postmaster, children=True)
    except (KeyError, OSError, ValueError):
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _ticks(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes() -> Iterator[tuple[int, list[str]]]:
    """(pid, /proc/<pid>/stat fields after the command name) of every live process."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                yield int(entry.name), (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue


def group_cpu(pgid: int) -> float:
    """CPU seconds of the live processes of a process group (a qcluster and its workers)."""
    return sum(_ticks(f) for _, f in _processes() if int(f[2]) == pgid)


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its live children (gunicorn's master and workers)."""
    return sum(_ticks(f) for p, f in _processes() if p == pid or int(f[1]) == pid)


def reaped_children_cpu() -> float:
    """CPU seconds of this process's children that have exited and been waited for (a wrk
    run, once subprocess.run returns)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot (all cores)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / os.sysconf("SC_CLK_TCK"), total / os.sysconf("SC_CLK_TCK")


# CPU seconds of one part so far (None when it can't be seen), for CpuWindow.
CpuReader = Callable[[], float | None]


class CpuWindow:
    """CPU seconds of each part between start() and stop(), as a share of one core."""

    def __init__(self, parts: dict[str, CpuReader]):
        self.parts = parts  # label -> CPU seconds so far

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.before = {k: f() for k, f in self.parts.items()}
        self.machine0 = machine_busy()

    def stop(self) -> dict:
        wall = time.monotonic() - self.t0
        after = {k: f() for k, f in self.parts.items()}
        busy, total = machine_busy()
        out: dict[str, dict[str, float]] = {}
        for k in self.parts:
            now, then = after[k], self.before[k]
            if now is not None and then is not None:
                out[k] = {"seconds": now - then, "cores": (now - then) / wall}
        out["machine"] = {
            "seconds": busy - self.machine0[0],
            "cores": (busy - self.machine0[0]) / wall,
            "busy_share": (busy - self.machine0[0]) / max(total - self.machine0[1], 1e-9),
        }
        return {"wall": wall, "parts": out}


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (share 0.5: the median) of unsorted values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def close_db() -> None:
    """Close this process's database connections, the connection pool's too (the product
    pools PostgreSQL connections: DB_POOL), e.g. before CREATE DATABASE ... TEMPLATE."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()
        if hasattr(conn, "close_pool"):
            conn.close_pool()


# --- N worker processes ---------------------------------------------------------------
# Each worker imports Django and connects, prints "ready", waits for "go" on stdin, works,
# and prints one JSON line with its own start/end times. Process start-up is thus not
# timed; the wall time is from "go" until the last worker is done.


def worker_wait_for_go() -> float:
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        sys.exit(1)
    return time.time()


def worker_done(result: dict) -> None:
    print(json.dumps(result), flush=True)


def run_workers(
    module: str,
    count: int,
    args: list[str],
    env: dict[str, str] | None = None,
    on_go: Callable[[], object] | None = None,
) -> tuple[float, list[dict]]:
    """`on_go`: called once every worker is ready, just before they are told to start."""
    procs = [
        subprocess.Popen(
            [PYTHON, "-m", module, *args],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for p in procs:
        assert p.stdout is not None  # stdout=PIPE
        if p.stdout.readline().strip() != "ready":
            raise RuntimeError(f"worker {module} failed to start")
    if on_go:
        on_go()
    started = time.time()
    for p in procs:
        assert p.stdin is not None  # stdin=PIPE
        p.stdin.write("go\n")
        p.stdin.flush()
    results = []
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"worker {module} exited with {p.returncode}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return max(r["end"] for r in results) - started, results
