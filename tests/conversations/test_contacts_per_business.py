"""A contact is the business's: one per business and phone number, and one per business and
e-mail address (in any case), whichever of its bots they write to, however many first
messages arrive at once. Concurrent first messages go through the engine's real entry points
(the directory and record_inbound, as the API's inbound view calls them, and the signed
Twilio webhook), started together by a barrier, on SQLite and PostgreSQL. On SQLite the
writers serialize (BEGIN IMMEDIATE), so there it is the less racy version of the same test."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from bots.models import Bot
from conversations.directory import find_or_create_conversation
from conversations.models import Contact, Conversation, Message
from scheduling import events
from scheduling.clock import system_clock
from scheduling.models import FollowUp
from tests.factories import make_account, make_bot
from tests.support.twilio_webhooks import inbound_sms, post_twilio_form, twilio_signature

pytestmark = pytest.mark.django_db(transaction=True)

AT_ONCE = 16
BUSY = "driving now, text me later"  # busy: plans a follow-up
TOKEN = "contacts-token"
BASE = "https://followups.example.com"


@pytest.fixture(autouse=True)
def _a_connection_per_thread():
    """Every thread holds its own connection when the barrier lets them go, as separate web
    processes would: on PostgreSQL the process's pool (8 by default) is made big enough for
    the test's threads, then put back."""
    default = connection.settings_dict["OPTIONS"].get("pool")
    if connection.vendor != "postgresql" or not default:
        yield
        return
    _new_pool({**default, "max_size": AT_ONCE + 4})
    try:
        yield
    finally:
        _new_pool(default)


def _new_pool(options: dict) -> None:
    """Closes the process's connection pool; the next connection opens a new one with `options`."""
    db: Any = connection  # close_pool: PostgreSQL's wrapper only
    db.close()
    db.close_pool()
    db.settings_dict["OPTIONS"]["pool"] = options


def at_once(threads: list[list[Callable[[], object]]]) -> None:
    """Runs each list of calls in a thread of its own, the threads' n-th calls released
    together by a barrier, each thread holding its database connection before the first.
    Each thread closes its connections. Fails with the first error any thread raised."""
    barrier = threading.Barrier(len(threads))
    errors: list[BaseException] = []

    def run(calls):
        try:
            connection.ensure_connection()
            for call in calls:
                barrier.wait(timeout=60)
                call()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            errors.append(error)
            barrier.abort()
        finally:
            connections.close_all()

    started = [threading.Thread(target=run, args=(calls,)) for calls in threads]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in started), "a thread is still running"
    if errors:
        raise errors[0]


def first_message(bot_id: int, sid: str, *, channel: str, text: str = BUSY, **who) -> Callable[[], None]:
    """A first message from the contact known by `who` (email= or phone=), recorded as the
    API's inbound view records it: the conversation found or created in its own transaction,
    then record_inbound."""

    def call():
        bot = Bot.objects.get(pk=bot_id)
        with transaction.atomic():
            conversation = find_or_create_conversation(bot, channel=channel, **who)
        events.record_inbound(conversation, text, channel=channel, provider_id=sid, clock=system_clock)

    return call


def signed_sms(bot_id: int, phone: str, sid: str, text: str = BUSY) -> Callable[[], None]:
    """The same, as Twilio posts it to the bot's inbound webhook, signed."""

    def call():
        path = f"/webhooks/twilio/{bot_id}/inbound/"
        params = inbound_sms(phone, text, sid)
        response = post_twilio_form(Client(), path, params, signature=twilio_signature(TOKEN, BASE + path, params))
        assert response.status_code == 200, response.content

    return call


def people(account) -> list[tuple[int, int, int, int]]:
    """For each contact of the business: (conversations, pending follow-ups, messages,
    follow-ups planned in all), in the contacts' id order."""
    rows = []
    for contact in Contact.objects.filter(account=account).order_by("id"):
        conversations = Conversation.objects.filter(contact=contact)
        rows.append(
            (
                conversations.count(),
                FollowUp.objects.filter(conversation__in=conversations, status="pending").count(),
                Message.objects.filter(conversation__in=conversations).count(),
                FollowUp.objects.filter(conversation__in=conversations).count(),
            )
        )
    return rows


@pytest.fixture
def twilio_signed(settings):
    settings.TWILIO_AUTH_TOKEN, settings.PUBLIC_BASE_URL = TOKEN, BASE


def test_concurrent_first_messages_from_one_new_address_make_one_contact(engine_clock):
    bot = make_bot()
    at_once([[first_message(bot.pk, f"m{i}", channel="email", email="ana@example.com")] for i in range(AT_ONCE)])
    # Each message cancels the follow-up the one before planned and plans its own: one left.
    assert people(bot.account) == [(1, 1, AT_ONCE, AT_ONCE)]
    assert Contact.objects.get().email == "ana@example.com"


def test_concurrent_first_messages_from_ten_new_addresses_make_ten_contacts(engine_clock):
    """Ten rounds: in each, every thread writes the round's new address at once."""
    bot = make_bot()
    addresses = [f"person{n}@example.com" for n in range(10)]
    at_once(
        [
            [first_message(bot.pk, f"m{n}-{i}", channel="email", email=address) for n, address in enumerate(addresses)]
            for i in range(AT_ONCE)
        ]
    )
    assert people(bot.account) == [(1, 1, AT_ONCE, AT_ONCE)] * 10
    assert sorted(Contact.objects.values_list("email", flat=True)) == addresses


def test_one_address_written_in_different_cases_is_one_contact(engine_clock):
    bot = make_bot()
    spellings = ["Ana@X.com", "ana@x.com", "ANA@X.COM", "ana@X.Com"]
    at_once([[first_message(bot.pk, f"m{i}", channel="email", email=spellings[i % 4])] for i in range(AT_ONCE)])
    assert people(bot.account) == [(1, 1, AT_ONCE, AT_ONCE)]
    assert Contact.objects.get().email.lower() == "ana@x.com"


def test_concurrent_first_sms_through_the_signed_webhook_make_one_contact(engine_clock, twilio_signed):
    bot = make_bot()
    at_once([[signed_sms(bot.pk, "+15555550123", f"SM{i:032d}")] for i in range(AT_ONCE)])
    assert people(bot.account) == [(1, 1, AT_ONCE, AT_ONCE)]
    assert Contact.objects.get().phone == "+15555550123"


def test_concurrent_first_sms_from_ten_new_numbers_make_ten_contacts(engine_clock, twilio_signed):
    bot = make_bot()
    phones = [f"+1555555{n:04d}" for n in range(10)]
    at_once(
        [[signed_sms(bot.pk, phone, f"SM{n:02d}{i:030d}") for n, phone in enumerate(phones)] for i in range(AT_ONCE)]
    )
    assert people(bot.account) == [(1, 1, AT_ONCE, AT_ONCE)] * 10
    assert sorted(Contact.objects.values_list("phone", flat=True)) == phones


def test_one_new_address_from_different_new_numbers_is_one_contact(engine_clock):
    """The API may name a contact by phone and e-mail: first messages giving one new address
    with different new numbers are one contact (found by the address), with the winner's number."""
    bot = make_bot()
    at_once(
        [
            [first_message(bot.pk, f"m{i}", channel="sms", phone=f"+1555555{i:04d}", email="Ana@X.com")]
            for i in range(AT_ONCE)
        ]
    )
    assert people(bot.account) == [(1, 1, AT_ONCE, AT_ONCE)]
    assert Contact.objects.get().phone.startswith("+1555555")


def test_a_known_address_writing_from_a_new_number_is_the_same_contact(engine_clock):
    bot = make_bot()
    first_message(bot.pk, "m0", channel="email", email="ana@x.com")()
    first_message(bot.pk, "m1", channel="sms", phone="+15555550100", email="Ana@X.com")()
    assert people(bot.account) == [(1, 1, 2, 2)]
    assert Contact.objects.get().phone == ""  # found by the address: the number isn't taken over


def test_a_known_number_with_a_new_address_is_the_same_contact(engine_clock):
    bot = make_bot()
    first_message(bot.pk, "m0", channel="sms", phone="+15555550100")()
    first_message(bot.pk, "m1", channel="sms", phone="+15555550100", email="ana@x.com")()
    assert people(bot.account) == [(1, 1, 2, 2)]
    assert Contact.objects.get().email == ""


def test_one_business_two_bots_the_same_number_is_one_contact_with_two_conversations(engine_clock, twilio_signed):
    account = make_account()
    ana, ben = make_bot(account=account, name="Ana Dental"), make_bot(account=account, name="Ben Dental")
    at_once([[signed_sms((ana, ben)[i % 2].pk, "+15555550199", f"SM{i:032d}")] for i in range(AT_ONCE)])
    contact = Contact.objects.get()
    assert contact.account_id == account.pk and contact.bot_id in (ana.pk, ben.pk)
    assert people(account) == [(2, 2, AT_ONCE, AT_ONCE)]
    for bot in (ana, ben):
        conversation = Conversation.objects.get(bot=bot, contact=contact)
        assert conversation.messages.count() == AT_ONCE // 2
        assert conversation.follow_ups.filter(status="pending").count() == 1


def test_two_businesses_the_same_number_are_two_contacts(engine_clock, twilio_signed):
    ana, ben = make_bot(name="Ana Dental"), make_bot(name="Ben Dental")
    assert ana.account_id != ben.account_id
    at_once([[signed_sms((ana, ben)[i % 2].pk, "+15555550199", f"SM{i:032d}")] for i in range(AT_ONCE)])
    for bot in (ana, ben):
        assert people(bot.account) == [(1, 1, AT_ONCE // 2, AT_ONCE // 2)]
        assert Contact.objects.get(account=bot.account).bot_id == bot.pk


def test_two_businesses_the_same_address_are_two_contacts(engine_clock):
    ana, ben = make_bot(name="Ana Dental"), make_bot(name="Ben Dental")
    spellings = ["ana@x.com", "ANA@x.com"]
    at_once(
        [
            [first_message((ana, ben)[i % 2].pk, f"m{i}", channel="email", email=spellings[i // 2 % 2])]
            for i in range(AT_ONCE)
        ]
    )
    for bot in (ana, ben):
        assert people(bot.account) == [(1, 1, AT_ONCE // 2, AT_ONCE // 2)]
