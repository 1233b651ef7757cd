"""Phone numbers: one parser (bots.numbers) turns what a person or a client typed into E.164,
refuses the rest with a message saying how to type it; senders keep their short codes; the
Twilio webhook and the migration of existing contacts use it too."""

import importlib
import os

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from bots.numbers import (
    PhoneNumberError,
    is_e164,
    normalize_sms_sender,
    normalize_whatsapp_sender,
    parse_phone,
    to_e164,
)
from conversations.models import Contact
from tests.factories import make_account, make_bot, make_conversation
from tests.support.processes import run_manage
from tests.support.twilio_webhooks import inbound_sms, post_twilio_form, twilio_signature

migration = importlib.import_module("conversations.migrations.0005_contact_phones_e164")


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("+13125550199", "+13125550199"),
        ("+1 312 555 0199", "+13125550199"),
        ("+1 (312) 555-0199", "+13125550199"),
        ("(312) 555-0199", "+13125550199"),  # no country code: the default region's (US)
        ("312.555.0199", "+13125550199"),
        ("1 312 555 0199", "+13125550199"),
        ("  +44 7911 123456 ", "+447911123456"),
        ("011 44 7911 123456", "+447911123456"),  # dialled abroad from the US
        ("+15555550100", "+15555550100"),  # the 555 numbers of tests and demos are possible numbers
    ],
)
def test_usual_spellings_become_e164(typed, stored):
    assert parse_phone(typed) == stored
    assert to_e164(typed) == stored


@pytest.mark.parametrize(
    "typed", ["", "call me", "555", "555-1234", "+1555", "+15551234", "+1 312 555 0199 ext. 12", "+" + "5" * 40]
)
def test_what_is_no_full_phone_number_is_refused_with_how_to_type_it(typed):
    with pytest.raises(PhoneNumberError) as refused:
        parse_phone(typed)
    message = str(refused.value)
    assert (
        "extension" in message if "ext" in typed else "Type it with its country code, like +1 312 555 0199" in message
    )
    assert to_e164(typed) is None


def test_the_default_region_reads_national_numbers(settings):
    settings.DEFAULT_PHONE_REGION = "GB"
    assert parse_phone("07911 123456") == "+447911123456"
    assert parse_phone("00 1 312 555 0199") == "+13125550199"  # 00 dials abroad from the UK
    assert to_e164("07911 123456", "US") is None  # the same digits are no US number
    with pytest.raises(PhoneNumberError, match=r"a number of GB \(\+44\) without it"):
        parse_phone("12")


def test_is_e164_is_exactly_what_the_parser_makes():
    assert is_e164("+13125550199") and is_e164("+447911123456")
    for value in ("+1 312 555 0199", "13125550199", "(312) 555-0199", "+15551234", "", "whatsapp:+13125550199"):
        assert not is_e164(value), value


def test_sms_senders_keep_short_codes_and_store_numbers_in_e164():
    assert normalize_sms_sender("55555") == "55555" and normalize_sms_sender("123456") == "123456"
    assert normalize_sms_sender("(312) 555-0199") == "+13125550199"
    assert normalize_sms_sender("") == ""
    with pytest.raises(ValidationError, match='"555-1234" is not a sender number'):
        normalize_sms_sender("555-1234")


def test_whatsapp_senders_are_stored_in_e164_without_the_prefix():
    assert normalize_whatsapp_sender("whatsapp:+1 312 555 0199") == "+13125550199"
    assert normalize_whatsapp_sender("+44 7911 123456") == "+447911123456"
    with pytest.raises(ValidationError, match="is not a WhatsApp sender number"):
        normalize_whatsapp_sender("55555")


@pytest.mark.django_db
def test_the_models_still_take_e164_only():
    bot = make_bot()
    bot.sms_from = "(312) 555-0199"  # what only a form turns into E.164
    with pytest.raises(ValidationError):
        bot.full_clean()


def test_a_setting_that_names_no_country_stops_the_start():
    result = run_manage("check", env={**os.environ, "DEFAULT_PHONE_REGION": "Mars"})
    assert result.returncode != 0
    assert "DEFAULT_PHONE_REGION='MARS': use a two-letter country code such as US or GB." in result.stderr


@pytest.mark.django_db
def test_twilios_from_is_stored_as_the_contacts_number(client, settings):
    settings.TWILIO_AUTH_TOKEN, settings.PUBLIC_BASE_URL = "token", "https://followups.example.com"
    bot = make_bot()
    path = f"/webhooks/twilio/{bot.pk}/inbound/"
    params = inbound_sms("13125550199", "hi", "SM" + "a" * 32)  # E.164 without its "+"
    signature = twilio_signature("token", settings.PUBLIC_BASE_URL + path, params)
    response = post_twilio_form(client, path, params, signature=signature)
    assert response.status_code == 200, response.content
    assert Contact.objects.get().phone == "+13125550199"


@pytest.mark.django_db
def test_the_migration_stores_existing_numbers_in_e164_and_leaves_collisions(capsys):
    account = make_account()
    bot = make_bot(account=account)
    typed = make_conversation(bot, first_name="Typed", phone="(312) 555-0199").contact
    kept = make_conversation(bot, first_name="Kept", phone="+13125550100").contact
    twin = make_conversation(bot, first_name="Twin", phone="312-555-0100").contact  # Kept's number, typed
    junk = make_conversation(bot, first_name="Junk", phone="ask reception").contact
    other = make_conversation(make_bot(account=make_account("Other")), phone="312 555 0100").contact
    migration.to_e164(apps, None)
    phones = {c.first_name: c.phone for c in Contact.objects.filter(pk__in=[typed.pk, kept.pk, twin.pk, junk.pk])}
    assert phones == {"Typed": "+13125550199", "Kept": "+13125550100", "Twin": "312-555-0100", "Junk": "ask reception"}
    other.refresh_from_db()
    assert other.phone == "+13125550100"  # another business: no collision
    printed = capsys.readouterr().out
    assert f"contact {twin.pk}: '312-555-0100' is +13125550100, another contact's number" in printed
    assert f"contact {junk.pk}: 'ask reception' is no phone number" in printed
