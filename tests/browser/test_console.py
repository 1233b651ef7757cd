"""The console as a person uses it, in a real browser (headless Chromium): sign in, configure
a bot, reply to a contact, read Response Info. Every page visited is also checked at 1400 px
and 390 px wide: it must not scroll sideways, and the browser's console must show no error.

Layout problems are gathered over a whole test and reported together at its end, each with the
page, the width and the elements sticking out.
"""

from datetime import time

import pytest
from django.urls import reverse

from bots.models import Scenario, WorkingWindow
from conversations.models import Message
from tests.support.admin_forms import bot_url

pytestmark = pytest.mark.django_db(transaction=True)

NEW_CADENCE = "1h, 1d, 3d"


def no_problems(problems):
    assert not problems, "\n".join(["pages that don't fit or log errors:", *problems])


def test_the_agency_signs_in_through_the_login_form_and_sees_every_business(browser, demo):
    browser.open(reverse("admin:login"))
    problems = browser.problems("login page")
    browser.login("admin", "admin")
    assert browser.path == reverse("admin:index")
    problems += browser.problems("admin index (agency)")

    browser.submit_with(browser.link("Businesses"))
    assert demo["bot"].account.name in browser.text("#result_list")
    problems += browser.problems("businesses list (agency)")
    no_problems(problems)


CONSOLE_LISTS = [
    ("admin index", "admin:index"),
    ("bots list", "admin:bots_bot_changelist"),
    ("contacts list", "admin:conversations_contact_changelist"),
    ("conversations list", "admin:conversations_conversation_changelist"),
    ("follow-ups list", "admin:scheduling_followup_changelist"),
]


def test_the_owners_lists_fit_a_desktop_and_a_phone(browser, demo):
    browser.login("owner", "owner")
    problems = []
    for label, url_name in CONSOLE_LISTS:
        browser.open(reverse(url_name))
        assert browser.find("#content"), label
        problems += browser.problems(label)
    browser.open(reverse("admin:scheduling_followup_changelist"))
    assert "Maria" in browser.text("#result_list")
    no_problems(problems)


def test_the_owner_configures_the_bot_cadence_and_working_hours(browser, demo):
    bot = demo["bot"]
    kinds = list(Scenario.objects.filter(bot=bot).values_list("kind", flat=True))
    cadence = f"#id_scenarios-{kinds.index('stopped_replying')}-cadence"
    first_window = WorkingWindow.objects.filter(bot=bot)[0]  # Monday 08:00-12:00, shown first

    browser.login("owner", "owner")
    browser.open(bot_url(bot))
    problems = browser.problems("bot page")
    browser.fill(cadence, NEW_CADENCE)
    browser.fill("#id_working_windows-0-end", "12:30")
    browser.submit_with(browser.find("input[name=_save]"))

    assert "was changed successfully" in browser.text(".messagelist .success")
    assert Scenario.objects.get(bot=bot, kind="stopped_replying").cadence == NEW_CADENCE
    assert WorkingWindow.objects.get(pk=first_window.pk).end == time(12, 30)
    problems += browser.problems("bots list after saving")

    browser.open(bot_url(bot))
    assert browser.find(cadence).get_attribute("value") == NEW_CADENCE
    no_problems(problems)


def test_the_owner_replies_to_a_contact_on_the_conversation_page(browser, demo):
    conversation = demo["conversation"]
    url = reverse("conversation", args=[conversation.pk])
    reply = "Hi Maria, 3pm tomorrow works: we'll call you then."

    browser.login("owner", "owner")
    browser.open(url)
    problems = browser.problems("conversation page")
    browser.button("Mark appointment booked")
    assert browser.has_button("Pause follow-ups") or browser.has_button("Resume follow-ups")
    browser.fill("textarea[name=text]", reply)
    browser.submit_with(browser.button("Send"))

    assert browser.path == url, "the reply should lead back to the conversation"
    assert browser.find(".messagelist").text
    assert reply in browser.text("#content")
    assert Message.objects.filter(conversation=conversation, text=reply, direction="outbound").exists()
    problems += browser.problems("conversation page after a reply")
    no_problems(problems)


def test_response_info_fits_a_desktop_and_a_phone(browser, demo):
    contact = demo["contact"]
    browser.login("owner", "owner")
    browser.open(reverse("admin:conversations_contact_change", args=[contact.pk]))
    problems = browser.problems("contact page")
    browser.submit_with(browser.link("Response Info"))

    assert browser.path == reverse("response_info", args=[contact.pk])
    assert "Follow-ups, newest first" in browser.text("#follow-ups")
    problems += browser.problems("Response Info")
    no_problems(problems)


def test_results_fit_a_desktop_and_a_phone(browser, demo):
    browser.login("owner", "owner")
    browser.open(reverse("admin:index"))
    browser.submit_with(browser.link("Results"))

    assert browser.path == reverse("results")
    assert "Summary" in browser.text("#summary")
    assert browser.find("#chart-steps svg.chart-bars, #chart-steps .chart-empty")
    assert browser.find("#chart-weeks svg.chart-lines, #chart-weeks .chart-empty")
    assert "Per scenario and step" in browser.text("#steps")
    assert browser.find("#steps table.rs-table")
    problems = browser.problems("Results")

    browser.open(bot_url(demo["bot"]))
    browser.submit_with(browser.find(".object-tools a[href^='/results/?bot=']"))  # the bot's, not the sidebar's
    assert browser.path.startswith(reverse("results") + "?bot=")
    browser.find("#rs-period option[value='90']").click()
    browser.submit_with(browser.button("Show"))
    assert "Last 90 days" in browser.text(".rs-period")
    problems += browser.problems("Results of one bot, 90 days")
    no_problems(problems)
