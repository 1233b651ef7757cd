"""The Response Info page, from data the real engine made on a virtual clock."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from channels_out.senders.console import RecordingSender
from conversations.models import Contact, Message
from scheduling import events
from scheduling.models import FollowUp
from tests.factories import at, clock, make_bot, make_conversation
from tests.support.engine import run_until

pytestmark = pytest.mark.django_db

WEEKDAY = [["08:00", "12:00"], ["13:00", "18:00"]]
HOURS = {**dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), WEEKDAY), "sat": [["09:00", "13:00"]]}
CADENCES = {"stopped_replying": "15m, 1d", "busy": "2h, 1d", "specific_time": "1d"}


@pytest.fixture
def maria():
    """Bot in New York, Maria in Los Angeles, the week of Monday 2 March 2026.

    Mon 17:50 the bot writes: stopped-replying step 1 is due 18:05, after hours, so it is
    planned Tue 08:00 and sent then; step 2 is planned Wed 08:00. Tue 10:00 Maria is busy:
    step 2 is cancelled, busy step 1 is due 12:00 (lunch break), planned 13:00, sent then.
    Wed 09:00 she asks for "tomorrow at 3pm", her time: Thu 15:00 PST is 18:00 in New York,
    closed, so it is planned Fri 08:00 EST. The pending busy step 2 is cancelled.
    """
    bot = make_bot(name="Bright Smile", cadences=CADENCES, hours=HOURS)
    conversation = make_conversation(bot, first_name="Maria", last_name="Lopez", timezone="America/Los_Angeles")
    c, sender = clock("2026-03-02T17:50:00-05:00"), RecordingSender()
    events.record_outbound(conversation, "Time for your cleaning! Book: https://book.example.com/ana", clock=c)
    run_until(conversation, c, "2026-03-03T10:00:00-05:00", sender)
    c.set(at("2026-03-03T10:00:00-05:00"))
    events.record_inbound(conversation, "Sorry, I'm in a meeting right now", clock=c)
    run_until(conversation, c, "2026-03-04T09:00:00-05:00", sender)
    c.set(at("2026-03-04T09:00:00-05:00"))
    events.record_inbound(conversation, "Can you call me tomorrow at 3pm?", clock=c)
    return conversation.contact


def url(contact_id):
    return reverse("response_info", args=[contact_id])


def test_the_engine_made_the_story_the_page_is_tested_on(maria):
    rows = list(FollowUp.objects.order_by("-planned_at").values_list("kind", "step", "status", "reason"))
    assert rows == [
        ("specific_time", 1, "pending", ""),
        ("busy", 2, "cancelled", "contact_replied"),
        ("stopped_replying", 2, "cancelled", "contact_replied"),
        ("busy", 1, "sent", ""),
        ("stopped_replying", 1, "sent", ""),
    ]


def test_follow_ups_are_listed_newest_first_with_scenario_step_and_status(admin_client, maria):
    page = admin_client.get(url(maria.pk)).content.decode()
    ids = [int(i) for i in re.findall(r'id="follow-up-(\d+)"', page)]
    assert ids == list(FollowUp.objects.order_by("-planned_at").values_list("pk", flat=True))
    assert "Contact Requests a Specific Follow-Up Time" in page
    assert "Contact is Busy" in page and "Contact Stopped Replying" in page
    assert "1 of 2" in page and "2 of 2" in page
    for status in ("Pending", "Sent", "Cancelled"):
        assert f'ri-status-{status.lower()}">{status}</span>' in page


def test_times_are_shown_in_both_time_zones_with_the_deferred_original_time(admin_client, maria):
    page = admin_client.get(url(maria.pk)).content.decode()
    assert "bot's time zone (America/New_York)" in page
    assert "contact's time zone (America/Los_Angeles)" in page
    # The requested time: planned Friday 08:00 in New York, originally Thursday 15:00 her time.
    assert "Fri 6 Mar 2026, 08:00 EST" in page and "Fri 6 Mar 2026, 05:00 PST" in page
    assert "originally due" in page
    assert "Thu 5 Mar 2026, 18:00 EST / Thu 5 Mar 2026, 15:00 PST" in page
    # The first stopped-replying step, due after closing on Monday.
    assert "Mon 2 Mar 2026, 18:05 EST / Mon 2 Mar 2026, 15:05 PST" in page


def test_reasons_triggers_and_sent_texts_are_shown(admin_client, maria):
    page = admin_client.get(url(maria.pk)).content.decode()
    assert "The contact replied" in page and "(contact_replied)" in page
    assert escape("“Can you call me tomorrow at 3pm?”") in page
    assert escape("“Sorry, I'm in a meeting right now”") in page
    sent = FollowUp.objects.filter(status="sent", kind="busy").get()
    assert sent.text and escape(sent.text) in page


def test_delivery_status_from_the_provider_is_shown(admin_client, maria):
    # What a Twilio status callback records on the row.
    FollowUp.objects.filter(status="sent", kind="busy").update(delivery_status="delivered")
    page = admin_client.get(url(maria.pk)).content.decode()
    assert 'SMS · <span title="delivered">Delivered</span>' in page  # under the status


def test_the_conversation_is_shown_oldest_first_with_intents_and_state(admin_client, maria):
    page = admin_client.get(url(maria.pk)).content.decode()
    cells = [
        page.index(f'<td data-label="Text" class="ri-text">{escape(text)}</td>')
        for text in (
            "Time for your cleaning! Book: https://book.example.com/ana",
            "Sorry, I'm in a meeting right now",
            "Can you call me tomorrow at 3pm?",
        )
    ]
    assert cells == sorted(cells)
    assert "asked for a specific time" in page and "busy" in page
    assert "for Thu 5 Mar 2026, 18:00 EST / Thu 5 Mar 2026, 15:00 PST" in page
    assert "Last inbound message" in page and "Wed 4 Mar 2026, 09:00 EST" in page
    assert "Engine notes" in page


def test_a_stopped_conversation_shows_why_and_opt_outs(admin_client):
    conversation, c = make_conversation(make_bot()), clock()
    events.record_outbound(conversation, "Hi Ana!", clock=c)
    c.set(at("2026-03-06T10:02:00-05:00"))
    events.record_inbound(conversation, "STOP", clock=c)
    page = admin_client.get(url(conversation.contact_id)).content.decode()
    assert "<strong>Stopped</strong>: the contact opted out" in page
    assert "Opted out</dt><dd>yes, of every channel (said on SMS)" in page
    assert "opted out of every channel (said on SMS)" in page  # the engine's note


def test_empty_state_when_nothing_was_planned(admin_client):
    contact = make_conversation().contact
    response = admin_client.get(url(contact.pk))
    assert response.status_code == 200
    assert "No follow-up has been planned for this contact yet." in response.content.decode()


def test_breadcrumbs_lead_back_to_the_contact(admin_client, maria):
    page = admin_client.get(url(maria.pk)).content.decode()
    assert reverse("admin:conversations_contact_change", args=[maria.pk]) in page


def test_anonymous_visitors_are_sent_to_the_login(client, maria):
    response = client.get(url(maria.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_non_staff_users_are_sent_to_the_login(client, django_user_model, maria):
    client.force_login(django_user_model.objects.create_user("ana", password="x"))
    assert client.get(url(maria.pk)).status_code == 302


def test_unknown_contact_is_404(admin_client):
    assert admin_client.get(url(999999)).status_code == 404


def test_queries_stay_bounded_however_long_the_history(admin_client, django_assert_max_num_queries, maria):
    admin_client.get(url(maria.pk))  # warm the session and the user
    with django_assert_max_num_queries(14) as before:
        page = admin_client.get(url(maria.pk)).content.decode()
    assert 'id="coming-next"' in page  # the steps still to come are projected from what is read anyway
    # Ten more exchanges, ten more follow-ups: not one query more.
    conversation = maria.conversations.get()
    c = clock("2026-03-09T10:00:00-04:00")
    for _ in range(10):
        events.record_outbound(conversation, "Any questions?", clock=c)
        c.set(c.now().replace(minute=c.now().minute + 1))
        events.record_inbound(conversation, "In a meeting, sorry", clock=c)
        c.set(c.now().replace(minute=c.now().minute + 1))
    assert FollowUp.objects.count() >= 15
    with django_assert_max_num_queries(14) as after:
        page = admin_client.get(url(maria.pk)).content.decode()
    assert 'id="coming-next"' in page
    assert len(after) == len(before)
    assert Contact.objects.count() == 1


@pytest.mark.parametrize("bot_zone", ["Etc/GMT+12", "Pacific/Kiritimati"])
def test_times_at_the_calendars_edges_are_shown_in_utc(admin_client, bot_zone):
    """A zone's offset would carry them past year 9999 or before year 1: shown in UTC, never a 500."""
    conversation = make_conversation(make_bot(timezone=bot_zone), timezone="Pacific/Kiritimati")
    last, first = datetime(9999, 12, 31, 23, 59, tzinfo=UTC), datetime(1, 1, 1, 0, 1, tzinfo=UTC)
    for moment in (last, first):
        Message.objects.create(
            conversation=conversation,
            direction=Message.Direction.INBOUND,
            author=Message.Author.CONTACT,
            channel="sms",
            text="call me then",
            at=moment,
            intent="specific_time",
            requested_at=moment,
        )
    response = admin_client.get(url(conversation.contact_id))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Fri 31 Dec 9999, 23:59 UTC" in page
    assert " 1 Jan " in page and "00:01 UTC" in page  # year 1: "1" or "0001", as the platform writes it
