"""`manage.py simulate`: bad files get one line on stderr naming the field (exit status 1),
and a run leaves the database as it was.

Two runs go through a real process reading the scenario from stdin (`-`): the exit status
and stderr are the process's. The other cases call the same command in this process."""

import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bots.models import Bot
from scheduling.models import FollowUp
from tests.shared_files import own_scenario
from tests.support.processes import run_manage

BUSY = own_scenario("02-busy-replaces-stopped-replying")  # outbound, "at work", outbound
PLAIN = own_scenario("01-stopped-replying-runs-its-cadence")  # one outbound, nobody answers


def base_scenario():
    return json.loads(BUSY.read_text())


def simulate(scenario: dict, tmp_path) -> dict:
    """The timeline `simulate` prints for `scenario`, run in this process."""
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    out = StringIO()
    call_command("simulate", str(path), stdout=out)
    return json.loads(out.getvalue())


def refusal(scenario: dict, tmp_path) -> CommandError:
    """The error `simulate` stops with on `scenario`, run in this process; it printed nothing."""
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("simulate", str(path), stdout=out)
    assert out.getvalue() == ""
    return refused.value


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda s: s["bot"].update(timezone="Mars/Olympus"), "bot.timezone"),
        (lambda s: s["bot"]["scenarios"]["busy"].update(cadence=["30s"]), "bot.scenarios.busy.cadence"),
        (lambda s: s["bot"]["scenarios"]["busy"].update(cadence=[]), "bot.scenarios.busy.cadence"),
        (lambda s: s["bot"].update(working_hours={"mon": [["17:00", "08:00"]]}), "bot.working_hours"),
        (lambda s: s.update(channel="pigeon"), "channel"),
        (lambda s: s.update(start="yesterday"), "start"),
        (lambda s: s["events"][1].update(at=s["start"]), "events[1].at"),
        (lambda s: s["events"][0].update(type="telepathy"), "events[0].type"),
        (lambda s: s["events"][0].pop("text"), "events[0].text"),
        (lambda s: s.pop("contact"), "contact"),
        (lambda s: s["contact"].update(phone="555-0100"), "contact.phone"),
        (lambda s: s["bot"].update(contact_hours=["08:00"]), "bot.contact_hours"),
        (lambda s: s["bot"].update(contact_hours=["8 am", "9 pm"]), "bot.contact_hours"),
        (lambda s: s["bot"].update(contact_hours=["08:00", "08:00"]), "bot.contact_hours"),
        (lambda s: s["bot"].update(max_follow_ups_per_day=0), "bot.max_follow_ups_per_day"),
        (lambda s: s["bot"].update(max_follow_ups_per_day="3"), "bot.max_follow_ups_per_day"),
        (lambda s: s["bot"]["scenarios"]["busy"].update(custom_message=[]), "bot.scenarios.busy.custom_message"),
        (
            lambda s: s["bot"]["scenarios"]["busy"].update(custom_message=["Hi", "{frist_name}"]),
            "bot.scenarios.busy.custom_message[1]",
        ),
    ],
)
def test_a_bad_scenario_is_refused_with_one_line_naming_the_field(change, field, tmp_path):
    scenario = base_scenario()
    change(scenario)
    error = refusal(scenario, tmp_path)
    assert error.returncode == 1
    lines = str(error).splitlines()
    assert len(lines) == 1 and field in lines[0], str(error)


def test_a_bad_scenario_on_stdin_exits_1_with_one_line_on_stderr_naming_the_field():
    scenario = base_scenario()
    scenario["bot"]["scenarios"]["busy"].update(cadence=["30s"])
    result = run_manage("simulate", "-", stdin=json.dumps(scenario))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "bot.scenarios.busy.cadence" in lines[0], result.stderr


def test_not_json_on_stdin_exits_1_with_one_line():
    result = run_manage("simulate", "-", stdin="{not json")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "not JSON" in result.stderr


@pytest.mark.django_db
def test_simulate_writes_nothing_to_the_database():
    before = (Bot.objects.count(), FollowUp.objects.count())
    out = StringIO()
    call_command("simulate", str(BUSY), stdout=out)
    timeline = json.loads(out.getvalue())
    assert [e["scenario"] for e in timeline["sent"]] == ["busy", "busy"]
    assert (Bot.objects.count(), FollowUp.objects.count()) == before


@pytest.mark.django_db
def test_custom_messages_fill_their_placeholders(tmp_path):
    scenario = json.loads(PLAIN.read_text())
    scenario["bot"]["scenarios"]["stopped_replying"]["custom_message"] = "Hi {first_name}, book at {booking_link}"
    sent = simulate(scenario, tmp_path)["sent"]
    assert sent[0]["text"] == "Hi Oksana, book at https://northside-plumbing.example/schedule"


@pytest.mark.django_db
def test_a_text_per_step_and_planned_for_on_every_deferral(tmp_path):
    scenario = json.loads(PLAIN.read_text())
    scenario["bot"].update(working_hours=None, contact_hours=["08:00", "21:00"])
    scenario["bot"]["scenarios"]["stopped_replying"].update(
        cadence=["5m", "12h", "1d"], custom_message=["One {first_name}", "Two", "Three or more"]
    )
    scenario["until"] = (datetime.fromisoformat(scenario["start"]) + timedelta(days=4)).isoformat()
    sent = simulate(scenario, tmp_path)["sent"]
    assert [e["text"] for e in sent] == ["One Oksana", "Two", "Three or more"]
    for entry in sent:  # deferred into the contact hours or not, each says so
        local = datetime.fromisoformat(entry["at"])
        assert 8 <= local.hour < 21
        assert ("planned_for" in entry) == (datetime.fromisoformat(entry.get("planned_for", entry["at"])) != local)
