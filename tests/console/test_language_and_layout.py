"""Issue 12, "Language and layout": what the owner reads, through the real admin pages.

Branding; the index grouped the owner's way; readable labels with the code in a tooltip;
every time in the bot's zone with the zone named; a new bot's scenarios on its add page;
working hours filled from a preset; phone numbers stored in E.164 from the admin and the
API. (The widths at 1400 and 390 px are measured in a browser by tests/browser/.)
"""

import re
from datetime import time

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Membership, Role
from bots.hours import PRESETS
from bots.models import Bot, WorkingWindow
from channels_out.senders.console import RecordingSender
from conversations.models import Contact, Message
from scheduling import events
from scheduling.models import EngineEvent, FollowUp
from tests.factories import at, clock, make_account, make_bot, make_conversation
from tests.support.admin_forms import bot_change, form_data
from tests.support.api_keys import authorization, issue_key
from tests.support.engine import run_until

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client):
    """The owner of one business, signed in."""
    account = make_account("Bright Smile")
    user = User.objects.create_user("owner", password="x", is_staff=True)
    Membership.objects.create(account=account, user=user, role=Role.OWNER)
    client.force_login(user)
    client.account = account
    return client


@pytest.fixture
def story(owner):
    """A New York bot wrote to Ana at 10:00; step 1 of stopped-replying went out at 10:05;
    at 10:12 she answered "STOP": step 2 cancelled as contact_replied, the conversation
    stopped as opt_out. Friday 6 March 2026 (EST)."""
    bot = make_bot(account=owner.account, name="Bright Smile", timezone="America/New_York")
    conversation = make_conversation(bot, first_name="Ana")
    c = clock("2026-03-06T10:00:00-05:00")
    events.record_outbound(conversation, "Time for your cleaning!", clock=c)
    run_until(conversation, c, "2026-03-06T10:06:00-05:00", RecordingSender())
    c.set(at("2026-03-06T10:12:00-05:00"))
    events.record_inbound(conversation, "STOP", clock=c)
    conversation.refresh_from_db()
    return conversation


def page(client, name, *args, **params) -> str:
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200, name
    return response.content.decode()


# --- Branding and the index ----------------------------------------------------------------


def test_the_header_and_titles_name_the_product(owner):
    index = page(owner, "admin:index")
    assert "Django administration" not in index and "Django site admin" not in index
    assert re.search(r'<div id="site-name"><a href="/admin/">.*Auto Follow-Up</a></div>', index)
    assert "<title>Console | Auto Follow-Up</title>" in index
    for static in ("console/console.css", "console/favicon.svg"):
        assert f"/static/{static}" in index and finders.find(static), static
    owner.logout()
    assert "Auto Follow-Up" in page(owner, "admin:login")
    assert "View site" not in index  # there is no public site to view


def test_the_owners_index_is_grouped_the_owners_way(owner):
    index = owner.get(reverse("admin:index")).context["app_list"]
    groups = [(group["name"], [model["name"] for model in group["models"]]) for group in index]
    assert groups == [
        ("Conversations", ["Conversations", "Contacts", "Follow-ups", "Engine notes"]),
        ("Setup", ["Bots", "Workflows", "Tags"]),
        ("Business", ["Businesses", "API keys"]),
    ]
    html = page(owner, "admin:index")
    assert "Django Q" not in html and "Successful tasks" not in html and "Users" not in html


def test_the_agency_sees_the_groups_then_its_own_apps(admin_client):
    names = [group["name"] for group in admin_client.get(reverse("admin:index")).context["app_list"]]
    assert names[:3] == ["Conversations", "Setup", "Business"]
    assert {"Django Q", "Authentication and Authorization", "Axes"} <= set(names[3:])


def test_an_apps_own_page_stays_as_django_builds_it(owner):
    apps = owner.get(reverse("admin:app_list", args=["scheduling"])).context["app_list"]
    assert [model["name"] for app in apps for model in app["models"]] == ["Engine notes", "Follow-ups"]


# --- Labels, with the code in a tooltip ------------------------------------------------------


def test_the_follow_up_list_shows_labels_with_codes_in_tooltips(owner, story):
    html = page(owner, "admin:scheduling_followup_changelist")
    assert 'title="contact_replied" data-code="contact_replied">The contact replied, so the follow-up' in html
    assert 'title="cancelled" data-code="cancelled">Cancelled</span>' in html
    assert 'title="sent" data-code="sent">Sent</span>' in html
    assert ">contact_replied<" not in html and ">cancelled<" not in html  # no raw code as cell text


def test_the_follow_up_detail_shows_labels(owner, story):
    cancelled = FollowUp.objects.get(status="cancelled")
    html = page(owner, "admin:scheduling_followup_change", cancelled.pk)
    assert "The contact replied, so the follow-up logic started again." in html
    assert 'title="cancelled" data-code="cancelled">Cancelled</span>' in html


def test_a_providers_failure_reads_as_its_label_and_its_own_words(owner, story):
    FollowUp.objects.filter(status="sent").update(status="failed", reason="provider_busy: 429 Too Many Requests")
    html = page(owner, "admin:scheduling_followup_changelist")
    assert 'title="provider_busy" data-code="provider_busy">The provider was busy' in html
    assert "(429 Too Many Requests)" in html
    info = page(owner, "response_info", story.contact_id)
    assert "The provider was busy; the send was tried again later. (429 Too Many Requests)" in info
    assert "(provider_busy)" in info


def test_conversations_say_why_they_stopped(owner, story):
    html = page(owner, "admin:conversations_conversation_changelist")
    assert 'title="opt_out" data-code="opt_out">The contact opted out</span>' in html
    detail = page(owner, "admin:conversations_conversation_change", story.pk)
    assert 'title="opt_out" data-code="opt_out">The contact opted out</span>' in detail
    assert 'title="opt_out">opt-out</span>' not in detail  # the inline's intent: its label too
    assert re.search(r'title="opt_out" data-code="opt_out">Opt-out</span>', detail)


def test_engine_notes_show_what_happened_in_words(owner, story):
    html = page(owner, "admin:scheduling_engineevent_changelist")
    assert 'title="opted_out" data-code="opted_out">Opted out</span>' in html
    assert 'title="stopped" data-code="stopped">Stopped</span>' in html


def test_response_info_shows_labels_with_codes(owner, story):
    html = page(owner, "response_info", story.contact_id)
    assert '<span title="contact_replied">The contact replied, so the follow-up logic started again.</span>' in html
    assert '<span class="ri-quiet ri-code">(contact_replied)</span>' in html
    assert 'title="cancelled" class="ri-status ri-status-cancelled">Cancelled</span>' in html
    assert '<strong>Stopped</strong>: the contact opted out <span class="ri-quiet ri-code" title="opt_out">' in html
    assert '<span title="opted_out">Opted out</span>' in html  # the engine's note
    assert '<span title="opt_out">opt-out</span>' in html  # the message's intent


# --- One time zone rule, always named -------------------------------------------------------


def test_every_time_column_is_in_the_bots_zone_and_says_so(owner, story):
    follow_ups = page(owner, "admin:scheduling_followup_changelist")
    assert "Planned (bot&#x27;s time)" in follow_ups
    assert '<time datetime="2026-03-06T15:05:00+00:00">Fri 6 Mar 2026, 10:05 EST</time>' in follow_ups
    conversations = page(owner, "admin:conversations_conversation_changelist")
    assert "Last inbound (bot&#x27;s time)" in conversations and "Created (bot&#x27;s time)" in conversations
    assert "Fri 6 Mar 2026, 10:12 EST" in conversations  # the last inbound message
    notes = page(owner, "admin:scheduling_engineevent_changelist")
    assert "At (bot&#x27;s time)" in notes and "Fri 6 Mar 2026, 10:12 EST" in notes


def test_the_follow_up_detail_names_the_zone_of_every_time(owner, story):
    sent = FollowUp.objects.get(status="sent")
    FollowUp.objects.filter(pk=sent.pk).update(claimed_at=sent.planned_at)
    html = page(owner, "admin:scheduling_followup_change", sent.pk)
    for label in ("Due by the cadence", "Planned", "Created", "Claimed by a dispatcher", "Finished"):
        assert f"{label} (bot&#x27;s time)" in html, label
    assert html.count("Fri 6 Mar 2026, 10:05 EST") >= 4  # due, planned, claimed, finished
    assert "Fri 6 Mar 2026, 10:00 EST" in html  # created when the bot wrote
    assert "Triggered by" in html and "Outbound (Bot, <time" in html  # the bot's message, in its time
    assert "p.m." not in html and "a.m." not in html  # no unnamed UTC time from Django's own display
    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d(?! UTC)", html)  # a model's own name says UTC


def test_the_conversation_page_names_the_zone_of_its_messages(owner, story):
    Message.objects.filter(conversation=story, direction="inbound").update(
        intent="specific_time", requested_at=at("2026-03-09T15:00:00-04:00")
    )
    html = page(owner, "admin:conversations_conversation_change", story.pk)
    assert "At (bot&#x27;s time)" in html and "Time asked for (bot&#x27;s time)" in html
    assert "Fri 6 Mar 2026, 10:00 EST" in html and "Fri 6 Mar 2026, 10:12 EST" in html
    assert "Mon 9 Mar 2026, 15:00 EDT" in html
    assert "p.m." not in html and "a.m." not in html
    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d(?! UTC)", html)


def test_an_opt_out_recorded_in_the_console_is_dated_now_in_the_bots_zone(owner, story):
    contact = story.contact
    contact.opt_outs.all().delete()
    url = reverse("admin:conversations_contact_change", args=[contact.pk])
    data = form_data(owner.get(url))
    data.update({"opt_outs-TOTAL_FORMS": "1", "opt_outs-0-channel": "whatsapp", "opt_outs-0-contact": str(contact.pk)})
    before = timezone.now()
    assert owner.post(url, data).status_code == 302
    assert contact.opt_outs.get().at >= before
    assert "Recorded (bot&#x27;s time)" in page(owner, "admin:conversations_contact_change", contact.pk)


# --- A new bot's scenarios, on its add page -------------------------------------------------


def test_a_new_bots_page_shows_its_three_scenarios_with_the_default_cadences(owner):
    response = owner.get(reverse("admin:bots_bot_add"))
    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "scenarios")
    shown = {form.instance.kind: form["cadence"].value() for form in formset.forms}
    assert shown == {"stopped_replying": "1h, 1d", "busy": "2h, 1d", "specific_time": "1d"}
    html = response.content.decode()
    for label in ("Contact Stopped Replying", "Contact is Busy", "Contact Requests a Specific Follow-Up Time"):
        assert label in html
    assert "scenarios-2-cadence" in html and "scenarios-3-cadence" not in html


def test_saving_a_new_bot_makes_its_scenarios_with_what_was_typed(owner):
    data = form_data(owner.get(reverse("admin:bots_bot_add")))
    kinds = {data[f"scenarios-{i}-cadence"]: i for i in range(3)}
    busy, specific = kinds["2h, 1d"], kinds["1d"]
    data.update({"name": "New practice", "timezone": "America/Chicago"})
    data[f"scenarios-{busy}-cadence"] = "3h, 2d"
    data.pop(f"scenarios-{specific}-enabled")  # unticked
    response = owner.post(reverse("admin:bots_bot_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    bot = Bot.objects.get(name="New practice")
    scenarios = {s.kind: (s.enabled, s.cadence) for s in bot.scenarios.all()}
    assert scenarios == {
        "busy": (True, "3h, 2d"),
        "specific_time": (False, "1d"),
        "stopped_replying": (True, "1h, 1d"),  # untouched: the default
    }
    assert bot.scenarios.count() == 3  # one of each kind: the signal's and the form's are one


def test_a_bad_cadence_on_the_add_page_is_refused_and_nothing_is_made(owner):
    data = form_data(owner.get(reverse("admin:bots_bot_add")))
    data.update({"name": "New practice", "timezone": "America/Chicago", "scenarios-0-cadence": "soon"})
    response = owner.post(reverse("admin:bots_bot_add"), data)
    assert response.status_code == 200 and not Bot.objects.filter(name="New practice").exists()


def test_a_spammy_cadence_on_the_add_page_is_warned_about_then_saved_once_accepted(owner):
    data = form_data(owner.get(reverse("admin:bots_bot_add")))
    data.update({"name": "New practice", "timezone": "America/Chicago", "scenarios-0-cadence": "1m, 2m, 3m, 4m"})
    response = owner.post(reverse("admin:bots_bot_add"), data)
    assert response.status_code == 200 and "I accept this cadence" in response.content.decode()
    data["scenarios-0-accept_cadence"] = "on"
    assert owner.post(reverse("admin:bots_bot_add"), data).status_code == 302
    assert Bot.objects.get(name="New practice").scenarios.get(kind="busy").cadence == "1m, 2m, 3m, 4m"


# --- Working hours from a preset ------------------------------------------------------------


def windows(bot) -> set[tuple[int, time, time | None]]:
    return set(WorkingWindow.objects.filter(bot=bot).values_list("weekday", "start", "end"))


@pytest.mark.parametrize("preset", PRESETS)
def test_a_preset_replaces_the_working_windows(owner, preset):
    bot = make_bot(account=owner.account, hours={"sun": [["10:00", "11:00"]]})
    url, data = bot_change(owner, bot)
    data["hours_preset"] = preset
    assert owner.post(url, data).status_code == 302
    expected = {(day, start, end) for day, spans in PRESETS[preset][1].items() for start, end in spans}
    assert windows(bot) == expected


def test_mon_fri_with_a_lunch_break_is_one_choice_instead_of_ten_rows(owner):
    bot = make_bot(account=owner.account)
    url, data = bot_change(owner, bot)
    data["hours_preset"] = "weekdays_8_12_13_17"
    response = owner.post(url, data, follow=True)
    assert len(windows(bot)) == 10 and (4, time(13), time(17)) in windows(bot)
    assert "Working hours set to Mon-Fri 08:00-12:00 and 13:00-17:00." in response.content.decode()


def test_mondays_hours_typed_now_are_copied_to_the_other_weekdays(owner):
    bot = make_bot(account=owner.account, hours={"wed": [["07:00", "08:00"]], "sat": [["09:00", "13:00"]]})
    url, data = bot_change(owner, bot)
    total = int(str(data["working_windows-TOTAL_FORMS"]))
    for i, (start, end) in enumerate((("09:00", "12:00"), ("13:00", "17:30"))):
        data.update(
            {
                f"working_windows-{total + i}-weekday": "0",
                f"working_windows-{total + i}-start": start,
                f"working_windows-{total + i}-end": end,
            }
        )
    data["working_windows-TOTAL_FORMS"] = str(total + 2)
    data["hours_preset"] = "copy_monday"
    assert owner.post(url, data).status_code == 302
    monday = [(time(9), time(12)), (time(13), time(17, 30))]
    expected = {(day, start, end) for day in range(5) for start, end in monday} | {(5, time(9), time(13))}
    assert windows(bot) == expected  # Saturday kept, Wednesday's own hours replaced


def test_copying_an_empty_monday_changes_nothing_and_says_so(owner):
    bot = make_bot(account=owner.account, hours={"tue": [["09:00", "17:00"]]})
    url, data = bot_change(owner, bot)
    data["hours_preset"] = "copy_monday"
    response = owner.post(url, data, follow=True)
    assert windows(bot) == {(1, time(9), time(17))}
    assert "Monday has no working hours to copy" in response.content.decode()


def test_the_preset_field_works_without_javascript_and_agents_dont_see_it(owner, client):
    bot = make_bot(account=owner.account)
    html = page(owner, "admin:bots_bot_change", bot.pk)
    assert '<select name="hours_preset"' in html and "Fill working hours from" in html
    agent = User.objects.create_user("agent", password="x", is_staff=True)
    Membership.objects.create(account=owner.account, user=agent, role=Role.AGENT)
    owner.force_login(agent)
    assert "hours_preset" not in page(owner, "admin:bots_bot_change", bot.pk)


# --- Phone numbers in E.164 -----------------------------------------------------------------


def add_contact(client, bot, phone):
    data = form_data(client.get(reverse("admin:conversations_contact_add")))
    data.update({"bot": str(bot.pk), "first_name": "Dana", "phone": phone})
    return client.post(reverse("admin:conversations_contact_add"), data)


def test_the_admin_stores_a_typed_phone_number_in_e164(owner):
    bot = make_bot(account=owner.account)
    assert add_contact(owner, bot, "(312) 555-0199").status_code == 302
    assert Contact.objects.get(first_name="Dana").phone == "+13125550199"


def test_the_admin_refuses_what_is_no_phone_number_saying_how_to_type_it(owner):
    bot = make_bot(account=owner.account)
    response = add_contact(owner, bot, "call me")
    assert response.status_code == 200
    assert escape('"call me" is not a phone number. Type it with its country code') in response.content.decode()
    assert not Contact.objects.filter(first_name="Dana").exists()


def test_the_same_number_typed_another_way_is_the_contact_already_there(owner):
    bot = make_bot(account=owner.account)
    make_conversation(bot, first_name="Ana", phone="+13125550199")
    response = add_contact(owner, bot, "+1 312-555-0199")
    assert response.status_code == 200
    assert "+13125550199 is already the number of another contact of this business: Ana." in (response.content.decode())


def test_sender_numbers_typed_in_the_admin_are_stored_in_e164(owner):
    bot = make_bot(account=owner.account)
    url, data = bot_change(owner, bot)
    data.update({"sms_from": "(312) 555-0199", "whatsapp_from": "whatsapp:+44 7911 123456"})
    assert owner.post(url, data).status_code == 302
    bot.refresh_from_db()
    assert (bot.sms_from, bot.whatsapp_from) == ("+13125550199", "+447911123456")
    data.update({"sms_from": "55555", "whatsapp_from": ""})
    assert owner.post(url, data).status_code == 302
    bot.refresh_from_db()
    assert bot.sms_from == "55555"  # a short code stays one


def test_the_api_stores_a_contacts_number_in_e164(client):
    bot = make_bot()
    key = issue_key(bot.account)
    body = {"bot": bot.pk, "contact": {"phone": "(312) 555-0199"}, "channel": "sms", "text": "hi"}
    response = client.post(reverse("api-inbound"), body, content_type="application/json", headers=authorization(key))
    assert response.status_code == 201, response.content
    assert Contact.objects.get().phone == "+13125550199"
    again = {**body, "contact": {"phone": "+1 312 555 0199"}}
    client.post(reverse("api-inbound"), again, content_type="application/json", headers=authorization(key))
    assert Contact.objects.count() == 1  # the same number, however it is spelt


def test_the_api_refuses_what_is_no_phone_number(client):
    bot = make_bot()
    body = {"bot": bot.pk, "contact": {"phone": "555"}, "channel": "sms", "text": "hi"}
    response = client.post(
        reverse("api-inbound"), body, content_type="application/json", headers=authorization(issue_key(bot.account))
    )
    assert response.status_code == 400
    assert "is not a phone number" in response.json()["contact"]["phone"][0]
    assert not EngineEvent.objects.exists() and not Contact.objects.exists()
