"""GET /api/results/: the Results figures for a period, scoped like every endpoint."""

from datetime import date

import pytest

from scheduling.models import FollowUp
from tests.factories import make_account, make_bot, make_conversation
from tests.scheduling.test_results import build_history
from tests.support.api_keys import key_client

pytestmark = pytest.mark.django_db
URL = "/api/results/"


def test_the_figures_of_a_known_history():
    bot, _ = build_history()
    response = key_client(bot.account).get(URL, {"bot": bot.pk, "from": "2026-03-01", "to": "2026-03-14"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["zone"] == "America/New_York"
    assert (body["start"], body["end"]) == ("2026-03-01T05:00:00Z", "2026-03-15T04:00:00Z")  # local midnights
    assert body["total"] == {
        "sent": 8,
        "replied": 3,
        "reply_rate": 0.375,
        "booked": 2,
        "opted_out": 1,
        "skipped": 3,
        "failed": 1,
    }
    stopped = body["scenarios"][0]
    assert stopped["kind"] == "stopped_replying"
    assert [(s["step"], s["sent"], s["replied"], s["booked"], s["opted_out"]) for s in stopped["steps"]] == [
        (1, 4, 1, 1, 0),
        (2, 3, 2, 0, 1),
        (3, 1, 0, 1, 0),
    ]
    assert [(w["start"], w["sent"], w["replied"]) for w in body["weeks"]] == [
        ("2026-02-23", 0, 0),
        ("2026-03-02", 8, 3),
        ("2026-03-09", 0, 0),
    ]
    assert body["skipped"] == [{"reason": "opted_out", "description": body["skipped"][0]["description"], "count": 3}]
    assert [(f["reason"], f["count"]) for f in body["failed"]] == [("twilio_error 21211", 1)]
    assert body["best"] is None and body["worst"] is None


def test_without_a_bot_every_reachable_bot_counts_and_another_business_is_left_out():
    bot, _ = build_history()
    make_bot(account=bot.account, name="Second")  # two bots: weeks in UTC
    make_bot(account=make_account("Other"), name="Other")
    body = key_client(bot.account).get(URL, {"from": "2026-03-01", "to": "2026-03-14"}).json()
    assert (body["zone"], body["total"]["sent"]) == ("UTC", 8)
    other = key_client(make_account("Third")).get(URL, {"from": "2026-03-01", "to": "2026-03-14"}).json()
    assert other["total"]["sent"] == 0


def test_a_period_in_days_ends_today():
    bot = make_bot()
    body = key_client(bot.account).get(URL, {"bot": str(bot.pk), "period": "7"}).json()
    first, last = date.fromisoformat(body["start"][:10]), date.fromisoformat(body["end"][:10])
    assert (last - first).days == 7 and body["total"]["sent"] == 0
    assert key_client(bot.account).get(URL, {"bot": bot.pk}).status_code == 200  # 30 days


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"bot": "999999"}, "bot", "No bot with id 999999."),
        ({"bot": "x"}, "bot", None),
        ({"from": "2026-13-01", "to": "2026-03-01"}, "from", None),
        ({"from": "2026-03-01"}, "to", "Give both from and to, or neither."),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to", "to must be on or after from."),
        ({"from": "2025-01-01", "to": "2026-03-01"}, "to", "A period is at most 366 days."),
        ({"period": "8"}, "period", None),
        ({"period": "7", "from": "2026-03-01", "to": "2026-03-02"}, "period", None),
    ],
)
def test_bad_queries_are_refused_with_a_reason_per_field(query: dict[str, str], field: str, words: str | None):
    bot = make_bot()
    response = key_client(bot.account).get(URL, query)
    assert response.status_code == 400
    reasons = response.json()[field]
    assert words is None or reasons == [words]


def test_another_business_bot_looks_missing():
    ours, theirs = make_bot(), make_bot(account=make_account("Theirs"), name="Theirs")
    conversation = make_conversation(theirs)
    assert not FollowUp.objects.filter(conversation=conversation).exists()
    response = key_client(ours.account).get(URL, {"bot": theirs.pk})
    assert (response.status_code, response.json()) == (400, {"bot": [f"No bot with id {theirs.pk}."]})
