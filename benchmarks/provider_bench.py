"""Sending under provider conditions: the real cluster (`manage.py qcluster` processes, one
Django-Q2 worker each, every worker running its own dispatcher) sends through the real
Twilio SDK (FOLLOWUP_SENDER=live, TWILIO_API_BASE) to the test Twilio server
(tests/support/twilio_server.py, its own process on 127.0.0.1) answering after 150 ms,
at most 100 requests at once (429 / 20429 beyond that).

Eight bots, each sending from its own short code (100 segments/s each, so pacing is not the
limit), and N due SMS follow-ups spread over them. Three runs, each from the same fresh rows:

1. one qcluster process;
2. two qcluster processes;
3. two qcluster processes while K of the contacts reply ("STOP" or "in a meeting") through
   the signed Twilio inbound webhook, served by gunicorn on 127.0.0.1, from a few client
   threads: afterwards, no follow-up of a contact may have been handed to the provider
   after that contact's reply was answered (HTTP 200).

The rows are seeded due tomorrow and the clusters started; once every dispatcher has said
it started, one UPDATE makes all of them due now (the release): start-up is not timed.
"""

import os
import random
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.common import PYTHON, ROOT, postgres_cpu_seconds, scalar, sql

NUMBERS = [f"5550{i}" for i in range(1, 9)]  # short codes: 100 segments/s each
SHORT_CODE_RATE = 100
REPLIES = ["STOP", "in a meeting"]

# CPU seconds of one part so far (None when it can't be seen), for CpuWindow.
CpuReader = Callable[[], float | None]


# --- data -----------------------------------------------------------------------------


def prepare(url: str, bots: list[int]) -> list[int]:
    """The first 8 of the seeded bots (no contact hours, no daily limit, open all week)
    get a short code each; the others keep no number and no rows."""
    chosen = bots[: len(NUMBERS)]
    sql("UPDATE bots_bot SET sms_from = '' WHERE sms_from <> ''", url=url)
    for bot, number in zip(chosen, NUMBERS, strict=False):
        sql(
            "UPDATE bots_bot SET sms_from = %s, contact_hours_enabled = false, max_follow_ups_per_day = NULL, "
            "active = true, auto_follow_up = true WHERE id = %s",
            (number, bot),
            url=url,
        )
    return chosen


_SEED = """
TRUNCATE conversations_contact, conversations_conversation, conversations_message, conversations_optout,
         scheduling_followup, scheduling_engineevent, channels_out_sendingnumber, django_q_task, django_q_ormq
         RESTART IDENTITY CASCADE;

CREATE TEMP TABLE seed AS
SELECT n, (%(bots)s::bigint[])[1 + n %% %(nbots)s] AS bot_id FROM generate_series(1, %(n)s) AS n;

INSERT INTO conversations_contact (id, bot_id, first_name, last_name, phone, email, timezone, created_at)
SELECT n, bot_id, (ARRAY['Ana','Ben','Chloe','Dev','Elif','Femi','Gus','Hana'])[1 + n %% 8], 'Doe',
       '+1555' || lpad(n::text, 7, '0'), '', '', now() - interval '30 days'
FROM seed;

INSERT INTO conversations_conversation (id, bot_id, contact_id, channel, stopped, stopped_reason, last_inbound_at, created_at)
SELECT n, bot_id, n, 'sms', false, '', now() - interval '2 hours', now() - interval '30 days' FROM seed;

INSERT INTO conversations_message (id, conversation_id, direction, author, channel, text, at, is_follow_up,
                                   intent, requested_at, classified_by, provider_id)
SELECT 2 * n - 1, n, 'inbound', 'contact', 'sms', 'Hi, how much is a cleaning?', now() - interval '2 hours', false,
       'other', NULL::timestamptz, 'rules', 'SMseed' || n
FROM seed
UNION ALL
SELECT 2 * n, n, 'outbound', 'bot', 'sms', 'It is $90. Would you like to book? https://book.example.com',
       now() - interval '115 minutes', false, '', NULL, '', ''
FROM seed;

-- Due tomorrow: nothing is sent until the release makes them due now.
INSERT INTO scheduling_followup (id, conversation_id, bot_id, scenario_id, kind, step, steps_total, due_at, planned_at,
    late_from, attempts, channel, status, reason, trigger_message_id, text, text_source, created_at, claim_token,
    delivery_status, provider_id)
SELECT n, n, seed.bot_id, s.id, 'stopped_replying', 1, 2, now() + interval '1 day', now() + interval '1 day',
       now() + interval '1 day', 0, 'sms', 'pending', '', 2 * n, '', '', now() - interval '115 minutes', '', '', ''
FROM seed JOIN bots_scenario s ON s.bot_id = seed.bot_id AND s.kind = 'stopped_replying';

DROP TABLE seed;

-- The numbers have sent before (their pacing rows exist, rate by type): the steady state.
INSERT INTO channels_out_sendingnumber (number, segments_per_second, next_free)
SELECT unnest(%(numbers)s::text[]), NULL, 0;
"""


def seed(url: str, bots: list[int], n: int) -> None:
    """N contacts, one SMS conversation each, one pending step-1 follow-up each (id = n)."""
    from benchmarks.common import pg_connect

    with pg_connect(url, autocommit=False) as conn:
        conn.execute(_SEED, {"bots": bots, "nbots": len(bots), "n": n, "numbers": NUMBERS})
        for table in [
            "conversations_contact",
            "conversations_conversation",
            "conversations_message",
            "scheduling_followup",
        ]:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        conn.commit()
    with pg_connect(url) as conn:
        conn.execute(
            "VACUUM ANALYZE scheduling_followup, conversations_message, conversations_conversation, "
            "conversations_contact"
        )


def release(url: str, n: int) -> float:
    """Every seeded follow-up due now, in id order; returns the time (epoch)."""
    at = time.time()
    sql(
        f"""UPDATE scheduling_followup SET planned_at = now() - interval '1 second' + make_interval(secs => id / 1e6),
                   due_at = now() - interval '1 second' + make_interval(secs => id / 1e6), late_from = now()
            WHERE id <= {n} AND status = 'pending'""",
        url=url,
    )
    return at


def unfinished(url: str, n: int) -> int:
    return scalar(
        f"SELECT count(*) FROM scheduling_followup WHERE id <= {n} AND status IN ('pending', 'sending')", url=url
    )


# --- processes ------------------------------------------------------------------------


def start_cluster(
    i: int, url: str, twilio, workdir: Path, concurrency: int, batch: int | None = None, extra_env: dict | None = None
) -> tuple[subprocess.Popen, Path]:
    log = workdir / f"qcluster-{i}.log"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FOLLOWUP_SENDER": "live",
        "LLM_MODEL": "",
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_API_BASE": twilio.base_url,
        "TWILIO_SMS_FROM": "",
        "PUBLIC_BASE_URL": "",
        "REDIS_URL": "",
        "Q_WORKERS": "1",
        "DISPATCH_IN_WORKERS": "true",
        "DISPATCH_INTERVAL_SECONDS": "1",
        "DISPATCH_SEND_CONCURRENCY": str(concurrency),
        "LOG_LEVEL": "INFO",
    }
    if batch:
        env["DISPATCH_BATCH_SIZE"] = str(batch)
    env.update(extra_env or {})
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [PYTHON, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc, log


def wait_started(clusters, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    for proc, log in clusters:
        while "dispatcher started" not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"qcluster did not start its dispatcher:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)


def stop_group(proc: subprocess.Popen, grace: float = 5) -> None:
    """The runs stop clusters that have nothing left to send (see tests/support/cluster.py)."""
    from tests.support.cluster import stop_cluster

    stop_cluster(proc, seconds=grace)


# --- CPU ------------------------------------------------------------------------------


def _ticks(fields) -> float:
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes():
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


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot (all cores)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / os.sysconf("SC_CLK_TCK"), total / os.sysconf("SC_CLK_TCK")


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


# --- one run --------------------------------------------------------------------------


def dispatch_run(
    url: str,
    bots: list[int],
    n: int,
    processes: int,
    twilio,
    workdir: Path,
    concurrency: int,
    timeout: float,
    storm: dict | None = None,
    batch: int | None = None,
    extra_env: dict | None = None,
) -> dict:
    """Seed, start `processes` clusters, release, wait until every row is finished (or
    `timeout`), stop. `storm`: {"replies": k, "port": gunicorn port, "threads": t, "pid": gunicorn pid}."""
    seed(url, bots, n)
    twilio.reset()
    clusters = [start_cluster(i + 1, url, twilio, workdir, concurrency, batch, extra_env) for i in range(processes)]
    storm_result: dict[str, Any] = {}  # filled by the reply storm's thread
    try:
        wait_started(clusters)
        parts: dict[str, CpuReader] = {
            f"qcluster {i + 1} (all its processes)": partial(group_cpu, proc.pid)
            for i, (proc, _) in enumerate(clusters)
        }
        parts["test Twilio server"] = lambda: tree_cpu(twilio._process.pid)
        parts["PostgreSQL (whole server)"] = postgres_cpu_seconds
        if storm:
            parts["gunicorn (webhook, all workers)"] = lambda: tree_cpu(storm["pid"])
            parts["storm clients (this process)"] = time.process_time
        window = CpuWindow(parts)
        window.start()
        released = release(url, n)
        storm_thread = None
        if storm:
            storm_thread = threading.Thread(target=reply_storm, args=(url, storm, n, storm_result))
            storm_thread.start()
        deadline = time.monotonic() + timeout
        samples = []
        while unfinished(url, n) and time.monotonic() < deadline:
            samples.append(top_sample())
            time.sleep(1.0)
        if storm_thread:
            storm_thread.join(timeout=max(deadline - time.monotonic(), 30))
        cpu = window.stop()
    finally:
        for proc, _ in clusters:
            stop_group(proc)
    stats = twilio.stats()
    result = summarise(url, n, processes, stats, released, cpu, concurrency)
    result["top"] = samples[len(samples) // 2] if samples else ""
    result["batches"] = batch_anatomy(url, n)
    result["env"] = extra_env or {}
    if storm:
        result["storm"] = storm_summary(url, n, storm_result, stats)
    return result


def top_sample() -> str:
    """One `top -b -n1` of the busiest processes, mid-run (kept for the notes)."""
    try:
        out = subprocess.run(
            ["top", "-b", "-n1", "-o", "%CPU", "-w", "200"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = out.splitlines()
    return "\n".join(lines[: 7 + 12])


def summarise(url: str, n: int, processes: int, stats: dict, released: float, cpu: dict, concurrency: int) -> dict:
    messages = [m for m in stats["messages"] if m["from"] in NUMBERS]
    arrivals = sorted(m["at"] for m in messages)
    by_status = dict(sql(f"SELECT status, count(*) FROM scheduling_followup WHERE id <= {n} GROUP BY 1", url=url))
    reasons = dict(
        sql(
            f"""SELECT reason, count(*) FROM scheduling_followup WHERE id <= {n} AND status <> 'sent'
                           GROUP BY 1""",
            url=url,
        )
    )
    retried_rows, attempts = sql(
        f"""SELECT count(*) FILTER (WHERE attempts > 0), coalesce(sum(attempts), 0)
                                     FROM scheduling_followup WHERE id <= {n}""",
        url=url,
    )[0]
    first_fin, last_fin = sql(
        f"""SELECT extract(epoch FROM min(finished_at)), extract(epoch FROM max(finished_at))
                                  FROM scheduling_followup WHERE id <= {n} AND status = 'sent'""",
        url=url,
    )[0]
    to_counts: dict[str, int] = {}
    for m in messages:
        to_counts[m["to"]] = to_counts.get(m["to"], 0) + 1
    sent = by_status.get("sent", 0)
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    lo, hi = int(len(arrivals) * 0.1), int(len(arrivals) * 0.9) - 1
    steady = (hi - lo) / (arrivals[hi] - arrivals[lo]) if hi > lo and arrivals[hi] > arrivals[lo] else 0.0
    numbers = {k: v for k, v in stats["numbers"].items() if k in NUMBERS}
    capacity = stats["config"]["concurrency"] / stats["config"]["latency"]
    rate = (len(arrivals) - 1) / span if span else 0.0
    return {
        "processes": processes,
        "concurrency": concurrency,
        "rows": n,
        "sent": sent,
        "statuses": by_status,
        "not_sent_reasons": reasons,
        "lost": n - sent,  # rows not sent at the end: failed, still pending or sending
        "accepted": len(messages),
        "requests": stats["requests"],
        "answered_429": stats["answered_429"],
        "answers": stats["answers"],
        "duplicates": stats["duplicates"],
        "duplicate_to": sum(c - 1 for c in to_counts.values() if c > 1),
        "max_in_flight": stats["max_in_flight"],
        "connections": stats.get("connections"),
        "retried_rows": retried_rows,
        "attempts": attempts,
        "first_arrival_after": arrivals[0] - released if arrivals else None,
        "span": span,
        "rate": rate,
        "steady_rate": steady,
        "until_last_arrival": arrivals[-1] - released if arrivals else None,
        "db_span": float(last_fin) - float(first_fin) if last_fin else None,
        "capacity": capacity,
        "ratio": rate / capacity if capacity else 0.0,
        "max_number_segments_per_second": max((v["max_segments_per_second"] for v in numbers.values()), default=0),
        "max_backlog_seconds": max((v["max_backlog_seconds"] for v in numbers.values()), default=0.0),
        "segments": sum(v["segments"] for v in numbers.values()),
        "numbers": numbers,
        "cpu": cpu,
    }


def batch_anatomy(url: str, n: int) -> dict:
    """Medians over the claimed batches (one claim token each; sent rows only): claimed ->
    first hand-over (load, decide, text, pace, hand over), first -> last hand-over (the
    pool working through the batch, pacing waits), last hand-over -> recorded (the last
    provider call and the bulk record), and rows / (claimed -> recorded). A dispatcher claims
    its next batch only once the whole batch is recorded."""
    rows = sql(
        f"""SELECT count(*), extract(epoch FROM min(claimed_at)), extract(epoch FROM min(handed_at)),
                          extract(epoch FROM max(handed_at)), extract(epoch FROM max(finished_at))
                   FROM scheduling_followup WHERE id <= {n} AND status = 'sent' AND claim_token <> ''
                   GROUP BY claim_token""",
        url=url,
    )
    if not rows:
        return {}

    def median(values):
        values = sorted(values)
        return values[len(values) // 2] if values else None

    batches = [(int(c), float(a), float(b), float(d), float(e)) for c, a, b, d, e in rows if a and b and d and e]
    # Rows retried after a 429 come back later, a few at a time, in small batches of their
    # own: the medians are over the full batches (at least half the largest).
    largest = max(c for c, *_ in batches)
    full = [x for x in batches if x[0] * 2 >= largest]
    return {
        "batches": len(full),
        "small_batches": len(batches) - len(full),
        "rows": median([c for c, *_ in full]),
        "to_first_hand_over_ms": median([(b - a) * 1e3 for _, a, b, _, _ in full]),
        "hand_over_spread_ms": median([(d - b) * 1e3 for _, _, b, d, _ in full]),
        "last_hand_over_to_recorded_ms": median([(e - d) * 1e3 for _, _, _, d, e in full]),
        "batch_ms": median([(e - a) * 1e3 for _, a, _, _, e in full]),
        "rows_per_second_per_batch": median([c / (e - a) for c, a, _, _, e in full if e > a]),
    }


# --- the reply storm ------------------------------------------------------------------


def storm_contacts(n: int, k: int) -> list[int]:
    """K of the N contacts, spread evenly over the sending order, in random order (a fixed
    seed): replies meet rows already sent, in flight, and still waiting."""
    step = n / k
    ids = [1 + int(i * step) for i in range(k)]
    random.Random(9).shuffle(ids)
    return ids


def reply_storm(url: str, storm: dict, n: int, out: dict) -> None:
    """POST each reply as Twilio would (signed), from a few threads; note when each was
    answered 200."""
    import requests
    from twilio.request_validator import RequestValidator

    contacts = storm_contacts(n, storm["replies"])
    rows = dict(sql("SELECT id, bot_id FROM conversations_contact WHERE id = ANY(%s)", (contacts,), url=url))
    validator = RequestValidator(storm["token"])
    answered: dict[int, float] = {}
    failures: list[str] = []
    lock = threading.Lock()
    queue = list(enumerate(contacts))
    out["started"] = time.time()

    def client() -> None:
        session = requests.Session()
        while True:
            with lock:
                if not queue:
                    return
                i, contact = queue.pop(0)
            path = f"/webhooks/twilio/{rows[contact]}/inbound/"
            params = {
                "MessageSid": f"SMstorm{uuid.UUID(int=i).hex[8:]}",
                "AccountSid": "AC" + "0" * 32,
                "From": f"+1555{contact:07d}",
                "To": NUMBERS[0],
                "Body": REPLIES[i % len(REPLIES)],
                "NumMedia": "0",
            }
            signature = validator.compute_signature(f"http://127.0.0.1:{storm['port']}{path}", params)
            try:
                r = session.post(
                    f"http://127.0.0.1:{storm['port']}{path}",
                    data=urlencode(params),
                    timeout=60,
                    headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
                )
                ok, failure = r.status_code == 200, str(r.status_code)
            except Exception as exc:  # noqa: BLE001 - counted, reported
                ok, failure = False, str(exc)
            with lock:
                if ok:
                    answered[contact] = time.time()
                else:
                    failures.append(failure[:100])

    threads = [threading.Thread(target=client) for _ in range(storm["threads"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.update({"answered": answered, "failures": failures, "ended": time.time(), "contacts": contacts})


def storm_summary(url: str, n: int, storm: dict, stats: dict) -> dict:
    answered = storm["answered"]
    rows = sql(
        """SELECT f.id, f.status, extract(epoch FROM f.handed_at), c.phone FROM scheduling_followup f
                   JOIN conversations_conversation v ON v.id = f.conversation_id
                   JOIN conversations_contact c ON c.id = v.contact_id
                   WHERE f.id = ANY(%s)""",
        (list(answered),),
        url=url,
    )
    arrivals: dict[str, list[float]] = {}
    for m in stats["messages"]:
        arrivals.setdefault(m["to"], []).append(m["at"])
    handed_after = sent_before = arrived_after = 0
    statuses: dict[str, int] = {}
    worst = 0.0
    for fid, status, handed, phone in rows:
        statuses[status] = statuses.get(status, 0) + 1
        replied = answered[fid]  # contact id = follow-up id = n
        if handed is not None:
            if float(handed) >= replied:
                handed_after += 1
                worst = max(worst, float(handed) - replied)
            else:
                sent_before += 1
        arrived_after += sum(1 for at in arrivals.get(phone, []) if at >= replied)
    first_send = min((m["at"] for m in stats["messages"]), default=None)
    last_send = max((m["at"] for m in stats["messages"]), default=None)
    return {
        "replies": len(storm["contacts"]),
        "answered": len(answered),
        "failed": len(storm["failures"]),
        "failures": storm["failures"][:5],
        "seconds": storm["ended"] - storm["started"],
        "reply_rate": len(answered) / max(storm["ended"] - storm["started"], 1e-9),
        "overlap": (first_send is not None and storm["started"] < last_send and first_send < storm["ended"]),
        "answered_while_sending": sum(1 for t in answered.values() if last_send is not None and t <= last_send),
        "handed_after_reply": handed_after,
        "worst_handed_after_s": worst,
        "arrived_after_reply": arrived_after,
        "sent_before_reply": sent_before,
        "cancelled": statuses.get("cancelled", 0),
        "statuses": statuses,
    }


# --- the phase ------------------------------------------------------------------------


def run(
    url: str,
    bots: list[int],
    workdir: Path,
    *,
    rows: int,
    storm_replies: int,
    concurrency: int = 64,
    latency: float = 0.15,
    server_concurrency: int = 100,
    gunicorn_workers: int = 4,
    storm_threads: int = 4,
    timeout: float = 300,
    log=print,
) -> dict:
    from benchmarks.load import free_port, start_gunicorn, stop_gunicorn
    from tests.support.twilio_harness import running_twilio_server

    chosen = prepare(url, bots)
    out: dict[str, Any] = {
        "rows": rows,
        "bots": len(chosen),
        "numbers": NUMBERS,
        "latency": latency,
        "server_concurrency": server_concurrency,
        "capacity": server_concurrency / latency,
        "concurrency": concurrency,
        "number_rate": SHORT_CODE_RATE,
        "runs": [],
    }
    with running_twilio_server(process=True, latency=latency, concurrency=server_concurrency) as twilio:
        for pool, env in pools(concurrency):
            for processes in (1, 2):
                r = dispatch_run(url, chosen, rows, processes, twilio, workdir, concurrency, timeout, extra_env=env)
                r["pool"] = pool
                out["runs"].append(r)
                log(
                    f"  {processes} qcluster process(es), DB pool {pool}: {r['rate']:,.0f} sends/s (steady "
                    f"{r['steady_rate']:,.0f}/s), {r['answered_429']} × 429, lost {r['lost']}, "
                    f"duplicates {r['duplicates']}, busiest number {r['max_number_segments_per_second']}/s"
                )
        port = free_port()
        server = start_gunicorn(port, gunicorn_workers, workdir / "gunicorn-storm.log", url, token=twilio.auth_token)
        try:
            storm = {
                "replies": storm_replies,
                "port": port,
                "threads": storm_threads,
                "pid": server.pid,
                "token": twilio.auth_token,
                "gunicorn_workers": gunicorn_workers,
            }
            r = dispatch_run(url, chosen, rows, 2, twilio, workdir, concurrency, timeout, storm=storm)
            r["pool"] = pools(concurrency)[0][0]
        finally:
            stop_gunicorn(server)
        r["storm"].update({"threads": storm_threads, "gunicorn_workers": gunicorn_workers})
        r["lost"] = storm_run_lost(r)  # a row its contact's reply cancelled was rightly not sent
        out["storm_run"] = r
        s = r["storm"]
        log(
            f"  reply storm: {s['answered']} replies answered in {s['seconds']:.1f} s, hand-overs after the answer "
            f"{s['handed_after_reply']}, provider arrivals after it {s['arrived_after_reply']}, "
            f"sent before {s['sent_before_reply']}, cancelled {s['cancelled']}"
        )
    out["check"] = check(out)
    return out


def pools(concurrency: int) -> list[tuple[str, dict]]:
    """The product's connection pool per process (DB_POOL_MAX_SIZE, default 8), and one with
    a connection for every sending thread (a sending thread may keep its connection while it
    waits: see docs/performance.md)."""
    from django.conf import settings

    default = settings.DATABASES["default"].get("OPTIONS", {}).get("pool", {}).get("max_size", "off")
    return [(f"{default} (default)", {}), (str(concurrency + 8), {"DB_POOL_MAX_SIZE": str(concurrency + 8)})]


def check(out: dict) -> str:
    problems = []
    for r in out["runs"] + [out["storm_run"]]:
        label = f"{r['processes']} process(es){' + storm' if 'storm' in r else ''}"
        if r["lost"] and "storm" not in r:
            problems.append(f"{label}: {r['lost']} not sent {r['statuses']} {r['not_sent_reasons']}")
        if r["duplicates"] or r["duplicate_to"]:
            problems.append(f"{label}: {r['duplicates']} duplicates")
    s = out["storm_run"]["storm"]
    if s["handed_after_reply"]:
        problems.append(f"{s['handed_after_reply']} hand-overs after an answered reply")
    if s["failed"]:
        problems.append(f"{s['failed']} replies not answered 200: {s['failures']}")
    storm_lost = storm_run_lost(out["storm_run"])
    if storm_lost:
        problems.append(f"storm run: {storm_lost} rows neither sent nor cancelled by their reply")
    return "ok" if not problems else "FAILED: " + "; ".join(problems)


def storm_run_lost(r: dict) -> int:
    """In the storm run a row is rightly not sent when its contact's reply cancelled it."""
    return r["rows"] - r["sent"] - r["statuses"].get("cancelled", 0)
