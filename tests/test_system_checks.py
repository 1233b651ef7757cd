"""The system checks that refuse settings which can't work (channels_out/checks.py,
scheduling/checks.py): `manage.py check`, runserver and qcluster stop with an error naming
the variable to set."""

from typing import NamedTuple

import pytest
from django.core import checks
from django.test import override_settings

from tests.factories import make_bot
from tests.support.processes import process_env, run_manage

LIVE = {
    "FOLLOWUP_SENDER": "live",
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_SMS_FROM": "+15555550100",
    "TWILIO_WHATSAPP_FROM": "",
}


class Issue(NamedTuple):
    msg: str
    hint: str


def errors(**settings) -> dict[str, Issue]:
    """The followups.* errors of run_checks() under `settings`, by id."""
    with override_settings(**settings):
        found = checks.run_checks()
    return {
        m.id: Issue(m.msg, m.hint or "")
        for m in found
        if m.id and m.id.startswith("followups.") and m.level >= checks.ERROR
    }


# --- channels_out: the sender -----------------------------------------------------------


@pytest.mark.django_db
def test_the_defaults_and_a_complete_live_setup_pass():
    assert errors() == {}
    assert errors(**LIVE) == {}


@pytest.mark.django_db
def test_an_unknown_sender_is_refused_with_the_known_ones():
    found = errors(FOLLOWUP_SENDER="twillio")
    assert list(found) == ["followups.E001"]
    assert "'twillio'" in found["followups.E001"].msg
    assert "FOLLOWUP_SENDER" in found["followups.E001"].hint and "console, live" in found["followups.E001"].hint


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"])
def test_the_live_sender_needs_twilios_account_and_token(missing):
    found = errors(**{**LIVE, missing: ""})
    assert list(found) == ["followups.E002"]
    assert f"{missing} is empty" in found["followups.E002"].msg
    assert "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" in found["followups.E002"].hint


@pytest.mark.django_db
def test_the_live_sender_needs_a_number_of_the_projects_or_of_a_bot():
    found = errors(**{**LIVE, "TWILIO_SMS_FROM": ""})
    assert list(found) == ["followups.E003"]
    assert "TWILIO_SMS_FROM" in found["followups.E003"].hint
    assert errors(**{**LIVE, "TWILIO_SMS_FROM": "", "TWILIO_WHATSAPP_FROM": "+15555550101"}) == {}
    make_bot(whatsapp_from="+15555550102")  # a bot's own number is enough
    assert errors(**{**LIVE, "TWILIO_SMS_FROM": ""}) == {}


def test_without_a_database_the_bots_numbers_are_not_held_against_the_settings(monkeypatch):
    from django.db import OperationalError

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.db.models.query.QuerySet.exists", unreachable)
    assert errors(**{**LIVE, "TWILIO_SMS_FROM": ""}) == {}


# --- scheduling: the dispatch task against Django-Q2's timeout --------------------------


def q_cluster(settings, **changes) -> dict:
    return {**settings.Q_CLUSTER, **changes}


def test_a_dispatch_loop_longer_than_the_task_timeout_is_refused(settings):
    found = errors(
        DISPATCH_IN_WORKERS=False,
        DISPATCH_LOOP_SECONDS=110,
        DISPATCH_TIME_BUDGET_SECONDS=30,
        PROVIDER_TIMEOUT_SECONDS=15,
        Q_CLUSTER=q_cluster(settings, timeout=120, retry=180),
    )
    assert list(found) == ["followups.E004"]
    message = found["followups.E004"]
    assert "155 s" in message.msg and "Q_TIMEOUT=120" in message.msg
    assert "DISPATCH_LOOP_SECONDS" in message.hint and "Q_TIMEOUT" in message.hint


def test_with_dispatchers_in_the_workers_the_task_is_one_pass(settings):
    # The schedule's task then makes one pass: the loop's length does not count.
    long_loop = {"DISPATCH_LOOP_SECONDS": 110, "Q_CLUSTER": q_cluster(settings, timeout=120, retry=180)}
    assert errors(DISPATCH_IN_WORKERS=True, **long_loop) == {}
    found = errors(DISPATCH_IN_WORKERS=True, DISPATCH_TIME_BUDGET_SECONDS=110, **long_loop)
    assert list(found) == ["followups.E004"] and "DISPATCH_LOOP_SECONDS" not in found["followups.E004"].msg


def test_the_defaults_fit_in_either_mode():
    assert errors(DISPATCH_IN_WORKERS=False) == {} and errors(DISPATCH_IN_WORKERS=True) == {}


def test_a_retry_not_above_the_timeout_is_refused(settings):
    found = errors(Q_CLUSTER=q_cluster(settings, timeout=120, retry=120))
    assert list(found) == ["followups.E005"]
    assert "Q_RETRY" in found["followups.E005"].hint


# --- through manage.py ------------------------------------------------------------------


def test_manage_py_check_refuses_an_unknown_sender_with_one_message(tmp_path):
    env = process_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", FOLLOWUP_SENDER="smtp")
    done = run_manage("check", env=env)
    assert done.returncode == 1
    assert "(followups.E001) FOLLOWUP_SENDER is 'smtp': there is no such sender." in done.stderr
    assert "HINT: Set FOLLOWUP_SENDER to one of: console, live" in done.stderr
    assert "System check identified 1 issue" in done.stderr


def test_manage_py_check_is_clean_with_the_development_defaults(tmp_path):
    env = process_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", FOLLOWUP_SENDER="console")
    done = run_manage("check", "--fail-level", "WARNING", env=env)
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
