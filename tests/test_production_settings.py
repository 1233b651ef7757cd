"""Production settings, as the README's "Running it for real" sets them: `check --deploy` is
clean with its values; gunicorn serves the static files collectstatic made (admin CSS, the
API docs' assets) with DEBUG=false, behind the TLS proxy; failed logins lock a username out
from an address for the cool-off; the API limits each API key, never Twilio's webhooks."""

import os
import re
import secrets
import socket
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_account, make_bot
from tests.support.api_keys import key_client
from tests.support.processes import REPO, free_port, run_manage, wait_for
from tests.support.twilio_webhooks import inbound_sms, post_twilio_form, twilio_signature

HOST = "followups.example.com"


# --- the documented production values ---------------------------------------------------


def documented_production_values() -> dict[str, str]:
    """The README's block of production values, as written there."""
    readme = (REPO / "README.md").read_text()
    block = re.search(r"```sh\n\s*# production values[^\n]*\n(.*?)```", readme, flags=re.S)
    assert block, "the README's production values block is missing"
    lines = [line.strip() for line in block.group(1).splitlines() if line.strip() and not line.strip().startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def production_env(tmp: Path, **overrides: str) -> dict[str, str]:
    """The environment of a production process with the README's values, its placeholders
    (<...>) filled in as an operator would; an SQLite file instead of the PostgreSQL server."""
    filled = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp / 'production.sqlite3'}",
        "TWILIO_ACCOUNT_SID": "AC" + secrets.token_hex(16),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "TWILIO_SMS_FROM": "+15555550100",
    }
    values = documented_production_values()
    for name, value in values.items():
        if "<" in value:
            assert name in filled, f"the README's placeholder for {name} is not filled in by this test"
            values[name] = filled[name]
    # Only the README's values and the defaults: none of this shell's own settings.
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {**base, **values, **overrides}


def test_every_documented_production_value_is_a_setting_in_env_example():
    listed = set(re.findall(r"^([A-Z0-9_]+)=", (REPO / ".env.example").read_text(), flags=re.M))
    assert set(documented_production_values()) <= listed


def test_check_deploy_is_clean_with_the_documented_production_values(tmp_path):
    done = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout, done.stdout + done.stderr


def test_check_deploy_names_what_the_development_defaults_leave_open(tmp_path):
    env = production_env(tmp_path)
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        del env[name]
    done = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode == 1
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in done.stderr


# --- static files under gunicorn, DEBUG=false -------------------------------------------


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value and value.startswith("/static/"):
                self.urls.append(value)


def assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.urls


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    """collectstatic into a fresh STATIC_ROOT, then gunicorn with the production values on a
    free port of 127.0.0.1; requests go to it as the TLS proxy sends them."""
    tmp = tmp_path_factory.mktemp("production")
    env = production_env(tmp, STATIC_ROOT=str(tmp / "static"), LOG_LEVEL="WARNING")
    collected = run_manage("collectstatic", "--noinput", env=env)
    assert collected.returncode == 0, collected.stderr
    port = free_port()
    log = str(tmp / "gunicorn.log")
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    # No control socket: not the one in ~/.gunicorn, which another gunicorn may hold.
    command = [gunicorn, "followup_project.wsgi", "--bind", f"127.0.0.1:{port}", "--no-control-socket"]
    server = subprocess.Popen(
        [*command, "--workers", "1", "--error-logfile", log],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def listening():
        assert server.poll() is None, "gunicorn exited:\n" + Path(log).read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    try:
        wait_for(listening, seconds=30, what="gunicorn to listen", interval=0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def get(server: str, path: str, *, https=True, **headers) -> requests.Response:
    """GET `path` as the proxy forwards a request for the public host (over https unless not)."""
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"} if https else {}
    return requests.get(
        server + path, headers={"Host": HOST, **forwarded, **headers}, allow_redirects=False, timeout=10
    )


def test_the_admins_css_is_served(production_server):
    response = get(production_server, "/static/admin/css/base.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css") and "body" in response.text


def test_the_admin_login_page_names_hashed_files_that_are_served_compressed_and_cached(production_server):
    page = get(production_server, reverse("admin:login"))
    assert page.status_code == 200
    [base_css] = [url for url in assets(page.text) if re.fullmatch(r"/static/admin/css/base\.[0-9a-f]{12}\.css", url)]
    response = get(production_server, base_css, **{"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]


def test_the_api_docs_assets_are_served(production_server):
    page = get(production_server, reverse("api-docs"))
    assert page.status_code == 200
    sidecar = [url for url in assets(page.text) if url.startswith("/static/drf_spectacular_sidecar/")]
    assert any(url.endswith(".js") for url in sidecar) and any(url.endswith(".css") for url in sidecar)
    for url in sidecar:
        assert get(production_server, url).status_code == 200, url
    # Redoc's bundle is collected and served too (no page uses it: it loads Google Fonts).
    assert get(production_server, "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js").ok


def test_plain_http_is_redirected_to_https_and_https_answers_carry_hsts(production_server):
    plain = get(production_server, "/static/admin/css/base.css", https=False)
    assert plain.status_code == 301 and plain.headers["Location"] == f"https://{HOST}/static/admin/css/base.css"
    secure = get(production_server, reverse("admin:login"))
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Secure" in secure.headers["Set-Cookie"]  # the CSRF cookie


# --- login attempts ---------------------------------------------------------------------


def log_in(client: Client, password: str, address="198.51.100.1"):
    """The admin's login form posted as a browser does, from `address`."""
    form = {"username": "owner", "password": password, "next": reverse("admin:index")}
    return client.post(reverse("admin:login"), form, REMOTE_ADDR=address)


@pytest.fixture
def owner(django_user_model, settings):
    settings.AXES_FAILURE_LIMIT = 3
    return django_user_model.objects.create_superuser("owner", password="right password")


@pytest.mark.django_db
def test_too_many_wrong_passwords_lock_the_login_out_even_with_the_right_one(owner, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "wrong").status_code == 200  # the form again, with its error
    locked = log_in(client, "wrong")
    assert locked.status_code == 429
    assert "Too many failed login attempts" in locked.content.decode()
    assert locked["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    refused = log_in(client, "right password")
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    # Another address is not locked out.
    other = log_in(client, "right password", address="198.51.100.2")
    assert other.status_code == 302 and client.session["_auth_user_id"] == str(owner.pk)


@pytest.mark.django_db
def test_after_the_cool_off_the_right_password_works_again(owner, settings, monkeypatch):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong")
    assert log_in(client, "right password").status_code == 429
    # The time axes stamps attempts with, one minute past the cool-off.
    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    monkeypatch.setattr("axes.handlers.proxy.now", lambda: later)
    response = log_in(client, "right password")
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert client.session["_auth_user_id"] == str(owner.pk)


# --- API throttling ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_key_past_the_rate_gets_429_with_retry_after_and_another_key_does_not(limited):
    first, second = key_client(make_account("First")), key_client(make_account("Second"))
    url = "/api/contacts/999999/follow-ups/"
    assert [first.get(url).status_code for _ in range(3)] == [404, 404, 404]
    throttled = first.get(url)
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert second.get(url).status_code == 404


@pytest.mark.django_db
def test_anonymous_requests_are_limited_per_address(limited):
    client = Client()
    schema = reverse("api-schema")
    assert [client.get(schema, REMOTE_ADDR="198.51.100.1").status_code for _ in range(3)] == [200] * 3
    assert client.get(schema, REMOTE_ADDR="198.51.100.1").status_code == 429
    assert client.get(schema, REMOTE_ADDR="198.51.100.2").status_code == 200


@pytest.mark.django_db
def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended(limited, settings):
    settings.BEHIND_TLS_PROXY = True
    client = Client()
    schema = reverse("api-schema")
    # The client's own X-Forwarded-For entries (forgeable) don't make it someone else.
    for forged in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert client.get(schema, HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.7").status_code == 200
    assert client.get(schema, HTTP_X_FORWARDED_FOR="10.0.0.4, 203.0.113.7").status_code == 429
    assert client.get(schema, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


@pytest.mark.django_db
def test_twilios_webhooks_are_never_throttled(limited, settings):
    settings.TWILIO_AUTH_TOKEN = "twilio-token"
    settings.PUBLIC_BASE_URL = ""
    bot = make_bot()
    client = Client()
    path = reverse("twilio-inbound", args=[bot.pk])
    for n in range(6):
        params = inbound_sms("+15555550100", f"message {n}", sid=f"SM{n:032d}")
        signature = twilio_signature("twilio-token", "http://testserver" + path, params)
        assert post_twilio_form(client, path, params, signature=signature).status_code == 200
