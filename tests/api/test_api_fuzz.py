"""Fuzzing the HTTP surface: nothing a client sends may make the server answer 500.

1. Schemathesis over every operation of the OpenAPI schema (drf-spectacular at
   /api/schema/), loaded from the Django WSGI app in-process, with a business's API key, with the
   `not_a_server_error` and `status_code_conformance` checks. Generated bodies are also aimed at seeded bots
   and a contact, so requests get past "no such bot" into the engine.
2. Twilio's webhooks, which are not in the schema (their views set schema = None): arbitrary
   form fields, unsigned (always 403, nothing written) and correctly signed (never 500,
   NUL characters, overlong fields and times past the calendar included; a 4xx writes nothing).
3. Hostile JSON bodies the schema does not describe: any JSON value in any field (floats and
   booleans for ids, huge integers, lone surrogates, unknown zones), deep nesting, bytes that
   are not JSON. Never 5xx; a 4xx has a JSON reason and writes nothing.

Both use a transactional database: requests run in real transactions as in production (the
WSGI handler also closes the connection after each request), and one request's database error
can't poison the next one through a shared test transaction.

Deterministic: every run sends the same requests and gets the same answers, whatever ran
before. Hypothesis is derandomized with no example database (schemathesis would otherwise
seed each of its tests with a fresh random seed of its own every run, which --hypothesis-seed
does not reach), the engine's clock is stopped at one instant (it reads the time of day), and
each test starts from an empty database with its ids counting from 1.
"""

import json
import re

import pytest
import schemathesis
from django.core.management.color import no_style
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from accounts.models import Account
from bots.models import Bot
from conversations.models import Contact, Conversation, Message, OptOut
from scheduling.clock import system_clock
from scheduling.models import FollowUp
from tests.factories import make_account, make_bot
from tests.support.api_keys import authorization, issue_key
from tests.support.twilio_webhooks import post_twilio_form, twilio_signature

SCHEMA_PATH = "/api/schema/"
BOT_IDS = (1, 2)
# The second bot lives where an offset carries a time in year 9999 past the calendar's end.
BOT_ZONES = {1: "America/New_York", 2: "Pacific/Kiritimati"}
CONTACT_ID = 1
PHONE = "+15555550100"
SENT_SID = "SM" + "a" * 32


@pytest.fixture
def fuzz_db(django_db_reset_sequences, engine_clock):
    """A transactional database, empty, ids from 1 (generated small integers name the same
    rows every run), and the engine's clock stopped at a weekday morning."""


def _seed():
    """Bots of one business and a contact at small ids, which generated integers hit often,
    with a conversation and follow-ups (one sent, one pending), so requests reach past "no
    such bot". The business, whose key the requests hold."""
    account = Account.objects.first() or make_account("Fuzz Dental")
    for pk in BOT_IDS:
        if not Bot.objects.filter(pk=pk).exists():
            make_bot(pk=pk, account=account, name=f"Fuzz Dental {pk}", timezone=BOT_ZONES[pk])
    bot = Bot.objects.get(pk=BOT_IDS[0])
    contact = Contact.objects.filter(pk=CONTACT_ID).first() or Contact.objects.create(
        pk=CONTACT_ID, bot=bot, first_name="Ana", phone=PHONE, email="ana@example.com"
    )
    # Explicit ids don't move PostgreSQL's sequences: reset them, or the API's own inserts collide.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Bot, Contact]):
            cursor.execute(sql)
    conversation = Conversation.objects.create(bot=contact.bot, contact=contact, channel="sms")
    now = system_clock.now()
    message = Message.objects.create(
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        author=Message.Author.BOT,
        channel="sms",
        text="Want to book?",
        at=now,
    )
    scenario = bot.scenario("stopped_replying")
    common = {
        "conversation": conversation,
        "scenario": scenario,
        "kind": scenario.kind,
        "steps_total": 2,
        "due_at": now,
        "planned_at": now,
        "channel": "sms",
        "created_at": now,
        "trigger_message": message,
    }
    FollowUp.objects.create(
        step=1,
        status=FollowUp.Status.SENT,
        provider_id=SENT_SID,
        delivery_status="queued",
        finished_at=now,
        text="Still there?",
        **common,
    )
    FollowUp.objects.create(step=2, **common)
    return bot, contact, account


def rows():
    """What a refused request must leave as it was."""
    return (
        [m.objects.count() for m in (Contact, Conversation, Message, FollowUp, OptOut)],
        list(FollowUp.objects.order_by("pk").values_list("status", "delivery_status")),
    )


def refused_cleanly(response, before):
    """A 4xx answers a JSON reason and writes nothing."""
    if 400 <= response.status_code < 500:
        assert response["Content-Type"].startswith("application/json"), response.content[:200]
        assert response.json()
        assert rows() == before


# --- 1. schemathesis over the OpenAPI schema ---------------------------------------------


@pytest.fixture
def api_key(fuzz_db):
    """The seeded business's API key (the bots and contact are all its own)."""
    *_, account = _seed()
    return issue_key(account, "Fuzzer")


def _load_schema():
    """The schema as the running app serves it, fetched through its WSGI handler (the
    schema view is public and reads no database, so this works at collection time).

    Loaded at import rather than through schemathesis.pytest.from_fixture: that lazy loader
    sets `request.node._nodeid`, which pytest 9 no longer has (schemathesis 4.32.5)."""
    try:
        return schemathesis.openapi.from_wsgi(SCHEMA_PATH, get_wsgi_application()), None
    except Exception as exc:  # noqa: BLE001 - reported by a failing test, not a collection error
        return None, exc


schema, SCHEMA_ERROR = _load_schema()


@pytest.fixture
def api_schema():
    if schema is None:
        pytest.fail(f"the OpenAPI schema at {SCHEMA_PATH} could not be loaded: {SCHEMA_ERROR!r}")
    return schema


# Generated integers rarely name a bot or contact that exists, and a request about no bot
# stops at validation. Each generated body also comes with variants aimed at the seeded
# bots and contact (the generated values stay possible), so requests reach the engine.
e164 = st.from_regex(r"\A\+[1-9]\d{6,14}\Z")


def flatmap_case(context, case):
    body = case.body
    if not isinstance(body, dict) or "bot" not in body:
        return st.just(case)
    contact = body.get("contact")
    # Hypothesis leans to the first choices: the aimed ones come first, the generated one last.
    contacts = st.one_of(
        st.just({"id": CONTACT_ID}),
        st.just({"phone": PHONE}),
        e164.map(lambda phone: {"phone": phone, "first_name": "Fuzz"}),
        st.just({**contact, "id": CONTACT_ID} if isinstance(contact, dict) else contact),
        st.just(contact),
    )

    def aimed(bot, contact):
        case.body = {**body, "bot": bot, "contact": contact}
        return case

    # Three times in four a seeded bot, with any of the contact variants.
    return st.builds(aimed, st.sampled_from([*BOT_IDS, BOT_IDS[0], body["bot"]]), contacts)


def flatmap_path_parameters(context, parameters):
    if "contact_id" not in (parameters or {}):
        return st.just(parameters)
    return st.sampled_from([parameters, {**parameters, "contact_id": CONTACT_ID}])


# Known gaps in the schema, tolerated here so that status_code_conformance keeps guarding
# every other answer (none today).
UNDOCUMENTED: set = set()


def documented_status_code(ctx, response, case):
    if (case.operation.label, response.status_code) in UNDOCUMENTED:
        return None
    return status_code_conformance(ctx, response, case)


if schema is not None:
    schema.hook(flatmap_case)
    schema.hook(flatmap_path_parameters)

    @schema.parametrize()
    # The same examples every run (derandomize), none replayed from an earlier run (database).
    @settings(
        max_examples=50,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def test_no_api_operation_answers_a_server_error(case, api_key):
        case.call_and_validate(headers=authorization(api_key), checks=[not_a_server_error, documented_status_code])


def test_the_schema_lists_every_api_endpoint(api_schema):
    """The fuzz run covers what the schema lists; make sure it lists every API route."""
    from api.urls import urlpatterns

    listed = {result.ok().path for result in api_schema.get_all_operations()}
    routes = {"/api/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(p.pattern)) for p in urlpatterns}
    routes -= {"/api/docs/", "/api/schema/"}  # the description itself and its Swagger UI page
    assert routes <= listed, f"routes missing from the schema: {routes - listed}"


def test_the_follow_ups_of_an_unknown_contact_are_a_documented_404(api_schema, api_key):
    operation = api_schema["/api/contacts/{contact_id}/follow-ups/"]["GET"]
    response = Client().get("/api/contacts/999999/follow-ups/", headers=authorization(api_key))
    assert response.status_code == 404
    assert "404" in operation.responses.status_codes


@pytest.mark.parametrize("path", ["/api/messages/inbound/", "/api/messages/outbound/", "/api/appointments/"])
def test_a_body_without_a_content_type_is_a_documented_415(api_schema, api_key, path):
    """What schemathesis' WSGI transport sends for a multipart/form-data case whose body is a
    bare string: the bytes without a Content-Type. No parser takes them: 415, documented."""
    operation = api_schema[path]["POST"]
    response = Client().generic("POST", path, data="¥Wn\x80".encode(), content_type="", headers=authorization(api_key))
    assert response.status_code == 415
    assert "415" in operation.responses.status_codes


# --- 2. Twilio's webhooks -----------------------------------------------------------------

AUTH_TOKEN = "fuzz-twilio-auth-token"
# Any mix of fields, values (NUL characters and values longer than their columns
# included), bots and Twilio's own field names.
KEY_FIELDS = {"From", "Body", "MessageSid", "ProfileName", "MessageStatus", "ErrorCode"}
OTHER_TWILIO_FIELDS = ["To", "SmsSid", "AccountSid", "WaId", "NumMedia", "ApiVersion", "SmsStatus", "NumSegments"]
ANY_CHAR = st.characters(codec="utf-8")  # anything a form can carry


def text(max_size):
    return st.text(alphabet=ANY_CHAR, max_size=max_size)


field_names = st.one_of(
    st.sampled_from(OTHER_TWILIO_FIELDS),
    st.text(alphabet=ANY_CHAR, min_size=1, max_size=20).filter(lambda k: k not in KEY_FIELDS),
)
values = st.one_of(
    text(80),
    text(400),
    st.sampled_from(
        [
            "",
            "0",
            "delivered",
            "failed",
            "undelivered",
            "read",
            "30003",
            SENT_SID,
            "call me tomorrow at 3pm",
            "STOP",
            "START",
        ]
    ),
)
# Times past the calendar, in the shapes the classifier reads (a request more than 365 days
# ahead is busy, never an error).
far_off_times = st.builds(
    lambda template, year, day: template.format(year=year, day=day),
    st.sampled_from(
        [
            "call me on 1 January {year} at 3pm",
            "call me {year}-12-{day:02d} 23:59",
            "call me 12/{day}/{year} at 11pm",
            "can you call me on December {day}, {year} at 11:59pm?",
            "text me on {day}/12/{year} at 9",
            "call me in {year} days",
            "call me in {year} weeks",
            "call me in {year} years",
        ]
    ),
    st.sampled_from([0, 1, 9998, 9999, 10000, 99999, 10**20]),
    st.integers(min_value=1, max_value=31),
)
phones = st.one_of(st.just(PHONE), st.just("whatsapp:" + PHONE), st.from_regex(r"\A\+[1-9]\d{6,14}\Z"), text(32))
forms = st.fixed_dictionaries(
    {},
    optional={
        "From": phones,
        "Body": st.one_of(
            far_off_times,
            text(300),
            st.sampled_from(
                [
                    "call me tomorrow at 3pm",
                    "busy, in 2 hours",
                    "call me in 99999999999 days",
                    "STOP",
                    "not interested",
                    "yes please",
                ]
            ),
        ),
        "MessageSid": st.one_of(st.just(SENT_SID), text(64)),
        "MessageStatus": values,
        "ErrorCode": values,
        "ProfileName": text(150),
    },
).flatmap(lambda base: st.dictionaries(field_names, values, max_size=6).map(lambda extra: {**extra, **base}))
bot_ids = st.one_of(st.sampled_from(BOT_IDS), st.integers(min_value=0, max_value=10**20))


@pytest.fixture
def twilio(settings, fuzz_db):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.PUBLIC_BASE_URL = ""
    _seed()
    return Client()


def post_signed(client, path, params):
    return post_twilio_form(
        client, path, params, signature=twilio_signature(AUTH_TOKEN, f"http://testserver{path}", params)
    )


def webhook_path(kind, bot_id):
    return f"/webhooks/twilio/{bot_id}/inbound/" if kind == "inbound" else "/webhooks/twilio/status/"


WEBHOOK_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@WEBHOOK_SETTINGS
@given(
    kind=st.sampled_from(["inbound", "status"]),
    bot_id=bot_ids,
    params=forms,
    bad_signature=st.one_of(st.none(), text(40)),
)
def test_an_unsigned_or_missigned_twilio_webhook_is_refused_and_writes_nothing(
    twilio, kind, bot_id, params, bad_signature
):
    before = (
        Message.objects.count(),
        Contact.objects.count(),
        list(FollowUp.objects.order_by("pk").values_list("delivery_status", flat=True)),
    )
    response = post_twilio_form(twilio, webhook_path(kind, bot_id), params, signature=bad_signature)
    assert response.status_code == 403
    assert before == (
        Message.objects.count(),
        Contact.objects.count(),
        list(FollowUp.objects.order_by("pk").values_list("delivery_status", flat=True)),
    )


@WEBHOOK_SETTINGS
@given(kind=st.sampled_from(["inbound", "status"]), bot_id=bot_ids, params=forms)
@example(kind="status", bot_id=1, params={"MessageSid": SENT_SID, "MessageStatus": "undelivered", "ErrorCode": "30003"})
@example(
    kind="inbound", bot_id=1, params={"From": PHONE, "Body": "call me tomorrow at 3pm", "MessageSid": "SM" + "b" * 32}
)
@example(kind="inbound", bot_id=1, params={"Body": "hi"})  # no From
@example(kind="inbound", bot_id=2, params={"From": PHONE, "Body": "call me 9999-12-31 23:59", "MessageSid": "SM9"})
def test_a_signed_twilio_webhook_with_any_fields_is_never_a_server_error(twilio, kind, bot_id, params):
    before = rows()
    # The test client re-raises a view's exception, so a 500 fails here with its traceback.
    response = post_signed(twilio, webhook_path(kind, bot_id), params)
    event(f"{kind} {response.status_code}")  # the spread, with --hypothesis-show-statistics
    assert response.status_code in (200, 400, 404)
    refused_cleanly(response, before)


# --- NUL characters and overlong fields (PostgreSQL refuses them; SQLite keeps them) ---------

ON_POSTGRES = connection.vendor == "postgresql"


def signed_status(client, kind, params):
    """The status a signed webhook about the first seeded bot gets (a server error answered
    500, not raised)."""
    client.raise_request_exception = False
    return post_signed(client, webhook_path(kind, BOT_IDS[0]), params).status_code


@pytest.mark.parametrize(
    "kind, params",
    [
        ("inbound", {"From": PHONE, "Body": "call me\x00 tomorrow"}),
        ("inbound", {"From": "+1555\x00", "Body": "hi"}),
        ("inbound", {"From": "+15555550101", "Body": "hi", "MessageSid": "SM\x00"}),
        ("inbound", {"From": "+15555550102", "Body": "hi", "ProfileName": "Ana\x00"}),
        ("status", {"MessageSid": "SM\x00", "MessageStatus": "delivered"}),
        ("status", {"MessageSid": SENT_SID, "MessageStatus": "failed", "ErrorCode": "300\x0003"}),
    ],
    ids=["inbound-body", "inbound-from", "inbound-sid", "inbound-profile", "status-sid", "status-error-code"],
)
def test_a_signed_twilio_webhook_with_a_nul_character_is_not_a_server_error(twilio, kind, params):
    assert signed_status(twilio, kind, params) < 500


@pytest.mark.parametrize(
    "kind, params",
    [
        ("inbound", {"From": "+1" + "5" * 40, "Body": "hi"}),
        ("inbound", {"From": "+15555550103", "Body": "hi", "MessageSid": "SM" + "x" * 80}),
        ("status", {"MessageSid": SENT_SID, "MessageStatus": "failed", "ErrorCode": "9" * 300}),
    ],
    ids=["inbound-from", "inbound-sid", "status-error-code"],
)
def test_a_signed_twilio_webhook_with_an_overlong_field_is_not_a_server_error(twilio, kind, params):
    assert signed_status(twilio, kind, params) < 500


# --- 3. hostile JSON bodies -----------------------------------------------------------------

API_PATHS = ["/api/messages/inbound/", "/api/messages/outbound/", "/api/appointments/"]
ODD_STRINGS = [
    "",
    "1",
    "1e3",
    " 1",
    "1.0",
    "99999999999999999999",
    "\x00",
    "sms\x00",
    "\ud800",  # a lone surrogate: json.dumps writes it as an escape
    "Mars/Olympus",
    "America",
    "localtime",
    "America/New_York",
    "Pacific/Kiritimati",
    "x" * 300,
    PHONE,
    "sms",
    "whatsapp",
    "bot",
    "agent",
]
json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, 1, 2, -1, 2**63 - 1, 2**63, 10**30]),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(ODD_STRINGS),
    text(20),
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(text(6), children, max_size=3)),
    max_leaves=8,
)
contact_refs = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.just(CONTACT_ID), json_values),
        "phone": st.one_of(st.just(PHONE), e164, json_values),
        "email": st.one_of(st.just("ana@example.com"), json_values),
        "first_name": json_values,
        "timezone": st.one_of(st.sampled_from(ODD_STRINGS), json_values),
    },
)
# A body every endpoint takes (each ignores the fields it does not know), varied where it
# stays valid (bot, contact, a time in any year), with at most two fields given any value,
# so requests reach the engine as well as the validation.
valid_bodies = st.fixed_dictionaries(
    {
        "bot": st.sampled_from(BOT_IDS),
        "contact": st.one_of(st.just({"id": CONTACT_ID}), e164.map(lambda phone: {"phone": phone})),
        "channel": st.sampled_from(["sms", "whatsapp", "email"]),
        "text": st.one_of(far_off_times, st.just("call me tomorrow at 3pm"), st.just("in a meeting")),
        "author": st.sampled_from(["bot", "agent"]),
    }
)
any_changes = st.dictionaries(
    st.sampled_from(["bot", "contact", "channel", "text", "author", "provider_id"]),
    st.one_of(contact_refs, json_values),
    max_size=2,
)
json_bodies = st.builds(lambda body, changes: {**body, **changes}, valid_bodies, any_changes)
raw_bodies = st.one_of(
    json_bodies.map(lambda body: json.dumps(body).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    # Nested around the limit of 32 levels, and far past it.
    st.builds(
        lambda depth, pair: (pair[0] * depth + "1" + pair[1] * depth).encode(),
        st.one_of(st.integers(min_value=30, max_value=34), st.integers(min_value=35, max_value=10_000)),
        st.sampled_from([("[", "]"), ('{"a":', "}")]),
    ),
    st.binary(max_size=60),
)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=st.sampled_from(API_PATHS), raw=raw_bodies)
@example(
    path=API_PATHS[0],
    raw=b'{"bot": 2, "contact": {"phone": "+15555550177"}, "channel": "sms", "text": "call me 9999-12-31 23:59"}',
)
@example(path=API_PATHS[0], raw=b'{"bot": 1.5, "contact": {"id": 1}, "channel": "sms", "text": "hi"}')
@example(path=API_PATHS[1], raw=b'{"bot": true, "contact": {"id": 1}, "text": "hi", "author": "bot"}')
@example(
    path=API_PATHS[2], raw=b'{"bot": 1, "contact": {"phone": "+15555550178", "timezone": "America"}, "channel": "sms"}'
)
def test_a_hostile_json_body_is_never_a_server_error_and_a_refusal_writes_nothing(api_key, path, raw):
    client = Client(headers=authorization(api_key))
    before = rows()
    # The test client re-raises a view's exception, so a 500 fails here with its traceback.
    response = client.generic("POST", path, raw, content_type="application/json")
    event(f"{path} {response.status_code}")
    assert response.status_code in (200, 201, 400, 413), response.content[:300]
    refused_cleanly(response, before)
