"""The connector sender against a real HTTP server on 127.0.0.1, and the email sender."""

import json
from datetime import UTC, datetime

import pytest
from django.core import mail

from channels_out.senders.base import Outgoing, SendError
from channels_out.senders.connector import ConnectorSender, verify_signature
from channels_out.senders.email import EmailSender
from tests.factories import make_bot
from tests.support.http_receiver import running_receiver

SECRET = "connector-secret"


@pytest.fixture
def connector():
    with running_receiver("/followups") as server:
        server.answer = b'{"id": "fb-mid-1"}'
        yield server


def outgoing(bot, channel="facebook", **fields):
    return Outgoing(
        follow_up_id=7, bot_id=bot.pk, conversation_id=3, channel=channel, to="42", text="Still there?", **fields
    )


@pytest.mark.django_db
def test_the_follow_up_is_posted_as_signed_json(connector):
    bot = make_bot(connector_url=connector.url, connector_secret=SECRET)
    sent_at = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    result = ConnectorSender().send(outgoing(bot, sent_at=sent_at))

    [request] = connector.hits
    assert request["path"] == "/followups"
    assert request["headers"]["content-type"] == "application/json"
    assert json.loads(request["body"]) == {
        "follow_up_id": 7,
        "conversation_id": 3,
        "channel": "facebook",
        "to": "42",
        "text": "Still there?",
        "sent_at": "2026-03-06T15:00:00+00:00",
    }
    assert request["headers"]["x-followup-timestamp"] == str(int(sent_at.timestamp()))
    signature = request["headers"]["x-followup-signature"]
    assert signature.startswith("sha256=")
    assert verify_signature(SECRET, request["body"], signature)
    assert result.provider_id == "fb-mid-1" and result.delivery_status == "sent"


@pytest.mark.django_db
def test_a_signature_fails_for_another_body_secret_or_header(connector):
    bot = make_bot(connector_url=connector.url, connector_secret=SECRET)
    ConnectorSender().send(outgoing(bot, channel="live_chat"))
    [request] = connector.hits
    signature = request["headers"]["x-followup-signature"]
    assert not verify_signature(SECRET, request["body"] + b" ", signature)
    assert not verify_signature("another-secret", request["body"], signature)
    assert not verify_signature(SECRET, request["body"], None)
    assert not verify_signature(SECRET, request["body"], signature.removeprefix("sha256="))


@pytest.mark.django_db
@pytest.mark.parametrize("status", [301, 400, 500])
def test_a_non_2xx_answer_is_a_send_error(connector, status):
    connector.status, connector.answer = status, b"no"
    bot = make_bot(connector_url=connector.url, connector_secret=SECRET)
    with pytest.raises(SendError, match=f"^connector_http_{status}$"):
        ConnectorSender().send(outgoing(bot, channel="instagram"))
    assert len(connector.hits) == 1


@pytest.mark.django_db
def test_the_loaded_bot_is_used_without_a_query(connector, django_assert_num_queries):
    bot = make_bot(connector_url=connector.url, connector_secret=SECRET)
    with django_assert_num_queries(0):
        ConnectorSender().send(
            Outgoing(
                follow_up_id=7,
                bot_id=bot.pk,
                conversation_id=3,
                channel="facebook",
                to="42",
                text="Still there?",
                bot=bot,
            )
        )
    with django_assert_num_queries(1):  # a caller without the bot: it is looked up
        ConnectorSender().send(outgoing(bot))
    assert len(connector.hits) == 2
    assert all(verify_signature(SECRET, hit["body"], hit["headers"]["x-followup-signature"]) for hit in connector.hits)


@pytest.mark.django_db
def test_an_answer_without_an_id_is_fine(connector):
    connector.answer = b""
    bot = make_bot(connector_url=connector.url, connector_secret=SECRET)
    assert ConnectorSender().send(outgoing(bot)).provider_id == ""


@pytest.mark.django_db
def test_no_connector_no_request():
    with pytest.raises(SendError, match=r"^no_connector_configured$"):
        ConnectorSender().send(outgoing(make_bot(connector_url="")))
    with pytest.raises(SendError, match=r"^no_connector_secret$"):
        ConnectorSender().send(outgoing(make_bot(connector_url="http://127.0.0.1:9/x", connector_secret="")))


@pytest.mark.django_db
def test_email_goes_through_the_email_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    bot = make_bot(name="Bright Smile")
    result = EmailSender().send(
        Outgoing(
            follow_up_id=1, bot_id=bot.pk, conversation_id=1, channel="email", to="ana@example.com", text="Still keen?"
        )
    )
    [email] = mail.outbox
    assert email.to == ["ana@example.com"] and email.body == "Still keen?"
    assert email.subject == "A message from Bright Smile"
    assert result.delivery_status == "sent"
