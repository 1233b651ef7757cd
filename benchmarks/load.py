"""Load: the inbound Twilio webhook under gunicorn on 127.0.0.1, driven by wrk for a fixed
time, beside a bare reference view served by the same gunicorn (benchmarks/bare_inbound.py:
the signature check and one INSERT, nothing else). Every request is signed like Twilio's
(X-Twilio-Signature over the URL and form), with its own MessageSid and phone number, so
each one does the real work: find or create the contact and conversation, classify, cancel,
plan. The two routes take turns (bare, ours, bare, ours, ...), so noise from the rest of
the machine falls on both. Loopback only; wrk stops by itself.
"""

import json
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from benchmarks.bare_inbound import BARE_PATH, CREATE_TABLE, TABLE
from benchmarks.common import (
    CpuWindow,
    database_url,
    postgres_cpu_seconds,
    reaped_children_cpu,
    sql,
    tree_cpu,
)
from benchmarks.events_bench import texts
from benchmarks.webhook import (
    REFERENCE_SETTINGS,
    SignedRequest,
    free_port,
    inbound_form,
    sign,
    start_gunicorn,
    stop_gunicorn,
    warm_up,
)

LUA = Path(__file__).with_name("wrk_twilio.lua")
WARM_UP = 40  # requests per route before the first round


@dataclass(frozen=True)
class Route:
    name: str  # "bare" or "ours"
    label: str
    table: str  # where a request's message is stored
    sid_column: str
    sid_prefix: str
    first_rate: int  # requests/s to sign for in its first round: more than it can take

    def stored(self) -> tuple[int, int]:
        """(messages stored by this benchmark so far, how many of them repeat a MessageSid)."""
        rows = sql(
            f"SELECT count(*), count(*) - count(DISTINCT {self.sid_column}) FROM {self.table} "
            f"WHERE {self.sid_column} LIKE '{self.sid_prefix}%%'"
        )
        return rows[0]


BARE = Route("bare", f"bare view ({BARE_PATH}: signature, one INSERT)", TABLE, "sid", "SMbare", 4000)
OURS = Route("ours", "ours (/webhooks/twilio/<bot>/inbound/)", "conversations_message", "provider_id", "SMload", 1500)
ROUTES = [BARE, OURS]  # the order of each round

# index -> the request of that index (each index once in the whole phase: its own MessageSid
# and, for a new number, its own phone number)
RequestMaker = Callable[[int], SignedRequest]


def ours_request(port: int, bots: list[int], known: list[tuple[int, str]], bodies: list[str], i: int) -> SignedRequest:
    """Nine in ten are replies from known contacts, as after a campaign (each has a pending
    follow-up the first time; once every one has replied they take turns again), the tenth
    a first message from a new number."""
    if i % 10:
        bot, phone = known[(i - i // 10 - 1) % len(known)]
    else:
        bot, phone = bots[i % len(bots)], f"+1777{i:07d}"
    form = inbound_form(f"{OURS.sid_prefix}{uuid.UUID(int=i).hex[8:]}", phone, bodies[i % len(bodies)])
    return sign(port, f"/webhooks/twilio/{bot}/inbound/", form)


def bare_request(port: int, bodies: list[str], i: int) -> SignedRequest:
    form = inbound_form(f"{BARE.sid_prefix}{uuid.UUID(int=i).hex[8:]}", f"+1888{i:07d}", bodies[i % len(bodies)])
    return sign(port, BARE_PATH, form)


def known_contacts(pop, bots: list[int], count: int) -> list[tuple[int, str]]:
    """(bot, phone) of contacts with a pending follow-up that the events benchmark left alone."""
    first = min(pop.due * pop.stride + 100_000, pop.size // 2)
    return sql(
        f"SELECT bot_id, phone FROM conversations_contact WHERE id >= {first} AND bot_id = ANY(%s) "
        f"ORDER BY id LIMIT {count}",
        (bots,),
    )


LUA_CHUNK = 5000  # requests per Lua function: a function holds at most 65,536 constants


def write_lua_data(requests: list[SignedRequest], path: Path) -> None:
    # JSON strings of ASCII text are valid Lua string literals. Each chunk is a function of
    # its own, so a long run (over 20,000 requests) stays within Lua's constants limit.
    with path.open("w") as f:
        f.write("REQS = {}\nfunction add_requests(chunk) for _, r in ipairs(chunk()) do REQS[#REQS + 1] = r end end\n")
        for start in range(0, len(requests), LUA_CHUNK):
            f.write("add_requests(function() return {\n")
            for p, body, sig in requests[start : start + LUA_CHUNK]:
                f.write(f"{{{json.dumps(p)}, {json.dumps(body)}, {json.dumps(sig)}}},\n")
            f.write("} end)\n")


def run(
    pop,
    seconds: int,
    workdir: Path,
    *,
    server_workers: int = 4,
    connections: int = 16,
    rounds: int = 2,
    log: Callable[[str], object] = print,
) -> dict:
    """`rounds` rounds of wrk against each route in turn, on one gunicorn
    (benchmarks.reference_settings: the product's settings plus the bare route)."""
    sql(CREATE_TABLE)
    port = free_port()
    bots = pop.bots[:20]
    bodies = [t["text"] for t in texts()]
    budget = max(2000, seconds * OURS.first_rate * rounds) + WARM_UP
    makers: dict[str, RequestMaker] = {
        "ours": partial(ours_request, port, bots, known_contacts(pop, bots, budget), bodies),
        "bare": partial(bare_request, port, bodies),
    }
    next_index = dict.fromkeys(makers, 0)

    def take(route: Route, count: int) -> list[SignedRequest]:
        start = next_index[route.name]
        next_index[route.name] += count
        return [makers[route.name](i) for i in range(start, start + count)]

    server = start_gunicorn(port, server_workers, workdir / "gunicorn.log", database_url(), settings=REFERENCE_SETTINGS)
    results: list[dict] = []
    try:
        for route in ROUTES:
            warm_up(port, take(route, WARM_UP))
        for number in range(1, rounds + 1):
            for route in ROUTES:
                rate = max([r["rate"] for r in results if r["route"] == route.name], default=0)
                count = max(2000, int(seconds * max(route.first_rate, 2 * rate)))  # more than it can take
                data = workdir / "wrk_requests.lua"
                write_lua_data(take(route, count), data)
                row = {
                    "route": route.name,
                    "round": number,
                    **wrk_round(route, port, server.pid, data, seconds, connections),
                }
                results.append(row)
                log(f"  {route.name}, round {number}: {describe(row)}")
    finally:
        stop_gunicorn(server)
    return summarise(results, seconds, server_workers, connections)


def wrk_round(route: Route, port: int, gunicorn_pid: int, data: Path, seconds: int, connections: int) -> dict:
    """One wrk run against one route; what it answered, what was stored, and the CPU of
    gunicorn (all workers), PostgreSQL (the whole server) and wrk meanwhile."""
    threads = min(2, connections)
    stored_before, _ = route.stored()
    cpu = CpuWindow(
        {
            "gunicorn": partial(tree_cpu, gunicorn_pid),
            "postgresql": postgres_cpu_seconds,
            "wrk": reaped_children_cpu,  # wrk has exited (and been reaped) when the window stops
        }
    )
    cpu.start()
    wrk = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}",
            "--",
            str(data),
            str(threads),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    window = cpu.stop()
    line = next((text for text in wrk.stdout.splitlines() if text.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {wrk.stdout}\n{wrk.stderr}")
    result = json.loads(line[len("BENCH ") :])
    stored_after, repeated = route.stored()
    stored = stored_after - stored_before
    errors = sum(result[k] for k in ("non2xx", "connect_errors", "read_errors", "write_errors", "timeouts"))
    distinct = result["requests"] - result["wrapped"]
    requests = max(result["requests"], 1)
    # wrk does not count the requests still in flight when it stops: at most one per connection.
    problems = []
    if errors:
        problems.append(f"{errors} errors")
    if not distinct <= stored <= distinct + connections:
        problems.append(f"{stored} messages stored for {distinct} requests")
    if repeated:
        problems.append(f"{repeated} MessageSids stored twice")
    return {
        **result,
        "seconds": result["duration_us"] / 1e6,
        "rate": result["requests"] / (result["duration_us"] / 1e6),
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "max_ms": result["max_us"] / 1000,
        "errors": errors,
        "stored": stored,
        "cpu_us_per_request": {k: v["seconds"] * 1e6 / requests for k, v in window["parts"].items() if k != "machine"},
        "machine_cores": window["parts"]["machine"]["cores"],
        "check": "ok" if not problems else "FAILED: " + ", ".join(problems),
    }


def describe(row: dict) -> str:
    cpu = row["cpu_us_per_request"]
    return (
        f"{row['requests']:,} requests, {row['rate']:,.0f}/s, p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms, "
        f"CPU µs per request: gunicorn {cpu['gunicorn']:,.0f}, PostgreSQL {cpu.get('postgresql', 0):,.0f}, "
        f"wrk {cpu['wrk']:,.0f}; {row['check']}"
    )


def summarise(rounds: list[dict], seconds: int, server_workers: int, connections: int) -> dict:
    """Each route's best round (the highest rate: the one the rest of the machine disturbed
    least) and ours/bare; every round is kept."""
    best = {
        route.name: max((r for r in rounds if r["route"] == route.name), key=lambda r: r["rate"]) for route in ROUTES
    }
    failed = [f"{r['route']} round {r['round']}: {r['check']}" for r in rounds if r["check"] != "ok"]
    return {
        "seconds": seconds,
        "server_workers": server_workers,
        "connections": connections,
        "labels": {route.name: route.label for route in ROUTES},
        "rounds": rounds,
        "best": best,
        "ratio": best["ours"]["rate"] / best["bare"]["rate"],
        "check": "ok" if not failed else "FAILED: " + "; ".join(failed),
    }
