"""`manage.py demo`: runnable twice, and it leaves something worth looking at; and
`scripts/run`, which prints the address it really serves on."""

import os
import socket
import subprocess
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from bots.models import Bot
from conversations.models import Contact, Conversation, Message
from scheduling.models import FollowUp
from tests.factories import make_account
from tests.support.processes import REPO

pytestmark = pytest.mark.django_db


def run_demo():
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def counts():
    return (
        Bot.objects.count(),
        Contact.objects.count(),
        Conversation.objects.count(),
        Message.objects.count(),
        FollowUp.objects.count(),
        get_user_model().objects.count(),
    )


def test_demo_runs_twice_without_duplicates():
    first = run_demo()
    assert "username admin, password admin" in first
    after_first = counts()
    second = run_demo()
    assert counts() == after_first
    assert Bot.objects.filter(name="Bright Smile Dental").count() == 1
    assert "exists" in second
    assert get_user_model().objects.get(username="admin").check_password("admin")


def test_demo_keeps_other_bots_untouched():
    other = Bot.objects.create(account=make_account("Someone else"), name="Someone else's practice")
    run_demo()
    run_demo()
    assert Bot.objects.filter(pk=other.pk).exists()


def test_demo_follow_ups_cover_the_statuses_the_page_shows():
    out = run_demo()
    follow_ups = FollowUp.objects.filter(conversation__bot__name="Bright Smile Dental")
    assert {"pending", "sent", "cancelled"} <= set(follow_ups.values_list("status", flat=True))
    assert any(f.deferred for f in follow_ups)
    assert follow_ups.filter(kind="specific_time", status="pending", trigger_message__text__icontains="3pm").exists()
    assert follow_ups.filter(reason="appointment_booked").exists()
    maria = Contact.objects.get(first_name="Maria")
    assert reverse("response_info", args=[maria.pk]) in out and "/admin/" in out


def test_demo_response_info_page_renders(admin_client):
    run_demo()
    maria = Contact.objects.get(first_name="Maria")
    page = admin_client.get(reverse("response_info", args=[maria.pk])).content.decode()
    assert "Contact Requests a Specific Follow-Up Time" in page and "originally due" in page


def test_demo_prints_the_address_it_is_given(settings):
    # scripts/run gives the demo the address it serves on (PUBLIC_BASE_URL for that command).
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8123"
    out = run_demo()
    assert "http://127.0.0.1:8123/admin/" in out
    assert "http://127.0.0.1:8123/contacts/" in out and ":8000" not in out


def _run_script(**env):
    return subprocess.run(
        ["bash", str(REPO / "scripts" / "run")], capture_output=True, text=True, timeout=60, env={**os.environ, **env}
    )


def test_run_stops_with_one_line_when_its_port_is_taken():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = _run_script(PORT=str(port))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and f"port {port}" in done.stderr and "in use" in done.stderr


def test_run_refuses_a_port_that_is_not_a_number():
    done = _run_script(PORT="eighty")
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "PORT=eighty" in done.stderr


def test_demo_has_an_owner_who_sees_the_practice(client):
    out = run_demo()
    assert "username owner, password owner" in out
    owner = get_user_model().objects.get(username="owner")
    assert owner.is_staff and not owner.is_superuser
    assert [(m.account.name, m.role) for m in owner.memberships.all()] == [("Bright Smile Dental", "owner")]
    assert "owner" in run_demo()  # again: the same user, still the owner
    assert owner.memberships.count() == 1
    client.force_login(owner)
    maria = Contact.objects.get(first_name="Maria")
    assert client.get(reverse("response_info", args=[maria.pk])).status_code == 200
    assert client.get(reverse("admin:bots_bot_changelist")).status_code == 200
