"""Sending under provider conditions: the real cluster (`manage.py qcluster` processes, one
Django-Q2 worker each, every worker running its own dispatcher) sends through the real
Twilio SDK (FOLLOWUP_SENDER=live, TWILIO_API_BASE) to the test Twilio server
(tests/support/twilio_server.py, its own process on 127.0.0.1) answering after 150 ms,
at most 100 requests at once (429 / 20429 beyond that).

Eight bots, each sending from its own short code (100 segments/s each, so pacing is not the
limit), and N due SMS follow-ups spread over them. Runs, each from the same fresh rows:

1. one, then two qcluster processes, with the product's database pool, then with a larger one;
2. two qcluster processes during a reply storm: K of the contacts send W signed Twilio
   inbound webhooks (2 or 3 each by default, each contact's in order) through gunicorn on
   127.0.0.1, from 16 client threads: afterwards every webhook must have been answered 200
   and recorded exactly once, and no follow-up of a contact handed to the provider after
   that contact's first reply was answered (HTTP 200), nor arrived at the provider after it.

The rows are seeded due tomorrow and the clusters started; once every dispatcher has said
it started, one UPDATE makes all of them due now (the release): start-up is not timed.
"""

import http.client
import os
import random
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from benchmarks.common import (
    PYTHON,
    ROOT,
    CpuReader,
    CpuWindow,
    group_cpu,
    percentile,
    postgres_cpu_seconds,
    scalar,
    sql,
    tree_cpu,
)
from benchmarks.webhook import (
    SignedRequest,
    free_port,
    inbound_form,
    post,
    sign,
    start_gunicorn,
    stop_gunicorn,
    warm_up,
)

NUMBERS = [f"5550{i}" for i in range(1, 9)]  # short codes: 100 segments/s each
SHORT_CODE_RATE = 100

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

INSERT INTO conversations_contact (id, account_id, bot_id, first_name, last_name, phone, email, timezone, created_at)
SELECT n, (SELECT account_id FROM bots_bot b WHERE b.id = seed.bot_id), bot_id, (ARRAY['Ana','Ben','Chloe','Dev','Elif','Femi','Gus','Hana'])[1 + n %% 8], 'Doe',
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


# --- the reply storm ------------------------------------------------------------------

# A contact's replies, in turn from the one its id picks: every reply cancels what is
# pending; STOP opts out; "in a meeting" plans a busy follow-up 2 hours later (never due in
# the run); the last is a plain reply (intent other).
REPLIES = ["STOP", "in a meeting", "ok thanks, what time do you open?"]


class Reply(NamedTuple):
    contact: int
    nth: int  # 0: the contact's first reply
    request: SignedRequest


class Answer(NamedTuple):
    contact: int
    nth: int
    status: int | str  # the HTTP status, or the error
    at: float  # epoch when the answer came back
    latency: float  # seconds from sending to the whole answer


def storm_contacts(n: int, k: int) -> list[int]:
    """K of the N contacts, spread evenly over the sending order, in random order (a fixed
    seed): replies meet rows already sent, in flight, and still waiting."""
    step = n / k
    ids = [1 + int(i * step) for i in range(k)]
    random.Random(9).shuffle(ids)
    return ids


# A contact's first reply falls within this share of the storm (at random), its later ones
# after it: the first replies overlap the sending, meeting rows sent, in flight and waiting.
FIRST_REPLIES_WITHIN = 0.5


def storm_order(contacts: list[int], webhooks: int) -> list[tuple[int, int]]:
    """(contact, nth reply) of every webhook in sending order: webhooks // contacts replies
    each, one more for the first webhooks % contacts; each contact's first at a random point
    of the first half of the storm, its later ones at random points after it (fixed seed)."""
    base, extra = divmod(webhooks, len(contacts))
    rng = random.Random(10)
    timed = []
    for i, contact in enumerate(contacts):
        first = rng.uniform(0, FIRST_REPLIES_WITHIN)
        later = sorted(rng.uniform(first, 1) for _ in range(base + (i < extra) - 1))
        timed += [(at, contact, nth) for nth, at in enumerate([first, *later])]
    return [(contact, nth) for _, contact, nth in sorted(timed)]


@dataclass
class ReplyStorm:
    """`webhooks` signed Twilio inbound webhooks from `contacts` of the seeded contacts, sent
    as fast as gunicorn answers from `threads` client threads (keep-alive connections: the
    sync workers close them, so they reconnect). A contact's replies all go through one
    thread, in order, so its first reply is answered before its second is sent. Each thread
    keeps storm_order's order among its own requests."""

    contacts: int
    webhooks: int
    port: int
    token: str
    gunicorn_pid: int
    gunicorn_workers: int
    threads: int = 16
    queues: list[list[Reply]] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)  # appended by the client threads
    started: float = 0.0
    ended: float = 0.0

    def prepare(self, url: str, n: int) -> None:
        """Sign every request before the release (the clients then only send)."""
        contacts = storm_contacts(n, self.contacts)
        bot_of = dict(sql("SELECT id, bot_id FROM conversations_contact WHERE id = ANY(%s)", (contacts,), url=url))
        thread_of = {c: i % self.threads for i, c in enumerate(contacts)}
        self.queues = [[] for _ in range(self.threads)]
        for i, (contact, nth) in enumerate(storm_order(contacts, self.webhooks)):
            form = inbound_form(
                f"SMstorm{uuid.UUID(int=i).hex[8:]}",
                phone(contact),
                REPLIES[(contact + nth) % len(REPLIES)],
                NUMBERS[0],
            )
            request = sign(self.port, f"/webhooks/twilio/{bot_of[contact]}/inbound/", form, self.token)
            self.queues[thread_of[contact]].append(Reply(contact, nth, request))

    def run(self) -> None:
        self.answers = []
        self.started = time.time()
        clients = [threading.Thread(target=self._client, args=(queue,)) for queue in self.queues]
        for t in clients:
            t.start()
        for t in clients:
            t.join()
        self.ended = time.time()

    def _client(self, queue: list[Reply]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            for reply in queue:
                sent = time.perf_counter()
                status: int | str
                try:
                    status = post(conn, reply.request)
                except (OSError, http.client.HTTPException) as exc:
                    status = f"{type(exc).__name__}: {exc}"[:100]
                    conn.close()
                self.answers.append(Answer(reply.contact, reply.nth, status, time.time(), time.perf_counter() - sent))
        finally:
            conn.close()

    def first_answered(self) -> dict[int, float]:
        """contact -> when its first reply answered 200 came back."""
        first: dict[int, float] = {}
        for a in sorted((a for a in self.answers if a.status == 200), key=lambda a: a.nth):
            first.setdefault(a.contact, a.at)
        return first

    def summary(self, url: str, n: int, stats: dict) -> dict:
        ok = [a for a in self.answers if a.status == 200]
        failures = [str(a.status) for a in self.answers if a.status != 200]
        first = self.first_answered()
        seconds = max(self.ended - self.started, 1e-9)
        latencies = [a.latency for a in ok]
        last_send = max((m["at"] for m in stats["messages"]), default=None)
        return {
            "contacts": self.contacts,
            "webhooks": self.webhooks,
            "threads": self.threads,
            "gunicorn_workers": self.gunicorn_workers,
            "texts": REPLIES,
            "answered": len(ok),
            "failed": len(failures),
            "failures": failures[:5],
            "seconds": seconds,
            "rate": len(ok) / seconds,
            "p50_ms": (percentile(latencies, 0.5) or 0) * 1e3,
            "p99_ms": (percentile(latencies, 0.99) or 0) * 1e3,
            "max_ms": max(latencies, default=0) * 1e3,
            "first_answered_while_sending": sum(1 for t in first.values() if last_send is not None and t <= last_send),
            **recorded_once(url, self.webhooks),
            **after_first_reply(url, n, first, stats),
        }


def phone(contact: int) -> str:
    """The seeded contact's number (see _SEED)."""
    return f"+1555{contact:07d}"


def recorded_once(url: str, webhooks: int) -> dict:
    """Messages stored per storm MessageSid: every one exactly once."""
    counts = [
        c
        for (c,) in sql(
            "SELECT count(*) FROM conversations_message WHERE provider_id LIKE 'SMstorm%%' GROUP BY provider_id",
            url=url,
        )
    ]
    return {
        "recorded_once": sum(1 for c in counts if c == 1),
        "missing": webhooks - len(counts),
        "duplicated": sum(1 for c in counts if c > 1),
    }


def after_first_reply(url: str, n: int, first: dict[int, float], stats: dict) -> dict:
    """Against each contact's first answered reply: its conversation's follow-ups handed to
    the provider after it (any row: the seeded one or one a reply planned), the provider's
    arrivals for its number after it, and its seeded row sent before it or cancelled.

    An arrival after the answer is "in flight" when a hand-over committed before the answer
    accounts for it (its HTTP request reached the test server after the answer came back:
    nothing can recall a send already handed over); any other is unexplained."""
    rows = sql(
        """SELECT f.id, v.contact_id, f.status, extract(epoch FROM f.handed_at) FROM scheduling_followup f
           JOIN conversations_conversation v ON v.id = f.conversation_id WHERE v.contact_id = ANY(%s)""",
        (list(first),),
        url=url,
    )
    arrivals: dict[str, list[float]] = {}
    for m in stats["messages"]:
        arrivals.setdefault(m["to"], []).append(m["at"])
    handed_after = sent_before = 0
    worst = 0.0
    statuses: dict[str, int] = {}
    handed_before: dict[int, int] = {}
    for fid, contact, status, handed in rows:
        replied = first[contact]
        if handed is not None and float(handed) >= replied:
            handed_after += 1
            worst = max(worst, float(handed) - replied)
        elif handed is not None:
            handed_before[contact] = handed_before.get(contact, 0) + 1
        if fid <= n:  # the seeded follow-up
            statuses[status] = statuses.get(status, 0) + 1
            sent_before += handed is not None and float(handed) < replied
    arrived_after = in_flight = 0
    latest = 0.0
    for contact, replied in first.items():
        times = arrivals.get(phone(contact), [])
        after = [at - replied for at in times if at >= replied]
        arrived_after += len(after)
        in_flight += max(0, min(len(after), handed_before.get(contact, 0) - (len(times) - len(after))))
        latest = max([latest, *after])
    return {
        "handed_after_reply": handed_after,
        "worst_handed_after_s": worst,
        "arrived_after_reply": arrived_after,
        "arrived_in_flight": in_flight,  # of arrived_after_reply: handed over before the answer
        "latest_arrival_after_ms": latest * 1e3,
        "sent_before_reply": sent_before,
        "cancelled": statuses.get("cancelled", 0),
        "statuses": statuses,
    }


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
    storm: ReplyStorm | None = None,
    batch: int | None = None,
    extra_env: dict | None = None,
) -> dict:
    """Seed, start `processes` clusters, release, wait until every row is finished (or
    `timeout`), stop. `storm`: replies sent through the webhook from the release on."""
    seed(url, bots, n)
    twilio.reset()
    if storm:
        storm.prepare(url, n)
    clusters = [start_cluster(i + 1, url, twilio, workdir, concurrency, batch, extra_env) for i in range(processes)]
    try:
        wait_started(clusters)
        parts: dict[str, CpuReader] = {
            f"qcluster {i + 1} (all its processes)": partial(group_cpu, proc.pid)
            for i, (proc, _) in enumerate(clusters)
        }
        parts["test Twilio server"] = lambda: tree_cpu(twilio._process.pid)
        parts["PostgreSQL (whole server)"] = postgres_cpu_seconds
        if storm:
            parts["gunicorn (webhook, all workers)"] = partial(tree_cpu, storm.gunicorn_pid)
            parts["storm clients (this process)"] = time.process_time
        window = CpuWindow(parts)
        window.start()
        released = release(url, n)
        storm_thread = None
        if storm:
            storm_thread = threading.Thread(target=storm.run)
            storm_thread.start()
        deadline = time.monotonic() + timeout
        samples = []
        while unfinished(url, n) and time.monotonic() < deadline:
            samples.append(top_sample())
            time.sleep(1.0)
        if storm_thread:
            storm_thread.join()  # each request has its own timeout
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
        result["storm"] = storm.summary(url, n, stats)
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


# --- the phase ------------------------------------------------------------------------


def run(
    url: str,
    bots: list[int],
    workdir: Path,
    *,
    rows: int,
    storm_contacts: int,
    storm_webhooks: int,
    concurrency: int = 64,
    latency: float = 0.15,
    server_concurrency: int = 100,
    gunicorn_workers: int = 4,
    storm_threads: int = 16,
    timeout: float = 300,
    log=print,
) -> dict:
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
            warm_up(port, warm_up_requests(port, chosen[0], twilio.auth_token))
            storm = ReplyStorm(
                storm_contacts, storm_webhooks, port, twilio.auth_token, server.pid, gunicorn_workers, storm_threads
            )
            r = dispatch_run(url, chosen, rows, 2, twilio, workdir, concurrency, timeout, storm=storm)
            r["pool"] = pools(concurrency)[0][0]
        finally:
            stop_gunicorn(server)
        r["lost"] = storm_run_lost(r)  # a row its contact's reply cancelled was rightly not sent
        out["storm_run"] = r
        s = r["storm"]
        log(
            f"  reply storm: {s['answered']:,} of {s['webhooks']:,} webhooks answered 200 in {s['seconds']:.1f} s "
            f"({s['rate']:,.0f}/s, p50 {s['p50_ms']:,.0f} ms, p99 {s['p99_ms']:,.0f} ms, max {s['max_ms']:,.0f} ms), "
            f"recorded once {s['recorded_once']:,} (missing {s['missing']}, duplicated {s['duplicated']}); after a "
            f"contact's first reply: hand-overs {s['handed_after_reply']}, provider arrivals "
            f"{s['arrived_after_reply']} ({s['arrived_in_flight']} handed over before it, the latest "
            f"{s['latest_arrival_after_ms']:,.0f} ms after); sent before {s['sent_before_reply']:,}, cancelled "
            f"{s['cancelled']:,}"
        )
    out["check"] = check(out)
    return out


def warm_up_requests(port: int, bot: int, token: str, count: int = 40) -> list[SignedRequest]:
    """Messages from new numbers, so every gunicorn worker has loaded its code and connected
    before the storm (the next run's seed truncates what they create)."""
    path = f"/webhooks/twilio/{bot}/inbound/"
    return [sign(port, path, inbound_form(f"SMwarm{i:08d}", f"+1999{i:07d}", "hello"), token) for i in range(count)]


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
    if s["failed"]:
        problems.append(f"{s['failed']} storm webhooks not answered 200: {s['failures']}")
    if s["missing"] or s["duplicated"]:
        problems.append(f"storm MessageSids: {s['missing']} not recorded, {s['duplicated']} recorded more than once")
    if s["handed_after_reply"]:
        problems.append(f"{s['handed_after_reply']} hand-overs after a contact's first reply was answered")
    unexplained = s["arrived_after_reply"] - s["arrived_in_flight"]
    if unexplained:
        problems.append(
            f"{unexplained} provider arrivals after a contact's first reply was answered, not handed over before it"
        )
    storm_lost = storm_run_lost(out["storm_run"])
    if storm_lost:
        problems.append(f"storm run: {storm_lost} rows neither sent nor cancelled by their reply")
    return "ok" if not problems else "FAILED: " + "; ".join(problems)


def storm_run_lost(r: dict) -> int:
    """In the storm run a row is rightly not sent when its contact's reply cancelled it."""
    return r["rows"] - r["sent"] - r["statuses"].get("cancelled", 0)
