"""Load: the inbound Twilio webhook under gunicorn on 127.0.0.1, driven by wrk for a fixed
time. Every request is signed like Twilio's (X-Twilio-Signature over the URL and form),
with its own MessageSid and phone number, so each one does the real work: find or create
the contact and conversation, classify, cancel, plan. Loopback only; wrk stops by itself.
"""

import json
import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.common import PYTHON, ROOT, database_url, scalar, sql
from benchmarks.events_bench import texts

TOKEN = "bench-twilio-auth-token"
LUA = Path(__file__).with_name("wrk_twilio.lua")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed_requests(port: int, count: int, bots: list[int], first_contact: int) -> list[tuple[str, str, str]]:
    """(path, form body, signature). A third are replies from known contacts (they have a
    pending follow-up), the rest come from new numbers."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    known = sql(
        f"""SELECT bot_id, phone FROM conversations_contact WHERE id >= {first_contact}
                    AND bot_id = ANY(%s) ORDER BY id LIMIT {count // 3}""",
        (bots,),
    )
    bodies = [t["text"] for t in texts()]
    out = []
    for i in range(count):
        bot, phone = known[i // 3] if i % 3 == 0 and i // 3 < len(known) else (bots[i % len(bots)], f"+1777{i:07d}")
        path = f"/webhooks/twilio/{bot}/inbound/"
        params = {
            "MessageSid": f"SMload{uuid.UUID(int=i).hex[8:]}",
            "AccountSid": "ACbench",
            "From": phone,
            "To": "+15550009999",
            "Body": bodies[i % len(bodies)],
            "NumMedia": "0",
            "ProfileName": "Load Test",
        }
        signature = validator.compute_signature(f"http://127.0.0.1:{port}{path}", params)
        out.append((path, urlencode(params), signature))
    return out


def write_lua_data(requests: list, path: Path) -> None:
    # JSON strings of ASCII text are valid Lua string literals.
    with path.open("w") as f:
        f.write("REQS = {\n")
        for p, body, sig in requests:
            f.write(f"{{{json.dumps(p)}, {json.dumps(body)}, {json.dumps(sig)}}},\n")
        f.write("}\n")


def start_gunicorn(port: int, workers: int, log: Path, database_url: str, token: str = TOKEN) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "TWILIO_AUTH_TOKEN": token,
        "PUBLIC_BASE_URL": "",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            str(Path(PYTHON).with_name("gunicorn")),
            "followup_project.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--error-logfile",
            str(log),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"gunicorn did not start; see {log}")


def stop_gunicorn(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def warm_up(port: int, requests: list) -> None:
    """A few requests first, so every worker has loaded its code and connected."""
    import requests as http

    for path, body, sig in requests:
        r = http.post(
            f"http://127.0.0.1:{port}{path}",
            data=body,
            timeout=30,
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig},
        )
        if r.status_code != 200:
            raise RuntimeError(f"warm-up request got {r.status_code}: {r.text[:200]}")


# The product keeps database connections for reuse (CONN_MAX_AGE=60 by default); a new
# connection per request (Django's own default, 0) is measured beside it.
VARIANTS = [
    ("a new DB connection per request (DATABASE_URL ?conn_max_age=0)", "?conn_max_age=0"),
    ("as configured: persistent DB connections (CONN_MAX_AGE=60)", ""),
]


def run(pop, seconds: int, workdir: Path, server_workers: int = 4, connections: int = 16, threads: int = 2) -> list:
    port = free_port()
    count = max(2000, seconds * 1200)  # more than the server can take in `seconds`
    first_contact = min(pop.due * pop.stride + 100_000, pop.size // 2)  # contacts the events benchmark left alone
    requests = signed_requests(port, (count + 40) * len(VARIANTS), pop.bots[:20], first_contact)
    results = []
    for i, (name, url_suffix) in enumerate(VARIANTS):
        mine = requests[i * (count + 40) : (i + 1) * (count + 40)]
        results.append(
            {
                "variant": name,
                **_one(
                    port,
                    mine[:40],
                    mine[40:],
                    seconds,
                    workdir,
                    server_workers,
                    connections,
                    threads,
                    database_url() + url_suffix,
                ),
            }
        )
    return results


def _one(port, warm, requests, seconds, workdir, server_workers, connections, threads, url) -> dict:
    data = workdir / "wrk_requests.lua"
    write_lua_data(requests, data)
    server = start_gunicorn(port, server_workers, workdir / "gunicorn.log", url)
    try:
        warm_up(port, warm)
        before = scalar("SELECT count(*) FROM conversations_message WHERE provider_id LIKE 'SMload%%'")
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
    finally:
        stop_gunicorn(server)
    line = next((text for text in wrk.stdout.splitlines() if text.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {wrk.stdout}\n{wrk.stderr}")
    result = json.loads(line[len("BENCH ") :])
    stored = scalar("SELECT count(*) FROM conversations_message WHERE provider_id LIKE 'SMload%%'") - before
    errors = sum(result[k] for k in ("non2xx", "connect_errors", "read_errors", "write_errors", "timeouts"))
    distinct = result["requests"] - result["wrapped"]
    # wrk does not count the requests still in flight when it stops: at most one per connection.
    ok = errors == 0 and distinct <= stored <= distinct + connections
    return {
        **result,
        "seconds": result["duration_us"] / 1e6,
        "rate": result["requests"] / (result["duration_us"] / 1e6),
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "errors": errors,
        "server_workers": server_workers,
        "connections": connections,
        "stored": stored,
        "check": "ok" if ok else f"FAILED: {errors} errors, {stored} messages stored for {distinct} requests",
    }
