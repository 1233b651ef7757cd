"""Runs every benchmark against DATABASE_URL (a throwaway server: see benchmarks/run) and
prints the table, also written to benchmarks/results/latest.md (quick.md for --quick).

    python -m benchmarks.main [--quick] [--sizes 10000,100000,1000000] [--only dispatch,naive,...]

Phases: naive (one Django-Q2 Schedule per follow-up), dispatch (the dispatcher with a no-op
sender, 1 and 2 processes, at each size), profile, events (record_inbound, per intent, and
the rule classifier), load (the Twilio inbound webhook under wrk, in turn with a bare
reference view on the same gunicorn), provider (the real cluster and Twilio SDK against the
test Twilio server: sends/s, 429s, pacing, and a reply storm of signed inbound webhooks;
benchmarks/provider_bench.py), results (the Results figures of one bot with 1,000,000
follow-ups for 7, 30 and 90 days; benchmarks/results_bench.py).
"""

import argparse
import io
import json
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, Required, TypedDict

from benchmarks.common import close_db, database_url, scalar, setup_django, sql

RESULTS = Path(__file__).with_name("results")
PHASES = ["naive", "dispatch", "profile", "events", "load", "provider", "results"]


class Options(TypedDict):
    due: int
    batch: int
    quick: bool
    repeat: int


class Results(TypedDict, total=False):
    """What a run measured: a phase's key only when the phase ran. Rendered by
    report.render, and written as JSON beside the table."""

    machine: Required[dict[str, Any]]
    options: Required[Options]
    seeding: Required[list[tuple[int, float]]]  # (pending follow-ups, seconds to seed them)
    naive: dict[str, Any]
    dispatch: list[dict[str, Any]]
    explain: list[tuple[int, str]]  # (pending follow-ups, the claim's SELECT and its plan)
    profile: dict[str, Any]
    classifier: dict[str, Any]
    events: dict[str, Any]
    load: dict[str, Any]
    provider: dict[str, Any]
    results: dict[str, Any]


def options(argv):
    p = argparse.ArgumentParser(
        prog="benchmarks/run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="small sizes, short load: a check that everything works")
    p.add_argument("--sizes", help="pending follow-ups, comma-separated (default 10000,100000,1000000)")
    p.add_argument("--due", type=int, help="follow-ups due now in each dispatch run (default 5000)")
    p.add_argument("--workers", default="1,2", help="dispatcher processes to try (default 1,2)")
    p.add_argument("--batch", type=int, default=100, help="claim batch size (the product's default: 100)")
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each dispatch measurement N times and keep the fastest (on a busy machine)",
    )
    p.add_argument("--naive-due", type=int, help="due follow-ups in the naive run (default 1000)")
    p.add_argument("--load-seconds", type=int, help="each wrk run's duration (default 30)")
    p.add_argument(
        "--load-rounds",
        type=int,
        default=2,
        help="wrk runs against each route, the bare view and ours in turn (default 2; the best is shown)",
    )
    p.add_argument("--load-workers", type=int, default=4, help="gunicorn sync workers in the load phase (default 4)")
    p.add_argument("--load-connections", type=int, default=16, help="wrk connections in the load phase (default 16)")
    p.add_argument("--provider-rows", type=int, help="due follow-ups in each provider run (default 6000)")
    p.add_argument("--provider-replies", type=int, help="contacts replying in the reply storm (default 2000)")
    p.add_argument(
        "--provider-storm-webhooks",
        type=int,
        help="signed inbound webhooks of the reply storm, spread over the replying contacts (default 5000)",
    )
    p.add_argument(
        "--provider-concurrency",
        type=int,
        default=64,
        help="DISPATCH_SEND_CONCURRENCY of each qcluster process in the provider phase (default 64)",
    )
    p.add_argument("--only", help=f"comma-separated phases among {','.join(PHASES)}")
    p.add_argument("--results-rows", type=int, help="follow-ups of the results phase's bot (default 1000000)")
    p.add_argument("--out", help="where to write the table (default results/latest.md; --quick: results/quick.md)")
    o = p.parse_args(argv)
    quick = o.quick
    o.sizes = [int(s) for s in (o.sizes or ("2000,20000" if quick else "10000,100000,1000000")).split(",")]
    o.due = o.due or (1000 if quick else 5000)
    o.naive_due = o.naive_due or (200 if quick else 1000)
    o.load_seconds = o.load_seconds or (8 if quick else 30)
    o.events = 300 if quick else 2000
    o.plain_replies = 100 if quick else 500
    o.provider_rows = o.provider_rows or (1000 if quick else 6000)
    o.provider_replies = o.provider_replies or (300 if quick else 2000)
    o.provider_storm_webhooks = o.provider_storm_webhooks or (750 if quick else 5000)
    o.classifier_messages = 5000 if quick else 50000
    o.results_rows = o.results_rows or (50_000 if quick else 1_000_000)
    o.out = o.out or str(RESULTS / ("quick.md" if quick else "latest.md"))
    o.workers = [int(w) for w in o.workers.split(",")]
    o.only = set(o.only.split(",")) if o.only else set(PHASES)
    if o.due > min(o.sizes):
        p.error("--due must not exceed the smallest size")
    if not o.provider_replies <= min(o.provider_rows, o.provider_storm_webhooks):
        p.error("--provider-replies must not exceed --provider-rows nor --provider-storm-webhooks")
    if min(o.load_rounds, o.load_workers, o.load_connections) < 1:
        p.error("--load-rounds, --load-workers and --load-connections must be at least 1")
    return o


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    o = options(argv)
    setup_django()
    from django.utils import timezone

    from benchmarks import dispatch_bench, events_bench, limit, load, naive, provider_bench, report, results_bench, seed

    results: Results = {
        "machine": report.machine(scalar("SHOW server_version")),
        "options": {"due": o.due, "batch": o.batch, "quick": o.quick, "repeat": o.repeat},
        "seeding": [],
    }
    workdir = Path(tempfile.mkdtemp(prefix="bench-work."))
    now = timezone.now()

    log("creating bots")
    sql("TRUNCATE bots_bot, django_q_task, django_q_ormq CASCADE")
    bots = seed.create_bots()
    close_db()  # CREATE DATABASE ... TEMPLATE needs the template idle
    main_db = database_url().rsplit("/", 1)[1]
    provider_url = None
    if "provider" in o.only:
        # Its own copy of the database as it is now (migrated, the bots): its own rows.
        provider_url = database_url(main_db + "_provider")
        sql(f'DROP DATABASE IF EXISTS "{main_db}_provider"')
        sql(f'CREATE DATABASE "{main_db}_provider" TEMPLATE "{main_db}"')

    if "naive" in o.only:
        # A copy of the database as it is now (migrated, bots, nothing else): its own rows and schedules.
        name = main_db + "_naive"
        url = database_url(name)
        sql(f'DROP DATABASE IF EXISTS "{name}"')
        sql(f'CREATE DATABASE "{name}" TEMPLATE "{main_db}"')
        pop = seed.Population(due=o.naive_due, stride=2, url=url, bots=bots)
        seed.grow(pop, o.naive_due * 10, now)  # 1 in 10 schedules due now, the rest later
        log(
            f"naive design: {o.naive_due} due, {o.naive_due * 10} schedules, real qcluster (the scheduler wakes every ~30 s)"
        )
        results["naive"] = naive.run(pop, url, workers=max(o.workers))
        log(f"  {results['naive']}")
        sql(f'DROP DATABASE "{name}"')

    stride = max(1, min(o.sizes) // o.due)
    pop = seed.Population(due=o.due, stride=stride, bots=bots)
    if o.only & {"dispatch", "profile", "events", "load"}:
        results["dispatch"], results["explain"] = [], []
        for size in o.sizes:
            log(f"seeding {size:,} pending follow-ups")
            results["seeding"].append((size, seed.grow(pop, size, now)))
            if "dispatch" not in o.only:
                continue
            if size in (min(o.sizes), max(o.sizes)):
                results["explain"].append((size, dispatch_bench.explain_claim(o.batch)))
                close_db()
            for workers in o.workers:
                row = {"size": size, **best_of(o.repeat, pop, partial(dispatch_bench.run, pop, workers, o.batch))}
                row["limit"] = best_of(o.repeat, pop, partial(limit.run, pop, workers, o.batch))
                results["dispatch"].append(row)
                log(
                    f"  {size:,} pending, {workers} worker(s): {row['rate']:,.0f}/s ({row['check']}), "
                    f"limit {row['limit']['rate']:,.0f}/s"
                )

    if "profile" in o.only:
        stats_file = workdir / "dispatch.prof"
        log(f"profiling one dispatch run (1 worker, cProfile) at {pop.size:,} pending")
        dispatch_bench.run(pop, 1, o.batch, profile_to=str(stats_file))
        seed.reset(pop)
        results["profile"] = write_profile(stats_file, Path(o.out).with_suffix(".profile.txt"), o.due)

    if "events" in o.only:
        log("event handling")
        results["classifier"] = events_bench.classifier_rate(o.classifier_messages)
        results["events"] = events_bench.record_inbound_rate(pop, o.events, o.plain_replies)
        close_db()

    if "load" in o.only:
        log(
            f"load: {o.load_rounds} rounds of wrk ({o.load_connections} connections, {o.load_seconds} s) against "
            f"the bare view, then ours, on one gunicorn ({o.load_workers} workers) on 127.0.0.1"
        )
        results["load"] = load.run(
            pop,
            o.load_seconds,
            workdir,
            server_workers=o.load_workers,
            connections=o.load_connections,
            rounds=o.load_rounds,
            log=log,
        )
        ld = results["load"]
        log(f"  ours/bare = {ld['ratio']:.2f} (best rounds); check: {ld['check']}")

    if "provider" in o.only:
        assert provider_url is not None  # made above when the provider phase runs
        log(
            f"provider: {o.provider_rows:,} due follow-ups, 8 bots with short codes, real qcluster and Twilio SDK "
            f"against the test Twilio server (150 ms, 100 at once), 1 then 2 processes, then a reply storm of "
            f"{o.provider_storm_webhooks:,} webhooks from {o.provider_replies:,} contacts"
        )
        results["provider"] = provider_bench.run(
            provider_url,
            bots,
            workdir,
            rows=o.provider_rows,
            storm_contacts=o.provider_replies,
            storm_webhooks=o.provider_storm_webhooks,
            concurrency=o.provider_concurrency,
            log=log,
        )
        log(f"  check: {results['provider']['check']}")
        sql(f'DROP DATABASE IF EXISTS "{main_db}_provider" WITH (FORCE)')

    if "results" in o.only:
        log(f"results: one bot with {o.results_rows:,} follow-ups over 180 days, the figures for 7, 30, 90 days")
        results["results"] = results_bench.run(o.results_rows, log)
        close_db()

    text = report.render(results)
    print(text)
    Path(o.out).parent.mkdir(parents=True, exist_ok=True)
    Path(o.out).write_text(text + "\n")
    Path(o.out).with_suffix(".json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    log(f"written to {o.out}")
    shutil.rmtree(workdir, ignore_errors=True)
    checked = [
        ("naive", results.get("naive")),
        ("events", results.get("events")),
        ("load", results.get("load")),
        ("results", results.get("results")),
        ("provider", results.get("provider")),
    ]
    failed = [k for k, part in checked if "FAILED" in str((part or {}).get("check", ""))]
    failed += ["dispatch" for d in results.get("dispatch", []) if "FAILED" in d["check"] + d["limit"]["check"]]
    return 1 if failed else 0


def best_of(repeat: int, pop, measure: Callable[[], dict]) -> dict:
    """The fastest of `repeat` runs (each from the same reset state); any failed check wins."""
    from benchmarks import seed

    runs = []
    for _ in range(repeat):
        runs.append(measure())
        seed.reset(pop)
    failed = [r for r in runs if r["check"] != "ok"]
    return failed[0] if failed else max(runs, key=lambda r: r["rate"])


def write_profile(stats_file: Path, out: Path, due: int) -> dict:
    """The top of the profile (by own and by cumulative time) to a small text file, and
    the profiled time summed by area: Django's ORM, the driver, the engine's own code..."""
    buf = io.StringIO()
    buf.write(
        f"cProfile of one dispatch worker sending {due:,} follow-ups, its main thread and its sending "
        f"threads together (times include cProfile's overhead)\n"
    )
    threads_file = Path(str(stats_file) + ".threads")
    main_only = pstats.Stats(str(stats_file))
    stats = pstats.Stats(str(stats_file), stream=buf)
    threads_time = 0.0
    if threads_file.exists():
        stats.add(str(threads_file))
        threads_time = total_seconds(pstats.Stats(str(threads_file)))
    areas: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats_table(stats).items():
        area = profile_area(filename)
        areas[area] = areas.get(area, 0.0) + own
    total = sum(areas.values()) or 1.0
    stats.strip_dirs().sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
    out.write_text(buf.getvalue())
    ranked = sorted(((a, t / total) for a, t in areas.items()), key=lambda x: -x[1])
    functions: dict[tuple[str, str], float] = {}
    for (filename, _, name), (_, _, _, cumulative, _) in stats_table(stats).items():
        key = (Path(filename).name, name)
        functions[key] = functions.get(key, 0.0) + cumulative
    return {
        "file": out.name,
        "areas": ranked[:8],
        "main_thread_seconds": total_seconds(main_only),
        "sending_threads_seconds": threads_time,
        "per_follow_up_us": {
            label: functions[key] * 1e6 / max(due, 1) for label, key in PROFILE_SPOTS.items() if key in functions
        },
    }


# pstats.Stats keeps its table and its total in attributes that typeshed's stub does not list.
# The table: (file, line, function) -> (primitive calls, calls, own time, cumulative time, callers).
StatsTable = dict[tuple[str, int, str], tuple[int, int, float, float, dict[Any, Any]]]


def stats_table(stats: pstats.Stats) -> StatsTable:
    return stats.stats  # type: ignore[attr-defined]  # set by pstats.Stats.load_stats, not in the stub


def total_seconds(stats: pstats.Stats) -> float:
    return stats.total_tt  # type: ignore[attr-defined]  # set by pstats.Stats.load_stats, not in the stub


# Where the time of the per-row work goes: cumulative time of these functions (both the main
# thread and the sending threads), per follow-up.
# (Functions of the same file name and name are summed: Contact.tz and Bot.tz both count
# as models.py tz.)
PROFILE_SPOTS = {
    "claim (per batch)": ("dispatch.py", "claim"),
    "_load: the batch's rows (per batch)": ("dispatch.py", "_load"),
    "due_state: the checks' inputs": ("dispatch.py", "due_state"),
    "of which Contact.tz / Bot.tz (a contact's zone, else its bot's)": ("models.py", "tz"),
    "send_one: text, pace, hand-over, send": ("dispatch.py", "send_one"),
    "of which compose (text)": ("compose.py", "compose"),
    "of which hand_over (one UPDATE per row)": ("claims.py", "hand_over"),
    "of which give_back_connection": ("connections.py", "give_back_connection"),
    "record_delivered (bulk, per batch)": ("recording.py", "record_delivered"),
}


def profile_area(filename: str) -> str:
    for marker, area in [
        ("django/db/models", "Django ORM: building, compiling queries, making model objects"),
        ("django/db/backends", "Django database backend (cursor wrappers, transactions)"),
        ("psycopg", "psycopg: sending queries and waiting for PostgreSQL"),
        ("django/", "Django, other"),
        ("/scheduling/", "engine: scheduling/ (dispatch, planning, rules)"),
        ("/channels_out/", "engine: channels_out/ (text)"),
        ("/bots/", "engine: bots/, conversations/"),
        ("/conversations/", "engine: bots/, conversations/"),
        ("/benchmarks/", "benchmark harness"),
    ]:
        if marker in filename:
            return area
    return "Python built-ins and standard library"


if __name__ == "__main__":
    sys.exit(main())
