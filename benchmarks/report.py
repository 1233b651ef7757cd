"""The printed table: figures, the claim's plan, and the targets met or not."""

import os
import platform
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

TARGETS = {
    "dispatch_rate": 2000,  # follow-ups/s, 2 workers, every size
    "share_of_limit": 0.5,
    "times_naive": 20,
    "cost_growth": 1.5,  # µs per follow-up at the largest size / at the smallest
    "classifier_rate": 5000,  # messages/s
    # Issue 9 (sending under provider conditions):
    "noop_rate": 1800,  # no-op dispatch with 2 workers: no slower than before the provider work
    "provider_share": 0.6,  # sends/s with 2 qcluster processes / the test server's capacity
    # Inbound at campaign scale:
    "webhook_rate": 400,  # signed inbound webhooks/s on PostgreSQL
    "webhook_p99_ms": 250,
    "webhook_share_of_bare": 0.5,  # ours / the bare view on the same gunicorn, same run
    "record_inbound_queries": 6,  # statements per plain reply (SAVEPOINT / RELEASE not counted)
}


def machine(pg_version: str) -> dict:
    def first(path, key):
        try:
            return next(line.split(":", 1)[1].strip() for line in open(path) if line.startswith(key))
        except (OSError, StopIteration):
            return "?"

    return {
        "cpus": os.cpu_count(),
        "memory": first("/proc/meminfo", "MemTotal"),
        "cpu": first("/proc/cpuinfo", "model name"),
        "postgresql": pg_version,
        "python": platform.python_version(),
        "load_start": os.getloadavg(),
    }


def _n(x, digits=0):
    return "–" if x is None else f"{x:,.{digits}f}"


def _met(ok):
    return "**met**" if ok else "**not met**"


def ours_vs_naive(r: Mapping[str, Any]) -> float:
    """Our rate with as many workers as the naive cluster had: the median over the sizes
    (the per-row cost does not depend on the size, so this only damps the noise)."""
    naive = r["naive"]
    rates = sorted(d["rate"] for d in r.get("dispatch", []) if d["workers"] == naive["workers"])
    return rates[len(rates) // 2] if rates else 0.0


def targets(r: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    rows = []
    dispatch = r.get("dispatch", [])
    if dispatch:
        widest = max(d["workers"] for d in dispatch)
        best = [d for d in dispatch if d["workers"] == widest]
        low = min(best, key=lambda d: d["rate"])
        rows.append(
            (
                f"dispatch ≥ {TARGETS['dispatch_rate']:,}/s ({widest} workers, every size)",
                f"lowest {low['rate']:,.0f}/s at {low['size']:,} pending",
                low["rate"] >= TARGETS["dispatch_rate"],
            )
        )
        shares = [d["rate"] / d["limit"]["rate"] for d in dispatch if d.get("limit")]
        if shares:
            rows.append(
                (
                    "dispatch ≥ ½ the bare-SQL limit (every row)",
                    f"lowest {min(shares):.3f}× the limit",
                    min(shares) >= TARGETS["share_of_limit"],
                )
            )
        naive = r.get("naive")
        if naive:
            ours = ours_vs_naive(r)
            ratio = ours / naive["rate"]
            rows.append(
                (
                    f"dispatch ≥ {TARGETS['times_naive']}× the naive design",
                    f"{ratio:,.0f}× ({ours:,.0f}/s vs {naive['rate']:,.1f}/s)",
                    ratio >= TARGETS["times_naive"],
                )
            )
        single = sorted((d for d in dispatch if d["workers"] == 1), key=lambda d: d["size"])
        if len(single) >= 2:
            growth = single[-1]["us_per_fu"] / single[0]["us_per_fu"]
            rows.append(
                (
                    f"cost per follow-up at {single[-1]['size']:,} ≤ {TARGETS['cost_growth']}× that at "
                    f"{single[0]['size']:,}",
                    f"{growth:.2f}× ({single[0]['us_per_fu']:,.0f} → {single[-1]['us_per_fu']:,.0f} µs)",
                    growth <= TARGETS["cost_growth"],
                )
            )
        if widest >= 2:
            rows.append(
                (
                    f"no-op dispatch ≥ {TARGETS['noop_rate']:,}/s with 2 workers, every size (issue 9: no "
                    "slower than before)",
                    f"lowest {low['rate']:,.0f}/s at {low['size']:,} pending",
                    low["rate"] >= TARGETS["noop_rate"],
                )
            )
    rows += provider_targets(r.get("provider"))
    if r.get("classifier"):
        rate = r["classifier"]["rate"]
        rows.append(
            (
                f"rule classifier ≥ {TARGETS['classifier_rate']:,} messages/s",
                f"{rate:,.0f}/s",
                rate >= TARGETS["classifier_rate"],
            )
        )
    rows += events_targets(r.get("events"))
    rows += load_targets(r.get("load"))
    return rows


def events_targets(ev: Mapping[str, Any] | None) -> list[tuple[str, str, bool]]:
    if not ev or "plain" not in ev:
        return []
    plain, limit = ev["plain"], TARGETS["record_inbound_queries"]
    mix = ", ".join(f"{intent} {x['queries_max']}" for intent, x in ev["by_intent"].items())
    return [
        (
            f"record_inbound ≤ {limit} queries (a plain reply; SAVEPOINT / RELEASE not counted)",
            f"plain reply {plain['queries_mean']:.1f} (max {plain['queries_max']}); labelled mix, max per intent: {mix}",
            plain["queries_max"] <= limit,
        )
    ]


def load_targets(ld: Mapping[str, Any] | None) -> list[tuple[str, str, bool]]:
    if not ld:
        return []
    ours, bare = ld["best"]["ours"], ld["best"]["bare"]
    setup = f"{ld['server_workers']} gunicorn workers, {ld['connections']} connections"
    errors = sum(x["errors"] for x in ld["rounds"])
    return [
        (
            f"signed webhooks ≥ {TARGETS['webhook_rate']}/s on PostgreSQL ({setup})",
            f"{ours['rate']:,.0f}/s (best of {len(ld['rounds']) // 2} rounds)",
            ours["rate"] >= TARGETS["webhook_rate"],
        ),
        (
            f"webhook p99 < {TARGETS['webhook_p99_ms']} ms",
            f"{ours['p99_ms']:,.0f} ms (in that round)",
            ours["p99_ms"] < TARGETS["webhook_p99_ms"],
        ),
        (
            "webhook ≥ ½ the bare view's rate (same gunicorn, same run)",
            f"{ld['ratio']:.2f}× ({ours['rate']:,.0f}/s vs {bare['rate']:,.0f}/s)",
            ld["ratio"] >= TARGETS["webhook_share_of_bare"],
        ),
        (
            "webhook under load: no error, no non-2xx (every round, both routes)",
            f"{errors} errors",
            errors == 0,
        ),
    ]


def provider_targets(pr: dict | None) -> list:
    if not pr:
        return []
    rows = []
    default = [x for x in pr["runs"] if x["pool"] == pr["runs"][0]["pool"]]
    two = next((x for x in default if x["processes"] == 2), None)
    need = TARGETS["provider_share"] * pr["capacity"]
    if two:
        rows.append(
            (
                f"sends/s with 2 qcluster processes ≥ {TARGETS['provider_share']:.0%} of the test server's "
                f"capacity ({need:,.0f}/s)",
                f"{two['rate']:,.0f}/s ({two['ratio']:.0%}; steady {two['steady_rate']:,.0f}/s; DB pool {two['pool']})",
                two["rate"] >= need,
            )
        )
        other = [x for x in pr["runs"] if x["processes"] == 2 and x is not two]
        for x in other:
            rows.append(
                (
                    f"  the same with DB_POOL_MAX_SIZE={x['pool']} (not a target: what the pool costs)",
                    f"{x['rate']:,.0f}/s ({x['ratio']:.0%}; steady {x['steady_rate']:,.0f}/s)",
                    x["rate"] >= need,
                )
            )
    s = pr["storm_run"]["storm"]
    rows.append(
        (
            "reply storm: every webhook answered 200 and recorded exactly once",
            f"{s['answered']:,} of {s['webhooks']:,} answered 200; {s['recorded_once']:,} recorded once, "
            f"{s['missing']} missing, {s['duplicated']} duplicated",
            s["answered"] == s["webhooks"] == s["recorded_once"],
        )
    )
    unexplained = s["arrived_after_reply"] - s["arrived_in_flight"]
    rows.append(
        (
            "reply storm: 0 follow-ups handed to the provider after their contact's first reply was answered, 0 "
            "arriving there after it unless handed over before it",
            f"{s['handed_after_reply']} handed after; {s['arrived_after_reply']} arrived after, "
            f"{s['arrived_in_flight']} of them handed over before ({s['contacts']:,} contacts; "
            f"{s['sent_before_reply']:,} sent before their first reply, {s['cancelled']:,} cancelled)",
            s["handed_after_reply"] == 0 and unexplained == 0,
        )
    )
    every = pr["runs"] + [pr["storm_run"]]
    lost = sum(x["lost"] for x in every)
    rows.append(("0 lost (every due row sent, or cancelled by its reply)", f"{lost} in {len(every)} runs", lost == 0))
    dups = sum(x["duplicates"] + x["duplicate_to"] for x in every)
    rows.append(("0 duplicates (the test server's count)", f"{dups} in {len(every)} runs", dups == 0))
    busiest = max(x["max_number_segments_per_second"] for x in every)
    rows.append(
        (
            f"no number above its rate ({pr['number_rate']} segments/s, a short code)",
            f"busiest second of any number: {busiest} segments",
            busiest <= pr["number_rate"],
        )
    )
    return rows


def _cpu_ms(run: dict, prefix: str, sent: int) -> str:
    return f"{sum(v['seconds'] for k, v in run['cpu']['parts'].items() if k.startswith(prefix)) * 1e3 / sent:.2f}"


def render_provider(pr: dict) -> list[str]:
    out = [
        "## Sending through the real cluster and Twilio SDK, against the test Twilio server",
        "",
        f"{pr['rows']:,} due SMS follow-ups over {pr['bots']} bots, each with its own short code "
        f"({', '.join(pr['numbers'])}; {pr['number_rate']} segments/s each); `manage.py qcluster` processes with "
        f"Q_WORKERS=1 (each worker runs a dispatcher), FOLLOWUP_SENDER=live, DISPATCH_SEND_CONCURRENCY="
        f"{pr['concurrency']} per process; the test Twilio server in its own process answers after "
        f"{pr['latency'] * 1000:.0f} ms, at most {pr['server_concurrency']} requests at once (429 / 20429 beyond): "
        f"capacity {pr['capacity']:,.0f} sends/s.",
        "",
        "| qcluster processes | DB pool per process | sent | seconds | sends/s | steady /s | of capacity | 429s met "
        "| rows retried (tries) | lost | duplicates | busiest number (limit) | most in flight (limit) "
        "| CPU ms per send: clusters / PostgreSQL / Twilio server | CPU cores busy: whole machine |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    rows = pr["runs"] + [pr["storm_run"]]
    for x in rows:
        label = f"{x['processes']}" + (" + reply storm" if "storm" in x else "")
        machine = x["cpu"]["parts"]["machine"]
        sent = max(x["sent"], 1)
        out.append(
            f"| {label} | {x['pool']} | {x['sent']:,} / {x['rows']:,} | {x['span']:.1f} | {x['rate']:,.0f} | "
            f"{x['steady_rate']:,.0f} | {x['ratio']:.0%} | {x['answered_429']:,} | {x['retried_rows']:,} "
            f"({x['attempts']:,}) | {x['lost']} | {x['duplicates'] + x['duplicate_to']} | "
            f"{x['max_number_segments_per_second']}/s ({pr['number_rate']}/s) | {x['max_in_flight']} "
            f"({pr['server_concurrency']}) | {_cpu_ms(x, 'qcluster', sent)} / {_cpu_ms(x, 'PostgreSQL', sent)} / "
            f"{_cpu_ms(x, 'test Twilio', sent)} | {machine['cores']:.2f} of {os.cpu_count()} |"
        )
    out += [
        "",
        "seconds and sends/s: messages the server accepted, from its first to its last arrival (rows retried "
        "after a 429 come last, after their backoff); steady: over the middle 80% of them. 429s met: answered 429 by the server; rows retried: rows with attempts > 0 at the end "
        "(tries: the sum of attempts), all sent later. lost: rows not sent at the end (in the storm run: neither "
        "sent nor cancelled by their contact's reply). Busiest number: the most segments one sending number had "
        "accepted within any second. CPU, from /proc over the run (release to the last row finished; the storm run: "
        "to the last reply answered): per send "
        "sent, of every process of the qcluster(s), of the whole PostgreSQL server, of the test server (in the "
        "storm run the webhook's gunicorn, not shown, takes its share); the whole machine from /proc/stat.",
        "",
        "Where a batch's time goes (medians over the full batches of each run: a batch is one claim token; the "
        "small batches of rows retried after a 429 are only counted):",
        "",
        "| qcluster processes | DB pool | batches (small ones) | rows per batch | claim → first hand-over ms "
        "| first → last hand-over ms | last hand-over → recorded ms | batch ms | rows/s per batch |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for x in rows:
        b = x.get("batches") or {}
        if not b:
            continue
        label = f"{x['processes']}" + (" + reply storm" if "storm" in x else "")
        out.append(
            f"| {label} | {x['pool']} | {b['batches']} ({b.get('small_batches', 0)}) | {b['rows']} | {b['to_first_hand_over_ms']:,.0f} | "
            f"{b['hand_over_spread_ms']:,.0f} | {b['last_hand_over_to_recorded_ms']:,.0f} | "
            f"{b['batch_ms']:,.0f} | {b['rows_per_second_per_batch']:,.0f} |"
        )
    out += render_storm(pr["rows"], pr["storm_run"]["storm"])
    return out


def render_storm(rows: int, st: Mapping[str, Any]) -> list[str]:
    arrived = f"{st['arrived_after_reply']}"
    if st["arrived_after_reply"]:
        arrived += (
            f" ({st['arrived_in_flight']} handed over before it; the latest {st['latest_arrival_after_ms']:,.0f} ms "
            "after it)"
        )
    texts = ", ".join(f'"{text}"' for text in st["texts"])
    return [
        "",
        f"Reply storm: while 2 qcluster processes send the {rows:,} follow-ups, {st['contacts']:,} of the contacts "
        f"(spread over the sending order) send {st['webhooks']:,} signed Twilio inbound webhooks, "
        f"{st['webhooks'] // st['contacts']} or more each (a contact's first reply at a random point of the "
        "storm's first half, its later ones at random points after it), each contact's in order from one client "
        f"thread ({texts} in turn): "
        f"gunicorn ({st['gunicorn_workers']} sync workers, warmed up) on 127.0.0.1, {st['threads']} client threads, "
        "each sending its next request when the last is answered.",
        "",
        "| webhooks answered 200 | seconds | requests/s | p50 ms | p99 ms | max ms | recorded once (missing, "
        "duplicated) | first replies answered while follow-ups were going out | hand-overs after the contact's "
        "first reply was answered | provider arrivals after it | sent before their first reply | cancelled by a "
        "reply |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {st['answered']:,} of {st['webhooks']:,} | {st['seconds']:.1f} | {st['rate']:,.0f} | "
        f"{st['p50_ms']:,.0f} | {st['p99_ms']:,.0f} | {st['max_ms']:,.0f} | {st['recorded_once']:,} "
        f"({st['missing']}, {st['duplicated']}) | {st['first_answered_while_sending']:,} | "
        f"{st['handed_after_reply']} | {arrived} | {st['sent_before_reply']:,} | "
        f"{st['cancelled']:,} |",
        "",
        "Latency: from sending a request to its whole answer, at the client. Recorded once: storm MessageSids "
        "with exactly one conversations_message row. A hand-over is a follow-up's `handed_at` (the seeded row "
        "or one a reply planned), committed before the provider call; a contact's first reply counts from the "
        "moment its HTTP 200 came back. A provider arrival after it is a message the test server received for "
        "that contact's number after that moment; one is handed over before it when a hand-over committed before "
        "the answer accounts for it (a send already on its way, which nothing can recall). The run fails on any "
        "other.",
        "",
    ]


def render_events(ev: Mapping[str, Any] | None, cl: Mapping[str, Any] | None) -> list[str]:
    out = [
        "## Event handling (one process)",
        "",
        "| what | messages | seconds | per second | queries each | CPU µs each |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    if ev:
        out.append(
            f"| record_inbound of the labelled texts in turn (classify, cancel, plan; real DB; {ev['cancelled']:,} "
            f"cancelled, {ev['planned']:,} planned) | {ev['messages']:,} | {ev['seconds']:.2f} | {ev['rate']:,.0f} | "
            f"{ev['queries_per_message']:.1f} | {ev['cpu_us_per_message']:,.0f} |"
        )
        plain = ev["plain"]
        out.append(
            f'| record_inbound of a plain reply ("{plain["text"]}": intent other; {plain["cancelled"]:,} '
            f"cancelled) | {plain['messages']:,} | {plain['seconds']:.2f} | {plain['rate']:,.0f} | "
            f"{plain['queries_mean']:.1f} (max {plain['queries_max']}) | {plain['cpu_us_mean']:,.0f} |"
        )
    if cl:
        out.append(
            f"| rule classifier alone ({cl['distinct']} labelled texts repeated) | {cl['messages']:,} | "
            f"{cl['seconds']:.2f} | {cl['rate']:,.0f} | 0 | {1e6 / cl['rate']:,.0f} |"
        )
    if ev:
        out += [
            "",
            "record_inbound of the labelled texts, by the intent stored on each message (the classifier's, with "
            "the conversation's own history):",
            "",
            "| intent | messages | queries mean | queries max | SAVEPOINT / RELEASE mean | CPU µs mean |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        out += [
            f"| {intent} | {x['messages']:,} | {x['queries_mean']:.1f} | {x['queries_max']} | "
            f"{x['savepoints_mean']:.1f} | {x['cpu_us_mean']:,.0f} |"
            for intent, x in ev["by_intent"].items()
        ]
        out += [
            "",
            "Queries: the statements Django sends (its execute_wrapper), counted per call; the SAVEPOINT, RELEASE "
            f"and ROLLBACK TO SAVEPOINT of nested atomic blocks are not among them ({ev['savepoints_per_message']:.1f} "
            "per message over the mix) and BEGIN / COMMIT never pass there. CPU: this process's, per call. Every "
            f"conversation had a pending follow-up. Check: {ev['check']}.",
        ]
    return [*out, ""]


def render_load(ld: Mapping[str, Any]) -> list[str]:
    rounds = len(ld["rounds"]) // 2
    out = [
        f"## Load: the Twilio inbound webhook beside a bare view, one gunicorn ({ld['server_workers']} sync "
        f"workers), wrk ({ld['connections']} connections) on 127.0.0.1",
        "",
        f"| route | requests/s (best of {rounds}) | each round /s | requests | p50 ms | p99 ms | max ms | non-2xx "
        "| socket errors | stored / answered | CPU µs per request: gunicorn / PostgreSQL / wrk | CPU-bound ceiling /s "
        "| machine cores busy | check (every round) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    for name, label in ld["labels"].items():
        x, mine = ld["best"][name], [r for r in ld["rounds"] if r["route"] == name]
        cpu = x["cpu_us_per_request"]
        checks = sorted({r["check"] for r in mine}, key=lambda c: c != "ok")
        each = " / ".join(f"{r['rate']:,.0f}" for r in mine)
        out.append(
            f"| {label} | {x['rate']:,.0f} | {each} | {x['requests']:,} | "
            f"{x['p50_ms']:,.1f} | {x['p99_ms']:,.1f} | {x['max_ms']:,.1f} | {x['non2xx']} | "
            f"{x['errors'] - x['non2xx']} | {x['stored']:,} / {x['requests'] - x['wrapped']:,} | "
            f"{cpu['gunicorn']:,.0f} / {_n(cpu.get('postgresql'))} / {cpu['wrk']:,.0f} | "
            f"{_n((os.cpu_count() or 1) * 1e6 / max(sum(cpu.values()), 1))} | {x['machine_cores']:.2f} | "
            f"{'; '.join(checks)} |"
        )
    return [
        *out,
        "",
        f"**ours/bare = {ld['ratio']:.2f}** (best rounds). The routes take turns, {ld['seconds']} s each (bare, "
        "ours, bare, ours, ...), on the same gunicorn (benchmarks.reference_settings: the product's settings, "
        "middleware and URLs, plus the bare route), so noise from the rest of the machine falls on both; the "
        "best round of each is shown, every round is in the JSON. Every request is signed (X-Twilio-Signature) "
        "and distinct (MessageSid; the bare view's and new numbers' phone number). Ours: nine in ten are "
        "replies from known contacts, as after a campaign (a pending follow-up to cancel the first time each "
        "replies), the tenth a first message from a new number; the texts are the labelled messages in turn. The bare view (benchmarks/bare_inbound.py, no DRF) checks the signature as the product does "
        "and stores the message with one INSERT. Stored / answered: messages stored during the round / requests "
        "wrk saw answered (those in flight when it stops are stored but not counted: up to one per connection). "
        "CPU per request answered, from /proc during the round: gunicorn's master and workers, the whole "
        "PostgreSQL server, wrk; CPU-bound ceiling = this machine's cores / their sum: the rate if CPU were all "
        "that limits the route (near the measured rate when the cores are all busy).",
        "",
    ]


def render_results(rs: Mapping[str, Any]) -> list[str]:
    out = [
        f"## Results figures (one bot, {rs['rows']:,} follow-ups over 180 days; scheduling/results.py)",
        "",
        "| period | sent in it | Results page ms | results_for ms | bare count(*) ms | page under 1 s |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for p in rs["periods"]:
        out.append(
            f"| last {p['days']} days | {p['sent']:,} | {p['page_ms']:.0f} | {p['ms']:.0f} | {p['count_ms']:.0f} "
            f"| {rs['check']} |"
        )
    return [
        *out,
        "",
        "Medians of 5 runs. Results page = `GET /results/?bot=&period=` through Django's test client, signed in "
        "(scoping, figures, charts, HTML); results_for = every figure of the Results page and API (per scenario and step, per "
        "week, skipped and failed by reason: three queries); bare count(*) = the same bot's sent rows in the period, "
        f"for reference. Seeding took {rs['seed_seconds']:.0f} s.",
        "",
    ]


def render(r: Mapping[str, Any]) -> str:
    m, o = r["machine"], r["options"]
    repeated = f", best of {o['repeat']} runs" if o.get("repeat", 1) > 1 else ""
    out = [
        f"# Benchmark results ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory']} memory; PostgreSQL {m['postgresql']} "
        f"(throwaway server, fsync=off); Python {m['python']}. Load average at start "
        f"{m['load_start'][0]:.2f}, at end {os.getloadavg()[0]:.2f} (above {m['cpus']}: other work was running).",
        f"Options: due slice {o['due']:,} follow-ups, batch size {o['batch']}, no-op sender"
        f"{repeated}"
        f"{', QUICK run' if o['quick'] else ''}.",
        "",
    ]
    if r.get("results"):
        out += render_results(r["results"])
    if r.get("dispatch"):
        out += [
            "## Dispatch throughput (real dispatch_due: claim, checks, text, send, record, plan next)",
            "",
            "| pending | workers | ours /s | bare-SQL limit /s | ours/limit | µs per follow-up | of which claim "
            "| queries per follow-up | DB wait µs | worker CPU µs | PostgreSQL CPU µs | exactly once |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for d in r["dispatch"]:
            lim = d.get("limit") or {}
            ratio = f"{d['rate'] / lim['rate']:.3f}" if lim else "–"
            check = d["check"] + (f" / {lim['check']}" if lim else "")
            out.append(
                f"| {d['size']:,} | {d['workers']} | {_n(d['rate'])} | {_n(lim.get('rate'))} | {ratio} | "
                f"{_n(d['us_per_fu'])} | {_n(d['claim_us_per_fu'])} | {d['queries_per_fu']:.1f} | "
                f"{_n(d['db_us_per_fu'])} | {_n(d['cpu_us_per_fu'])} | {_n(d['pg_cpu_us_per_fu'])} | {check} |"
            )
        out += [
            "",
            "µs per follow-up = wall time × workers / follow-ups sent; 'of which claim' = time inside "
            "claim(); queries and DB wait = the workers' SQL statements and the time spent in them, all threads "
            "(COMMITs not counted); worker CPU = CPU time of the worker processes (all threads); PostgreSQL CPU "
            "= CPU time of the whole PostgreSQL server meanwhile; all per follow-up sent. The sender is a no-op, "
            "local (called inline, like the console sender), not paced. The limit's rows are the same due rows, claimed and marked sent by bare SQL. Seeding: "
            + ", ".join(f"{s:,} rows in {t:.0f} s" for s, t in r["seeding"]),
            "",
        ]
    n = r.get("naive")
    if n:
        ours = ours_vs_naive(r)
        out += [
            "## Naive design: one Django-Q2 Schedule per follow-up, real qcluster",
            "",
            "| due now | schedules | Q workers | wall s | rate /s | first send after s | rate first→last send /s "
            "| ours/naive | exactly once |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
            f"| {n['sent']:,} | {n['schedules']:,} | {n['workers']} | {n['wall']:.1f} | {n['rate']:.1f} | "
            f"{_n(n['first_send_after'], 1)} | {_n(n['processing_rate'], 1)} | "
            f"{ours / n['rate']:,.0f}× | {n['check']} |",
            "",
            "Wall time: from the cluster's \"running\" log line (start-up excluded) to the last follow-up's "
            "finished_at. Django-Q2 creates tasks from due schedules only in its guard loop, about every 30 s. "
            f"'ours' = the median of our {n['workers']}-worker rates above ({ours:,.0f}/s).",
            "",
        ]
    if r.get("explain"):
        out += ["## The claim's query and plan", ""]
        for size, text in r["explain"]:
            out += [f"At {size:,} pending:", "", "```", text, "```", ""]
    if r.get("events") or r.get("classifier"):
        out += render_events(r.get("events"), r.get("classifier"))
    if r.get("load"):
        out += render_load(r["load"])
    if r.get("provider"):
        out += render_provider(r["provider"])
    rows = targets(r)
    if rows:
        out += ["## Targets", "", "| target | measured | |", "|---|---|---|"]
        out += [f"| {name} | {value} | {_met(ok)} |" for name, value, ok in rows]
        out.append("")
    if r.get("profile"):
        p = r["profile"]
        out += [
            "## Where a dispatch worker's time goes (cProfile, one run, 1 worker, no-op sender)",
            "",
            "| area | share of profiled time |",
            "|---|---:|",
        ]
        out += [f"| {area} | {share:.0%} |" for area, share in p["areas"]]
        if p.get("per_follow_up_us"):
            out += ["", "| function (cumulative, with what it calls) | µs per follow-up (profiled) |", "|---|---:|"]
            out += [f"| {label} | {us:,.0f} |" for label, us in p["per_follow_up_us"].items()]
        if p.get("sending_threads_seconds"):
            out += [
                "",
                f"Profiled seconds: main thread {p['main_thread_seconds']:.2f}, sending threads "
                f"{p['sending_threads_seconds']:.2f}.",
            ]
        out += ["", f"Top functions: {p['file']} beside this file.", ""]
    return "\n".join(out)
