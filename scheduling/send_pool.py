"""A bounded pool of threads for provider calls: they wait on the network, not the CPU.

One pool per dispatcher pass. Each thread closes its database connections when the pool
closes (Django opens one per thread), so no connection outlives the pass. Outside a
transaction only: other threads can't see rows the caller has not committed, so a caller
inside one (simulate, most tests) gets the inline pool, which runs each job at once.
"""

import queue
import threading
from concurrent.futures import Future

from django.db import connections


class SendPool:
    """Threads start with the first job: a pass with nothing due starts none."""

    def __init__(self, size: int):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._size = size
        self._threads: list[threading.Thread] = []

    def submit(self, fn, *args) -> Future:
        if not self._threads:
            self._threads = [
                threading.Thread(target=self._work, name=f"send-{i}", daemon=True) for i in range(self._size)
            ]
            for thread in self._threads:
                thread.start()
        future: Future = Future()
        self._jobs.put((future, fn, args))
        return future

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()

    def _work(self) -> None:
        try:
            while (job := self._jobs.get()) is not None:
                future, fn, args = job
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(fn(*args))
                    except BaseException as exc:  # noqa: BLE001 - handed to the caller
                        future.set_exception(exc)
        finally:
            connections.close_all()


class InlinePool:
    """The same interface, each job run at once in the caller's thread."""

    def submit(self, fn, *args) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            future.set_exception(exc)
        return future

    def close(self) -> None:
        pass
