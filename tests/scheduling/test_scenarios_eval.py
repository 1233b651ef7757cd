"""Every scenario example through the real `manage.py simulate`, compared as
examples/scenarios/README.md says: instants for times, and only the keys it names.

The examples are the repository's own (`examples/scenarios`), plus the shared eval set when
it is beside the checkout (see tests/shared_files.py); ids say which set a case is from."""

import json
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from tests.shared_files import OWN_SCENARIOS, SCENARIOS, SHARED_DIR, SHARED_EVAL

COMPARED = {
    "sent": ("at", "scenario", "step", "channel", "planned_for"),
    "cancelled": ("at", "scenario", "step", "reason"),
    "skipped": ("at", "scenario", "step", "reason"),
}
# Every reason a follow-up can be cancelled or skipped has an example of its own.
SHOWN_REASONS = {
    "contact_replied",
    "appointment_booked",
    "bot_inactive",
    "no_sending_window",
    "daily_limit",
    "opted_out",
    "outside_messaging_window",
}


def normalise(entries, keys):
    def value(key, v):
        return datetime.fromisoformat(v).timestamp() if key in ("at", "planned_for") and v else v

    return [{k: value(k, e.get(k)) for k in keys} for e in entries]


def test_the_repositorys_own_scenarios_are_there():
    assert len(OWN_SCENARIOS) >= 15
    for example in OWN_SCENARIOS:
        data = example.load()
        assert data["name"] == example.path.stem and data.get("description") and "expect" in data


def test_the_own_scenarios_show_every_reason_and_scenario():
    reasons, scenarios, channels = set(), set(), set()
    for example in OWN_SCENARIOS:
        expect = example.load()["expect"]
        reasons |= {e["reason"] for section in ("cancelled", "skipped") for e in expect.get(section, [])}
        scenarios |= {e["scenario"] for e in expect.get("sent", [])}
        channels |= {e["channel"] for e in expect.get("sent", [])}
    assert reasons >= SHOWN_REASONS
    assert scenarios == {"stopped_replying", "busy", "specific_time"}
    assert {"sms", "whatsapp", "instagram", "facebook", "live_chat"} <= channels


def test_the_shared_scenarios_run_too_when_present():
    if SHARED_EVAL is None:
        pytest.skip(f"no shared eval set at {SHARED_DIR}: only the repository's examples ran")
    assert any(s.origin == "shared" for s in SCENARIOS)


@pytest.mark.django_db
@pytest.mark.parametrize("example", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_simulate_prints_the_expected_timeline(example):
    expected = example.load()["expect"]
    out = StringIO()
    call_command("simulate", str(example.path), stdout=out)
    timeline = json.loads(out.getvalue())
    for section, keys in COMPARED.items():
        assert normalise(timeline[section], keys) == normalise(expected.get(section, []), keys), section
    # A sent entry's text is compared where the example gives one.
    for got, want in zip(timeline["sent"], expected.get("sent", []), strict=True):  # as many: compared above
        if "text" in want:
            assert got["text"] == want["text"]
