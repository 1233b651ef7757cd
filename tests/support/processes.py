"""For tests that start other processes (`manage.py` commands, a cluster, dispatcher workers,
redis): where they run, the database they share with the test, and waiting on them.

Every wait polls the other process with a deadline; the engine's own time is never slept on.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[2]

T = TypeVar("T")


def database_url() -> str:
    """The test database as a DATABASE_URL, for a process that should see the test's rows
    (a transactional test's: the others' rows are never committed)."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(**overrides: str) -> dict[str, str]:
    """This process's environment, on the test database, with `overrides`."""
    return {**os.environ, "DATABASE_URL": database_url(), **overrides}


def twilio_env(twilio_server, **overrides: str) -> dict[str, str]:
    """process_env for a process sending through the test Twilio server with the real SDK."""
    return process_env(
        FOLLOWUP_SENDER="live",
        TWILIO_ACCOUNT_SID=twilio_server.account_sid,
        TWILIO_AUTH_TOKEN=twilio_server.auth_token,
        TWILIO_API_BASE=twilio_server.base_url,
        **overrides,
    )


def run_manage(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python manage.py ARGS` as its own process, `stdin` on its standard input; its output as text."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


def wait_for(condition: Callable[[], T], *, seconds: float = 90, what: str = "condition", interval: float = 0.2) -> T:
    """Calls `condition` every `interval` seconds until it returns something true, and returns
    that; fails the test after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on (just now): for a server to start on, or to be refused at."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
