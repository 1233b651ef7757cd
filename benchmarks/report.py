"""The printed table: figures, the claim's plan, and the targets met or not."""

import os
import platform
from datetime import datetime, timezone

TARGETS = {
    "dispatch_rate": 2000,  # follow-ups/s, 2 workers, every size
    "share_of_limit": 0.5,
    "times_naive": 20,
    "cost_growth": 1.5,  # µs per follow-up at the largest size / at the smallest
    "classifier_rate": 5000,  # messages/s
}


def machine(pg_version: str) -> dict:
    def first(path, key):
        try:
            return next(l.split(":", 1)[1].strip() for l in open(path) if l.startswith(key))
        except (OSError, StopIteration):
            return "?"

    return {"cpus": os.cpu_count(), "memory": first("/proc/meminfo", "MemTotal"),
            "cpu": first("/proc/cpuinfo", "model name"), "postgresql": pg_version,
            "python": platform.python_version(), "load_start": os.getloadavg()}


def _n(x, digits=0):
    return "–" if x is None else f"{x:,.{digits}f}"


def _met(ok):
    return "**met**" if ok else "**not met**"


def ours_vs_naive(r: dict) -> float:
    """Our rate with as many workers as the naive cluster had: the median over the sizes
    (the per-row cost does not depend on the size, so this only damps the noise)."""
    naive = r["naive"]
    rates = sorted(d["rate"] for d in r.get("dispatch", []) if d["workers"] == naive["workers"])
    return rates[len(rates) // 2] if rates else 0.0


def targets(r: dict) -> list[tuple[str, str, bool]]:
    rows = []
    dispatch = r.get("dispatch", [])
    if dispatch:
        widest = max(d["workers"] for d in dispatch)
        best = [d for d in dispatch if d["workers"] == widest]
        low = min(best, key=lambda d: d["rate"])
        rows.append((f"dispatch ≥ {TARGETS['dispatch_rate']:,}/s ({widest} workers, every size)",
                     f"lowest {low['rate']:,.0f}/s at {low['size']:,} pending", low["rate"] >= TARGETS["dispatch_rate"]))
        shares = [d["rate"] / d["limit"]["rate"] for d in dispatch if d.get("limit")]
        if shares:
            rows.append(("dispatch ≥ ½ the bare-SQL limit (every row)", f"lowest {min(shares):.3f}× the limit",
                         min(shares) >= TARGETS["share_of_limit"]))
        naive = r.get("naive")
        if naive:
            ours = ours_vs_naive(r)
            ratio = ours / naive["rate"]
            rows.append((f"dispatch ≥ {TARGETS['times_naive']}× the naive design",
                         f"{ratio:,.0f}× ({ours:,.0f}/s vs {naive['rate']:,.1f}/s)", ratio >= TARGETS["times_naive"]))
        single = sorted((d for d in dispatch if d["workers"] == 1), key=lambda d: d["size"])
        if len(single) >= 2:
            growth = single[-1]["us_per_fu"] / single[0]["us_per_fu"]
            rows.append((f"cost per follow-up at {single[-1]['size']:,} ≤ {TARGETS['cost_growth']}× that at "
                         f"{single[0]['size']:,}", f"{growth:.2f}× ({single[0]['us_per_fu']:,.0f} → "
                         f"{single[-1]['us_per_fu']:,.0f} µs)", growth <= TARGETS["cost_growth"]))
    if r.get("classifier"):
        rate = r["classifier"]["rate"]
        rows.append((f"rule classifier ≥ {TARGETS['classifier_rate']:,} messages/s", f"{rate:,.0f}/s",
                     rate >= TARGETS["classifier_rate"]))
    if r.get("load"):
        errors = sum(ld["errors"] for ld in r["load"])
        rows.append(("webhook under load: no error, no non-2xx", f"{errors} errors", errors == 0))
    return rows


def render(r: dict) -> str:
    m, o = r["machine"], r["options"]
    repeated = f", best of {o['repeat']} runs" if o.get("repeat", 1) > 1 else ""
    out = [f"# Benchmark results ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)", "",
           f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory']} memory; PostgreSQL {m['postgresql']} "
           f"(throwaway server, fsync=off); Python {m['python']}. Load average at start "
           f"{m['load_start'][0]:.2f}, at end {os.getloadavg()[0]:.2f} (above {m['cpus']}: other work was running).",
           f"Options: due slice {o['due']:,} follow-ups, batch size {o['batch']}, no-op sender"
           f"{repeated}"
           f"{', QUICK run' if o['quick'] else ''}.", ""]
    if r.get("dispatch"):
        out += ["## Dispatch throughput (real dispatch_due: claim, checks, text, send, record, plan next)", "",
                "| pending | workers | ours /s | bare-SQL limit /s | ours/limit | µs per follow-up | of which claim "
                "| queries per follow-up | DB wait µs | worker CPU µs | PostgreSQL CPU µs | exactly once |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for d in r["dispatch"]:
            lim = d.get("limit") or {}
            ratio = f"{d['rate'] / lim['rate']:.3f}" if lim else "–"
            check = d["check"] + (f" / {lim['check']}" if lim else "")
            out.append(f"| {d['size']:,} | {d['workers']} | {_n(d['rate'])} | {_n(lim.get('rate'))} | {ratio} | "
                       f"{_n(d['us_per_fu'])} | {_n(d['claim_us_per_fu'])} | {d['queries_per_fu']:.1f} | "
                       f"{_n(d['db_us_per_fu'])} | {_n(d['cpu_us_per_fu'])} | {_n(d['pg_cpu_us_per_fu'])} | {check} |")
        out += ["", "µs per follow-up = wall time × workers / follow-ups sent; 'of which claim' = time inside "
                "claim(); DB wait = time the workers spent in their SQL statements (COMMITs not counted); worker CPU "
                "and PostgreSQL CPU = CPU time of the worker processes and of their database backends, all per "
                "follow-up sent. The limit's rows are the same due rows, claimed and marked sent by bare SQL. Seeding: "
                + ", ".join(f"{s:,} rows in {t:.0f} s" for s, t in r["seeding"]), ""]
    n = r.get("naive")
    if n:
        ours = ours_vs_naive(r)
        out += ["## Naive design: one Django-Q2 Schedule per follow-up, real qcluster", "",
                "| due now | schedules | Q workers | wall s | rate /s | first send after s | rate first→last send /s "
                "| ours/naive | exactly once |", "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
                f"| {n['sent']:,} | {n['schedules']:,} | {n['workers']} | {n['wall']:.1f} | {n['rate']:.1f} | "
                f"{_n(n['first_send_after'], 1)} | {_n(n['processing_rate'], 1)} | "
                f"{ours / n['rate']:,.0f}× | {n['check']} |", "",
                "Wall time: from the cluster's \"running\" log line (start-up excluded) to the last follow-up's "
                "finished_at. Django-Q2 creates tasks from due schedules only in its guard loop, about every 30 s. "
                f"'ours' = the median of our {n['workers']}-worker rates above ({ours:,.0f}/s).", ""]
    if r.get("explain"):
        out += ["## The claim's query and plan", ""]
        for size, text in r["explain"]:
            out += [f"At {size:,} pending:", "", "```", text, "```", ""]
    ev, cl = r.get("events"), r.get("classifier")
    if ev or cl:
        out += ["## Event handling (one process)", "", "| what | messages | seconds | per second | queries each "
                "| CPU µs each |", "|---|---:|---:|---:|---:|---:|"]
        if ev:
            out.append(f"| record_inbound (classify, cancel, plan; real DB; {ev['cancelled']:,} cancelled, "
                       f"{ev['planned']:,} planned) | {ev['messages']:,} | {ev['seconds']:.2f} | {ev['rate']:,.0f} | "
                       f"{ev['queries_per_message']:.1f} | {ev['cpu_us_per_message']:,.0f} |")
        if cl:
            out.append(f"| rule classifier alone ({cl['distinct']} labelled texts repeated) | {cl['messages']:,} | "
                       f"{cl['seconds']:.2f} | {cl['rate']:,.0f} | 0 | {1e6 / cl['rate']:,.0f} |")
        out.append("")
    if r.get("load"):
        out += ["## Load: POST /webhooks/twilio/<bot>/inbound/ under gunicorn, wrk on 127.0.0.1", "",
                "| database connections | seconds | gunicorn workers | wrk connections | requests | requests/s "
                "| p50 ms | p99 ms | max ms | non-2xx | socket errors | check |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for ld in r["load"]:
            out.append(f"| {ld['variant']} | {ld['seconds']:.0f} | {ld['server_workers']} | {ld['connections']} | "
                       f"{ld['requests']:,} | {ld['rate']:,.0f} | {ld['p50_ms']:,.1f} | {ld['p99_ms']:,.1f} | "
                       f"{ld['max_us'] / 1000:,.1f} | {ld['non2xx']} | {ld['errors'] - ld['non2xx']} | {ld['check']} |")
        out += ["", "Every request is signed (X-Twilio-Signature) and distinct (MessageSid, phone number; a third "
                "are contacts with a pending follow-up, the rest new numbers). 'check': the messages stored match "
                "the requests answered.", ""]
    rows = targets(r)
    if rows:
        out += ["## Targets", "", "| target | measured | |", "|---|---|---|"]
        out += [f"| {name} | {value} | {_met(ok)} |" for name, value, ok in rows]
        out.append("")
    if r.get("profile"):
        p = r["profile"]
        out += ["## Where a dispatch worker's time goes (cProfile, one run, 1 worker)", "",
                "| area | share of profiled time |", "|---|---:|"]
        out += [f"| {area} | {share:.0%} |" for area, share in p["areas"]]
        out += ["", f"Top functions: {p['file']} beside this file.", ""]
    return "\n".join(out)
