"""The Results page (/results/): a history made by the real engine (virtual clock, the
recording sender) shown as figures, tables, charts and a CSV; the period and bot chosen by
the query, bad input answered with a message (never a 500); and only the user's businesses."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Role
from channels_out.senders.base import SendError
from channels_out.senders.console import RecordingSender
from scheduling import events
from scheduling.dispatch import dispatch_due
from tests.factories import at, make_account, make_bot, make_conversation, make_member

pytestmark = pytest.mark.django_db

User = get_user_model()
URL = reverse("results")


class RefusesBen(RecordingSender):
    def send(self, message):
        if message.to == "+15555550102":
            raise SendError("twilio_error 21211: invalid 'To' number")
        return super().send(message)


@pytest.fixture
def world(engine_clock):
    """Friday 6 March 2026 in New York. Alpha Dental's bot writes to Ana, Ben and Cat at
    10:00; step 1 goes to all three at 10:05; Ana answers (10:07) and books (10:25), Cat
    answers STOP (10:08); Ben's step 2 is refused by the provider (10:20). Its second bot,
    switched off, skips both of Dan's steps. Beta Clinic has a bot of its own, and nothing."""
    a, b = make_account("Alpha Dental"), make_account("Beta Clinic")
    bot = make_bot(account=a, name="Alpha Bot")
    other = make_bot(account=a, name="Alpha Two")
    bot_b = make_bot(account=b, name="Beta Bot")
    ana = make_conversation(bot, first_name="Ana", phone="+15555550101")
    ben = make_conversation(bot, first_name="Ben", phone="+15555550102")
    cat = make_conversation(bot, first_name="Cat", phone="+15555550103")
    dan = make_conversation(other, first_name="Dan", phone="+15555550104")
    for conversation in (ana, ben, cat, dan):
        events.record_outbound(conversation, "Hi! Shall we book your check-up?", clock=engine_clock)
    other.active = False
    other.save()
    engine_clock.set(at("2026-03-06T10:05:00-05:00"))
    dispatch_due(engine_clock, sender=RecordingSender())
    engine_clock.set(at("2026-03-06T10:07:00-05:00"))
    events.record_inbound(ana, "Yes please, Tuesday morning?", clock=engine_clock)
    engine_clock.set(at("2026-03-06T10:08:00-05:00"))
    events.record_inbound(cat, "STOP", clock=engine_clock)
    engine_clock.set(at("2026-03-06T10:20:00-05:00"))
    dispatch_due(engine_clock, sender=RefusesBen())
    engine_clock.set(at("2026-03-06T10:25:00-05:00"))
    events.record_appointment_booked(ana, clock=engine_clock)
    engine_clock.set(at("2026-03-06T12:00:00-05:00"))
    return type(
        "World",
        (),
        {
            "a": a,
            "b": b,
            "bot": bot,
            "other": other,
            "bot_b": bot_b,
            "owner": make_member("owner_a", a, Role.OWNER),
            "agent": make_member("agent_a", a, Role.AGENT),
            "owner_b": make_member("owner_b", b, Role.OWNER),
            "clock": engine_clock,
        },
    )


def get(client, user, **query):
    client.force_login(user)
    return client.get(URL, query)


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def steps(response):
    return [
        (s.kind, s.step, s.sent, s.replied, s.reply_rate, s.booked, s.opted_out, s.skipped, s.failed)
        for s in response.context["steps"]
    ]


# --- the figures ----------------------------------------------------------------------------------


def test_the_business_figures_by_step_with_skipped_and_failed_by_reason(client, world):
    response = get(client, world.owner)
    assert response.status_code == 200
    assert response.context["subject"] == "All bots of Alpha Dental"
    assert response.context["period"].name == "Last 30 days (5 Feb 2026 – 6 Mar 2026)"
    assert steps(response) == [
        ("stopped_replying", 1, 3, 2, "66.7%", 1, 1, 1, 0),
        ("stopped_replying", 2, 0, 0, "—", 0, 0, 1, 1),
    ]
    assert response.context["summary"] == {
        "sent": 3,
        "replied": 2,
        "reply_rate": "66.7%",
        "booked": 1,
        "opted_out": 1,
        "skipped": 2,
        "failed": 1,
    }
    reasons = [(r.outcome, r.code, r.count) for r in response.context["reasons"]]
    assert reasons == [("Skipped", "bot_inactive", 2), ("Failed", "twilio_error 21211", 1)]
    html = response.content.decode()
    # Labels, the codes in tooltips.
    assert 'title="stopped_replying"' in html and "Contact Stopped Replying" in html
    assert 'title="bot_inactive"' in html and "The bot was switched off when it came due." in html
    # Too few sends to rank steps: said, not guessed.
    assert response.context["best"] is None and "at least 20 sent" in html
    # The charts: bars per step (step 2 sent nothing: no bar), a line over the weeks.
    assert html.count('class="chart-bar"') == 1 and "no sends" in html
    assert 'class="chart chart-lines"' in html and "66.7%" in html
    weeks = response.context["weeks"]
    assert [w["start"] for w in weeks] == ["2 Feb 2026", "9 Feb 2026", "16 Feb 2026", "23 Feb 2026", "2 Mar 2026"]
    assert weeks[-1] == {"start": "2 Mar 2026", "sent": 3, "replied": 2, "reply_rate": "66.7%"}
    assert weeks[0]["reply_rate"] == "—"


def test_one_bot_shows_its_own_follow_ups_only(client, world):
    response = get(client, world.agent, bot=world.bot.pk, period=7)
    assert response.status_code == 200
    assert response.context["subject"] == "Alpha Bot"
    assert response.context["period"].name == "Last 7 days (28 Feb 2026 – 6 Mar 2026)"
    assert steps(response) == [
        ("stopped_replying", 1, 3, 2, "66.7%", 1, 1, 0, 0),
        ("stopped_replying", 2, 0, 0, "—", 0, 0, 0, 1),
    ]
    # The picker's form names the same choice.
    assert response.context["choices"][0]["options"][1]["selected"]


def test_the_best_and_worst_steps_when_enough_was_sent(client, world, monkeypatch):
    monkeypatch.setattr("scheduling.results.MIN_SENT_TO_RANK", 1)
    response = get(client, world.owner, bot=world.bot.pk)
    # Step 2 sent nothing: only one step ranks, so no best and worst yet.
    assert response.context["best"] is None
    world.clock.set(at("2026-03-06T12:00:00-05:00"))
    conversation = make_conversation(world.bot, first_name="Eve", phone="+15555550105")
    events.record_outbound(conversation, "Hi Eve!", clock=world.clock)
    world.clock.set(at("2026-03-06T12:05:00-05:00"))
    dispatch_due(world.clock, sender=RecordingSender())
    world.clock.set(at("2026-03-06T12:20:00-05:00"))
    dispatch_due(world.clock, sender=RecordingSender())
    response = get(client, world.owner, bot=world.bot.pk)
    best, worst = response.context["best"], response.context["worst"]
    assert (best.step, best.reply_rate, worst.step, worst.reply_rate) == (1, "50%", 2, "0%")
    html = response.content.decode()
    assert "step 1: 50% (2 of 4 replied)" in html and "step 2: 0% (0 of 1 replied)" in html


def test_chosen_dates_outside_the_history_show_sentences_not_empty_charts(client, world):
    response = get(client, world.owner, period="dates", **{"from": "2026-01-01", "to": "2026-01-31"})
    assert response.status_code == 200 and not said(response)
    assert response.context["period"].name == "1 Jan 2026 – 31 Jan 2026"
    html = response.content.decode()
    assert "chart-bars" not in html and "chart-lines" not in html
    assert "Nothing was sent in this period, so there is no rate to draw." in html
    assert "No follow-up was sent, skipped or failed in this period." in html
    # The picker keeps the dates; the CSV link names them.
    assert 'value="2026-01-01"' in html and "period=dates&amp;from=2026-01-01&amp;to=2026-01-31" in html


# --- CSV ------------------------------------------------------------------------------------------


def test_the_csv_holds_the_tables(client, world):
    response = get(client, world.owner, bot=world.bot.pk, period=7, format="csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="results-alpha-bot-2026-02-28-to-2026-03-06.csv"'
    assert response.content.decode() == (
        "scenario,scenario_label,step,sent,replied,reply_rate_percent,booked,opted_out,skipped,failed\n"
        "stopped_replying,Contact Stopped Replying,1,3,2,66.7,1,1,0,0\n"
        "stopped_replying,Contact Stopped Replying,2,0,0,,0,0,0,1\n"
        "\n"
        "outcome,reason,reason_label,count\n"
        "failed,twilio_error 21211,The provider refused it: twilio_error 21211.,1\n"
    )


def test_the_business_csv_is_named_after_the_business_and_its_dates(client, world):
    response = get(client, world.owner, format="csv", **{"from": "2026-03-01", "to": "2026-03-06"})
    assert response["Content-Disposition"] == 'attachment; filename="results-alpha-dental-2026-03-01-to-2026-03-06.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[-2:] == [
        ["skipped", "bot_inactive", "The bot was switched off when it came due.", "2"],
        ["failed", "twilio_error 21211", "The provider refused it: twilio_error 21211.", "1"],
    ]


# --- bad input: the default period, and a message ----------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "45"}, "“45” is no period offered (7, 30 or 90 days): showing the last 30 days."),
        ({"period": "x" * 3}, "“xxx” is no period offered (7, 30 or 90 days): showing the last 30 days."),
        ({"from": "2026-02-30", "to": "2026-03-06"}, "“2026-02-30” is no date (YYYY-MM-DD): showing the last 30 days."),
        ({"from": "2026-03-01"}, "Both dates are needed (YYYY-MM-DD): showing the last 30 days."),
        ({"period": "dates"}, "Both dates are needed (YYYY-MM-DD): showing the last 30 days."),
        (
            {"from": "2026-03-06", "to": "2026-03-01"},
            "The period can't start (2026-03-06) after it ends (2026-03-01): showing the last 30 days.",
        ),
        ({"from": "2024-01-01", "to": "2026-03-01"}, "A period is at most 366 days: showing the last 30 days."),
        ({"bot": "abc"}, "“abc” names no bot: showing all of the business's bots instead."),
        ({"bots": "account:zz"}, "“zz” names no business: showing your first business instead."),
    ],
)
def test_bad_input_shows_the_default_with_a_message(client, world, query, message):
    response = get(client, world.owner, **query)
    assert response.status_code == 200
    assert said(response) == [message]
    assert response.context["period"].days == 30
    assert message.replace("'", "&#x27;").replace("“", "“") in response.content.decode()


def test_the_picker_chooses_a_bot_or_a_business(client, world):
    assert get(client, world.owner, bots=f"bot:{world.other.pk}").context["subject"] == "Alpha Two"
    assert get(client, world.owner, bots=f"account:{world.a.pk}").context["subject"] == "All bots of Alpha Dental"


# --- scoping ----------------------------------------------------------------------------------------


def test_another_business_is_as_missing_as_nothing(client, world):
    for query in ({"bot": world.bot.pk}, {"account": world.a.pk}, {"bots": f"bot:{world.bot.pk}"}):
        for fmt in ({}, {"format": "csv"}):
            assert get(client, world.owner_b, **query, **fmt).status_code == 404
    assert get(client, world.owner, bot=world.bot_b.pk).status_code == 404
    assert get(client, world.owner, bot=999999).status_code == 404


def test_each_member_sees_their_own_business_by_default(client, world):
    response = get(client, world.owner_b)
    assert response.status_code == 200
    assert response.context["subject"] == "All bots of Beta Clinic"
    assert response.context["summary"]["sent"] == 0
    html = response.content.decode()
    assert "Alpha" not in html
    assert [group["name"] for group in response.context["choices"]] == ["Beta Clinic"]


def test_the_agency_chooses_among_every_business(client, world, admin_user):
    response = get(client, admin_user)
    assert [group["name"] for group in response.context["choices"]] == ["Alpha Dental", "Beta Clinic"]
    assert response.context["subject"] == "All bots of Alpha Dental"


def test_who_may_open_it(client, world):
    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(User.objects.create_user("nobody", password="x", is_staff=True))
    assert client.get(URL).status_code == 404  # staff of no business: nothing to show
    client.force_login(world.owner)
    assert client.post(URL).status_code == 405


def test_the_console_links_to_it(client, world):
    client.force_login(world.agent)
    index = client.get(reverse("admin:index")).content.decode()
    assert f'href="{URL}"' in index
    bot_page = client.get(reverse("admin:bots_bot_change", args=[world.bot.pk])).content.decode()
    assert f'href="{URL}?bot={world.bot.pk}"' in bot_page
    client.force_login(User.objects.create_user("nobody", password="x", is_staff=True))
    assert f'href="{URL}"' not in client.get(reverse("admin:index")).content.decode()
