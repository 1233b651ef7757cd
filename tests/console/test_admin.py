"""The admin through its real forms: what it refuses, with which message, and that it renders."""

from datetime import time

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils.html import escape

from bots.models import Bot, Scenario
from channels_out.senders.console import RecordingSender
from rules.cadence import CadenceError, parse_cadence
from scheduling import events
from scheduling.dispatch import dispatch_due
from scheduling.models import FollowUp
from tests.factories import at, clock, make_account, make_bot, make_conversation
from tests.support.admin_forms import bot_change, bot_url, form_data
from tests.support.checks import present
from workflows.models import NO_BOT_ACTIONS, Workflow, WorkflowAction

pytestmark = pytest.mark.django_db


def scenario_prefix(bot, kind):
    """The inline's prefix for a scenario: they are listed in the model's order."""
    ids = list(Scenario.objects.filter(bot=bot).values_list("kind", flat=True))
    return f"scenarios-{ids.index(kind)}"


def scenarios_formset(response):
    return next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "scenarios")


def scenario_form(response, bot, kind):
    return scenarios_formset(response).forms[int(scenario_prefix(bot, kind).rsplit("-", 1)[1])]


def post_custom_texts(client, bot, texts, kind="busy"):
    """The bot's page saved with "use custom message" ticked and `texts` typed in its box."""
    url, data = bot_change(client, bot)
    prefix = scenario_prefix(bot, kind)
    data[f"{prefix}-use_custom_message"] = "on"
    data[f"{prefix}-custom_messages"] = texts
    return client.post(url, data)


def cadence_error(text, kind):
    with pytest.raises(CadenceError) as exc:
        parse_cadence(text, allow_empty=kind == "specific_time")
    return str(exc.value)


# --- Bot: cadences --------------------------------------------------------------------

BAD_CADENCES = [
    ("stopped_replying", "30s"),  # seconds are no unit we take
    ("stopped_replying", "0m, 1d"),  # under a minute
    ("busy", "5m, soon"),  # unparsable
    ("busy", ", ".join(["1d"] * 11)),  # more than 10 steps
    ("stopped_replying", ""),  # needs at least one step
    ("busy", "  "),
]


@pytest.mark.parametrize("kind,cadence", BAD_CADENCES)
def test_a_bad_cadence_is_refused_with_its_reason_on_the_field(admin_client, kind, cadence):
    bot = make_bot()
    before = Scenario.objects.get(bot=bot, kind=kind).cadence
    url, data = bot_change(admin_client, bot)
    prefix = scenario_prefix(bot, kind)
    data[f"{prefix}-cadence"] = cadence
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, not a redirect
    assert escape(cadence_error(cadence, kind)) in response.content.decode()
    assert "cadence" in scenario_form(response, bot, kind).errors
    assert Scenario.objects.get(bot=bot, kind=kind).cadence == before


def test_a_good_cadence_is_saved_and_specific_time_may_be_empty(admin_client):
    bot = make_bot()
    url, data = bot_change(admin_client, bot)
    data[f"{scenario_prefix(bot, 'stopped_replying')}-cadence"] = "15m, 2h, 1d"
    data[f"{scenario_prefix(bot, 'specific_time')}-cadence"] = ""
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert Scenario.objects.get(bot=bot, kind="stopped_replying").cadence == "15m, 2h, 1d"
    assert Scenario.objects.get(bot=bot, kind="specific_time").cadence == ""


def test_the_cadence_help_warns_about_spammy_cadences(admin_client):
    page = admin_client.get(bot_url(make_bot())).content.decode()
    assert "read as spam" in page


# --- Bot: custom texts, one per line ----------------------------------------------------


def test_custom_texts_are_typed_one_per_line_and_shown_back_the_same_way(admin_client):
    bot = make_bot()
    typed = "Hi {first_name}, is now better?\r\n\r\n  Still keen? {booking_link}  \r\n"
    assert post_custom_texts(admin_client, bot, typed).status_code == 302
    scenario = Scenario.objects.get(bot=bot, kind="busy")
    assert scenario.custom_messages == ["Hi {first_name}, is now better?", "Still keen? {booking_link}"]
    assert scenario.custom_text(1) == "Hi {first_name}, is now better?"
    assert scenario.custom_text(5) == "Still keen? {booking_link}"  # the last line serves the steps beyond

    url = bot_url(bot)
    response = admin_client.get(url)
    shown = scenario_form(response, bot, "busy")["custom_messages"].value()
    assert shown == "Hi {first_name}, is now better?\nStill keen? {booking_link}"
    assert admin_client.post(url, form_data(response)).status_code == 302  # saved again as it was shown
    assert Scenario.objects.get(pk=scenario.pk).custom_messages == scenario.custom_messages


def test_a_bad_placeholder_is_refused_naming_its_line(admin_client):
    bot = make_bot()
    response = post_custom_texts(admin_client, bot, "Hi {first_name}!\nHello {frist_name}\n\nBook: {link")
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Line 2: Unknown placeholder {frist_name}. You can use {first_name}, {business_name}, {booking_link}."
    ) in page
    assert "Line 4: Unbalanced braces" in page  # blank lines count, as the owner sees the box
    assert "Line 1" not in page
    assert Scenario.objects.get(bot=bot, kind="busy").custom_messages == []


def test_ticking_custom_message_without_a_text_is_refused(admin_client):
    response = post_custom_texts(admin_client, make_bot(), "\n  \n")
    assert escape("Write the custom text (one per step), or untick “use custom message”.") in (
        response.content.decode()
    )


def test_a_text_with_line_breaks_from_before_v2_survives_an_untouched_save(admin_client):
    bot = make_bot()
    Scenario.objects.filter(bot=bot, kind="busy").update(
        use_custom_message=True, custom_messages=["Hi {first_name},\nstill busy?"]
    )
    url, data = bot_change(admin_client, bot)
    data[f"{scenario_prefix(bot, 'busy')}-cadence"] = "1h, 1d"  # the form is saved, the text not touched
    assert admin_client.post(url, data).status_code == 302
    scenario = Scenario.objects.get(bot=bot, kind="busy")
    assert (scenario.cadence, scenario.custom_messages) == ("1h, 1d", ["Hi {first_name},\nstill busy?"])


def test_a_stored_text_that_is_not_a_list_is_shown_and_saved_as_one(admin_client):
    bot = make_bot()
    Scenario.objects.filter(bot=bot, kind="busy").update(use_custom_message=True, custom_messages="Hi {first_name}")
    url, data = bot_change(admin_client, bot)  # renders, no 500
    assert data[f"{scenario_prefix(bot, 'busy')}-custom_messages"] == "Hi {first_name}"
    assert admin_client.post(url, data).status_code == 302
    assert Scenario.objects.get(bot=bot, kind="busy").custom_messages == ["Hi {first_name}"]


# --- Bot: spammy cadences ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,cadence,within",
    [
        ("stopped_replying", "5m, 15m, 15m, 15m", "4 follow-ups within an hour"),
        ("busy", "2h, 1h, 1h, 1h, 1h, 1h", "6 follow-ups within a day"),
        ("specific_time", "20m, 20m, 20m", "4 follow-ups within an hour"),  # the requested time is step 1
    ],
)
def test_a_spammy_cadence_is_warned_about_then_saved_once_accepted(admin_client, kind, cadence, within):
    bot = make_bot()
    url, data = bot_change(admin_client, bot)
    prefix = scenario_prefix(bot, kind)
    data[f"{prefix}-cadence"] = cadence
    response = admin_client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"This cadence sends {within} of the first one." in page
    assert escape("tick “I accept this cadence” and save again") in page
    assert f'type="checkbox" name="{prefix}-accept_cadence"' in page
    assert Scenario.objects.get(bot=bot, kind=kind).cadence != cadence

    data = form_data(response)
    data[f"{prefix}-accept_cadence"] = "on"
    assert admin_client.post(url, data).status_code == 302
    assert Scenario.objects.get(bot=bot, kind=kind).cadence == cadence

    # Accepted once: later saves of the bot don't ask again.
    assert admin_client.post(url, bot_change(admin_client, bot)[1]).status_code == 302


def test_a_gentle_cadence_shows_no_acceptance_box(admin_client):
    bot = make_bot()
    url, data = bot_change(admin_client, bot)
    data[f"{scenario_prefix(bot, 'stopped_replying')}-cadence"] = "5m, 20m, 20m, 1d, 1d"
    assert admin_client.post(url, data).status_code == 302
    response = admin_client.get(url)
    field = scenario_form(response, bot, "stopped_replying")["accept_cadence"]
    assert field.is_hidden and 'type="checkbox"' not in str(field)


def test_switching_on_a_scenario_with_a_spammy_cadence_is_warned_about(admin_client):
    bot = make_bot()
    Scenario.objects.filter(bot=bot, kind="busy").update(enabled=False, cadence="1m, 1m, 1m, 1m")
    url, data = bot_change(admin_client, bot)
    prefix = scenario_prefix(bot, "busy")
    data[f"{prefix}-enabled"] = "on"
    response = admin_client.post(url, data)
    assert "This cadence sends 4 follow-ups within an hour" in response.content.decode()
    assert not Scenario.objects.get(bot=bot, kind="busy").enabled


def test_scenarios_offer_only_their_own_bots_workflows(admin_client):
    bot, other = make_bot(), make_bot(name="Other practice")
    Workflow.objects.create(bot=bot, name="Ours: tag it")
    Workflow.objects.create(bot=other, name="Theirs: notify")
    page = admin_client.get(bot_url(bot)).content.decode()
    assert "Ours: tag it" in page and "Theirs: notify" not in page


def test_a_scenario_picks_its_workflows_on_the_bot_page(admin_client):
    bot = make_bot()
    tagging = Workflow.objects.create(bot=bot, name="Tag them")
    url, data = bot_change(admin_client, bot)
    data[f"{scenario_prefix(bot, 'busy')}-workflows"] = [str(tagging.pk)]
    assert admin_client.post(url, data).status_code == 302
    assert [s.kind for s in tagging.scenarios.all()] == ["busy"]
    # Shown again as chosen, and unlinked by clearing it.
    url, data = bot_change(admin_client, bot)
    assert data[f"{scenario_prefix(bot, 'busy')}-workflows"] == [str(tagging.pk)]
    del data[f"{scenario_prefix(bot, 'busy')}-workflows"]
    assert admin_client.post(url, data).status_code == 302
    assert not tagging.scenarios.exists()


def test_a_workflow_refuses_another_bots_scenario(admin_client):
    bot, other = make_bot(), make_bot(name="Other practice")
    theirs = Scenario.objects.get(bot=other, kind="busy")
    data = {**workflow_post(bot, kind="add_tag", tag="x"), "scenarios": [str(theirs.pk)]}
    response = admin_client.post(reverse("admin:workflows_workflow_add"), data)
    assert "Choose scenarios of this workflow&#x27;s bot." in response.content.decode()
    assert not Workflow.objects.exists()


def test_scenarios_cannot_be_added_or_deleted(admin_client):
    bot = make_bot()
    response = admin_client.get(bot_url(bot))
    formset = scenarios_formset(response)
    assert len(formset.forms) == 3 and not formset.can_delete
    page = response.content.decode()
    assert 'name="scenarios-0-DELETE"' not in page
    assert 'name="scenarios-MAX_NUM_FORMS" value="0"' in page  # no "Add another" either


def test_a_new_bot_gets_its_three_scenarios_and_the_v2_defaults(admin_client):
    account = make_account("New practice")  # the only business: chosen already
    data = form_data(admin_client.get(reverse("admin:bots_bot_add")))  # the defaults, as a browser posts them
    data.update(
        {
            "name": "New practice",
            "timezone": "Europe/London",
            "working_windows-TOTAL_FORMS": "1",
            "working_windows-0-weekday": "0",
            "working_windows-0-start": "09:00",
            "working_windows-0-end": "17:00",
        }
    )
    response = admin_client.post(reverse("admin:bots_bot_add"), data)
    assert response.status_code == 302
    bot = Bot.objects.get(name="New practice")
    assert bot.account == account
    assert bot.scenarios.count() == 3 and bot.working_windows.count() == 1
    assert bot.contact_window() == (time(8), time(21)) and bot.max_follow_ups_per_day == 3


def test_contact_hours_and_the_daily_limit_have_their_own_section(admin_client):
    page = admin_client.get(bot_url(make_bot())).content.decode()
    assert "Contact hours and limits" in page
    assert escape("bots created before these settings existed keep contact hours off and no limit") in page
    for name in ("contact_hours_enabled", "contact_hours_start", "contact_hours_end", "max_follow_ups_per_day"):
        assert f'name="{name}"' in page, name


def test_contact_hours_and_the_limit_are_saved(admin_client):
    bot = make_bot()
    url, data = bot_change(admin_client, bot)
    data.update(
        {
            "contact_hours_enabled": "on",
            "contact_hours_start": "09:30",
            "contact_hours_end": "20:00",
            "max_follow_ups_per_day": "2",
        }
    )
    assert admin_client.post(url, data).status_code == 302
    bot.refresh_from_db()
    assert bot.contact_window() == (time(9, 30), time(20)) and bot.max_follow_ups_per_day == 2


def test_contact_hours_starting_when_they_end_are_refused(admin_client):
    bot = make_bot()
    url, data = bot_change(admin_client, bot)
    data.update({"contact_hours_enabled": "on", "contact_hours_start": "09:00", "contact_hours_end": "09:00"})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert escape("Contact hours must end at another time than they start") in response.content.decode()
    assert "contact_hours_end" in response.context["adminform"].form.errors
    bot.refresh_from_db()
    assert bot.contact_hours_end == time(21)

    del data["contact_hours_enabled"]  # switched off, the equal times do no harm
    assert admin_client.post(url, data).status_code == 302


def test_a_working_window_ending_before_it_starts_is_refused(admin_client):
    bot = make_bot()
    url, data = bot_change(admin_client, bot)
    data.update(
        {
            "working_windows-TOTAL_FORMS": "1",
            "working_windows-0-weekday": "2",
            "working_windows-0-start": "17:00",
            "working_windows-0-end": "09:00",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "A window must end after it starts (leave empty for midnight)." in response.content.decode()
    assert not bot.working_windows.exists()


def test_a_bad_time_zone_is_refused(admin_client):
    bot = make_bot()
    url, data = bot_change(admin_client, bot)
    data["timezone"] = "Mars/Olympus"
    response = admin_client.post(url, data)
    assert escape('"Mars/Olympus" is not a time zone.') in response.content.decode()


def test_switching_a_bot_off_from_the_list(admin_client):
    bot = make_bot()
    response = admin_client.post(
        reverse("admin:bots_bot_changelist"), {"action": "switch_off", "_selected_action": [bot.pk]}, follow=True
    )
    assert "Switched 1 bot(s) off." in response.content.decode()
    bot.refresh_from_db()
    assert not bot.active


# --- Workflows ------------------------------------------------------------------------


def workflow_post(bot, **action):
    return {
        "bot": str(bot.pk),
        "name": "After a follow-up",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-position": "0",
        **{f"actions-0-{k}": v for k, v in action.items()},
    }


@pytest.mark.parametrize("kind", ["start_bot", "handover_bot", "hand_over_to_bot", "trigger_bot"])
def test_a_workflow_action_starting_another_bot_is_refused(admin_client, kind):
    response = admin_client.post(reverse("admin:workflows_workflow_add"), workflow_post(make_bot(), kind=kind))
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(NO_BOT_ACTIONS) in page
    assert "Select a valid choice" not in page
    assert not Workflow.objects.exists()


def test_an_unknown_action_gets_the_usual_choice_error(admin_client):
    response = admin_client.post(reverse("admin:workflows_workflow_add"), workflow_post(make_bot(), kind="dance"))
    assert "Select a valid choice" in response.content.decode()


def test_a_good_workflow_is_saved(admin_client):
    response = admin_client.post(
        reverse("admin:workflows_workflow_add"), workflow_post(make_bot(), kind="add_tag", tag="followed-up")
    )
    assert response.status_code == 302
    assert WorkflowAction.objects.get().tag == "followed-up"


def test_an_action_missing_what_it_needs_is_refused(admin_client):
    response = admin_client.post(reverse("admin:workflows_workflow_add"), workflow_post(make_bot(), kind="notify"))
    assert "Choose the user to notify." in response.content.decode()


# --- Conversations and follow-ups -------------------------------------------------------


@pytest.fixture
def story():
    """Two bots' conversations with sent, cancelled and pending follow-ups, made by the engine."""
    conversation = make_conversation(make_bot(), first_name="Maria", phone="+15555550101")
    c, sender = clock(), RecordingSender()
    events.record_outbound(conversation, "Hi Maria, book here: https://book.example.com/ana", clock=c)
    c.set(at("2026-03-06T10:05:00-05:00"))
    dispatch_due(c, sender=sender)  # step 1 sent, step 2 pending
    c.set(at("2026-03-06T10:07:00-05:00"))
    events.record_inbound(conversation, "I'm driving, talk later", clock=c)  # step 2 cancelled, busy pending
    other = make_conversation(make_bot(name="Other practice"), first_name="Olga", phone="+15555550199")
    events.record_outbound(other, "Hello Olga", clock=c)
    return conversation, other


def test_every_admin_page_renders(admin_client, story):
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert admin_client.get(reverse(f"{name}_changelist")).status_code == 200, model
        obj = model._default_manager.first()
        if obj is not None:
            assert admin_client.get(reverse(f"{name}_change", args=[obj.pk])).status_code == 200, model


def test_add_pages_render_where_adding_makes_sense(admin_client):
    for name in (
        "bots_bot",
        "workflows_workflow",
        "conversations_contact",
        "conversations_conversation",
        "conversations_tag",
    ):
        assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 200, name
    assert admin_client.get(reverse("admin:scheduling_followup_add")).status_code == 403


def test_the_follow_up_list_shows_what_matters(admin_client, story):
    page = admin_client.get(reverse("admin:scheduling_followup_changelist")).content.decode()
    for text in (
        "Maria",
        "Contact Stopped Replying",
        "Contact is Busy",
        "1 of 2",
        "2 of 2",
        "contact_replied",
        "Fri 6 Mar 2026, 10:05 EST",
    ):  # planned time, in the bot's time zone
        assert text in page, text


def changelist(client, **params):
    response = client.get(reverse("admin:scheduling_followup_changelist"), params)
    assert response.status_code == 200
    return {(f.kind, f.step, f.status) for f in response.context["cl"].result_list}


def test_follow_ups_filter_by_status_scenario_and_bot(admin_client, story):
    _, other = story
    assert changelist(admin_client, status__exact="sent") == {("stopped_replying", 1, "sent")}
    assert changelist(admin_client, status__exact="cancelled") == {("stopped_replying", 2, "cancelled")}
    assert changelist(admin_client, kind__exact="busy") == {("busy", 1, "pending")}
    assert changelist(admin_client, conversation__bot__id__exact=other.bot_id) == {("stopped_replying", 1, "pending")}
    assert len(changelist(admin_client, q="Maria")) == 3


def test_follow_up_list_queries_do_not_grow_with_rows(admin_client, story, django_assert_max_num_queries):
    admin_client.get(reverse("admin:scheduling_followup_changelist"))
    with django_assert_max_num_queries(12):
        admin_client.get(reverse("admin:scheduling_followup_changelist"))


def test_follow_ups_are_read_only(admin_client, story):
    follow_up = present(FollowUp.objects.first())
    url = reverse("admin:scheduling_followup_change", args=[follow_up.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="_save"' not in page
    assert admin_client.post(url, {"status": "failed"}).status_code == 403
    assert FollowUp.objects.get(pk=follow_up.pk).status == follow_up.status


def test_a_contact_with_follow_ups_can_be_deleted(admin_client, story):
    conversation, _ = story
    url = reverse("admin:conversations_contact_delete", args=[conversation.contact_id])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not FollowUp.objects.filter(conversation_id=conversation.pk).exists()


def test_contact_pages_link_to_response_info(admin_client, story):
    conversation, _ = story
    link = reverse("response_info", args=[conversation.contact_id])
    assert link in admin_client.get(reverse("admin:conversations_contact_changelist")).content.decode()
    change = reverse("admin:conversations_contact_change", args=[conversation.contact_id])
    assert f'href="{link}"' in admin_client.get(change).content.decode()


def test_contacts_search_and_filter(admin_client, story):
    conversation, _ = story
    url = reverse("admin:conversations_contact_changelist")
    assert [str(c) for c in admin_client.get(url, {"q": "+15555550199"}).context["cl"].result_list] == ["Olga"]
    by_bot = admin_client.get(url, {"bot__id__exact": conversation.bot_id}).context["cl"].result_list
    assert [str(c) for c in by_bot] == ["Maria"]


def test_the_conversation_page_shows_its_messages(admin_client, story):
    conversation, _ = story
    page = admin_client.get(reverse("admin:conversations_conversation_change", args=[conversation.pk]))
    assert escape("I'm driving, talk later") in page.content.decode()


def test_mark_appointment_booked_cancels_pending_follow_ups(admin_client, story):
    conversation, other = story
    response = admin_client.post(
        reverse("admin:conversations_conversation_changelist"),
        {"action": "mark_booked", "_selected_action": [conversation.pk]},
        follow=True,
    )
    assert "Marked 1 conversation(s) booked; 1 pending follow-up(s) cancelled." in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.stopped and conversation.stopped_reason == "appointment_booked"
    assert not conversation.follow_ups.filter(status="pending").exists()
    assert conversation.follow_ups.filter(status="cancelled", reason="appointment_booked").count() == 1
    assert other.follow_ups.filter(status="pending").count() == 1  # not selected, untouched
