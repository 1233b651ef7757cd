"""Headless Chromium (Debian's `chromium` and `chromium-driver`) driven by Selenium: for the
browser tests (tests/browser/) and the README's screenshots.

Every page is looked at as a desktop (1400 px wide) and as a phone (390 px): it must not
scroll sideways, and the browser's console must hold no error. The viewport is set through
the DevTools protocol (Emulation.setDeviceMetricsOverride), so `window.innerWidth` is exactly
the width asked for, whatever the headless window's own minimum.

Without Chromium the browser tests skip, saying how to install it; with REQUIRE_BROWSER=1
(as in CI) they fail instead. Every wait is an explicit WebDriverWait on the page.

Screenshots of the main pages, on the demo data (`manage.py demo`), into docs/screenshots/:

    .venv/bin/python -m tests.support.browser screenshots [--out DIR]
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"

REQUIRE_ENV = "REQUIRE_BROWSER"
MISSING = "Chromium not installed: apt-get install chromium chromium-driver"


@dataclass(frozen=True)
class Viewport:
    name: str
    width: int
    height: int


WIDE = Viewport("desktop", 1400, 900)
NARROW = Viewport("phone", 390, 844)
VIEWPORTS = (WIDE, NARROW)

WAIT_SECONDS = 15

FAVICON_404 = re.compile(r"^\S+/favicon\.ico - Failed to load resource: the server responded with a status of 404")

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMEDRIVER_NAMES = ("chromedriver",)


def browser_required() -> bool:
    """REQUIRE_BROWSER=1 (CI): a missing Chromium fails the browser tests instead of skipping them."""
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in ("1", "true", "yes")


def find_chromium() -> tuple[str, str] | None:
    """(browser, driver) executables on PATH, or None when either is missing."""
    browser = next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)
    driver = next((p for p in map(shutil.which, CHROMEDRIVER_NAMES) if p), None)
    return (browser, driver) if browser and driver else None


def unavailable_reason() -> str | None:
    """Why the browser can't run here, or None when it can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium not installed: .venv/bin/pip install -r requirements-dev.txt"
    if find_chromium() is None:
        return MISSING
    return None


def start_chromium() -> WebDriver:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = find_chromium()
    if found is None:
        raise RuntimeError(MISSING)
    browser, driver = found
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
        "--disable-gpu",
        "--disable-dev-shm-usage",  # containers' /dev/shm is small
        "--hide-scrollbars",  # the viewport is exactly its width on every machine
        "--force-device-scale-factor=1",
        "--lang=en-US",
        f"--window-size={WIDE.width},{WIDE.height}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(driver))


# Elements wider than the viewport, but only those where the overflow starts (their parent
# fits) and that no scrolling or clipping box of their own contains: what makes the page
# scroll sideways.
OVERFLOW_SCRIPT = """
const width = document.documentElement.clientWidth;
const sticksOut = (el) => el.getBoundingClientRect().right > width + 0.5;
const clipped = (el) => {
  for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
    const overflow = getComputedStyle(box).overflowX;
    if (overflow !== 'visible' && !sticksOut(box)) return true;
  }
  return false;
};
const describe = (el) => {
  const r = el.getBoundingClientRect();
  let name = el.tagName.toLowerCase();
  if (el.id) name += '#' + el.id;
  const classes = (el.getAttribute('class') || '').trim().split(/\\s+/).filter(Boolean);
  if (classes.length) name += '.' + classes.slice(0, 3).join('.');
  const text = (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
  return `${name} (left ${Math.round(r.left)}, width ${Math.round(r.width)}, right ${Math.round(r.right)})` +
         (text ? ` "${text}"` : '');
};
const offenders = [];
for (const el of document.body.querySelectorAll('*')) {
  if (!sticksOut(el) || clipped(el)) continue;
  const parent = el.parentElement;
  if (parent && parent !== document.body && sticksOut(parent) && !clipped(parent)) continue;
  offenders.push(describe(el));
}
return {
  scrollWidth: document.documentElement.scrollWidth,
  clientWidth: width,
  innerWidth: window.innerWidth,
  offenders: offenders.slice(0, 12),
  more: Math.max(0, offenders.length - 12),
};
"""


def replaced(page: WebElement):
    """A wait condition: `page` (the old document's root) is gone. As EC.staleness_of, and
    also when chromedriver, asked mid-navigation, answers that the node "does not belong to
    the document" instead of calling it stale (seen on a busy machine)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def gone(driver) -> bool:
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
        return False

    return gone


class Browser:
    """One Chromium, pointed at one server: open pages, fill forms, and check each page."""

    def __init__(self, driver: WebDriver, base_url: str):
        self.driver = driver
        self.base_url = base_url.rstrip("/")
        self.viewport = WIDE

    # --- moving around --------------------------------------------------------------

    def wait(self, condition, message: str = "", seconds: float = WAIT_SECONDS):
        """condition(driver)'s first true value, polled; an AssertionError with `message` after
        `seconds` (without chromedriver's native stack trace, which names nothing of ours)."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        try:
            return WebDriverWait(self.driver, seconds).until(condition, message)
        except TimeoutException:
            raise AssertionError(f"{message} (after {seconds} s)") from None

    def _loaded(self) -> None:
        self.wait(
            lambda d: d.execute_script("return document.readyState") == "complete",
            f"{self.driver.current_url} never finished loading",
        )

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path if path.startswith("/") else path)
        self._loaded()

    @property
    def path(self) -> str:
        url = self.driver.current_url
        return url[len(self.base_url) :] if url.startswith(self.base_url) else url

    def find(self, css: str) -> WebElement:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC

        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)), f"no visible {css} on {self.path}")

    def text(self, css: str = "body") -> str:
        return self.find(css).text

    def fill(self, css: str, value: str) -> None:
        field = self.find(css)
        field.clear()
        field.send_keys(value)

    def submit_with(self, element: WebElement) -> None:
        """Clicks `element` (a submit button or link) and waits for the next page to load."""
        from selenium.webdriver.common.by import By

        page = self.driver.find_element(By.TAG_NAME, "html")
        what = f"clicking {element.tag_name} “{element.text or element.get_attribute('value')}” on {self.path}"
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        self.wait(replaced(page), f"{what} loaded no page")
        self._loaded()

    def button(self, label: str) -> WebElement:
        """The visible submit button (<button> or <input type=submit>) labelled `label`."""
        return self.wait(lambda driver: self._button(label), f"no button “{label}” on {self.path}")

    def has_button(self, label: str) -> bool:
        """Whether the loaded page shows a button labelled `label` (no waiting)."""
        return self._button(label) is not None

    def _button(self, label: str) -> WebElement | None:
        from selenium.webdriver.common.by import By

        for candidate in self.driver.find_elements(By.CSS_SELECTOR, "button, input[type=submit]"):
            shown = (candidate.get_attribute("value") if candidate.tag_name == "input" else candidate.text) or ""
            if shown.strip() == label and candidate.is_displayed():
                return candidate
        return None

    def link(self, label: str) -> WebElement:
        """The link reading `label` in the page's text (whatever case CSS shows it in)."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC

        return self.wait(
            EC.element_to_be_clickable((By.XPATH, f"//a[normalize-space(.)='{label}']")),
            f"no link “{label}” on {self.path}",
        )

    def login(self, username: str, password: str) -> None:
        """Through the admin's login form, from a signed-out browser."""
        self.driver.delete_all_cookies()
        self.open("/admin/login/?next=/admin/")
        self.fill("#id_username", username)
        self.fill("#id_password", password)
        self.submit_with(self.find("#login-form [type=submit]"))
        self.wait(
            lambda d: d.find_elements("css selector", "#user-tools"),
            f"{username} is not signed in: {self.path}: {self.text()[:300]}",
        )

    # --- viewport and checks --------------------------------------------------------

    def resize(self, viewport: Viewport) -> None:
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": viewport.width, "height": viewport.height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.wait(
            lambda d: d.execute_script("return window.innerWidth") == viewport.width,
            f"the viewport did not become {viewport.width} px wide",
        )
        self.viewport = viewport

    def console_errors(self) -> list[str]:
        """The console's errors since the last call (the log is drained by reading it).

        Chromium asks every site for /favicon.ico on its own, once per run, and logs the 404:
        that is no error of the page it happens to be on (the Django admin has no favicon)."""
        return [
            entry["message"]
            for entry in self.driver.get_log("browser")
            if entry["level"] == "SEVERE" and not FAVICON_404.search(entry["message"])
        ]

    def overflow(self) -> str | None:
        """Why the page scrolls sideways at the current width, or None."""
        found: dict[str, Any] = self.driver.execute_script(OVERFLOW_SCRIPT)
        if found["scrollWidth"] <= found["clientWidth"]:
            return None
        offenders = "; ".join(found["offenders"]) or "no single element found"
        more = f"; and {found['more']} more" if found["more"] else ""
        return (
            f"scrolls sideways: {found['scrollWidth']} px of content in a {found['clientWidth']} px "
            f"viewport; wider than it: {offenders}{more}"
        )

    def problems(self, label: str) -> list[str]:
        """The current page checked at every width: sideways scrolling and console errors.
        Leaves the browser at the desktop width. Each problem names the page and the width."""
        found = [f"{label}: console error: {message}" for message in self.console_errors()]
        for viewport in VIEWPORTS:
            self.resize(viewport)
            why = self.overflow()
            if why:
                found.append(f"{label} at {viewport.width} px: {why}")
        self.resize(WIDE)
        found += [f"{label}: console error: {message}" for message in self.console_errors()]
        return found

    def screenshot(self, path: Path, viewport: Viewport = WIDE, anchors: tuple[str, ...] = ()) -> Path:
        """The viewport's picture (not the whole page: the files stay small), scrolled to the
        first of `anchors` (CSS selectors) on the page, else at the top."""
        from selenium.webdriver.common.by import By

        self.resize(viewport)
        found = next(filter(None, (self.driver.find_elements(By.CSS_SELECTOR, css) for css in anchors)), [])
        if found:
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", found[0])
        else:
            self.driver.execute_script("window.scrollTo(0, 0)")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))
        self.resize(WIDE)
        return path


# --- screenshots ------------------------------------------------------------------------


def demo_pages() -> dict[str, Any]:
    """The demo's objects the screenshots show (after `manage.py demo`)."""
    from bots.models import Bot
    from console.management.commands.demo import BOT_NAME
    from conversations.models import Contact

    bot = Bot.objects.get(name=BOT_NAME)
    maria = Contact.objects.get(bot=bot, first_name="Maria")
    return {"bot": bot, "contact": maria, "conversation": maria.conversations.order_by("id").first()}


def take_screenshots(browser: Browser, out: Path) -> list[Path]:
    """The main pages, signed in as the demo business's owner, at 1400 px (Response Info at
    390 px too); Results of the demo's bot."""
    from django.urls import reverse

    demo = demo_pages()
    browser.login("owner", "owner")
    response_info = reverse("response_info", args=[demo["contact"].pk])
    # (file, page, width, the elements to scroll to the top, the first found)
    shots: list[tuple[str, str, Viewport, tuple[str, ...]]] = [
        ("admin-index.png", reverse("admin:index"), WIDE, ()),
        # Below the bot's settings and hours: its cadences' preview, else its scenarios.
        ("bot.png", reverse("admin:bots_bot_change", args=[demo["bot"].pk]), WIDE, ("#preview", "#scenarios-group")),
        ("follow-ups.png", reverse("admin:scheduling_followup_changelist"), WIDE, ()),
        ("conversation.png", reverse("conversation", args=[demo["conversation"].pk]), WIDE, ()),
        ("response-info.png", response_info, WIDE, ()),
        ("response-info-390.png", response_info, NARROW, ()),
        ("results.png", reverse("results") + f"?bot={demo['bot'].pk}", WIDE, ()),
    ]
    written = []
    for name, path, viewport, anchors in shots:
        browser.open(path)
        written.append(browser.screenshot(out / name, viewport, anchors))
    return written


def _serve_demo(database: Path) -> tuple[Any, str]:
    """A throwaway SQLite database with the demo, served by Django's live-server thread."""
    import django
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.management import call_command
    from django.test.testcases import LiveServerThread

    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "followup_project.settings")
    django.setup()
    logging.disable(logging.WARNING)  # the server's and the demo's log lines: a throwaway run
    call_command("migrate", verbosity=0)
    call_command("demo", stdout=io.StringIO())
    server = LiveServerThread("127.0.0.1", StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    return server, f"http://127.0.0.1:{server.port}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.browser", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    shots = sub.add_parser("screenshots", help="write PNGs of the main pages, on the demo data")
    shots.add_argument("--out", type=Path, default=SCREENSHOTS)
    args = parser.parse_args(argv)

    reason = unavailable_reason()
    if reason:
        print(reason, file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="followup-screenshots-") as scratch:
        server, base_url = _serve_demo(Path(scratch) / "db.sqlite3")
        driver = start_chromium()
        try:
            for path in take_screenshots(Browser(driver, base_url), args.out):
                shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
                print(f"{shown}  {path.stat().st_size // 1024} KB")
        finally:
            driver.quit()
            server.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
