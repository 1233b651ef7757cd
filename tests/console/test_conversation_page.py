"""The conversation page (/conversations/<id>/) and the console's follow-up controls, through
the real views: reply through the configured sender (the console's, or the real Twilio SDK
against the test Twilio server), pause, resume, book, cancel; the Follow-ups list's bulk
actions; who did it; who may. Time is the engine's virtual clock (engine_clock)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Role
from conversations.models import Conversation, Message, OptOut
from scheduling import events
from scheduling.models import AgentReply, EngineEvent, FollowUp
from tests.factories import at, make_account, make_bot, make_conversation, make_member

pytestmark = pytest.mark.django_db

User = get_user_model()
PENDING, CANCELLED = FollowUp.Status.PENDING, FollowUp.Status.CANCELLED
SMS_FROM = "+15550001111"


@pytest.fixture
def world(engine_clock):
    """Business A (owner, agent) with Ana's conversation on SMS, the bot having written at
    Friday 10:00 New York (stopped-replying planned 10:05); business B with its owner."""
    a, b = make_account("Alpha Dental"), make_account("Beta Clinic")
    bot = make_bot(account=a, name="Alpha Bot")
    conversation = make_conversation(bot, first_name="Ana")
    events.record_inbound(conversation, "Hi, do you have time on Tuesday?")
    engine_clock.set(at("2026-03-06T10:01:00-05:00"))
    events.record_outbound(conversation, "Let me check the calendar.")
    return type(
        "World",
        (),
        {
            "a": a,
            "bot": bot,
            "conversation": conversation,
            "contact": conversation.contact,
            "owner": make_member("owner_a", a, Role.OWNER),
            "agent": make_member("agent_a", a, Role.AGENT),
            "owner_b": make_member("owner_b", b, Role.OWNER),
            "clock": engine_clock,
        },
    )


def page(conversation):
    return reverse("conversation", args=[conversation.pk])


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def reply(client, conversation, text, *, token=None):
    """The reply form as the page renders it, filled in and sent; the redirect followed."""
    if token is None:
        token = client.get(page(conversation)).context["reply_token"]
    return client.post(page(conversation), {"do": "reply", "text": text, "token": token}, follow=True)


def pending(conversation):
    return list(conversation.follow_ups.filter(status=PENDING))


# --- the page -----------------------------------------------------------------------------------


def test_the_page_shows_the_thread_oldest_first_with_author_and_time_and_the_buttons(client, world):
    client.force_login(world.agent)
    response = client.get(page(world.conversation))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Hi, do you have time on Tuesday?") < html.index("Let me check the calendar.")
    assert "bot's time zone (America/New_York)" in html
    assert "Fri 6 Mar 2026, 10:00 EST" in html and "Fri 6 Mar 2026, 10:01 EST" in html
    assert re.search(r'class="cv-author">Contact<', html) and re.search(r'class="cv-author">Bot<', html)
    assert '<textarea name="text"' in html and 'value="Send"' in html
    for label in ("Pause follow-ups", "Resume follow-ups", "Mark appointment booked"):
        assert f">{label}</button>" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert response.context["site_header"]  # the admin's shell


def test_the_lists_and_response_info_link_to_the_page(client, world):
    client.force_login(world.owner)
    link = page(world.conversation)
    changelist = client.get(reverse("admin:conversations_conversation_changelist")).content.decode()
    change = client.get(reverse("admin:conversations_conversation_change", args=[world.conversation.pk]))
    info = client.get(reverse("response_info", args=[world.contact.pk])).content.decode()
    for html in (changelist, change.content.decode(), info):
        assert f'href="{link}"' in html and "Open conversation" in html


# --- replying -----------------------------------------------------------------------------------


def test_a_reply_goes_through_the_console_sender_and_restarts_stopped_replying(client, world, caplog):
    client.force_login(world.agent)
    world.clock.set(at("2026-03-06T10:03:00-05:00"))
    with caplog.at_level("INFO", logger="followups.console"):
        response = reply(client, world.conversation, "Tuesday 3pm is free, shall I book it?")
    assert response.redirect_chain == [(page(world.conversation), 302)]
    assert said(response) == ["Sent on SMS."]
    message = world.conversation.messages.latest("at")
    assert (message.author, message.text, message.channel) == ("agent", "Tuesday 3pm is free, shall I book it?", "sms")
    assert message.provider_id.startswith("console-reply-") and "Tuesday 3pm is free" in caplog.text
    [planned] = pending(world.conversation)
    assert planned.trigger_message == message and planned.due_at == at("2026-03-06T10:08:00-05:00")
    assert "Human agent (agent_a)" in response.content.decode()  # the thread names who wrote it


@pytest.fixture
def twilio(twilio_server, settings):
    settings.FOLLOWUP_SENDER = "live"
    settings.TWILIO_SMS_FROM = SMS_FROM
    settings.PUBLIC_BASE_URL = ""
    return twilio_server


def test_a_reply_goes_through_the_real_twilio_sdk(client, world, twilio):
    client.force_login(world.owner)
    response = reply(client, world.conversation, "See you Tuesday!")
    assert said(response) == ["Sent on SMS."]
    [sent] = twilio.messages()
    assert (sent["to"], sent["from"], sent["body"]) == ("+15555550100", SMS_FROM, "See you Tuesday!")
    message = world.conversation.messages.get(author="agent")
    assert message.provider_id == sent["sid"]


def test_a_provider_refusal_is_said_and_nothing_is_recorded(client, world, twilio):
    client.force_login(world.owner)
    twilio.control(fail_next=[{"status": 400, "code": 21211, "message": "The 'To' number is not valid."}])
    response = reply(client, world.conversation, "See you Tuesday!")
    assert said(response) == [
        "The provider refused the message (twilio_error 21211: Unable to create record: "
        "The 'To' number is not valid.). Nothing was sent."
    ]
    assert not world.conversation.messages.filter(author="agent").exists()
    assert AgentReply.objects.get().status == "failed"
    assert ">See you Tuesday!</textarea>" in response.content.decode()  # kept for another try


def test_an_opted_out_contact_gets_no_reply(client, world, twilio):
    OptOut.objects.create(contact=world.contact, channel="sms", at=world.clock.now())
    client.force_login(world.owner)
    assert "opted out" in client.get(page(world.conversation)).content.decode()  # said before typing
    response = reply(client, world.conversation, "Are you sure?")
    assert len(said(response)) == 1 and "opted out" in said(response)[0]
    assert twilio.messages() == [] and not world.conversation.messages.filter(author="agent").exists()


def test_the_same_form_submitted_twice_sends_once(client, world, twilio):
    client.force_login(world.owner)
    token = client.get(page(world.conversation)).context["reply_token"]
    first = reply(client, world.conversation, "See you Tuesday!", token=token)
    second = reply(client, world.conversation, "See you Tuesday!", token=token)
    assert said(first) == ["Sent on SMS."]
    assert said(second) == ["This reply was already submitted: it is sent only once."]
    assert len(twilio.messages()) == 1
    assert world.conversation.messages.filter(author="agent").count() == 1


# --- pausing, resuming, booking, cancelling --------------------------------------------------------


def test_pause_and_resume_from_the_page(client, world):
    client.force_login(world.agent)
    [planned] = pending(world.conversation)
    response = client.post(page(world.conversation), {"do": "pause"}, follow=True)
    assert said(response) == ["Follow-ups paused: 1 cancelled, and none planned until they are resumed."]
    assert "Paused</strong> by agent_a" in response.content.decode()
    planned.refresh_from_db()
    assert (planned.status, planned.reason, planned.cancelled_by) == (CANCELLED, "paused", world.agent)

    events.record_inbound(world.conversation, "I'm busy right now")  # does not lift the pause
    assert not pending(world.conversation)

    world.clock.set(at("2026-03-06T11:00:00-05:00"))
    response = client.post(page(world.conversation), {"do": "resume"}, follow=True)
    [again] = pending(world.conversation)
    assert (again.kind, again.due_at) == ("busy", at("2026-03-06T11:30:00-05:00"))
    assert said(response) == ["Follow-ups resumed: Contact is Busy step 1 planned for Fri 6 Mar 2026, 11:30 EST."]


def test_mark_booked_from_the_page(client, world):
    client.force_login(world.agent)
    response = client.post(page(world.conversation), {"do": "book"}, follow=True)
    assert said(response) == ["Appointment booked: follow-ups stopped, 1 cancelled."]
    conversation = Conversation.objects.get(pk=world.conversation.pk)
    assert conversation.stopped and conversation.stopped_reason == "appointment_booked"
    assert EngineEvent.objects.filter(detail="appointment booked (console, by agent_a)").exists()


def test_cancel_one_and_all_from_the_page_and_response_info_says_who(client, world):
    client.force_login(world.agent)
    [planned] = pending(world.conversation)
    response = client.post(page(world.conversation), {"do": "cancel", "follow_up": planned.pk}, follow=True)
    assert said(response) == ["Contact Stopped Replying step 1 cancelled."]
    planned.refresh_from_db()
    assert (planned.status, planned.reason, planned.cancelled_by) == (CANCELLED, "cancelled_by_person", world.agent)
    info = client.get(reverse("response_info", args=[world.contact.pk])).content.decode()
    assert "Contact Stopped Replying step 1 of 2 cancelled by agent_a" in info
    assert "A person cancelled it in the console." in info

    events.record_outbound(world.conversation, "Anything else?")
    response = client.post(page(world.conversation), {"do": "cancel_contact"}, follow=True)
    assert said(response) == ["Cancelled 1 follow-up(s) of Ana."]
    assert not pending(world.conversation)


def test_the_follow_ups_list_cancels_or_pauses_in_bulk(client, world):
    other = make_conversation(world.bot, first_name="Bo", phone="+15555550101")
    events.record_outbound(other, "Still keen?")
    ids = [f.pk for f in FollowUp.objects.filter(status=PENDING)]
    assert len(ids) == 2
    client.force_login(world.agent)
    changelist = reverse("admin:scheduling_followup_changelist")
    html = client.get(changelist).content.decode()
    assert "Cancel selected follow-ups" in html and "Pause follow-ups of their conversations" in html

    response = client.post(changelist, {"action": "cancel_selected", "_selected_action": ids[:1]}, follow=True)
    assert said(response) == ["Cancelled 1 follow-up(s)."]
    assert FollowUp.objects.get(pk=ids[0]).cancelled_by == world.agent

    response = client.post(changelist, {"action": "pause_their_conversations", "_selected_action": ids}, follow=True)
    assert said(response) == ["Paused follow-ups of 2 conversation(s); 1 follow-up(s) cancelled."]
    assert Conversation.objects.filter(paused_by=world.agent).count() == 2
    assert FollowUp.objects.get(pk=ids[1]).reason == "paused"


def test_the_contacts_list_cancels_all_of_their_follow_ups(client, world):
    client.force_login(world.owner)
    response = client.post(
        reverse("admin:conversations_contact_changelist"),
        {"action": "cancel_all_follow_ups", "_selected_action": [world.contact.pk]},
        follow=True,
    )
    assert said(response) == ["Cancelled 1 follow-up(s) of 1 contact(s)."]
    assert FollowUp.objects.get().cancelled_by == world.owner


# --- who sees what first, and who may ------------------------------------------------------------


def test_own_assigned_conversations_come_first_and_can_be_filtered(client, world):
    world.clock.set(world.clock.now() + timedelta(minutes=1))
    mine = make_conversation(world.bot, first_name="Mia", phone="+15555550102")
    newest = make_conversation(world.bot, first_name="Ned", phone="+15555550103")
    Conversation.objects.filter(pk=mine.pk).update(assigned_to=world.agent, created_at=at("2026-01-01T00:00:00Z"))
    changelist = reverse("admin:conversations_conversation_changelist")

    client.force_login(world.agent)
    listed = list(client.get(changelist).context["cl"].result_list)
    assert listed[0] == mine and listed[1] == newest
    assert list(client.get(changelist, {"assigned": "me"}).context["cl"].result_list) == [mine]

    client.force_login(world.owner)  # nothing of the owner's: newest first
    assert client.get(changelist).context["cl"].result_list[0] == newest


@pytest.mark.parametrize(
    "data",
    [
        {"do": "reply", "text": "Hello from B", "token": "zz-token"},
        {"do": "pause"},
        {"do": "book"},
        {"do": "cancel_contact"},
        {"do": "cancel", "follow_up": "0"},
    ],
    ids=lambda d: d["do"],
)
def test_another_business_gets_404_and_changes_nothing(client, world, data):
    if data["do"] == "cancel":
        data = {**data, "follow_up": str(pending(world.conversation)[0].pk)}
    before = (
        list(Message.objects.values_list("id", flat=True)),
        list(FollowUp.objects.values_list("id", "status")),
        list(Conversation.objects.values_list("stopped", "paused_at")),
    )
    client.force_login(world.owner_b)
    assert client.get(page(world.conversation)).status_code == 404
    assert client.post(page(world.conversation), data).status_code == 404
    after = (
        list(Message.objects.values_list("id", flat=True)),
        list(FollowUp.objects.values_list("id", "status")),
        list(Conversation.objects.values_list("stopped", "paused_at")),
    )
    assert before == after and not AgentReply.objects.exists()


def test_staff_without_a_business_get_404_and_the_anonymous_the_login(client, world):
    client.force_login(User.objects.create_user("nobody", is_staff=True))
    assert client.get(page(world.conversation)).status_code == 404
    client.logout()
    response = client.post(page(world.conversation), {"do": "pause"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert not Conversation.objects.get(pk=world.conversation.pk).paused
