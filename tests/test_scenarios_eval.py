"""Every shared scenario file through the real `manage.py simulate`, compared as the
scenarios README says: instants for times, and only the keys it names."""

import json
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from tests.shared_files import SCENARIOS

COMPARED = {
    "sent": ("at", "scenario", "step", "channel", "planned_for"),
    "cancelled": ("at", "scenario", "step", "reason"),
    "skipped": ("at", "scenario", "step", "reason"),
}


def normalise(entries, keys):
    def value(key, v):
        return datetime.fromisoformat(v).timestamp() if key in ("at", "planned_for") and v else v

    return [{k: value(k, e.get(k)) for k in keys} for e in entries]


def texts(entries):
    return [e.get("text") for e in entries]


def test_the_shared_scenarios_are_there():
    assert len(SCENARIOS) >= 8


@pytest.mark.django_db
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_simulate_prints_the_expected_timeline(path):
    expected = json.loads(path.read_text())["expect"]
    out = StringIO()
    call_command("simulate", str(path), stdout=out)
    timeline = json.loads(out.getvalue())
    for section, keys in COMPARED.items():
        assert normalise(timeline[section], keys) == normalise(expected.get(section, []), keys), section
    # A sent entry's text is compared where the example gives one.
    for got, want in zip(timeline["sent"], expected.get("sent", [])):
        if "text" in want:
            assert got["text"] == want["text"]
