"""The previews in the console: the bot page's "Preview" of each scenario from a sample moment,
and Response Info's "Coming next" after a live follow-up."""

import re
from datetime import time

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Membership, Role
from bots.models import Scenario
from console.preview import default_moment, parse_moment
from conversations.models import Contact, OptOut
from scheduling import events
from tests.console.test_response_info import maria  # noqa: F401  (the fixture, used by name)
from tests.factories import NY, at, clock, make_bot, make_conversation
from tests.support.admin_forms import bot_url

pytestmark = pytest.mark.django_db

NINE_TO_FIVE = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
FRIDAY_16_30 = "?preview_from=2026-03-06T16:30"


def preview_section(response) -> str:
    page = response.content.decode()
    start = page.index('id="preview"')
    return page[start : page.index("</fieldset>", start)]


def scenario_rows(section: str, title: str) -> list[list[str]]:
    """The cells of the first table after `title`, tags stripped."""
    block = section[section.index(title) :]
    block = block[: block.index("</table>")]
    rows = re.findall(r"<tr class=.*?</tr>", block, re.S)
    return [[text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the bot page ---------------------------------------------------------------------


def test_the_bot_page_lays_out_each_cadence_with_working_hours_applied(admin_client):
    """Cadence "1h, 1d" from Friday 16:30 with hours Mon-Fri 09-17: step 1 is due 17:30,
    after hours, so it goes Monday 09:00 (clocks went forward on Sunday); step 2 a day later."""
    bot = make_bot(cadences={"stopped_replying": "1h, 1d"}, hours=NINE_TO_FIVE)
    section = preview_section(admin_client.get(bot_url(bot) + FRIDAY_16_30))
    assert "The bot&#x27;s last message, at Fri 6 Mar 2026, 16:30 EST" in section
    assert "bot's time (America/New_York)" in section
    rows = scenario_rows(section, "Contact Stopped Replying")
    assert [row[:3] for row in rows] == [
        ["1 of 2", "Mon 9 Mar 2026, 09:00 EDT", "Deferred from Fri 6 Mar 2026, 17:30 EST by working hours."],
        ["2 of 2", "Tue 10 Mar 2026, 09:00 EDT", "On time."],
    ]
    # The built-in templates, for the sample contact Alex.
    assert rows[0][3] == escape(
        "Hi Alex, it's Ana Dental. Just checking in: are you still interested? You can book here: "
        "https://book.example.com/ana"
    )
    assert rows[1][3].startswith("Hi Alex, any questions we can answer for you?")


def test_every_scenario_that_plans_is_shown_from_its_own_trigger(admin_client):
    bot = make_bot(
        cadences={"stopped_replying": "1h", "busy": "2h", "specific_time": "1d"},
        hours=NINE_TO_FIVE,
    )
    Scenario.objects.filter(bot=bot, kind="busy").update(enabled=False)
    section = preview_section(admin_client.get(bot_url(bot) + "?preview_from=2026-03-04T10:00"))
    assert "Contact is Busy" not in section.split("Off, so nothing to preview")[0]
    assert "Off, so nothing to preview: Contact is Busy." in section
    # specific_time: step 1 is the requested time itself, the cadence follows it.
    assert scenario_rows(section, "Contact Requests a Specific Follow-Up Time")[0][:3] == [
        "1 of 2",
        "Wed 4 Mar 2026, 10:00 EST",
        "On time.",
    ]
    assert scenario_rows(section, "Contact Requests a Specific Follow-Up Time")[1][1] == "Thu 5 Mar 2026, 10:00 EST"


def test_contact_hours_are_read_in_the_sample_contacts_zone(admin_client):
    """Contact hours 08:00-21:00: Alex in London gets the 14:00 New York step at 08:00 his time."""
    bot = make_bot(
        cadences={"busy": "1h"},
        contact_hours_enabled=True,
        contact_hours_start=time(8),
        contact_hours_end=time(21),
    )
    url = bot_url(bot) + "?preview_from=2026-03-04T16:00&preview_zone=Europe/London"
    section = preview_section(admin_client.get(url))
    [row] = scenario_rows(section, "Contact is Busy")
    assert row[1] == "Thu 5 Mar 2026, 03:00 EST Alex: Thu 5 Mar 2026, 08:00 GMT"
    assert row[2] == "Deferred from Wed 4 Mar 2026, 17:00 EST by contact hours."
    assert "Contact hours: 08:00-21:00 in Alex&#x27;s time (Europe/London)." in section


def test_the_daily_limit_skips_a_step_which_keeps_its_place(admin_client):
    bot = make_bot(cadences={"stopped_replying": "1h, 1h, 1h, 1d"}, max_follow_ups_per_day=2)
    section = preview_section(admin_client.get(bot_url(bot) + "?preview_from=2026-03-03T10:00"))
    rows = scenario_rows(section, "Contact Stopped Replying")
    assert rows[2][:4] == [
        "3 of 4",
        "Not sent; its place: Tue 3 Mar 2026, 13:00 EST",
        "Skipped: daily limit (2 in any 24 hours). The next step counts from this time.",
        "—",
    ]
    assert rows[3][1] == "Wed 4 Mar 2026, 13:00 EST"


def test_custom_texts_are_filled_for_alex_and_ai_texts_are_announced_with_their_fallback(admin_client):
    bot = make_bot(cadences={"stopped_replying": "1h, 1d", "busy": "1h"}, ai_model="gpt-4o-mini")
    Scenario.objects.filter(bot=bot, kind="stopped_replying").update(
        use_custom_message=True, custom_messages=["Hello {first_name}, {business_name} here!"]
    )
    section = preview_section(admin_client.get(bot_url(bot) + FRIDAY_16_30))
    stopped = scenario_rows(section, "Contact Stopped Replying")
    assert [row[3] for row in stopped] == ["Hello Alex, Ana Dental here!"] * 2  # the last line serves every step
    [busy] = scenario_rows(section, "Contact is Busy")
    assert busy[3] == (
        "Written by the AI model (gpt-4o-mini) at send time; if it fails: Hi Alex, is now a better time? "
        "You can book here: https://book.example.com/ana"
    )


def test_the_sample_moment_is_the_next_weekday_at_10_in_the_bots_zone(admin_client, engine_clock):
    bot = make_bot()  # the engine's clock stands at Friday 6 March 2026, 10:00 in New York
    section = preview_section(admin_client.get(bot_url(bot)))
    assert 'name="preview_from" value="2026-03-09T10:00"' in section
    assert 'name="preview_zone" value="America/New_York"' in section
    engine_clock.set(at("2026-03-05T09:59:00-05:00"))
    assert default_moment(engine_clock.now(), NY) == at("2026-03-05T10:00:00-05:00")


@pytest.mark.parametrize("value", ["garbage", "2026-02-30T10:00", "9999-12-31T23:59", "2026-03-06", "0001-01-01T00:00"])
def test_a_bad_sample_moment_gives_the_default_and_a_message_never_a_500(admin_client, engine_clock, value):
    bot = make_bot(cadences={"busy": "1d"})
    response = admin_client.get(bot_url(bot), {"preview_from": value})
    assert response.status_code == 200
    assert 'name="preview_from" value="2026-03-09T10:00"' in preview_section(response)
    [message] = messages_of(response)
    assert "is not a date and time like 2026-03-09T10:00" in message
    assert "starts from Mon 9 Mar 2026, 10:00 EDT instead" in message


@pytest.mark.parametrize("value", ["Mars/Olympus", "America", "localtime", "../../etc/passwd", "x" * 500])
def test_a_bad_sample_zone_gives_the_bots_zone_and_a_message(admin_client, value):
    bot = make_bot()
    response = admin_client.get(bot_url(bot), {"preview_zone": value})
    assert response.status_code == 200
    assert 'name="preview_zone" value="America/New_York"' in preview_section(response)
    [message] = messages_of(response)
    assert "is not a time zone" in message


def test_a_time_in_the_dst_gap_moves_on_by_the_gap():
    assert parse_moment("2026-03-08T02:30", NY) == at("2026-03-08T03:30:00-04:00")


def test_an_agent_sees_the_preview_of_a_bot_they_may_only_view(client, django_user_model):
    bot = make_bot(cadences={"stopped_replying": "1h, 1d"}, hours=NINE_TO_FIVE)
    agent = django_user_model.objects.create_user("agent", password="x", is_staff=True)
    Membership.objects.create(account=bot.account, user=agent, role=Role.AGENT)
    client.force_login(agent)
    response = client.get(bot_url(bot) + FRIDAY_16_30)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()  # view only
    assert scenario_rows(preview_section(response), "Contact Stopped Replying")[0][1] == "Mon 9 Mar 2026, 09:00 EDT"


def test_a_goal_switched_off_previews_nothing(admin_client):
    bot = make_bot(auto_follow_up=False)
    section = preview_section(admin_client.get(bot_url(bot)))
    assert "The Auto Follow-Up goal is off" in section
    assert "<table" not in section


def test_a_stored_cadence_the_rules_cant_read_is_said_not_a_500(admin_client):
    bot = make_bot()
    Scenario.objects.filter(bot=bot, kind="busy").update(cadence="5 fortnights")
    response = admin_client.get(bot_url(bot))
    assert response.status_code == 200
    assert "The cadence can't be read: &quot;5 fortnights&quot; is not a delay" in preview_section(response)


# --- Response Info: coming next ---------------------------------------------------------


def response_info(client, contact):
    return client.get(reverse("response_info", args=[contact.pk])).content.decode()


def coming_next(page: str) -> str:
    start = page.index('id="coming-next"')
    return page[start : page.index('id="conversation-', start)]


@pytest.mark.usefixtures("maria")
def test_response_info_projects_the_rest_of_the_cadence_with_times_and_texts(admin_client, engine_clock):
    """Maria's live follow-up is her requested time, planned Friday 08:00 New York; its cadence
    "1d" adds one step, due Saturday 08:00, before the bot opens at 09:00."""
    engine_clock.set(at("2026-03-04T09:00:00-05:00"))
    section = coming_next(response_info(admin_client, Contact.objects.get(first_name="Maria")))
    assert "A projection, if the contact doesn't answer" in section
    assert "after step 1 of 2" in section and "planned Fri 6 Mar 2026, 08:00 EST" in section
    [row] = scenario_rows(section, "<tbody>")
    assert row == [
        "2 of 2",
        "Sat 7 Mar 2026, 09:00 EST Sat 7 Mar 2026, 06:00 PST",
        "Deferred from Sat 7 Mar 2026, 08:00 EST / Sat 7 Mar 2026, 05:00 PST by working hours.",
        "Hi Maria, checking in again. Still keen to go ahead? Book here: https://book.example.com/ana",
    ]


def test_response_info_shows_nothing_coming_when_the_last_step_is_live(admin_client, engine_clock):
    conversation = make_conversation(make_bot(cadences={"stopped_replying": "1h"}))
    events.record_outbound(conversation, "Hi!", clock=clock())
    section = coming_next(response_info(admin_client, conversation.contact))
    assert "It is the cadence&#x27;s last step: nothing follows it." in section
    assert "<table" not in section


def test_response_info_projects_nothing_for_an_opted_out_contact_or_a_stopped_conversation(admin_client, engine_clock):
    conversation = make_conversation(make_bot(cadences={"stopped_replying": "1h, 1d"}))
    events.record_outbound(conversation, "Hi!", clock=clock())
    assert 'id="coming-next"' in response_info(admin_client, conversation.contact)
    OptOut.objects.create(contact=conversation.contact, channel="sms", at=clock().now())
    assert 'id="coming-next"' not in response_info(admin_client, conversation.contact)
    OptOut.objects.all().delete()
    events.record_appointment_booked(conversation, clock=clock())
    assert 'id="coming-next"' not in response_info(admin_client, conversation.contact)
