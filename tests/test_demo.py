"""`manage.py demo`: runnable twice, and it leaves something worth looking at."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from bots.models import Bot
from conversations.models import Contact, Conversation, Message
from scheduling.models import FollowUp

pytestmark = pytest.mark.django_db


def run_demo():
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def counts():
    return (Bot.objects.count(), Contact.objects.count(), Conversation.objects.count(), Message.objects.count(),
            FollowUp.objects.count(), get_user_model().objects.count())


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
    other = Bot.objects.create(name="Someone else's practice")
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
