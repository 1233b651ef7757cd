"""The JSON API: API keys, each endpoint through the real engine, 400s that write
nothing, idempotency, and the OpenAPI schema and docs (served without a CDN)."""

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import Membership, Role
from bots.models import Bot
from conversations.models import Contact, Conversation, Message, OptOut
from scheduling import events
from scheduling.models import EngineEvent, FollowUp
from tests.factories import make_account
from tests.support.api_keys import key_client

pytestmark = pytest.mark.django_db

INBOUND, OUTBOUND, APPOINTMENTS = "/api/messages/inbound/", "/api/messages/outbound/", "/api/appointments/"
PHONE = "+15555550100"


@pytest.fixture
def bot():
    # Default cadences (stopped_replying 1h, 1d; busy 2h, 1d), no working hours and no contact
    # hours: always open, whatever the time of day the suite runs at (the API uses the real clock).
    return Bot.objects.create(
        account=make_account("Ana Dental"), name="Ana Dental", timezone="America/New_York", contact_hours_enabled=False
    )


@pytest.fixture
def api(bot):
    """A client holding an API key of the bot's business."""
    return key_client(bot.account)


def inbound(bot, text="Hi", **extra):
    return {"bot": bot.pk, "contact": {"phone": PHONE, "first_name": "Ana"}, "channel": "sms", "text": text, **extra}


def outbound(bot, text="Hi Ana, want to book a cleaning?", **extra):
    return {"bot": bot.pk, "contact": {"phone": PHONE}, "channel": "sms", "text": text, "author": "bot", **extra}


def row_counts():
    return {m.__name__: m.objects.count() for m in (Contact, Conversation, Message, FollowUp, EngineEvent, OptOut)}


def refused(api, url, body) -> dict:
    """Posts `body`, which must be answered 400 with nothing written; the answer's errors."""
    before = row_counts()
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert row_counts() == before
    return response.json()


# --- authentication ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, url",
    [
        ("post", INBOUND),
        ("post", OUTBOUND),
        ("post", APPOINTMENTS),
        ("get", "/api/contacts/1/follow-ups/"),
    ],
)
def test_every_endpoint_needs_a_key(bot, method, url):
    response = getattr(APIClient(), method)(url, {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_wrong_key_is_refused(bot):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert client.post(INBOUND, inbound(bot), format="json").status_code == 401


def test_a_members_session_works_and_a_staff_session_without_membership_does_not(bot):
    contact = Contact.objects.create(bot=bot, phone=PHONE)
    url = f"/api/contacts/{contact.pk}/follow-ups/"
    client = APIClient()
    client.force_login(User.objects.create_user("staff", is_staff=True))
    assert client.get(url).status_code == 403
    clerk = User.objects.create_user("clerk")
    Membership.objects.create(account=bot.account, user=clerk, role=Role.AGENT)
    client.force_login(clerk)
    assert client.get(url).status_code == 200


# --- happy paths through the engine -----------------------------------------------------


def test_inbound_busy_creates_the_contact_and_plans_the_busy_cadence(api, bot):
    response = api.post(INBOUND, inbound(bot, "Can't talk, I'm driving", provider_id="SM1"), format="json")

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["message"]["intent"] == "busy"
    assert body["message"]["direction"] == "inbound"
    assert body["message"]["requested_at"] is None
    contact = Contact.objects.get(bot=bot, phone=PHONE)
    assert contact.first_name == "Ana"
    assert body["conversation"] == {
        "id": Conversation.objects.get(contact=contact).pk,
        "contact": contact.pk,
        "channel": "sms",
        "stopped": False,
        "stopped_reason": "",
        "last_inbound_at": body["message"]["at"],
    }
    [follow_up] = body["follow_ups"]
    assert (follow_up["kind"], follow_up["status"], follow_up["step"], follow_up["steps_total"]) == (
        "busy",
        "pending",
        1,
        2,
    )
    assert follow_up["trigger_message_text"] == "Can't talk, I'm driving"


def test_inbound_stop_word_opts_out_and_stops(api, bot):
    response = api.post(INBOUND, inbound(bot, "STOP"), format="json")
    assert response.status_code == 201
    assert response.json()["conversation"]["stopped_reason"] == "opt_out"
    assert OptOut.objects.filter(contact__phone=PHONE, channel="sms").exists()


def test_outbound_plans_stopped_replying(api, bot):
    response = api.post(OUTBOUND, outbound(bot, author="agent"), format="json")

    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["message"]["direction"], body["message"]["author"]) == ("outbound", "agent")
    [follow_up] = body["follow_ups"]
    assert (follow_up["kind"], follow_up["status"], follow_up["step"]) == ("stopped_replying", "pending", 1)
    assert follow_up["trigger_message_text"] == "Hi Ana, want to book a cleaning?"


def test_outbound_to_a_known_contact_by_id_uses_the_conversations_channel(api, bot):
    api.post(INBOUND, inbound(bot, "Hello", channel="whatsapp"), format="json")
    contact = Contact.objects.get(phone=PHONE)
    response = api.post(
        OUTBOUND, {"bot": bot.pk, "contact": {"id": contact.pk}, "text": "Hi!", "author": "bot"}, format="json"
    )
    assert response.status_code == 201, response.data
    assert response.json()["message"]["channel"] == "whatsapp"
    assert Contact.objects.count() == 1


def test_appointment_cancels_pending_follow_ups_and_stops_the_conversation(api, bot):
    api.post(OUTBOUND, outbound(bot), format="json")
    pending = FollowUp.objects.get(status="pending")

    response = api.post(APPOINTMENTS, {"bot": bot.pk, "contact": {"phone": PHONE}}, format="json")

    assert response.status_code == 200, response.data
    body = response.json()
    assert body["cancelled"] == 1
    assert body["follow_ups"] == []
    assert (body["conversation"]["stopped"], body["conversation"]["stopped_reason"]) == (True, "appointment_booked")
    pending.refresh_from_db()
    assert (pending.status, pending.reason) == ("cancelled", "appointment_booked")


def test_contact_follow_ups_newest_first(api, bot):
    api.post(OUTBOUND, outbound(bot), format="json")  # stopped_replying, due in 1h
    api.post(INBOUND, inbound(bot, "in a meeting"), format="json")  # cancels it; busy, due in 2h
    contact = Contact.objects.get(phone=PHONE)

    response = api.get(f"/api/contacts/{contact.pk}/follow-ups/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(f["kind"], f["status"], f["reason"]) for f in body["results"]] == [
        ("busy", "pending", ""),
        ("stopped_replying", "cancelled", "contact_replied"),
    ]
    assert [f["trigger_message_text"] for f in body["results"]] == ["in a meeting", "Hi Ana, want to book a cleaning?"]
    assert body["results"][0]["planned_at"] > body["results"][1]["planned_at"]
    assert {"due_at", "planned_at", "channel", "delivery_status", "text", "steps_total"} <= body["results"][0].keys()


def test_contact_follow_ups_are_paginated(api, bot):
    contact = Contact.objects.create(bot=bot, phone=PHONE)
    response = api.get(f"/api/contacts/{contact.pk}/follow-ups/?page_size=1000")
    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_unknown_contact_follow_ups_is_404(api, bot):
    assert api.get("/api/contacts/999999/follow-ups/").status_code == 404


# --- bad input: a reason per field, nothing written -------------------------------------


def _with(body, **changes):
    return {**body, **changes}


BAD_INBOUND = [
    ("unknown bot", lambda b: _with(inbound(b), bot=999999), ["bot"]),
    ("contact without id, phone or email", lambda b: _with(inbound(b), contact={"first_name": "Ana"}), ["contact"]),
    ("contact missing", lambda b: {k: v for k, v in inbound(b).items() if k != "contact"}, ["contact"]),
    ("invalid channel", lambda b: _with(inbound(b), channel="fax"), ["channel"]),
    ("missing channel", lambda b: {k: v for k, v in inbound(b).items() if k != "channel"}, ["channel"]),
    ("phone not E.164", lambda b: _with(inbound(b), contact={"phone": "555-0100"}), ["contact"]),
    ("unknown timezone", lambda b: _with(inbound(b), contact={"phone": PHONE, "timezone": "Mars/Base"}), ["contact"]),
    ("invalid email", lambda b: _with(inbound(b), contact={"email": "not-an-email"}), ["contact"]),
    ("empty text", lambda b: _with(inbound(b), text=""), ["text"]),
    ("blank text", lambda b: _with(inbound(b), text="   "), ["text"]),
    ("unknown contact id", lambda b: _with(inbound(b), contact={"id": 999999}), ["contact"]),
    (
        "several at once",
        lambda b: _with(inbound(b), channel="fax", text="", contact={}),
        ["channel", "contact", "text"],
    ),
]


@pytest.mark.parametrize("case, make, fields", BAD_INBOUND, ids=[c[0] for c in BAD_INBOUND])
def test_bad_inbound_is_400_per_field_and_writes_nothing(api, bot, case, make, fields):
    assert sorted(refused(api, INBOUND, make(bot))) == fields


def test_field_errors_name_the_nested_contact_field(api, bot):
    body = api.post(
        INBOUND, _with(inbound(bot), contact={"phone": "555", "timezone": "Mars/Base"}), format="json"
    ).json()
    assert set(body["contact"]) == {"phone", "timezone"}
    assert "E.164" in body["contact"]["phone"][0]
    body = api.post(INBOUND, _with(inbound(bot), contact={"first_name": "Ana"}), format="json").json()
    assert body["contact"]["non_field_errors"] == ["Give the contact's id, phone or email."]


def test_a_contact_of_another_business_is_unknown(api, bot):
    other = Contact.objects.create(bot=Bot.objects.create(account=make_account("Other"), name="Other"), phone=PHONE)
    assert refused(api, INBOUND, _with(inbound(bot), contact={"id": other.pk}))["contact"]["id"]


BAD_OUTBOUND = [
    ("bad author", lambda b: _with(outbound(b), author="follow_up"), ["author"]),
    ("missing author", lambda b: {k: v for k, v in outbound(b).items() if k != "author"}, ["author"]),
    (
        "no channel for a new conversation",
        lambda b: {k: v for k, v in outbound(b).items() if k != "channel"},
        ["channel"],
    ),
    ("empty text", lambda b: _with(outbound(b), text=""), ["text"]),
]


@pytest.mark.parametrize("case, make, fields", BAD_OUTBOUND, ids=[c[0] for c in BAD_OUTBOUND])
def test_bad_outbound_is_400_per_field_and_writes_nothing(api, bot, case, make, fields):
    assert sorted(refused(api, OUTBOUND, make(bot))) == fields


def test_bad_appointment_is_400_and_writes_nothing(api, bot):
    # A new contact: which channel would the conversation be on?
    assert list(refused(api, APPOINTMENTS, {"bot": bot.pk, "contact": {"phone": PHONE}})) == ["channel"]
    assert sorted(refused(api, APPOINTMENTS, {"bot": 999999, "contact": {}})) == ["bot", "contact"]


def test_a_failing_classifier_leaves_only_the_new_contact_and_conversation(api, bot, monkeypatch):
    # The documented partial case: classification runs outside any transaction.
    def fail(*args, **kwargs):
        raise RuntimeError("model unavailable")

    monkeypatch.setattr(events, "classify_inbound", fail)
    api.raise_request_exception = False
    response = api.post(INBOUND, inbound(bot, "Can't talk"), format="json")
    assert response.status_code == 500
    assert (Contact.objects.count(), Conversation.objects.count()) == (1, 1)
    assert (Message.objects.count(), FollowUp.objects.count()) == (0, 0)


# --- idempotency ------------------------------------------------------------------------


def test_a_repeated_inbound_provider_id_records_nothing_new(api, bot):
    first = api.post(INBOUND, inbound(bot, "I'm driving", provider_id="SM123"), format="json")
    again = api.post(INBOUND, inbound(bot, "I'm driving", provider_id="SM123"), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert Message.objects.count() == 1
    assert FollowUp.objects.count() == 1
    assert again.json()["follow_ups"] == first.json()["follow_ups"]


def test_a_repeated_outbound_provider_id_records_nothing_new(api, bot):
    first = api.post(OUTBOUND, outbound(bot, provider_id="SM9"), format="json")
    again = api.post(OUTBOUND, outbound(bot, provider_id="SM9"), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert Message.objects.count() == 1
    assert FollowUp.objects.get().step == 1


# --- schema and docs --------------------------------------------------------------------


def test_schema_is_served_and_lists_the_endpoints(api):
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/messages/inbound/",
        "/api/messages/outbound/",
        "/api/appointments/",
        "/api/contacts/{contact_id}/follow-ups/",
        "/api/results/",
    } <= paths.keys()
    assert response.json()["components"]["securitySchemes"]["apiKeyAuth"]["scheme"] == "bearer"


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/messages/inbound/" in (tmp_path / "schema.yml").read_text()


def test_docs_load_their_assets_from_our_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = [
        "swagger-ui-dist/swagger-ui-bundle.js",
        "swagger-ui-dist/swagger-ui.css",
        "swagger-ui-dist/favicon-32x32.png",
    ]
    for asset in assets:
        assert f"/static/drf_spectacular_sidecar/{asset}" in html
        assert finders.find(f"drf_spectacular_sidecar/{asset}"), "installed and found by staticfiles"
    assert "https://" not in html and "http://" not in html  # nothing fetched from the internet
