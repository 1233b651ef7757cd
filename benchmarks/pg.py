"""A throwaway PostgreSQL server for the benchmarks, like .ci/run's: its own PGDATA in
/tmp, its own port, a socket in /tmp, removed on stop. Never touches a system cluster.

    python benchmarks/pg.py start   # prints `export ...` lines for the shell to eval
    python benchmarks/pg.py stop    # reads PGDATA / PGBIN from the environment

Durability is off (fsync=off, no WAL flushes at commit): the data is thrown away, and the
figures then measure the engine, not this machine's disk. shared_buffers=1GB keeps the
1M-row table in memory, as a production server sized for it would.
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "1GB",
    "max_connections": "200",
    "unix_socket_directories": "/tmp",
    "listen_addresses": "127.0.0.1",
}


def pg_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        sys.exit("PostgreSQL is not installed (apt-get install postgresql)")
    return os.path.dirname(found[-1])


def as_owner(args: list[str]) -> list[str]:
    # initdb refuses to run as root: run the server as the postgres user, as CI does.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def free_port(preferred: int) -> int:
    for port in [preferred, 0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return s.getsockname()[1]
            except OSError:
                continue
    raise RuntimeError("no free port")


def start() -> None:
    pgbin = pg_bin()
    pgdata = tempfile.mkdtemp(prefix="bench-pgdata.")
    port = free_port(int(os.environ.get("BENCH_PGPORT", "54339")))
    if os.geteuid() == 0:
        shutil.chown(pgdata, "postgres")
    subprocess.run(
        as_owner([f"{pgbin}/initdb", "-D", pgdata, "-A", "trust", "-U", "postgres", "--no-sync"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = " ".join(f"-c {k}={v}" for k, v in SETTINGS.items())
    subprocess.run(
        as_owner(
            [f"{pgbin}/pg_ctl", "-D", pgdata, "-o", f"-p {port} {options}", "-l", f"{pgdata}/server.log", "-w", "start"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"export PGBIN={pgbin} PGDATA={pgdata} PGPORT={port} PGHOST=127.0.0.1 PGUSER=postgres")


def stop() -> None:
    pgbin, pgdata = os.environ["PGBIN"], os.environ["PGDATA"]
    subprocess.run(
        as_owner([f"{pgbin}/pg_ctl", "-D", pgdata, "-m", "fast", "-w", "stop"]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Only ever a directory this script made.
    if os.path.basename(pgdata).startswith("bench-pgdata."):
        shutil.rmtree(pgdata, ignore_errors=True)


def wait_ready(timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while subprocess.run([f"{os.environ['PGBIN']}/pg_isready", "-q"]).returncode != 0:
        if time.monotonic() > end:
            sys.exit("PostgreSQL did not become ready")
        time.sleep(0.2)


if __name__ == "__main__":
    commands: dict[str, Callable[[], None]] = {"start": start, "stop": stop, "wait": wait_ready}
    commands[sys.argv[1]]()
