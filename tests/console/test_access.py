"""Who sees and changes what in the console, through the real admin: two businesses, A and
B, with an owner and an agent of A, an owner of B, staff with no membership, and the agency."""

import hashlib
import re
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, ApiKey, Role
from bots.models import Bot
from console.policy import account_of
from conversations.models import Contact, Conversation, Tag
from scheduling import events
from scheduling.models import EngineEvent, FollowUp
from tests.factories import clock, make_account, make_bot, make_conversation, make_member
from tests.support.admin_forms import form_data
from workflows.models import Workflow

pytestmark = pytest.mark.django_db

User = get_user_model()

# What only business A's pages may show.
A_NAMES = ("Alpha Bot", "Annie", "alpha-vip", "Alpha flow", "alpha note")


@pytest.fixture
def world():
    a, b = make_account("Alpha Dental"), make_account("Beta Clinic")
    w = SimpleNamespace(a=a, b=b)
    for key, account, bot_name, first_name, phone in (
        ("a", a, "Alpha Bot", "Annie", "+15555550111"),
        ("b", b, "Beta Bot", "Bruno", "+15555550222"),
    ):
        bot = make_bot(account=account, name=bot_name)
        conversation = make_conversation(bot, first_name=first_name, phone=phone)
        events.record_outbound(conversation, f"Hello {first_name}", clock=clock())  # plans a follow-up
        tag = Tag.objects.create(account=account, name=f"{bot_name.split()[0].lower()}-vip")
        conversation.contact.tags.add(tag)
        workflow = Workflow.objects.create(bot=bot, name=f"{bot_name.split()[0]} flow")
        note = EngineEvent.objects.create(
            conversation=conversation, at=timezone.now(), kind="note", detail=f"{bot_name.split()[0].lower()} note"
        )
        made = {"bot": bot, "conversation": conversation, "contact": conversation.contact}
        for name, value in {**made, "tag": tag, "workflow": workflow, "note": note}.items():
            setattr(w, f"{name}_{key}", value)
        setattr(w, f"follow_up_{key}", FollowUp.objects.get(conversation=conversation))
    w.owner_a = make_member("owner_a", a, Role.OWNER)
    w.agent_a = make_member("agent_a", a, Role.AGENT)
    w.owner_b = make_member("owner_b", b, Role.OWNER)
    w.agent_b = make_member("agent_b", b, Role.AGENT)
    w.nobody = User.objects.create_user("nobody", password="x", is_staff=True)
    w.nobody.user_permissions.set(Permission.objects.filter(content_type__app_label__in=APPS))
    w.agency = User.objects.create_superuser("agency", "agency@example.com", "x")
    return w


APPS = ("accounts", "bots", "conversations", "scheduling", "workflows", "channels_out")


def signed_in(client, user):
    client.force_login(user)
    return client


def admin_url(obj, view="change"):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=[obj.pk])


def list_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def objects_of(w, key):
    return [
        getattr(w, f"{name}_{key}")
        for name in ("bot", "contact", "conversation", "follow_up", "note", "workflow", "tag")
    ]


LISTED = (Bot, Contact, Conversation, FollowUp, EngineEvent, Workflow, Tag)


# --- Lists, search and filters ----------------------------------------------------------


@pytest.mark.parametrize("model", LISTED, ids=lambda m: m.__name__)
def test_an_owner_lists_only_their_business(client, world, model):
    signed_in(client, world.owner_b)
    response = client.get(list_url(model))
    assert response.status_code == 200
    listed = set(response.context["cl"].result_list)
    page = response.content.decode()
    assert listed and {account_of(obj) for obj in listed} == {world.b.pk}
    for name in A_NAMES:  # nor in a filter's choices
        assert name not in page, name

    signed_in(client, world.owner_a)
    assert set(objects_of(world, "a")) & set(client.get(list_url(model)).context["cl"].result_list)


@pytest.mark.parametrize(
    "model,term", [(Contact, "Annie"), (Contact, "+15555550111"), (Conversation, "Annie"), (FollowUp, "Annie"),
                   (EngineEvent, "alpha"), (Bot, "Alpha"), (Workflow, "Alpha"), (Tag, "alpha")],
)  # fmt: skip
def test_search_finds_nothing_of_another_business(client, world, model, term):
    signed_in(client, world.owner_b)
    assert not client.get(list_url(model), {"q": term}).context["cl"].result_list
    signed_in(client, world.owner_a)
    assert client.get(list_url(model), {"q": term}).context["cl"].result_list


def test_filter_choices_name_only_the_own_business(client, world):
    make_bot(account=world.b, name="Beta Two")
    signed_in(client, world.owner_b)
    response = client.get(list_url(Contact))
    choices = {spec.title: [str(c[1]) for c in spec.lookup_choices] for spec in response.context["cl"].filter_specs}
    assert choices == {"bot": ["Beta Bot", "Beta Two"], "tags": ["beta-vip"]}
    # Asking for A's bot by its id in the URL finds nothing.
    filtered = client.get(list_url(Contact), {"bot__id__exact": world.bot_a.pk}).context["cl"].result_list
    assert not filtered


def test_the_agency_sees_every_business_with_its_name(client, world):
    signed_in(client, world.agency)
    response = client.get(list_url(Contact))
    assert set(response.context["cl"].result_list) == {world.contact_a, world.contact_b}
    page = response.content.decode()
    assert "Alpha Dental" in page and "Beta Clinic" in page  # a business column, for whoever sees several


# --- Another business's objects look missing ------------------------------------------


@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_another_business_object_answers_like_a_missing_one(client, world, view):
    signed_in(client, world.owner_b)
    for obj in objects_of(world, "a"):
        response = client.get(admin_url(obj, view))
        assert response.status_code == 302 and response.url == reverse("admin:index"), (obj, view)
        message = str(list(get_messages(response.wsgi_request))[-1])
        assert "doesn’t exist" in message, message
    signed_in(client, world.owner_a)
    for obj in objects_of(world, "a"):
        assert client.get(admin_url(obj, view)).status_code == 200, (obj, view)


def test_posting_to_another_business_object_changes_nothing(client, world):
    signed_in(client, world.owner_b)
    response = client.post(admin_url(world.bot_a), {"name": "Hijacked"})
    assert response.status_code == 302 and response.url == reverse("admin:index")
    response = client.post(admin_url(world.contact_a, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert Bot.objects.get(pk=world.bot_a.pk).name == "Alpha Bot"
    assert Contact.objects.filter(pk=world.contact_a.pk).exists()


# --- Roles ------------------------------------------------------------------------------


def test_an_agent_opens_a_bot_but_cannot_save_it(client, world):
    signed_in(client, world.agent_a)
    response = client.get(admin_url(world.bot_a))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert client.post(admin_url(world.bot_a), {"name": "Renamed"}).status_code == 403
    assert Bot.objects.get(pk=world.bot_a.pk).name == "Alpha Bot"
    for name in ("bots_bot", "workflows_workflow", "conversations_contact", "conversations_tag"):
        assert client.get(reverse(f"admin:{name}_add")).status_code == 403, name
    assert client.get(admin_url(world.contact_a, "delete")).status_code == 403
    assert client.get(admin_url(world.workflow_a)).status_code == 200  # read-only
    assert client.post(admin_url(world.workflow_a), {"name": "x"}).status_code == 403


def test_an_agent_has_no_bot_switches(client, world):
    signed_in(client, world.agent_a)
    response = client.get(list_url(Bot))
    assert "switch_off" not in response.content.decode()
    client.post(list_url(Bot), {"action": "switch_off", "_selected_action": [world.bot_a.pk]})
    assert Bot.objects.get(pk=world.bot_a.pk).active


def test_an_agent_assigns_a_conversation_and_marks_it_booked(client, world):
    signed_in(client, world.agent_a)
    url = admin_url(world.conversation_a)
    response = client.get(url)
    offered = {u.username for u in response.context["adminform"].form.fields["assigned_to"].queryset}
    assert offered == {"owner_a", "agent_a"}  # members of A only: not B's people, not the agency
    data = form_data(response)
    assert client.post(url, {**data, "assigned_to": world.owner_a.pk}).status_code == 302
    assert Conversation.objects.get(pk=world.conversation_a.pk).assigned_to == world.owner_a

    # B's owner is no valid choice, even typed in by hand.
    response = client.post(url, {**data, "assigned_to": world.owner_b.pk})
    assert response.status_code == 200 and "assigned_to" in response.context["adminform"].form.errors

    response = client.post(
        list_url(Conversation), {"action": "mark_booked", "_selected_action": [world.conversation_a.pk]}, follow=True
    )
    assert "Marked 1 conversation(s) booked" in response.content.decode()


def test_an_agent_changes_a_contact(client, world):
    signed_in(client, world.agent_a)
    url = admin_url(world.contact_a)
    response = client.get(url)
    assert response.context["adminform"].form.fields["account"].disabled
    assert client.post(url, {**form_data(response), "first_name": "Anne"}).status_code == 302
    assert Contact.objects.get(pk=world.contact_a.pk).first_name == "Anne"


def test_staff_without_a_business_see_nothing_whatever_their_permissions(client, world):
    signed_in(client, world.nobody)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200 and response.context["app_list"] == []
    for model in (*LISTED, Account, ApiKey):
        assert client.get(list_url(model)).status_code == 403, model
    for view in ("change", "history", "delete"):
        assert client.get(admin_url(world.bot_a, view)).status_code == 403, view
    assert client.get(reverse("response_info", args=[world.contact_a.pk])).status_code == 404


def test_the_agencys_own_pages_are_theirs_alone(client, world):
    world.owner_a.user_permissions.set(Permission.objects.all())  # no Django permission opens them
    signed_in(client, world.owner_a)
    assert client.get(reverse("admin:auth_user_change", args=[world.owner_a.pk])).status_code == 403
    assert client.get(reverse("admin:django_q_schedule_changelist")).status_code == 403
    assert client.get(reverse("admin:channels_out_sendingnumber_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_account_add")).status_code == 403
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    index = client.get(reverse("admin:index")).context["app_list"]  # grouped the owner's way (console/site.py)
    apps = {model["model"]._meta.app_label for group in index for model in group["models"]}
    assert apps == {"accounts", "bots", "conversations", "scheduling", "workflows"}


# --- Form choices -----------------------------------------------------------------------


def choices(response, name):
    return {str(obj) for obj in response.context["adminform"].form.fields[name].queryset}


def test_forms_offer_only_the_own_business(client, world):
    signed_in(client, world.owner_b)
    bot_form = client.get(reverse("admin:bots_bot_add"))
    assert choices(bot_form, "account") == {"Beta Clinic"}
    assert bot_form.context["adminform"].form["account"].value() == world.b.pk  # the only one: chosen
    contact_form = client.get(reverse("admin:conversations_contact_add"))
    assert choices(contact_form, "bot") == {"Beta Bot"} and choices(contact_form, "tags") == {"beta-vip"}
    workflow_form = client.get(reverse("admin:workflows_workflow_add"))
    assert choices(workflow_form, "bot") == {"Beta Bot"}
    assert {s.split(":")[0] for s in choices(workflow_form, "scenarios")} == {"Beta Bot"}
    action_users = workflow_form.context["inline_admin_formsets"][0].formset.empty_form.fields["user"].queryset
    assert {u.username for u in action_users} == {"owner_b", "agent_b"}
    conversation_form = client.get(admin_url(world.conversation_b))
    assert choices(conversation_form, "assigned_to") == {"owner_b", "agent_b"}


def test_the_agency_may_assign_any_staff(client, world):
    signed_in(client, world.agency)
    offered = choices(client.get(admin_url(world.conversation_a)), "assigned_to")
    assert {"owner_a", "agent_b", "nobody", "agency"} <= offered


def test_a_crafted_choice_from_another_business_is_refused(client, world):
    signed_in(client, world.owner_b)
    response = client.post(
        reverse("admin:conversations_contact_add"),
        {"account": world.b.pk, "bot": world.bot_a.pk, "first_name": "X", "tags": [world.tag_a.pk],
         "opt_outs-TOTAL_FORMS": "0", "opt_outs-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    assert {"bot", "tags"} <= set(response.context["adminform"].form.errors)
    response = client.post(
        reverse("admin:conversations_conversation_add"),
        {"bot": world.bot_b.pk, "contact": world.contact_a.pk, "channel": "sms"},
    )
    assert "contact" in response.context["adminform"].form.errors
    assert "Annie" not in response.content.decode()  # the raw-id box names no stranger
    assert not Contact.objects.filter(first_name="X").exists()
    assert Conversation.objects.count() == 2


def test_the_agency_cannot_mix_two_businesses_in_one_object(client, world):
    signed_in(client, world.agency)
    response = client.post(
        reverse("admin:conversations_contact_add"),
        {"account": world.a.pk, "bot": world.bot_b.pk, "first_name": "X", "tags": [world.tag_b.pk],
         "opt_outs-TOTAL_FORMS": "0", "opt_outs-INITIAL_FORMS": "0"},
    )  # fmt: skip
    errors = response.context["adminform"].form.errors
    assert "belongs to another business" in str(errors["bot"]) and "tags" in errors
    response = client.post(
        reverse("admin:conversations_conversation_add"),
        {"bot": world.bot_b.pk, "contact": world.contact_a.pk, "channel": "sms"},
    )
    assert "belongs to another business" in str(response.context["adminform"].form.errors["contact"])


def test_a_workflow_action_assigns_only_to_members(client, world):
    signed_in(client, world.owner_b)
    data = {
        "bot": world.bot_b.pk,
        "name": "Hand over",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-position": "0",
        "actions-0-kind": "assign",
        "actions-0-user": world.owner_a.pk,
    }
    response = client.post(reverse("admin:workflows_workflow_add"), data)
    assert response.status_code == 200 and not Workflow.objects.filter(name="Hand over").exists()
    data["actions-0-user"] = world.agent_b.pk
    assert client.post(reverse("admin:workflows_workflow_add"), data).status_code == 302
    assert Workflow.objects.get(name="Hand over").actions.get().user == world.agent_b


def test_autocomplete_returns_nothing_of_another_business(client, world):
    signed_in(client, world.owner_b)
    url = reverse("admin:autocomplete")
    for field, expected in (("bot", ["Beta Bot"]), ("tags", ["beta-vip"])):
        response = client.get(url, {"app_label": "conversations", "model_name": "contact", "field_name": field})
        assert [r["text"] for r in response.json()["results"]] == expected
    response = client.get(
        url, {"app_label": "conversations", "model_name": "contact", "field_name": "bot", "term": "Alpha"}
    )
    assert response.json()["results"] == []


# --- Bulk actions ---------------------------------------------------------------------


def test_bulk_actions_with_another_business_ids_touch_nothing(client, world):
    _, key = ApiKey.issue(world.a, "Alpha CRM")
    signed_in(client, world.owner_b)
    for model, action in (
        (Bot, "switch_off"),
        (Conversation, "mark_booked"),
        (ApiKey, "revoke"),
        (Contact, "delete_selected"),
    ):
        ids = list(model.objects.values_list("pk", flat=True))  # A's and B's
        client.post(list_url(model), {"action": action, "_selected_action": ids, "post": "yes"})
    assert Bot.objects.get(pk=world.bot_a.pk).active
    assert not Conversation.objects.get(pk=world.conversation_a.pk).stopped
    assert ApiKey.holding(key, timezone.now()) is not None
    assert Contact.objects.filter(pk=world.contact_a.pk).exists()
    assert not Contact.objects.filter(pk=world.contact_b.pk).exists()  # their own went, as asked


# --- Response Info --------------------------------------------------------------------


def test_response_info_is_for_the_contacts_business(client, world):
    url = reverse("response_info", args=[world.contact_a.pk])
    assert client.get(url).url.startswith(reverse("admin:login"))  # anonymous
    signed_in(client, User.objects.create_user("customer", password="x"))  # not staff
    assert client.get(url).url.startswith(reverse("admin:login"))
    signed_in(client, world.owner_b)
    assert client.get(url).status_code == 404
    signed_in(client, world.agent_a)
    assert client.get(url).status_code == 200


# --- API keys -------------------------------------------------------------------------


def test_an_owner_makes_an_api_key_that_is_shown_once(client, world):
    signed_in(client, world.owner_a)
    form = client.get(reverse("admin:accounts_apikey_add"))
    assert choices(form, "account") == {"Alpha Dental"}
    response = client.post(reverse("admin:accounts_apikey_add"), {"account": world.a.pk, "name": "CRM connector"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    found = re.search(r"afu_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", page)
    assert found
    key = found.group(0)
    assert page.count(key) == 1 and "Copy it now" in page and "not shown again" in page
    assert not list(get_messages(response.wsgi_request))
    assert key not in str(dict(client.session))

    api_key = ApiKey.objects.get()
    assert (api_key.account, api_key.name, api_key.created_by) == (world.a, "CRM connector", world.owner_a)
    assert api_key.prefix == key.split("_")[1] and api_key.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiKey.objects.values().get())
    assert ApiKey.holding(key, timezone.now()) == api_key

    listing = client.get(list_url(ApiKey)).content.decode()
    assert f"afu_{api_key.prefix}_…" in listing and key not in listing
    assert key not in client.get(admin_url(api_key)).content.decode()
    assert 'name="_save"' not in client.get(admin_url(api_key)).content.decode()  # read-only

    response = client.post(list_url(ApiKey), {"action": "revoke", "_selected_action": [api_key.pk]}, follow=True)
    assert "Revoked 1 key(s)" in response.content.decode()
    assert ApiKey.holding(key, timezone.now()) is None
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert api_key in client.get(list_url(ApiKey)).context["cl"].result_list  # still listed


def test_api_keys_are_the_owners(client, world):
    ApiKey.issue(world.a, "Alpha CRM")
    signed_in(client, world.agent_a)
    assert client.get(list_url(ApiKey)).status_code == 403
    assert client.get(reverse("admin:accounts_apikey_add")).status_code == 403
    signed_in(client, world.owner_b)
    assert not client.get(list_url(ApiKey)).context["cl"].result_list
    response = client.post(reverse("admin:accounts_apikey_add"), {"account": world.a.pk, "name": "Sneaky"})
    assert response.status_code == 200 and "account" in response.context["adminform"].form.errors
    assert ApiKey.objects.count() == 1


# --- Businesses and memberships ---------------------------------------------------------


def test_an_owner_renames_their_business_and_an_agent_only_sees_it(client, world):
    signed_in(client, world.owner_a)
    assert list(client.get(list_url(Account)).context["cl"].result_list) == [world.a]
    response = client.get(admin_url(world.a))
    assert "memberships" not in response.content.decode()  # the agency staffs businesses
    assert client.post(admin_url(world.a), {"name": "Alpha Dental Care"}).status_code == 302
    assert Account.objects.get(pk=world.a.pk).name == "Alpha Dental Care"
    assert client.get(admin_url(world.a, "delete")).status_code == 403
    signed_in(client, world.agent_a)
    assert client.get(admin_url(world.a)).status_code == 200
    assert client.post(admin_url(world.a), {"name": "Mine now"}).status_code == 403


def test_the_agency_adds_a_member_who_becomes_staff(client, world):
    newcomer = User.objects.create_user("newcomer", password="x")
    signed_in(client, world.agency)
    url = admin_url(world.b)
    data = form_data(client.get(url))  # B's two members, as shown
    data.update(
        {
            "memberships-TOTAL_FORMS": "3",
            "memberships-2-account": str(world.b.pk),
            "memberships-2-user": str(newcomer.pk),
            "memberships-2-role": "agent",
        }
    )
    response = client.post(url, data, follow=True)
    assert "Newcomer is now staff, so they can sign in to the admin." in response.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.is_staff and newcomer.memberships.get().account == world.b
