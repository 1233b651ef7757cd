"""What the load phase and the provider phase's reply storm share: gunicorn serving the app
on 127.0.0.1, and Twilio inbound webhooks signed as Twilio signs them."""

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

from benchmarks.common import PYTHON, ROOT

TOKEN = "bench-twilio-auth-token"
PRODUCT_SETTINGS = "followup_project.settings"
# The product's settings and URLs plus the bare reference view (benchmarks/bare_inbound.py).
REFERENCE_SETTINGS = "benchmarks.reference_settings"


class SignedRequest(NamedTuple):
    path: str
    body: str  # the urlencoded form
    signature: str  # X-Twilio-Signature


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def inbound_form(sid: str, sender: str, body: str, to: str = "+15550009999") -> dict[str, str]:
    """The fields of Twilio's inbound message webhook that the app reads (and two it doesn't)."""
    return {
        "MessageSid": sid,
        "AccountSid": "ACbench",
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "ProfileName": "Load Test",
    }


def sign(port: int, path: str, form: dict[str, str], token: str = TOKEN) -> SignedRequest:
    """The request as Twilio would send it to http://127.0.0.1:<port><path>."""
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(token).compute_signature(f"http://127.0.0.1:{port}{path}", form)
    return SignedRequest(path, urlencode(form), signature)


def post(conn: http.client.HTTPConnection, request: SignedRequest) -> int:
    """POST one signed request and read the whole answer; its status. The connection opens
    again by itself when the server closed it (gunicorn's sync workers close after each)."""
    conn.request(
        "POST",
        request.path,
        body=request.body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": request.signature},
    )
    response = conn.getresponse()
    response.read()
    return response.status


def start_gunicorn(
    port: int,
    workers: int,
    log: Path,
    database_url: str,
    token: str = TOKEN,
    settings: str = PRODUCT_SETTINGS,
) -> subprocess.Popen:
    """gunicorn (sync workers) serving the app on 127.0.0.1:<port>; returns once it listens."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
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


def warm_up(port: int, requests: list[SignedRequest]) -> None:
    """A few requests first, so every worker has loaded its code and connected."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for request in requests:
            status = post(conn, request)
            if status != 200:
                raise RuntimeError(f"warm-up request to {request.path} got {status}")
    finally:
        conn.close()
