"""A bot's or a contact's time zone: a known IANA name, else refused with the reason,
whatever was typed (a zone directory, a path, a very long name), never a server error."""

import pytest
from django.core.exceptions import ValidationError

from bots.models import Bot, validate_timezone
from tests.factories import make_bot
from tests.support.admin_forms import bot_change

BAD = ["America", "Mars/Olympus", "../etc/passwd", "x" * 10_000, "localtime", "America/New York"]


@pytest.mark.parametrize("name", ["America/New_York", "Europe/London", "UTC", "Asia/Kolkata"])
def test_known_zones_are_taken(name):
    validate_timezone(name)


@pytest.mark.parametrize("name", BAD, ids=lambda n: n[:20])
def test_anything_else_is_refused_with_the_reason(name):
    with pytest.raises(ValidationError, match=r"is not a time zone\. Use an IANA name such as America/New_York\."):
        validate_timezone(name)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,reason",
    [("America", "is not a time zone"), ("x" * 300, "Ensure this value has at most 64 characters")],
    ids=["a zone directory", "a long name"],
)
def test_the_bot_page_refuses_them_on_the_field(admin_client, name, reason):
    bot = make_bot()
    url, data = bot_change(admin_client, bot)
    data["timezone"] = name
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert Bot.objects.get(pk=bot.pk).timezone == bot.timezone
