"""The inbound path at campaign scale: what a reply costs in queries, retries that change
nothing, a lock that holds only the conversation, and the contact's zone without a query.
(Its speed is benchmarked: ./benchmarks/run --only events,load.)"""

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bots.models import Bot
from channels_out.senders.console import RecordingSender
from conversations.directory import with_contacts_bot
from conversations.models import Contact, Conversation, Message
from scheduling import events, planning
from scheduling.dispatch import dispatch_due
from scheduling.models import EngineEvent, FollowUp
from scheduling.sql import lock_by_phone
from tests.factories import at, clock, make_bot, make_conversation, make_due_follow_ups
from tests.support.twilio_webhooks import inbound_sms, post_twilio_form, twilio_signature

TOKEN = "inbound-token"
BASE = "https://followups.example.com"
PHONE = "+15555550100"
OTHER_PHONE = "+15555550199"
CADENCE = {"stopped_replying": "1h, 1d", "busy": "30m", "specific_time": "1d"}


def statements(queries: CaptureQueriesContext) -> list[str]:
    """What the database was sent, without the savepoints of the test's own transaction."""
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def reply(bot_id: int, phone: str, text: str, **kwargs) -> Message:
    """record_reply of a known contact's message: recorded."""
    message = events.record_reply(bot_id, phone, text, channel="sms", **kwargs)
    assert message is not None, "no conversation found"
    return message


def handed_over(conversation: Conversation) -> Conversation:
    """The conversation as the directory's lookups hand it to the handlers: with its bot and contact."""
    return with_contacts_bot(Conversation.objects.select_related("bot", "contact").get(pk=conversation.pk))


def a_sent_step_with_the_next_waiting():
    """Step 1 of stopped-replying went out at 11:00; step 2 waits for tomorrow."""
    conversation = make_conversation(make_bot(cadences=CADENCE), phone=PHONE)
    c = clock("2026-03-02T10:00:00-05:00")
    events.record_outbound(conversation, "Want to book a cleaning? https://book.example.com/ana", clock=c)
    c.set(at("2026-03-02T11:00:00-05:00"))
    dispatch_due(c, sender=RecordingSender())
    c.set(at("2026-03-02T11:30:00-05:00"))
    return conversation, c


@pytest.mark.django_db
def test_a_reply_to_a_sent_follow_up_costs_five_statements_and_resets_everything():
    conversation, c = a_sent_step_with_the_next_waiting()
    sent = FollowUp.objects.get(status="sent")
    found = handed_over(conversation)

    with CaptureQueriesContext(connection) as queries:
        message = events.record_inbound(found, "ok thanks, what time do you open?", provider_id="SM1", clock=c)

    # Lock and read, the message, cancel, credit the reply, the conversation.
    assert len(statements(queries)) == 5, statements(queries)
    assert (message.intent, message.provider_id) == ("other", "SM1")
    assert FollowUp.objects.get(pk=sent.pk).replied_at == c.now()
    assert list(FollowUp.objects.exclude(pk=sent.pk).values_list("status", "reason")) == [
        ("cancelled", "contact_replied")
    ]
    assert Conversation.objects.get(pk=conversation.pk).last_inbound_at == c.now()


@pytest.mark.django_db
def test_a_busy_reply_plans_its_cadence_in_at_most_eight_statements():
    conversation, c = a_sent_step_with_the_next_waiting()
    with CaptureQueriesContext(connection) as queries:
        reply(conversation.bot_id, PHONE, "I'm driving, text me later", clock=c)

    # The five of any reply, then the scenario, the bot's hours and the new follow-up.
    assert len(statements(queries)) <= 8, statements(queries)
    [busy] = FollowUp.objects.filter(status="pending")
    assert (busy.kind, busy.due_at) == ("busy", at("2026-03-02T12:00:00-05:00"))


@pytest.mark.django_db
def test_the_rules_read_the_last_outbound_message_the_lock_brought():
    """ "done" right after the bot sent its booking link is a booking, after another message
    it is not: the last outbound message is read."""
    conversation, c = a_sent_step_with_the_next_waiting()
    events.record_outbound(conversation, "Anything else I can help with?", clock=c)
    assert events.record_inbound(conversation, "done", clock=c).intent == "other"
    events.record_outbound(conversation, "Book here: https://book.example.com/ana", clock=c)
    message = reply(conversation.bot_id, PHONE, "done", clock=c)
    assert message.intent == "booked"
    assert Conversation.objects.get(pk=conversation.pk).stopped_reason == "booked"


@pytest.mark.django_db
def test_a_retried_busy_reply_is_recorded_once_and_plans_once():
    conversation, c = a_sent_step_with_the_next_waiting()
    first = events.record_inbound(conversation, "in a meeting, later", provider_id="SMdup", clock=c)
    notes = EngineEvent.objects.count()
    c.set(at("2026-03-02T11:31:00-05:00"))

    again = events.record_inbound(
        Conversation.objects.get(pk=conversation.pk), "in a meeting, later", provider_id="SMdup", clock=c
    )

    assert again.pk == first.pk
    assert Message.objects.filter(provider_id="SMdup").count() == 1
    assert FollowUp.objects.filter(status="pending", kind="busy").count() == 1
    assert EngineEvent.objects.count() == notes
    assert Conversation.objects.get(pk=conversation.pk).last_inbound_at == first.at


@pytest.mark.django_db
def test_the_same_provider_id_in_another_conversation_is_another_message():
    """The constraint is per conversation: two providers may reuse ids between contacts."""
    bot = make_bot()
    one, two = make_conversation(bot, phone="+15555550101"), make_conversation(bot, phone="+15555550102")
    c = clock()
    assert events.record_inbound(one, "hi", provider_id="SMsame", clock=c) != events.record_inbound(
        two, "hi", provider_id="SMsame", clock=c
    )


@pytest.mark.django_db
def test_a_contact_met_by_another_bot_reads_times_in_that_bots_zone():
    """The contact's zone, when they have none, is their first bot's (Paris), not the zone of
    the bot they write to (New York), lookup shortcut or not."""
    paris = make_bot(name="Paris Dental", timezone="Europe/Paris")
    new_york = make_bot(name="NY Dental", account=paris.account, cadences=CADENCE)
    contact = Contact.objects.create(bot=paris, phone=PHONE, first_name="Ana")
    Conversation.objects.create(bot=new_york, contact=contact, channel="sms")
    c = clock("2026-03-06T10:00:00-05:00")

    message = reply(new_york.pk, PHONE, "call me tomorrow at 3pm", clock=c)

    assert message.requested_at == at("2026-03-07T15:00:00+01:00")


@pytest.mark.django_db
def test_the_webhook_records_a_known_contacts_reply_in_five_statements(client, settings):
    settings.TWILIO_AUTH_TOKEN, settings.PUBLIC_BASE_URL = TOKEN, BASE
    conversation, _ = a_sent_step_with_the_next_waiting()
    path = f"/webhooks/twilio/{conversation.bot_id}/inbound/"
    params = inbound_sms(PHONE, "ok thanks", "SM" + "b" * 32)

    with CaptureQueriesContext(connection) as queries:
        response = post_twilio_form(client, path, params, signature=twilio_signature(TOKEN, BASE + path, params))

    assert response.status_code == 200
    # Found and locked in one, then the message, cancel, credit the reply, the conversation.
    assert len(statements(queries)) == 5, statements(queries)
    assert Message.objects.get(provider_id=params["MessageSid"]).conversation_id == conversation.pk


@pytest.mark.django_db
def test_a_reply_is_only_found_in_the_bots_own_business():
    """Another business's contact with the same number is not this bot's: record_reply finds
    nothing (the webhook then creates the bot's own contact); a bot id past any row's too."""
    mine, theirs = make_bot(name="Mine"), make_bot(name="Theirs")
    make_conversation(theirs, phone=PHONE)
    assert events.record_reply(mine.pk, PHONE, "hi", channel="sms") is None
    assert events.record_reply(2**63, PHONE, "hi", channel="sms") is None
    assert reply(theirs.pk, PHONE, "hi").conversation.bot == theirs
    assert Message.objects.count() == 1


def another_contacts_reply_in_flight(bot_id: int) -> None:
    lock_by_phone(bot_id, OTHER_PHONE)


def an_admin_saving_the_bot(bot_id: int) -> None:
    Bot.objects.filter(pk=bot_id).update(name="Ana Dental & Co")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("holder", [another_contacts_reply_in_flight, an_admin_saving_the_bot])
def test_a_reply_does_not_wait_for_another_transaction_on_its_bot(holder):
    """Only the conversation's row is locked: another contact's reply being recorded, or an
    admin saving the bot, does not queue the bot's inbound messages."""
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite locks the whole database for a write")
    bot = make_bot(cadences=CADENCE)
    make_conversation(bot, phone=PHONE), make_conversation(bot, phone=OTHER_PHONE)
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                holder(bot.pk)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # blocked means failed, not hung
        assert reply(bot.pk, PHONE, "I'm driving", provider_id="SMlock").intent == "busy"
    finally:
        release.set()
        thread.join(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")


@pytest.mark.django_db
def test_a_reply_cancels_exactly_what_cancellable_names_and_leaves_the_rest():
    """The SQL of cancel_pending and the ORM rule `cancellable` (used by the console) agree:
    pending and claimed-not-handed rows go, handed-over and finished rows stay."""
    make_due_follow_ups(6, phone_prefix="+1444")
    conversation = Conversation.objects.get(contact__phone="+14440000000")
    rows = list(FollowUp.objects.order_by("id"))
    for row in rows[1:]:
        row.conversation = conversation  # six states in one conversation
    states = [
        ("pending", None),
        ("sending", None),
        ("sending", at("2026-03-06T09:59:00-05:00")),
        ("sent", at("2026-03-06T09:00:00-05:00")),
        ("cancelled", None),
        ("skipped", None),
    ]
    for row, (status, handed_at) in zip(rows, states, strict=True):
        row.status, row.handed_at = status, handed_at
    FollowUp.objects.bulk_update(rows, ["conversation", "status", "handed_at"])
    named = set(planning.cancellable(conversation.follow_ups.all()).values_list("pk", flat=True))

    events.record_inbound(conversation, "ok", clock=clock())

    cancelled = set(FollowUp.objects.filter(reason="contact_replied").values_list("pk", flat=True))
    assert cancelled == named == {rows[0].pk, rows[1].pk}
    assert [FollowUp.objects.get(pk=r.pk).status for r in rows[2:]] == ["sending", "sent", "cancelled", "skipped"]


@pytest.mark.django_db
def test_a_known_contacts_reply_to_a_bot_with_a_model_is_classified_by_it_and_recorded_once(settings):
    """The model's call is made outside the lock (record_reply hands over to record_inbound),
    and a retry neither calls it again nor records anything new."""
    settings.LLM_MODEL, settings.LLM_MOCK_RESPONSE = "", '{"intent": "busy", "follow_up_at": null}'
    conversation = make_conversation(make_bot(ai_model="gpt-4o-mini", cadences=CADENCE), phone=PHONE)
    c = clock()

    first = reply(conversation.bot_id, PHONE, "hmm, let me see", provider_id="SMm", clock=c)
    settings.LLM_MOCK_RESPONSE = "not JSON"  # a second call would fall back to the rules
    again = reply(conversation.bot_id, PHONE, "hmm, let me see", provider_id="SMm", clock=c)

    assert (first.intent, first.classified_by) == ("busy", "llm:gpt-4o-mini")
    assert again.pk == first.pk
    assert [f.kind for f in conversation.follow_ups.all()] == ["busy"]
