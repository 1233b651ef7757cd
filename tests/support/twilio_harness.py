"""Runs the test Twilio server (tests/support/twilio_server.py) for tests and benchmarks.

    with running_twilio_server(latency=0.005) as twilio:          # a thread of this process
        settings.TWILIO_API_BASE = twilio.base_url
        ...
        twilio.stats()["messages"]

    with running_twilio_server(process=True, latency=0.15) as twilio:  # its own process
        ...

A thread starts in milliseconds; a process keeps the server's CPU off this process's GIL
(benchmarks, or a test whose own process is busy). Both are reached the same way, over HTTP.
"""

import asyncio
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import asdict, fields

import requests

from tests.support.twilio_server import ACCOUNT_SID, AUTH_TOKEN, HOST, ROOT, Config, start

__all__ = ["ACCOUNT_SID", "AUTH_TOKEN", "TwilioTestServer", "running_twilio_server"]


class TwilioTestServer:
    """A started server: its address, and its /_stats, /_reset and /_control."""

    account_sid = ACCOUNT_SID
    auth_token = AUTH_TOKEN

    def __init__(self, config: Config):
        self.config = config
        self.port = 0
        self._http = requests.Session()

    @property
    def base_url(self) -> str:
        """What TWILIO_API_BASE is set to."""
        return f"http://{HOST}:{self.port}"

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/2010-04-01/Accounts/{self.config.account_sid}/Messages.json"

    def stats(self, messages: bool = True) -> dict:
        params = None if messages else {"messages": "0"}
        return self._call("get", "/_stats", params=params)

    def messages(self) -> list[dict]:
        """The accepted messages, oldest first."""
        return self.stats()["messages"]

    def reset(self) -> None:
        """Forget every request and go back to the configuration it started with."""
        self._call("post", "/_reset")

    def control(self, **changes) -> dict:
        """throttle_next=N, fail_next=[{"status", "code", "message"}], latency=, concurrency=,
        slow_seconds=, queue_limit_seconds= (see the server's doc)."""
        return self._call("post", "/_control", json=changes)

    def _call(self, method: str, path: str, **kwargs) -> dict:
        response = self._http.request(method, self.base_url + path, timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def start(self):  # pragma: no cover - interface
        raise NotImplementedError

    def stop(self):  # pragma: no cover - interface
        raise NotImplementedError


class ThreadServer(TwilioTestServer):
    """The server on its own event loop in a daemon thread of this process."""

    def start(self) -> "ThreadServer":
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def run():
            asyncio.set_event_loop(self._loop)
            try:
                self._runner, self.port, _ = self._loop.run_until_complete(start(self.config))
            except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
                failure.append(exc)
                return
            finally:
                started.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="twilio-test-server", daemon=True)
        self._thread.start()
        started.wait(30)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        self._http.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)


class ProcessServer(TwilioTestServer):
    """The server as `python -m tests.support.twilio_server`, a child process."""

    def start(self) -> "ProcessServer":
        args = [
            f"--{f.name.replace('_', '-')}={value}" for f in fields(Config) for value in [asdict(self.config)[f.name]]
        ]
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.twilio_server", "--port", "0", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None  # a pipe: stdout=PIPE
        first = self._process.stdout.readline().strip()
        if not first.startswith("listening on "):
            self._process.kill()
            raise RuntimeError(f"the test Twilio server did not start: {first!r}")
        self.port = int(first.rsplit(":", 1)[1])
        return self

    def stop(self) -> None:
        self._http.close()
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


@contextmanager
def running_twilio_server(*, process: bool = False, **config):
    """A started server (Config's fields as keywords); stopped on leaving."""
    server = (ProcessServer if process else ThreadServer)(Config(**config)).start()
    try:
        yield server
    finally:
        server.stop()
