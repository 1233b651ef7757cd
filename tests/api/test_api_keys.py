"""The API's principals (api/authentication.py, api/access.py): a business's API key reaches
that business only; a session reaches its user's memberships (a superuser's: every business);
a bot or contact out of reach is answered as one that doesn't exist; keys are throttled one
by one."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKey, Membership, Role
from api.authentication import KeyHolder
from conversations.models import Contact, Conversation, Message, OptOut
from scheduling.models import EngineEvent, FollowUp
from tests.factories import make_account, make_bot, make_conversation
from tests.support.api_keys import issue_key, key_client

pytestmark = pytest.mark.django_db

INBOUND, OUTBOUND, APPOINTMENTS = "/api/messages/inbound/", "/api/messages/outbound/", "/api/appointments/"
PHONE = "+15555550100"
MISSING_BOT = 999999
THEIR_PHONE = "+15555550199"


@pytest.fixture
def ours(engine_clock):
    return make_bot(account=make_account("Ana Dental"), name="Ana Dental")


@pytest.fixture
def theirs(engine_clock):
    """Another business's bot, with a contact of its own in a conversation."""
    bot = make_bot(account=make_account("Bright Smile"), name="Bright Smile")
    make_conversation(bot, phone=THEIR_PHONE, first_name="Bo")
    return bot


@pytest.fixture
def api(ours):
    return key_client(ours.account)


def their_contact(theirs) -> Contact:
    return Contact.objects.get(account=theirs.account, phone=THEIR_PHONE)


def body(url, bot, contact=None, **changes):
    body = {"bot": bot if isinstance(bot, int) else bot.pk, "contact": contact or {"phone": PHONE}, "channel": "sms"}
    if url != APPOINTMENTS:
        body["text"] = "STOP"
    if url == OUTBOUND:
        body["author"] = "bot"
    return {**body, **changes}


def rows():
    return {m.__name__: m.objects.count() for m in (Contact, Conversation, Message, FollowUp, EngineEvent, OptOut)}


def refused(client, url, payload) -> dict:
    """`payload` is answered 400 and nothing is written; the reasons."""
    before = rows()
    response = client.post(url, payload, format="json")
    assert response.status_code == 400, response.content
    assert rows() == before
    return response.json()


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def member(account, role=Role.AGENT, **fields) -> User:
    user = User.objects.create_user(fields.pop("username", f"{role}-{account.pk}"), **fields)
    Membership.objects.create(account=account, user=user, role=role)
    return user


# --- a key reaches its own business only ------------------------------------------------


@pytest.mark.parametrize("url", [INBOUND, OUTBOUND, APPOINTMENTS])
def test_another_business_bot_is_answered_like_a_missing_bot_and_nothing_is_written(api, theirs, url):
    missing = refused(api, url, body(url, MISSING_BOT))
    other = refused(api, url, body(url, theirs))
    assert missing == {"bot": [f"No bot with id {MISSING_BOT}."]}
    assert other == {"bot": [f"No bot with id {theirs.pk}."]}


def test_another_business_contact_follow_ups_are_a_404_like_a_missing_contact(api, theirs):
    missing = api.get("/api/contacts/999999/follow-ups/")
    other = api.get(f"/api/contacts/{their_contact(theirs).pk}/follow-ups/")
    assert (missing.status_code, other.status_code) == (404, 404)
    assert other.json() == missing.json()


def test_a_stop_for_another_business_contact_is_refused_and_opts_nobody_out(api, ours, theirs):
    """The reported hole: a key could opt any business's contact out by id."""
    contact = their_contact(theirs)
    # Their bot: unknown. Our bot with their contact's id: no such contact of ours.
    assert refused(api, INBOUND, body(INBOUND, theirs, {"id": contact.pk})) == {"bot": [f"No bot with id {theirs.pk}."]}
    assert refused(api, INBOUND, body(INBOUND, ours, {"id": contact.pk})) == {
        "contact": {"id": ["No contact with this id for this bot."]}
    }
    # Their contact's number, through our bot: a contact of ours, who is someone else.
    response = api.post(INBOUND, body(INBOUND, ours, {"phone": contact.phone}), format="json")
    assert response.status_code == 201, response.content
    ours_now = Contact.objects.get(account=ours.account)
    assert ours_now.pk != contact.pk and ours_now.phone == contact.phone
    assert list(OptOut.objects.values_list("contact", flat=True)) == [ours_now.pk]
    assert not contact.conversations.get().stopped


def test_a_key_reaches_every_bot_and_contact_of_its_business(api, ours):
    sister = make_bot(account=ours.account, name="Ana Dental Uptown")
    assert api.post(INBOUND, body(INBOUND, ours, text="Hi"), format="json").status_code == 201
    response = api.post(OUTBOUND, body(OUTBOUND, sister, text="Hi from uptown"), format="json")
    assert response.status_code == 201, response.content
    contact = Contact.objects.get()  # one contact of the business, whichever bot it wrote to
    assert api.get(f"/api/contacts/{contact.pk}/follow-ups/").status_code == 200


def test_the_request_holds_a_principal_of_the_business_not_a_person(api, ours):
    response = api.get("/api/contacts/999999/follow-ups/")
    holder, api_key = response.wsgi_request.user, ApiKey.objects.get()
    assert isinstance(holder, KeyHolder)
    assert (holder.is_authenticated, holder.is_staff, holder.is_superuser, holder.pk) == (True, False, False, None)
    assert holder.account == ours.account and holder.api_key == api_key
    assert not holder.has_perm("bots.change_bot")


# --- keys that are not live ---------------------------------------------------------------


def test_a_revoked_key_is_401_with_a_reason(ours):
    client = key_client(ours.account)
    ApiKey.objects.update(revoked_at=timezone.now())
    response = client.post(INBOUND, body(INBOUND, ours), format="json")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unknown or revoked API key."}
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-a-real-key",
        "Token not-a-real-key",
        "Bearer",
        "Bearer afu_0123abcd_x afu_0123abcd_y",
        "Bearer afu_0123ABCD_" + "a" * 43,  # upper-case hex
        "Bearer afu_0123abcd_" + "a" * 42,
        "Bearer afu_0123abcd_" + "a" * 43 + "\u00e9",
    ],
)
def test_a_malformed_key_is_401_with_a_reason_and_no_query(ours, header, django_assert_num_queries):
    client = APIClient()
    with django_assert_num_queries(0):
        response = client.get("/api/contacts/1/follow-ups/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["detail"].startswith("Malformed API key")


def test_an_unknown_well_formed_key_costs_one_query(ours, django_assert_num_queries):
    key = issue_key(ours.account)
    forged = key[: -len("abc")] + ("abc" if not key.endswith("abc") else "abd")  # same prefix, other secret
    client = APIClient()
    with django_assert_num_queries(1):
        response = client.get("/api/contacts/1/follow-ups/", HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unknown or revoked API key."}
    assert ApiKey.objects.get().last_used_at is None


def test_last_used_is_noted_on_use_and_at_most_once_a_minute(ours):
    api_key, key = ApiKey.issue(ours.account, "CRM")
    assert api_key.last_used_at is None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")  # the older scheme word works too
    assert client.get("/api/contacts/999999/follow-ups/").status_code == 404
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None

    first = timezone.now() + timedelta(hours=1)
    assert ApiKey.holding(key, first) == api_key
    for later, expected in [(first + timedelta(seconds=59), first), (first + timedelta(seconds=61), None)]:
        assert ApiKey.holding(key, later) == api_key
        api_key.refresh_from_db()
        assert api_key.last_used_at == (expected or later)


# --- sessions -----------------------------------------------------------------------------


ENDPOINTS = [("post", INBOUND), ("post", OUTBOUND), ("post", APPOINTMENTS), ("get", "/api/contacts/1/follow-ups/")]


@pytest.mark.parametrize("staff", [True, False], ids=["staff", "not staff"])
def test_a_session_of_someone_of_no_business_is_403_on_every_endpoint(ours, staff):
    client = session(User.objects.create_user("drifter", is_staff=staff))
    for method, url in ENDPOINTS:
        response = getattr(client, method)(url, body(url, ours), format="json")
        assert response.status_code == 403, url
        assert "not a member of any business" in response.json()["detail"]
    assert not Contact.objects.exists()
    assert client.get("/api/schema/").status_code == 200  # the description stays public


def test_an_agents_session_works_for_their_business_only(ours, theirs):
    client = session(member(ours.account, Role.AGENT))
    response = client.post(INBOUND, body(INBOUND, ours, text="Hi"), format="json")
    assert response.status_code == 201, response.content
    contact = Contact.objects.get(account=ours.account)
    assert client.get(f"/api/contacts/{contact.pk}/follow-ups/").status_code == 200

    assert refused(client, INBOUND, body(INBOUND, theirs)) == {"bot": [f"No bot with id {theirs.pk}."]}
    assert client.get(f"/api/contacts/{their_contact(theirs).pk}/follow-ups/").status_code == 404


def test_a_superusers_session_reaches_every_business(ours, theirs):
    client = session(User.objects.create_superuser("agency"))
    for bot in (ours, theirs):
        response = client.post(OUTBOUND, body(OUTBOUND, bot, text="Hi"), format="json")
        assert response.status_code == 201, response.content
    assert client.get(f"/api/contacts/{their_contact(theirs).pk}/follow-ups/").status_code == 200


# --- throttling -----------------------------------------------------------------------------


def test_each_key_is_throttled_alone_even_within_one_business(limited, ours):
    first, second = key_client(ours.account, "CRM"), key_client(ours.account, "Chat widget")
    url = "/api/contacts/999999/follow-ups/"
    assert [first.get(url).status_code for _ in range(3)] == [404, 404, 404]
    throttled = first.get(url)
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert [second.get(url).status_code for _ in range(3)] == [404, 404, 404]
    assert second.get(url).status_code == 429


def test_a_session_is_throttled_per_user(limited, ours):
    url = "/api/contacts/999999/follow-ups/"
    client = session(member(ours.account))
    assert [client.get(url).status_code for _ in range(4)] == [404, 404, 404, 429]
    assert session(member(ours.account, username="another")).get(url).status_code == 404
