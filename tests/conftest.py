"""Fixtures shared by several test files, and the settings every test runs with."""

import os
import time

import pytest
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from hypothesis import settings as hypothesis_settings

from tests.support.twilio_harness import running_twilio_server

# A few milliseconds, like a fast provider: tests where latency is the point set their own.
TWILIO_TEST_LATENCY = 0.003


# Hypothesis draws the same examples at every run, on every machine, and replays none from an
# example database: a run's result doesn't depend on the runs before it. The property tests'
# own settings inherit this (the fuzz tests also say it themselves). HYPOTHESIS_PROFILE=explore
# (or --hypothesis-profile=explore) draws new examples each run, to look for failures on purpose.
hypothesis_settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
hypothesis_settings.register_profile("explore", parent=hypothesis_settings.get_profile("default"), deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

# Django's default PBKDF2 takes ~0.25 s per password set or checked, on purpose; tests that
# create users (admin_user, create_user with a password) don't test the hasher.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        yield


def _sqlite_without_fsync(sender, connection, **kwargs):
    """The test database is a throwaway file: no fsync at every commit (~1.7 ms each here),
    which the transactional tests (fuzz, end to end, reply storm) pay thousands of times.
    Locking and isolation are unchanged; only durability across an OS crash is given up.
    This process's connections only: the cluster processes some tests start keep the default."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")


connection_created.connect(_sqlite_without_fsync, dispatch_uid="tests-sqlite-without-fsync")


@pytest.fixture(autouse=True)
def _no_pacing_rates_from_earlier_tests():
    """The pacer caches each number's rate for a minute (an owner's override applies within
    it), in the process: a rate one test set (its rows rolled back) would pace the next one."""
    from channels_out import pacing

    pacing._RATES.clear()


@pytest.fixture
def limited(settings):
    """The API limited to 3 requests a minute per credential, counted from zero."""
    from django.core.cache import cache

    settings.API_THROTTLE_RATE = "3/min"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def engine_clock(monkeypatch):
    """What the engine reads when it is given no clock (the webhooks, the API): a virtual
    clock instead of the system's, at the factories' Friday 10:00 in New York. Move it with set()."""
    from tests.factories import clock

    c = clock()
    monkeypatch.setattr("scheduling.clock.system_clock.now", c.now)
    return c


@pytest.fixture
def migrate(transactional_db):
    """Moves the test database to the given migrations ([(app, name)], name None: before the
    app's first; none given: the latest) and returns the apps as they are there. Afterwards
    the database is back at the latest migrations."""
    yield _migrate
    _migrate()


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.fixture(scope="session")
def _twilio_server_for_session():
    with running_twilio_server(latency=TWILIO_TEST_LATENCY) as server:
        yield server


@pytest.fixture
def twilio_server(_twilio_server_for_session, settings):
    """The test Twilio server (tests/support/twilio_server.py), reset, with the real SDK's
    settings pointed at it. Its stats() tell what was sent."""
    server = _twilio_server_for_session
    server.reset()
    _wait_until_idle(server)
    settings.TWILIO_API_BASE = server.base_url
    settings.TWILIO_ACCOUNT_SID = server.account_sid
    settings.TWILIO_AUTH_TOKEN = server.auth_token
    yield server
    server.reset()


def _wait_until_idle(server, seconds=30):
    """A reset leaves requests in flight: an earlier test's slow answer (SLOW_TO), which its
    client gave up waiting for, still counts against the concurrency limit for a second or
    so. Polls the server until none is left."""
    deadline = time.monotonic() + seconds
    while server.stats(messages=False)["in_flight"]:
        assert time.monotonic() < deadline, "the test Twilio server still has requests in flight"
        time.sleep(0.01)
