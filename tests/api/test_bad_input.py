"""Bad input never answers 500, and a 4xx writes nothing: far-off years, deep or huge
bodies, ids that are not ids, unknown time zones, NUL characters and lone surrogates,
through the JSON API and Twilio's webhooks (docs/decisions.md, "Bad input")."""

import json
from urllib.parse import urlencode

import pytest

from api.parsers import MAX_BODY_BYTES, MAX_JSON_DEPTH, json_too_deep
from conversations.models import Contact, Conversation, Message, OptOut
from scheduling.models import EngineEvent, FollowUp
from tests.factories import make_bot, make_conversation
from tests.support.api_keys import key_client
from tests.support.twilio_webhooks import FORM, inbound_sms, post_twilio_form, twilio_signature

pytestmark = pytest.mark.django_db

INBOUND, OUTBOUND, APPOINTMENTS = "/api/messages/inbound/", "/api/messages/outbound/", "/api/appointments/"
ENDPOINTS = [INBOUND, OUTBOUND, APPOINTMENTS]
PHONE = "+15555550100"
TOKEN = "bad-input-twilio-token"
SID = "SM" + "c" * 32


@pytest.fixture
def bot(engine_clock):
    return make_bot()


@pytest.fixture
def api(bot):
    client = key_client(bot.account)
    client.raise_request_exception = False  # a 500 is answered, and this file says it is not
    return client


@pytest.fixture
def twilio(client, settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = ""
    client.raise_request_exception = False
    return client


def row_counts():
    return {m.__name__: m.objects.count() for m in (Contact, Conversation, Message, FollowUp, EngineEvent, OptOut)}


def body_for(url, the_bot, **changes):
    """A valid body for `url` (a new contact by phone), with `changes`."""
    body = {"bot": the_bot.pk, "contact": {"phone": PHONE}, "channel": "sms"}
    if url != APPOINTMENTS:
        body["text"] = "Hi there"
    if url == OUTBOUND:
        body["author"] = "bot"
    return {**body, **changes}


def refused(response, before, *, status=400) -> dict:
    """`response` is `status` with a JSON reason, and the database is as it was `before`."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    reason = response.json()
    assert reason
    assert row_counts() == before
    return reason


def post_raw(api, url, raw: bytes, content_type="application/json"):
    before = row_counts()
    return api.generic("POST", url, raw, content_type=content_type), before


def post_json(api, url, body):
    before = row_counts()
    return api.post(url, body, format="json"), before


def post_signed(client, path, params):
    signature = twilio_signature(TOKEN, f"http://testserver{path}", params)
    return post_twilio_form(client, path, params, signature=signature)


def inbound_webhook(client, bot, body, *, sender=PHONE, sid=SID):
    return post_signed(client, f"/webhooks/twilio/{bot.pk}/inbound/", inbound_sms(sender, body, sid))


# --- a requested time in year 9999 ----------------------------------------------------------

FAR_OFF = [
    "call me on 1 January 9999 at 3pm",
    "call me 9999-01-01 15:00",
    "call me 9999-12-31 23:59",
    "call me 12/31/9999 at 11pm",
    "can you call me on December 31, 9999 at 11:59pm?",
    "call me in 99999999 days",
    "call me in 99999999999999999999 years",
]


@pytest.mark.parametrize("text", FAR_OFF)
@pytest.mark.parametrize("zone", ["", "Pacific/Kiritimati", "Etc/GMT+12"])
def test_a_time_in_year_9999_through_the_api_is_busy(api, bot, admin_client, text, zone):
    """More than 365 days ahead is not a request: busy (behaviour.md), never an error."""
    response, _ = post_json(api, INBOUND, body_for(INBOUND, bot, text=text, contact={"phone": PHONE, "timezone": zone}))
    assert response.status_code == 201, response.content[:300]
    message = response.json()["message"]
    assert (message["intent"], message["requested_at"]) == ("busy", None)
    assert [f["kind"] for f in response.json()["follow_ups"]] == ["busy"]
    assert admin_client.get(f"/contacts/{Contact.objects.get().pk}/response-info/").status_code == 200


@pytest.mark.parametrize("text", FAR_OFF)
def test_a_time_in_year_9999_through_the_twilio_webhook_is_busy(twilio, bot, admin_client, text):
    response = inbound_webhook(twilio, bot, text)
    assert response.status_code == 200
    message = Message.objects.get()
    assert (message.text, message.intent, message.requested_at) == (text, "busy", None)
    assert FollowUp.objects.get().kind == "busy"
    assert admin_client.get(f"/contacts/{message.conversation.contact_id}/response-info/").status_code == 200


# --- bodies too deep or too large -----------------------------------------------------------

DEEP = 10_000


@pytest.mark.parametrize(
    "raw",
    [
        "[" * DEEP + "]" * DEEP,
        '{"a":' * DEEP + "1" + "}" * DEEP,
        '{"bot": 1, "contact": ' + '{"a":' * DEEP + "1" + "}" * DEEP + "}",
        "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
        "[" * DEEP,  # never closed
    ],
    ids=["arrays", "objects", "inside-a-field", "one-level-too-deep", "unclosed"],
)
@pytest.mark.parametrize("url", ENDPOINTS)
def test_deeply_nested_json_is_400_with_a_reason(api, bot, url, raw):
    response, before = post_raw(api, url, raw.encode())
    assert "JSON parse error" in refused(response, before)["detail"]


def test_nesting_up_to_the_limit_is_read(api, bot):
    nested = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    response, before = post_raw(api, INBOUND, f'{{"bot": {bot.pk}, "text": {nested}}}'.encode())
    assert refused(response, before) == {
        "contact": ["This field is required."],
        "channel": ["This field is required."],
        "text": ["Not a valid string."],
    }


@pytest.mark.parametrize(
    "text, deep",
    [
        ("[]", False),
        ('"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["', False),  # brackets in a string don't count
        ('["\\"' + "[" * 40 + '"]', False),  # nor after an escaped quote
        ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), True),
        ("[]" * 100_000, False),
        ("{" * MAX_JSON_DEPTH + "}" * MAX_JSON_DEPTH, False),
    ],
)
def test_json_too_deep(text, deep):
    assert json_too_deep(text) is deep


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_body_over_1_mb_is_413_with_a_reason(api, bot, url):
    body = body_for(url, bot, text="x" * MAX_BODY_BYTES)
    response, before = post_raw(api, url, json.dumps(body).encode())
    assert "1 MB" in refused(response, before, status=413)["detail"]


def test_a_body_just_under_1_mb_is_read(api, bot):
    body = json.dumps(body_for(INBOUND, bot, text="x" * 10_001))
    padding = " " * (MAX_BODY_BYTES - len(body))  # JSON allows whitespace: exactly the limit
    response, before = post_raw(api, INBOUND, (body + padding).encode())
    assert list(refused(response, before)) == ["text"]  # too long a text, not too large a body


def test_a_body_over_djangos_own_limit_is_413_with_a_reason(api, bot, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # below ours: Django refuses first
    response, before = post_raw(api, INBOUND, json.dumps(body_for(INBOUND, bot, text="x" * 2000)).encode())
    assert refused(response, before, status=413) == {"detail": "The body is larger than 1000 bytes."}


def test_form_and_multipart_bodies_are_bounded_too(api, bot):
    form = urlencode({"bot": bot.pk, "text": "x" * MAX_BODY_BYTES}).encode()
    response, before = post_raw(api, INBOUND, form, FORM)
    refused(response, before, status=413)
    part = (
        b'--b\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\n'
        + b"x" * MAX_BODY_BYTES
        + b"\r\n--b--\r\n"
    )
    response, before = post_raw(api, INBOUND, part, "multipart/form-data; boundary=b")
    refused(response, before, status=413)
    many = "&".join(f"f{i}=1" for i in range(5000)).encode()
    response, before = post_raw(api, INBOUND, many, FORM)
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in refused(response, before)["detail"]


def test_the_twilio_webhooks_bound_their_bodies(twilio, bot):
    before = row_counts()
    path = f"/webhooks/twilio/{bot.pk}/inbound/"
    huge = inbound_sms(PHONE, "x" * MAX_BODY_BYTES, SID)
    refused(post_signed(twilio, path, huge), before, status=413)
    many = {**inbound_sms(PHONE, "hi", SID), **{f"f{i}": "1" for i in range(5000)}}
    refused(post_signed(twilio, path, many), before)
    refused(
        post_signed(twilio, "/webhooks/twilio/status/", {"MessageSid": SID, "x": "y" * MAX_BODY_BYTES}),
        before,
        status=413,
    )


# --- JSON that is not text, or numbers beyond numbers -----------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        '{"bot": 1, "text": "\\ud800"}',  # a lone surrogate: no database or encoder takes it
        '{"bot": 1, "channel": "\\udfff sms"}',
        '{"bot": 1, "contact": {"timezone": "America/\\ud800"}}',
        '{"\\ud800": 1}',
        '{"bot": NaN}',
        '{"bot": Infinity}',
        '{"bot": 1e999}',
        '{"bot": ' + "9" * 5000 + "}",  # more digits than Python converts
        b'{"text": "\xff"}'.decode("latin-1"),  # not UTF-8
        '{"bot": 1,',
    ],
    ids=["text", "channel", "timezone", "key", "nan", "infinity", "1e999", "5000-digits", "not-utf8", "truncated"],
)
@pytest.mark.parametrize("url", ENDPOINTS)
def test_json_that_is_not_text_or_numbers_is_400_with_a_reason(api, bot, url, raw):
    response, before = post_raw(api, url, raw.encode("latin-1") if "\xff" in raw else raw.encode())
    assert "JSON parse error" in refused(response, before)["detail"]


@pytest.mark.parametrize("raw", ["[1, 2]", "null", "1", '"x"', "[]", "{}"])
def test_a_body_that_is_not_an_object_is_400_with_a_reason(api, bot, raw):
    response, before = post_raw(api, INBOUND, raw.encode())
    refused(response, before)


# --- ids --------------------------------------------------------------------------------------

NOT_IDS = [1.5, 1.0, True, False, "1e3", "1.0", " 1", "0x1", "١", "", [], {}, [1], {"id": 1}]
OUT_OF_RANGE = [0, -1, 2**63, 99999999999999999999, 10**30]


@pytest.mark.parametrize("value", NOT_IDS + OUT_OF_RANGE, ids=repr)
@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_bot_that_is_not_an_id_is_400_for_the_field(api, bot, url, value):
    response, before = post_json(api, url, body_for(url, bot, bot=value))
    reason = refused(response, before)
    assert "bot" in reason
    if type(value) is int:  # True and False are ints too, but not ids
        assert reason["bot"][0].startswith("No bot with id")
    elif value != "":
        assert reason["bot"] == ["An id is a whole number, like 42."]


@pytest.mark.parametrize("value", NOT_IDS + OUT_OF_RANGE, ids=repr)
@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_contact_id_that_is_not_an_id_is_400_for_the_field(api, bot, url, value):
    make_conversation(bot)  # contact 1 exists: 1.0 or True must not find it
    response, before = post_json(api, url, body_for(url, bot, contact={"id": value}))
    assert list(refused(response, before)["contact"]) == ["id"]


def test_ids_as_digits_still_work_for_form_clients(api, bot):
    contact = make_conversation(bot).contact
    response = api.post(
        OUTBOUND, {"bot": str(bot.pk), "contact": {"id": str(contact.pk)}, "text": "Hi", "author": "bot"}, format="json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("contact_id", ["0", "9223372036854775807", "9223372036854775808", "9" * 30])
def test_contact_urls_with_huge_ids_are_404(api, admin_client, twilio, bot, contact_id):
    assert api.get(f"/api/contacts/{contact_id}/follow-ups/").status_code == 404
    assert admin_client.get(f"/contacts/{contact_id}/response-info/").status_code == 404
    before = row_counts()
    response = post_signed(twilio, f"/webhooks/twilio/{contact_id}/inbound/", inbound_sms(PHONE, "hi", SID))
    refused(response, before, status=404)


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=1e3",
        "page=" + "9" * 30,
        "page=%00",
        "page_size=-1",
        "page_size=" + "9" * 30,
        "page_size=%00",
    ],
)
def test_odd_pages_are_404_or_the_first_page(api, bot, query):
    contact = make_conversation(bot).contact
    response = api.get(f"/api/contacts/{contact.pk}/follow-ups/?{query}")
    assert response.status_code in (200, 404)
    assert response.json()


# --- time zones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone",
    [
        "Mars/Olympus",
        "America",
        "localtime",
        "posixrules",
        "../../etc/passwd",
        "/etc/localtime",
        "x" * 10_000,
        "America/New_York\x00",
        "\x00",
        "UTC\x00" * 20,
    ],
    ids=[
        "unknown",
        "a-directory",
        "localtime",
        "posixrules",
        "a-path",
        "absolute",
        "very-long",
        "nul-after",
        "nul",
        "nul-long",
    ],
)
@pytest.mark.parametrize("url", ENDPOINTS)
def test_an_unknown_time_zone_is_400_for_the_field(api, bot, url, zone):
    response, before = post_json(api, url, body_for(url, bot, contact={"phone": PHONE, "timezone": zone}))
    reason = refused(response, before)
    assert list(reason) == ["contact"] and list(reason["contact"]) == ["timezone"]
    assert any("is not a time zone" in r for r in reason["contact"]["timezone"])


@pytest.mark.parametrize("zone", ["America/New_York", "US/Eastern", "Etc/GMT+12", "EST5EDT", "UTC", ""])
def test_known_time_zones_are_taken(api, bot, zone):
    response, _ = post_json(api, INBOUND, body_for(INBOUND, bot, contact={"phone": PHONE, "timezone": zone}))
    assert response.status_code == 201
    assert Contact.objects.get().timezone == zone


# --- NUL characters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, field",
    [
        ({"text": "call me\x00 tomorrow"}, ["text"]),
        ({"provider_id": "SM\x00"}, ["provider_id"]),
        ({"channel": "sms\x00"}, ["channel"]),
        ({"contact": {"phone": "+1555\x005550100"}}, ["contact", "phone"]),
        ({"contact": {"phone": PHONE, "first_name": "Ana\x00"}}, ["contact", "first_name"]),
        ({"contact": {"phone": PHONE, "last_name": "\x00"}}, ["contact", "last_name"]),
        ({"contact": {"email": "ana\x00@example.com"}}, ["contact", "email"]),
    ],
    ids=["text", "provider_id", "channel", "phone", "first_name", "last_name", "email"],
)
@pytest.mark.parametrize("url", [INBOUND, OUTBOUND])
def test_a_nul_character_in_the_api_is_400_for_the_field(api, bot, url, change, field):
    response, before = post_json(api, url, body_for(url, bot, **change))
    reason = refused(response, before)
    assert list(reason) == field[:1]
    if len(field) == 2:
        assert list(reason["contact"]) == field[1:]


def test_a_nul_character_from_twilio_is_dropped(twilio, bot):
    params = {**inbound_sms(PHONE, "call me\x00 tomorrow", "SM\x00" + "d" * 32), "ProfileName": "Ana\x00"}
    assert post_signed(twilio, f"/webhooks/twilio/{bot.pk}/inbound/", params).status_code == 200
    message = Message.objects.get()
    assert (message.text, message.provider_id) == ("call me tomorrow", "SM" + "d" * 32)
    assert message.conversation.contact.first_name == "Ana"


def test_an_email_longer_than_its_column_is_400(api, bot):
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".example.com"  # valid, 259 characters
    response, before = post_json(api, INBOUND, body_for(INBOUND, bot, contact={"email": email}))
    assert list(refused(response, before)["contact"]) == ["email"]
