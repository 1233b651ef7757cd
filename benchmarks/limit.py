"""The limit: what PostgreSQL alone allows for claiming and marking the same rows, with no
Django and no per-row work. Each batch is one UPDATE that claims (FOR UPDATE SKIP LOCKED,
the same order and batch size as claim()) and one that marks them sent.

    python -m benchmarks.limit worker --batch 100
"""

import argparse
import time
import uuid

from benchmarks.common import pg_connect, run_workers, worker_done, worker_wait_for_go

CLAIM = """
UPDATE scheduling_followup SET status = 'sending', claimed_at = now(), claim_token = %(token)s
WHERE id IN (SELECT id FROM scheduling_followup WHERE status = 'pending' AND planned_at <= now()
             ORDER BY planned_at, id FOR UPDATE SKIP LOCKED LIMIT %(batch)s)
RETURNING id
"""
MARK_SENT = """
UPDATE scheduling_followup SET status = 'sent', finished_at = now()
WHERE id = ANY(%(ids)s) AND claim_token = %(token)s AND status = 'sending'
"""


def worker(batch: int) -> None:
    with pg_connect() as conn:  # autocommit: each statement is its own transaction
        start = worker_wait_for_go()
        sent = 0
        while True:
            token = uuid.uuid4().hex
            ids = [row[0] for row in conn.execute(CLAIM, {"token": token, "batch": batch})]
            if not ids:
                break
            sent += conn.execute(MARK_SENT, {"ids": ids, "token": token}).rowcount
        worker_done({"start": start, "end": time.time(), "sent": sent})


def run(pop, workers: int, batch: int) -> dict:
    from benchmarks.common import sql

    wall, results = run_workers("benchmarks.limit", workers, ["worker", "--batch", str(batch)])
    sent = sum(r["sent"] for r in results)
    statuses = dict(sql(f"SELECT status, count(*) FROM scheduling_followup WHERE {pop.due_where()} GROUP BY 1"))
    check = "ok" if sent == pop.due and statuses == {"sent": pop.due} else f"FAILED: {sent} sent, {statuses}"
    return {"workers": workers, "wall": wall, "sent": sent, "rate": sent / wall if wall else 0.0, "check": check}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["worker"])
    parser.add_argument("--batch", type=int, default=100)
    worker(parser.parse_args().batch)
