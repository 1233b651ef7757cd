"""Dispatch throughput: separate processes each running the real `dispatch_due` (claim,
checks, text, no-op send, record, plan the next step) until nothing is due.

    python -m benchmarks.dispatch_bench worker --batch 100   # one worker (see common.run_workers)
"""

import argparse
import cProfile
import pstats
import threading
import time
from collections import Counter

from benchmarks.common import NoopSender, postgres_cpu_seconds, run_workers, sql, worker_done, worker_wait_for_go


def worker(batch: int, profile_to: str | None = None) -> None:
    from benchmarks.common import setup_django

    setup_django()
    from django.db import connection
    from django.db.backends.signals import connection_created

    from scheduling import dispatch
    from scheduling.clock import system_clock

    # Time spent in claim(), to tell the claim's share apart from the per-row work.
    claim_seconds = [0.0]
    real_claim = dispatch.claim

    def timed_claim(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real_claim(*args, **kwargs)
        finally:
            claim_seconds[0] += time.perf_counter() - started

    dispatch.claim = timed_claim
    # Statements of every thread: the sending threads take a connection from the pool
    # (each checkout is a new DatabaseWrapper connection) for their hand-over UPDATE.
    queries = QueryCounter()

    def count_queries(sender, connection, **kwargs):
        if queries not in connection.execute_wrappers:
            connection.execute_wrappers.append(queries)

    connection_created.connect(count_queries, weak=False)
    connection.ensure_connection()
    sender = NoopSender()
    profiler = None
    thread_profilers: dict[int, cProfile.Profile] = {}
    if profile_to:
        profiler = cProfile.Profile()
        # cProfile follows one thread: the sending threads (text, pacing, hand-over, send)
        # each get their own profiler around send_one, merged with the main thread's below.
        real_send_one = dispatch.send_one
        main_thread = threading.get_ident()

        def profiled_send_one(*args, **kwargs):
            if threading.get_ident() == main_thread:  # inline: the main profiler sees it
                return real_send_one(*args, **kwargs)
            mine = thread_profilers.setdefault(threading.get_ident(), cProfile.Profile())
            mine.enable()
            try:
                return real_send_one(*args, **kwargs)
            finally:
                mine.disable()

        dispatch.send_one = profiled_send_one
    start = worker_wait_for_go()
    cpu = time.process_time()
    if profiler:
        profiler.enable()
    totals: Counter[str] = Counter()
    while True:
        report = dispatch.dispatch_due(system_clock, sender=sender, batch_size=batch)
        totals.update({k: v for k, v in vars(report).items() if isinstance(v, int)})
        if not report.claimed:
            break
    end = time.time()
    cpu = time.process_time() - cpu
    if profiler and profile_to:  # both or neither
        profiler.disable()
        profiler.dump_stats(profile_to)
        if thread_profilers:
            threads = pstats.Stats(*thread_profilers.values())
            threads.dump_stats(profile_to + ".threads")
    worker_done(
        {
            "start": start,
            "end": end,
            **totals,
            "claim_seconds": claim_seconds[0],
            "queries": queries.count,
            "query_seconds": queries.seconds,
            "cpu_seconds": cpu,
        }
    )


SAVEPOINT_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


class QueryCounter:
    """A connection.execute_wrapper: counts statements and the time spent waiting on them
    (summed over the threads that use it). `count` is every statement; `savepoints` the
    nested atomic blocks' SAVEPOINT / RELEASE / ROLLBACK TO among them."""

    def __init__(self):
        self.count, self.savepoints, self.seconds = 0, 0, 0.0
        self._lock = threading.Lock()

    def __call__(self, execute, sql_text, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            savepoint = sql_text.lstrip().upper().startswith(SAVEPOINT_STATEMENTS)
            with self._lock:
                self.count += 1
                self.savepoints += savepoint
                self.seconds += elapsed


def run(pop, workers: int, batch: int, profile_to: str | None = None) -> dict:
    args = ["worker", "--batch", str(batch)] + (["--profile", profile_to] if profile_to else [])
    pg_cpu: list[float | None] = []
    wall, results = run_workers(
        "benchmarks.dispatch_bench", workers, args, on_go=lambda: pg_cpu.append(postgres_cpu_seconds())
    )
    after = postgres_cpu_seconds()
    pg_seconds = after - pg_cpu[0] if after is not None and pg_cpu[0] is not None else None
    sent = sum(r["sent"] for r in results)
    return {
        "workers": workers,
        "wall": wall,
        "sent": sent,
        "claimed": sum(r["claimed"] for r in results),
        "rate": sent / wall if wall else 0.0,
        "us_per_fu": wall * 1e6 * workers / max(sent, 1),
        "claim_us_per_fu": sum(r["claim_seconds"] for r in results) * 1e6 / max(sent, 1),
        "queries_per_fu": sum(r["queries"] for r in results) / max(sent, 1),
        "db_us_per_fu": sum(r["query_seconds"] for r in results) * 1e6 / max(sent, 1),
        "cpu_us_per_fu": sum(r["cpu_seconds"] for r in results) * 1e6 / max(sent, 1),
        "pg_cpu_us_per_fu": pg_seconds * 1e6 / max(sent, 1) if pg_seconds is not None else None,
        "check": verify(pop, sent),
    }


def verify(pop, reported_sent: int) -> str:
    """Each due row sent exactly once: statuses, one message each, nothing left claimed."""
    due = pop.due_where("f")
    m = pop.seeded_max
    by_status = dict(sql(f"SELECT status, count(*) FROM scheduling_followup f WHERE {due} GROUP BY 1"))
    messages = sql(f"""SELECT count(*), count(DISTINCT conversation_id) FROM conversations_message
                       WHERE id > {m["conversations_message"]} AND is_follow_up""")[0]
    linked = sql(f"""SELECT count(DISTINCT f.sent_message_id) FROM scheduling_followup f
                     JOIN conversations_message msg ON msg.id = f.sent_message_id
                     AND msg.conversation_id = f.conversation_id WHERE {due}""")[0][0]
    sending = sql("SELECT count(*) FROM scheduling_followup WHERE status = 'sending'")[0][0]
    problems = []
    if by_status != {"sent": pop.due}:
        problems.append(f"statuses {by_status}")
    if messages != (pop.due, pop.due) or linked != pop.due:
        problems.append(f"messages {messages[0]} in {messages[1]} conversations, {linked} linked")
    if reported_sent != pop.due:
        problems.append(f"workers reported {reported_sent} sent")
    if sending:
        problems.append(f"{sending} left in sending")
    return "ok" if not problems else "FAILED: " + "; ".join(problems)


def explain_claim(batch: int) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the very SELECT that claim() sends, captured from
    Django, run in a transaction that is rolled back (the FOR UPDATE locks go with it)."""
    import uuid

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from scheduling.clock import system_clock
    from scheduling.dispatch import claim

    class Rollback(Exception):
        pass

    with CaptureQueriesContext(connection) as captured:
        try:
            with transaction.atomic():
                claim(system_clock.now(), uuid.uuid4().hex, batch)
                raise Rollback
        except Rollback:
            pass
    select = next(q["sql"] for q in captured.captured_queries if "SKIP LOCKED" in q["sql"])
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + select)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return select + "\n\n" + plan


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["worker"])
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--profile", default=None, help="write cProfile stats to this file")
    args = parser.parse_args()
    worker(args.batch, args.profile)
