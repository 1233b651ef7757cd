"""Sender numbers a bot may have: E.164, or a short code for SMS; refused with a reason."""

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import escape

from tests.factories import make_bot
from tests.support.admin_forms import bot_change

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("number", ["", "+15551234567", "+447911123456", "55555", "123456", "+18005550100"])
def test_good_sms_senders_are_accepted(number):
    bot = make_bot(sms_from=number)
    bot.full_clean()


@pytest.mark.parametrize(
    "number",
    [
        "5551234567",
        "+1 555 123 4567",
        "+1555",
        "1234",
        "1234567",
        "01234",
        "+1555123456789012",
        "whatsapp:+15551234567",
        "call me",
    ],
)
def test_bad_sms_senders_are_refused_with_a_reason(number):
    bot = make_bot()
    bot.sms_from = number
    with pytest.raises(ValidationError) as refused:
        bot.full_clean()
    assert "E.164" in refused.value.message_dict["sms_from"][0]


@pytest.mark.parametrize(
    "number,ok", [("+15551234567", True), ("whatsapp:+15551234567", True), ("55555", False), ("+1 555 123 4567", False)]
)
def test_whatsapp_senders_are_e164(number, ok):
    bot = make_bot()
    bot.whatsapp_from = number
    if ok:
        bot.full_clean()
    else:
        with pytest.raises(ValidationError, match="WhatsApp sender number"):
            bot.full_clean()


def test_the_admin_saves_a_short_code_and_refuses_a_bad_number(admin_client):
    bot = make_bot()
    url, data = bot_change(admin_client, bot)
    data["sms_from"] = "55555"
    assert admin_client.post(url, data).status_code == 302
    bot.refresh_from_db()
    assert bot.sms_from == "55555"

    data["sms_from"] = "555-1234"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert escape('"555-1234" is not a sender number') in response.content.decode()
    bot.refresh_from_db()
    assert bot.sms_from == "55555"
