"""One headless Chromium for the whole browser suite, pointed at pytest-django's live server.

Without Chromium (and chromedriver) these tests skip, saying how to install them; with
REQUIRE_BROWSER=1, as `.ci/run` sets, they fail instead, so CI can't pass without them.
"""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.support.browser import (
    REQUIRE_ENV,
    WIDE,
    Browser,
    browser_required,
    demo_pages,
    start_chromium,
    unavailable_reason,
)


@pytest.fixture(scope="session")
def chromium():
    reason = unavailable_reason()
    if reason:
        if browser_required():
            pytest.fail(f"{reason} ({REQUIRE_ENV} is set: the browser tests may not skip)", pytrace=False)
        pytest.skip(reason)
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium, live_server):
    """The browser, signed out, at the desktop width, its console log emptied."""
    browser = Browser(chromium, live_server.url)
    browser.open("/admin/login/")
    chromium.delete_all_cookies()
    browser.resize(WIDE)
    browser.console_errors()
    return browser


@pytest.fixture
def demo(live_server):
    """`manage.py demo`'s business (owner / owner), its bot and contacts, and admin / admin,
    committed where the live server sees them (live_server makes the test transactional)."""
    call_command("demo", stdout=StringIO())
    return demo_pages()
