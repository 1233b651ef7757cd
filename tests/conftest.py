"""Fixtures shared by several test files."""

import pytest

from tests.support.twilio_harness import running_twilio_server

# A few milliseconds, like a fast provider: tests where latency is the point set their own.
TWILIO_TEST_LATENCY = 0.003


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
    settings.TWILIO_API_BASE = server.base_url
    settings.TWILIO_ACCOUNT_SID = server.account_sid
    settings.TWILIO_AUTH_TOKEN = server.auth_token
    yield server
    server.reset()
