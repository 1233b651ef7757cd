"""Who may do what, at every URL: the permission matrix (issue 11).

Every URL pattern the project serves (found by walking the URL configuration, not listed by
hand) is asked with GET and POST (and any PUT, PATCH or DELETE its API view has) by each
principal: anonymous, a signed-in non-staff user, staff without a membership, an agent of
business A, an owner of A, an owner of B and a superuser; the API's URLs also by A's and B's
API keys. Every user but the superuser holds all of Django's model permissions: roles, not
those, must decide. The URLs name A's objects. What each should get is derived from two
tables below: ADMIN_POLICY (each admin model's rights by role) for the admin's model pages,
URL_POLICY for every other URL. A URL, method or admin model without an entry fails the
test, naming it.

Besides the status: a POST that is refused changes nothing of A's (the object, or A's counts
of messages, contacts and opt-outs); one that is allowed does what it asks; nobody outside A
sees A's names on any page (ZZALPHA marks them, ZZKEYA A's API key); lists show A's rows to
A's members and hide them from B's owner; the admin index lists the models the role may use.

Speed: the two-business world is built once for the module (in a transaction rolled back at
its end); each principal's request runs in a transaction rolled back after it, so a POST by
one leaves nothing for the next.
"""

import contextlib
import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.sites import AdminSite
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, models, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import path, reverse
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from accounts.models import Account, ApiKey, Membership, Role
from channels_out.models import SendingNumber
from conversations.models import Contact, Conversation, Message, OptOut, Tag
from scheduling.models import EngineEvent, FollowUp
from tests.factories import make_account, make_bot, make_conversation
from tests.support.admin_forms import form_data
from tests.support.permission_matrix import Endpoint, Outcome, described, endpoints, location, matches
from workflows.models import Workflow

OK, REDIRECT, LOGIN, FORBIDDEN = Outcome.OK, Outcome.REDIRECT, Outcome.LOGIN, Outcome.FORBIDDEN
MISSING, REFUSED, METHOD, IGNORED = Outcome.MISSING, Outcome.REFUSED, Outcome.METHOD, Outcome.IGNORED

# --- principals -----------------------------------------------------------------------------

ANONYMOUS = "anonymous"
NON_STAFF = "non-staff"
STAFF = "staff without membership"
AGENT_A = "agent of A"
OWNER_A = "owner of A"
OWNER_B = "owner of B"
SUPERUSER = "superuser"
KEY_A = "API key of A"
KEY_B = "API key of B"

USERS = (ANONYMOUS, NON_STAFF, STAFF, AGENT_A, OWNER_A, OWNER_B, SUPERUSER)
WITH_KEYS = (*USERS, KEY_A, KEY_B)  # the API's URLs
NOT_ADMITTED = (ANONYMOUS, NON_STAFF)  # the admin sends them to its login page
ADMITTED_NOT_AGENCY = (STAFF, AGENT_A, OWNER_A, OWNER_B)
# Each principal's role towards A's objects (B's owner is an owner, of another business).
ROLE = {AGENT_A: "agent", OWNER_A: "owner", OWNER_B: "owner", SUPERUSER: "super"}

# Marks on A's names, and on A's API key's name: none may show to these principals.
A_MARK, KEY_MARK = "ZZALPHA", "ZZKEYA"
MUST_NOT_SEE = dict.fromkeys((ANONYMOUS, NON_STAFF, STAFF, OWNER_B, KEY_B), (A_MARK, KEY_MARK)) | {AGENT_A: (KEY_MARK,)}


# --- the admin's model pages: each model's rights by role --------------------------------------

ALL = "owner agent super"


def rights(*, view="", add="", change="", delete="", revoke="", work="") -> dict[str, frozenset[str]]:
    return {
        "view": frozenset(view.split()),
        "add": frozenset(add.split()),
        "change": frozenset(change.split()),
        "delete": frozenset(delete.split()),
        "revoke": frozenset(revoke.split()),  # API keys' changelist action
        "work": frozenset(work.split()),  # follow-ups' changelist actions: cancel, pause
    }


SUPER_ONLY = rights(view="super", add="super", change="super", delete="super")
# Logs and queues the installation writes itself: their admins add nothing, for anyone.
SUPER_NO_ADD = rights(view="super", change="super", delete="super")
CONFIGURATION = rights(view=ALL, add="owner super", change="owner super", delete="owner super")
WORK = rights(view=ALL, add="owner super", change=ALL, delete="owner super")  # agents work conversations
# Written by the engine only; deleted with their contact, which an owner may delete.
ENGINE_RECORDS = rights(view=ALL, delete="owner super")

ADMIN_POLICY: dict[str, dict[str, frozenset[str]]] = {
    "bots.bot": CONFIGURATION,
    "workflows.workflow": CONFIGURATION,
    "conversations.tag": CONFIGURATION,
    "conversations.contact": WORK,
    "conversations.conversation": WORK,
    # Whoever works conversations cancels follow-ups or pauses their conversations (list actions).
    "scheduling.followup": rights(view=ALL, delete="owner super", work=ALL),
    "scheduling.engineevent": ENGINE_RECORDS,
    "accounts.account": rights(view=ALL, add="super", change="owner super", delete="super"),
    # A key's page is read-only: a key is revoked, never edited (only the agency deletes
    # one). Agents don't see keys.
    "accounts.apikey": rights(view="owner super", add="owner super", revoke="owner super", delete="super"),
    # What belongs to the installation, not to one business: the agency's (superusers').
    # Memberships too: an inline of the business's page (installation() checks them).
    "channels_out.sendingnumber": SUPER_ONLY,
    "auth.user": SUPER_ONLY,
    "auth.group": SUPER_ONLY,
    "django_q.schedule": SUPER_ONLY,
    "django_q.success": SUPER_NO_ADD,
    "django_q.failure": SUPER_NO_ADD,
    "django_q.ormq": SUPER_NO_ADD,
    "axes.accessattempt": SUPER_NO_ADD,
    "axes.accesslog": SUPER_NO_ADD,
    "axes.accessfailurelog": SUPER_NO_ADD,
}

# How each admin model reaches its business: these are A's (or B's); the others are shared.
ACCOUNT_PATH = {
    "accounts.account": "pk",
    "accounts.apikey": "account",
    "bots.bot": "account",
    "workflows.workflow": "bot__account",
    "conversations.tag": "account",
    "conversations.contact": "account",
    "conversations.conversation": "bot__account",
    "scheduling.followup": "conversation__bot__account",
    "scheduling.engineevent": "conversation__bot__account",
}

# The permission each model page needs: (for GET, for POST). ACTION: the changelist's action.
ACTION = "action"
PAGE_RIGHTS = {
    "changelist": ("view", ACTION),
    "add": ("add", "add"),
    "history": ("view", "view"),
    "change": ("view", "change"),
    "delete": ("delete", "delete"),
}
# Model pages of an admin's own (URL name: the rights it needs, GET and POST).
CUSTOM_ADMIN_PAGES = {"admin:auth_user_password_change": ("change", "change")}
OBJECT_ARGUMENTS = {"object_id", "id"}

# The changelist action each model's list is posted with, and the right it needs; otherwise
# delete_selected (needs delete) where the list has it.
CHANGELIST_ACTIONS = {
    "bots.bot": ("switch_off", "change"),
    "conversations.conversation": ("mark_booked", "change"),
    "scheduling.followup": ("cancel_selected", "work"),
    "accounts.apikey": ("revoke", "revoke"),
}

# What a change form posts, over the form as the superuser's page fills it in.
CHANGES: dict[str, Callable[["World", dict], dict[str, str]]] = {
    "bots.bot": lambda w, d: {"name": "Renamed"},
    "workflows.workflow": lambda w, d: {"name": "Renamed"},
    "conversations.tag": lambda w, d: {"name": "Renamed"},
    "conversations.contact": lambda w, d: {"first_name": "Renamed"},
    "conversations.conversation": lambda w, d: {"assigned_to": str(w.users[AGENT_A].pk)},
    # With one more member: the victim, as owner (memberships are the agency's alone).
    "accounts.account": lambda w, d: {"name": "Renamed", **new_member(w, d)},
    "accounts.apikey": lambda w, d: {"name": "Renamed"},
    "channels_out.sendingnumber": lambda w, d: {"segments_per_second": "7"},
    "auth.group": lambda w, d: {"name": "Renamed"},
}


def new_member(world: "World", data: dict) -> dict[str, str]:
    """One more row in a business page's memberships inline."""
    n = int(data.get("memberships-TOTAL_FORMS", 0))
    row = {"user": str(world.victim.pk), "role": Role.OWNER, "account": str(world.a.pk)}
    return {"memberships-TOTAL_FORMS": str(n + 1), **{f"memberships-{n}-{k}": v for k, v in row.items()}}


# What an add form posts: A's objects where it names any (B's owner must not reach them).
ADDITIONS: dict[str, Callable[["World"], dict[str, Any]]] = {
    "bots.bot": lambda w: {"name": "New bot", "account": w.a.pk},
    "workflows.workflow": lambda w: {"name": "New workflow", "bot": w.bot_a.pk},
    "conversations.tag": lambda w: {"name": "New tag", "account": w.a.pk},
    "conversations.contact": lambda w: {
        "account": w.a.pk,
        "bot": w.bot_a.pk,
        "first_name": "New",
        "phone": "+15555550777",
    },
    "conversations.conversation": lambda w: {"bot": w.bot_a.pk, "contact": w.contact_a2.pk, "channel": "sms"},
    "accounts.account": lambda w: {"name": "New business"},
    "accounts.apikey": lambda w: {"name": "New key", "account": w.a.pk},
    "channels_out.sendingnumber": lambda w: {"number": "+15555550888"},
    "auth.group": lambda w: {"name": "New group"},
}
# Deleting these is refused by design while they hold anything (a business with bots).
DELETE_PROTECTED = {"accounts.account"}


def installation() -> tuple:
    """What only a superuser may change, whatever page is posted to: who is a member of
    what and as what, the businesses, and who is staff or superuser."""
    return (
        sorted(Membership.objects.values_list("account_id", "user_id", "role")),
        Account.objects.count(),
        sorted(User.objects.values_list("id", "is_active", "is_staff", "is_superuser")),
    )


# --- every other URL ----------------------------------------------------------------------------


def each(outcome: Outcome, principals=WITH_KEYS) -> dict[str, Outcome]:
    return dict.fromkeys(principals, outcome)


def admin_page(outcome: Outcome, *, not_admitted: Outcome = LOGIN) -> dict[str, Outcome]:
    return each(outcome, USERS) | each(not_admitted, NOT_ADMITTED)


def api(*, a: Outcome, b: Outcome) -> dict[str, Outcome]:
    """The API: A's members, the superuser and A's key reach A's data; B's owner and key
    don't; a session without a membership is refused, no credential at all is 401."""
    return (
        each(a, (AGENT_A, OWNER_A, SUPERUSER, KEY_A))
        | each(b, (OWNER_B, KEY_B))
        | {
            ANONYMOUS: LOGIN,
            NON_STAFF: FORBIDDEN,
            STAFF: FORBIDDEN,
        }
    )


def a_page(*, b: Outcome) -> dict[str, Outcome]:
    """A page about one of A's objects, outside the admin."""
    return each(OK, (AGENT_A, OWNER_A, SUPERUSER)) | each(b, (STAFF, OWNER_B)) | each(LOGIN, NOT_ADMITTED)


# Derived from ADMIN_POLICY instead (the app's index and the autocomplete).
APP_INDEX, AUTOCOMPLETE = "derived: the app's models", "derived: the autocomplete field's model"

RECORD_EVENT = {"GET": api(a=METHOD, b=METHOD), "POST": api(a=OK, b=REFUSED)}
PUBLIC = {"GET": each(OK), "POST": each(METHOD)}
TWILIO = {"GET": each(METHOD, USERS), "POST": each(FORBIDDEN, USERS)}  # the signature only: none here

URL_POLICY: dict[str, Mapping[str, Mapping[str, Outcome] | str]] = {
    # The admin's own pages (its model pages: ADMIN_POLICY).
    "admin:index": {"GET": admin_page(OK), "POST": admin_page(OK)},
    "admin:app_list": {"GET": APP_INDEX, "POST": APP_INDEX},
    "admin:login": {"GET": admin_page(REDIRECT, not_admitted=OK), "POST": admin_page(OK, not_admitted=OK)},
    # Not admitted: sent to the index (then the login); GET is no way to log out.
    "admin:logout": {"GET": admin_page(METHOD, not_admitted=REDIRECT), "POST": admin_page(OK, not_admitted=REDIRECT)},
    "admin:password_change": {"GET": admin_page(OK), "POST": admin_page(OK)},
    "admin:password_change_done": {"GET": admin_page(OK), "POST": admin_page(METHOD)},
    "admin:autocomplete": {"GET": AUTOCOMPLETE, "POST": admin_page(METHOD)},
    "admin:jsi18n": {"GET": admin_page(OK), "POST": admin_page(METHOD)},
    # A's contact: no model of ours has a page outside the admin to send anyone to.
    "admin:view_on_site": {"GET": admin_page(MISSING), "POST": admin_page(MISSING)},
    "admin/(?P<url>.*)$": {"GET": admin_page(MISSING), "POST": admin_page(MISSING)},
    # The console.
    "response_info": {"GET": a_page(b=MISSING), "POST": a_page(b=MISSING)},
    # A's conversation, worked from the browser (its POST: PAGE_BODIES).
    "conversation": {"GET": a_page(b=MISSING), "POST": a_page(b=MISSING)},
    # A's bot's Results (?bot=, QUERIES): read-only, so a POST is no method of it.
    "results": {"GET": a_page(b=MISSING), "POST": admin_page(METHOD)},
    # The API.
    "api-inbound": RECORD_EVENT,
    "api-outbound": RECORD_EVENT,
    "api-appointment": RECORD_EVENT,
    "api-contact-follow-ups": {"GET": api(a=OK, b=MISSING), "POST": api(a=METHOD, b=METHOD)},
    # A's bot's Results (?bot=, QUERIES): another business's bot is refused as missing (400).
    "api-results": {"GET": api(a=OK, b=REFUSED), "POST": api(a=METHOD, b=METHOD)},
    "api-schema": PUBLIC,
    "api-docs": PUBLIC,
    # Twilio.
    "twilio-inbound": TWILIO,
    "twilio-status": TWILIO,
}

# What the API's POSTs send: each names A's bot.
API_BODIES: dict[str, Callable[["World"], dict[str, Any]]] = {
    # A new contact saying STOP: a contact, a conversation, a message and an opt-out.
    "api-inbound": lambda w: {
        "bot": w.bot_a.pk,
        "contact": {"phone": "+15555550777", "first_name": "New"},
        "channel": "sms",
        "text": "STOP",
    },
    "api-outbound": lambda w: {
        "bot": w.bot_a.pk,
        "contact": {"id": w.contact_a.pk},
        "text": "Hello",
        "author": "agent",
    },
    "api-appointment": lambda w: {"bot": w.bot_a.pk, "contact": {"id": w.contact_a.pk}},
}
# What the console's pages are posted, with what of A's it changes when allowed.
PAGE_BODIES: dict[str, Callable[["World"], dict[str, Any]]] = {
    "conversation": lambda w: {"do": "pause"},  # cancels A's pending follow-up, pauses the conversation
}
# The query of a console page about one of A's objects named by the query, not the path.
QUERIES: dict[str, Callable[["World"], dict[str, str]]] = {
    "results": lambda w: {"bot": str(w.bot_a.pk)},
    "api-results": lambda w: {"bot": str(w.bot_a.pk)},
}
TWILIO_BODY = {
    "From": "+15555550100",
    "To": "+15555550000",
    "Body": "STOP",
    "MessageSid": "SMzz",
    "MessageStatus": "delivered",
}


# --- the world: businesses A and B, their people and objects --------------------------------------


@dataclass
class World:
    a: Account
    b: Account
    bot_a: Any
    contact_a: Contact
    contact_a2: Contact  # no conversation yet: the admin's add form may start one
    conversation_a: Conversation
    victim: User  # the user the auth admin's pages are about
    users: dict[str, User]
    keys: dict[str, str]
    sessions: dict[str, str] = field(default_factory=dict)
    objects: dict[str, models.Model] = field(default_factory=dict)  # per admin model: the one asked about
    forms: dict[tuple[str, str], dict] = field(default_factory=dict)  # the superuser's forms, as posted


def build_world() -> World:
    now = timezone.now()
    a, b = make_account(f"Acme {A_MARK}"), make_account("Beta business")
    bot_a = make_bot(account=a, name=f"{A_MARK} bot")
    bot_b = make_bot(account=b, name="Beta bot")
    conversation_a = make_conversation(bot_a, phone="+15555550100", first_name=A_MARK)
    contact_a = conversation_a.contact
    contact_a2 = Contact.objects.create(account=a, bot=bot_a, first_name=f"{A_MARK} two", phone="+15555550101")
    make_conversation(bot_b, phone="+15555550200", first_name="Bea")
    tag_a = Tag.objects.create(account=a, name=f"{A_MARK} tag")
    contact_a.tags.add(tag_a)
    workflow_a = Workflow.objects.create(bot=bot_a, name=f"{A_MARK} workflow")
    message = Message.objects.create(
        conversation=conversation_a, direction="inbound", author="contact", channel="sms", text="Hi", at=now
    )
    scenario = bot_a.scenario("stopped_replying")
    follow_up_a = FollowUp.objects.create(
        conversation=conversation_a,
        scenario=scenario,
        kind=scenario.kind,
        step=1,
        steps_total=2,
        due_at=now + timedelta(hours=1),
        planned_at=now + timedelta(hours=1),
        channel="sms",
        trigger_message=message,
        text=f"{A_MARK} follow-up",
        created_at=now,
    )
    event_a = EngineEvent.objects.create(conversation=conversation_a, at=now, kind="planned", detail=f"{A_MARK} note")
    api_key_a, key_a = ApiKey.issue(a, KEY_MARK)
    _, key_b = ApiKey.issue(b, "Beta key")

    users = {
        NON_STAFF: User.objects.create_user("zz-nonstaff"),
        STAFF: User.objects.create_user("zz-staff", is_staff=True),
        AGENT_A: User.objects.create_user("zz-agent-a", is_staff=True),
        OWNER_A: User.objects.create_user("zz-owner-a", is_staff=True),
        OWNER_B: User.objects.create_user("zz-owner-b", is_staff=True),
        SUPERUSER: User.objects.create_superuser("zz-super", "super@example.com"),
    }
    # Roles, not Django's per-model permissions, decide: everyone but the superuser holds them all.
    every_permission = list(Permission.objects.all())
    for principal in (NON_STAFF, STAFF, AGENT_A, OWNER_A, OWNER_B):
        users[principal].user_permissions.set(every_permission)
    Membership.objects.create(account=a, user=users[AGENT_A], role=Role.AGENT)
    Membership.objects.create(account=a, user=users[OWNER_A], role=Role.OWNER)
    Membership.objects.create(account=b, user=users[OWNER_B], role=Role.OWNER)
    victim = User.objects.create_user("zz-victim", first_name="Vic")
    group = Group.objects.create(name="zz group")
    victim.groups.add(group)

    task = {"name": "zz-task", "func": "math.floor", "started": now, "stopped": now}
    attempt = {"user_agent": "zz", "ip_address": "203.0.113.9", "username": "zz-nobody", "http_accept": "*/*"}
    world = World(
        a=a,
        b=b,
        bot_a=bot_a,
        contact_a=contact_a,
        contact_a2=contact_a2,
        conversation_a=conversation_a,
        victim=victim,
        users=users,
        keys={KEY_A: f"Token {key_a}", KEY_B: f"Bearer {key_b}"},  # both schemes
    )
    world.objects = {
        "bots.bot": bot_a,
        "workflows.workflow": workflow_a,
        "conversations.tag": tag_a,
        "conversations.contact": contact_a,
        "conversations.conversation": conversation_a,
        "scheduling.followup": follow_up_a,
        "scheduling.engineevent": event_a,
        "accounts.account": a,
        "accounts.apikey": api_key_a,
        "channels_out.sendingnumber": SendingNumber.objects.create(number="+15555550999"),
        "auth.user": victim,
        "auth.group": group,
        "django_q.schedule": Schedule.objects.create(name="zz schedule", func="math.floor"),
        "django_q.success": Task.objects.create(id="zz-success", success=True, **task),
        "django_q.failure": Task.objects.create(id="zz-failure", success=False, **task),
        "django_q.ormq": OrmQ.objects.create(key="zz", payload="zz", lock=now),
        "axes.accessattempt": AccessAttempt.objects.create(
            path_info="/admin/login/", get_data="", post_data="", failures_since_start=1, **attempt
        ),
        "axes.accesslog": AccessLog.objects.create(path_info="/admin/login/", **attempt),
        "axes.accessfailurelog": AccessFailureLog.objects.create(path_info="/admin/login/", **attempt),
    }
    for principal, user in users.items():
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        world.sessions[principal] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module, in a transaction rolled back after its last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def client_for(principal: str, world: World) -> Client:
    client = Client(raise_request_exception=False)
    if principal in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[principal]
    if principal in world.keys:
        client.defaults["HTTP_AUTHORIZATION"] = world.keys[principal]
    return client


# --- cases: every URL pattern and method ------------------------------------------------------


class NoEntry(Exception):
    """The tables say nothing about this URL, method, model or argument."""


@dataclass(frozen=True)
class Case:
    endpoint: Endpoint
    method: str
    variant: str | None = None  # the app of the admin's app index

    @property
    def key(self) -> str:
        return f"{self.endpoint.key}[{self.variant}]" if self.variant else self.endpoint.key

    @property
    def principals(self) -> tuple[str, ...]:
        return WITH_KEYS if self.endpoint.route.startswith("api/") else USERS

    def __str__(self):
        return f"{self.key}-{self.method}"


def cases_of(found: list[Endpoint]) -> list[Case]:
    result: list[Case] = []
    for endpoint in found:
        site = endpoint.admin_site
        variants: list[str | None] = [None]
        if site is not None and endpoint.name == "app_list":  # one case per app
            variants = [*sorted({model._meta.app_label for model in site._registry})]
        result.extend(Case(endpoint, method, variant) for method in endpoint.methods for variant in variants)
    return result


CASES = cases_of(endpoints())


@dataclass(frozen=True)
class ModelPage:
    label: str  # "bots.bot"
    kind: str  # changelist, add, history, change, delete, redirect, or CUSTOM_ADMIN_PAGES' key
    model: type[models.Model]
    site: AdminSite


@functools.cache
def model_page(endpoint: Endpoint) -> ModelPage | None:
    """The admin model page `endpoint` is, if it is one."""
    site = endpoint.admin_site
    if site is None:
        return None
    for model in site._registry:
        opts = model._meta
        prefix = f"{opts.app_label}_{opts.model_name}_"
        if endpoint.name and endpoint.name.startswith(prefix):
            kind = endpoint.key if endpoint.key in CUSTOM_ADMIN_PAGES else endpoint.name.removeprefix(prefix)
            return ModelPage(opts.label_lower, kind, model, site)
        # The object's bare URL: a redirect to its change page.
        if endpoint.name is None and [str(p) for p in endpoint.patterns[-2:]] == [
            f"{opts.app_label}/{opts.model_name}/",
            "<path:object_id>/",
        ]:
            return ModelPage(opts.label_lower, "redirect", model, site)
    return None


def entry_problems(found: list[Endpoint]) -> list[str]:
    """What the tables lack for `found` (each line names the URL, method or model)."""
    problems = []
    for case in cases_of(found):
        page = model_page(case.endpoint)
        if page is not None:
            if page.label not in ADMIN_POLICY:
                problems.append(f"{case.key}: admin model {page.label} has no entry in ADMIN_POLICY")
            elif page.kind not in (*PAGE_RIGHTS, "redirect", *CUSTOM_ADMIN_PAGES):
                problems.append(f"{case.key}: an admin page of {page.label} with no entry in CUSTOM_ADMIN_PAGES")
            continue
        entry = URL_POLICY.get(case.endpoint.key)
        if entry is None:
            problems.append(f"{case.key} ({case.endpoint.route}): no entry in URL_POLICY")
        elif case.method not in entry:
            problems.append(f"{case.key} {case.method}: no entry in URL_POLICY")
        elif not isinstance(entry[case.method], str):
            lacking = [p for p in case.principals if p not in entry[case.method]]
            if lacking:
                problems.append(f"{case.key} {case.method}: no entry for {', '.join(lacking)}")
    return problems


# --- what each principal should get --------------------------------------------------------------


@dataclass
class Cell:
    outcome: Outcome
    # For a POST: whether A's data must change ("changed"), must not ("unchanged"), or either.
    effect: str | None = None
    shows_a: bool | None = None  # a changelist: A's object listed, or not
    app_models: frozenset[str] | None = None  # the index: exactly these models
    says: str | None = None  # words the body must hold


def role_models(principal: str, site: AdminSite, app_label: str | None = None) -> frozenset[str]:
    """The admin models `principal`'s role may use at all (any right)."""
    role = ROLE.get(principal)
    return frozenset(
        model._meta.label_lower
        for model in site._registry
        if (app_label is None or model._meta.app_label == app_label)
        and any(role in roles for roles in ADMIN_POLICY.get(model._meta.label_lower, {}).values())
    )


def changelist_action(page: ModelPage, world: World) -> tuple[str, str] | None:
    """The action a changelist POST asks for (its name, the right it needs), if the list has any."""
    request = RequestFactory().post("/")
    request.user = world.users[SUPERUSER]
    actions = page.site._registry[page.model].get_actions(request)
    if page.label in CHANGELIST_ACTIONS:
        return CHANGELIST_ACTIONS[page.label]
    if "delete_selected" in actions:
        return "delete_selected", "delete"
    return None


def model_page_cell(case: Case, page: ModelPage, principal: str, world: World) -> Cell:
    if page.kind == "redirect":  # to the change page, for anyone admitted: that page decides
        return Cell(LOGIN if principal in NOT_ADMITTED else REDIRECT)
    if page.label not in ADMIN_POLICY:
        raise NoEntry(f"admin model {page.label} has no entry in ADMIN_POLICY")
    policy = ADMIN_POLICY[page.label]
    post = case.method != "GET"
    if page.kind in CUSTOM_ADMIN_PAGES:
        needs = CUSTOM_ADMIN_PAGES[page.kind][post]
    elif page.kind in PAGE_RIGHTS:
        needs = PAGE_RIGHTS[page.kind][post]
    else:
        raise NoEntry(f"an admin page of {page.label} with no entry in CUSTOM_ADMIN_PAGES")
    action = None
    if needs == ACTION:
        action = changelist_action(page, world)
        needs = action[1] if action else "view"
    real = post and _does_something(page, action)
    if principal in NOT_ADMITTED:
        return Cell(LOGIN, effect="unchanged" if post else None)
    role = ROLE.get(principal)
    if role not in policy[needs]:
        if page.kind == "changelist" and post and role in policy["view"]:
            return Cell(IGNORED, effect="unchanged")  # the list is theirs to see, not the action
        return Cell(FORBIDDEN, effect="unchanged" if post else None)
    of_a = page.label in ACCOUNT_PATH
    if principal == OWNER_B and of_a:
        if page.kind == "changelist":
            return Cell(IGNORED, effect="unchanged") if post else Cell(OK, shows_a=False)
        if page.kind == "add":
            return Cell(OK, effect="unchanged" if post else None)  # B's own; never A's
        return Cell(MISSING, effect="unchanged" if post else None)
    return Cell(
        OK,
        effect="changed" if real else None,
        shows_a=True if page.kind == "changelist" and not post and of_a else None,
    )


def _does_something(page: ModelPage, action) -> bool:
    """Whether the POST the matrix sends to this page changes something when allowed."""
    if page.kind == "change":
        return page.label in CHANGES
    if page.kind == "add":
        return page.label in ADDITIONS
    if page.kind == "delete":
        return page.label not in DELETE_PROTECTED
    if page.kind == "changelist":
        return action is not None and not (action[0] == "delete_selected" and page.label in DELETE_PROTECTED)
    return False


def expect(case: Case, principal: str, world: World) -> Cell:
    endpoint = case.endpoint
    page = model_page(endpoint)
    if page is not None:
        return model_page_cell(case, page, principal, world)
    entry = URL_POLICY.get(endpoint.key)
    if entry is None or case.method not in entry:
        raise NoEntry(f"no entry in URL_POLICY for {case.key} {case.method}")
    row = entry[case.method]
    site = endpoint.admin_site
    if row == APP_INDEX:
        assert site is not None and case.variant is not None
        if principal in NOT_ADMITTED:
            return Cell(LOGIN)
        shown = role_models(principal, site, case.variant)
        return Cell(OK, app_models=shown) if shown else Cell(MISSING)
    if row == AUTOCOMPLETE:
        assert site is not None
        if principal in NOT_ADMITTED:
            return Cell(LOGIN)
        field = autocomplete_field(site)
        if field is None:  # no admin has one: every request is refused
            return Cell(FORBIDDEN)
        remote = field.remote_field.model._meta.label_lower
        return Cell(OK if ROLE.get(principal) in ADMIN_POLICY.get(remote, {}).get("view", ()) else FORBIDDEN)
    if isinstance(row, str) or principal not in row:
        raise NoEntry(f"no entry in URL_POLICY for {case.key} {case.method} {principal}")
    cell = Cell(row[principal])
    if endpoint.key == "admin:index" and cell.outcome is OK:
        assert site is not None
        cell.app_models = role_models(principal, site)
    if case.method == "POST" and (
        endpoint.key in API_BODIES or endpoint.key in PAGE_BODIES or endpoint.key.startswith("twilio-")
    ):
        cell.effect = "changed" if cell.outcome is OK else "unchanged"
    if cell.outcome is REFUSED and endpoint.key in API_BODIES:
        cell.says = f"No bot with id {world.bot_a.pk}."
    return cell


def autocomplete_field(site: AdminSite):
    """A real autocomplete field of the site's admins, if any has one."""
    for model, model_admin in site._registry.items():
        for name in model_admin.autocomplete_fields:
            return model._meta.get_field(name)
    return None


# --- the request each principal sends ---------------------------------------------------------------


@dataclass
class Request:
    path: str
    query: dict[str, str] = field(default_factory=dict)
    data: Any = None
    content_type: str | None = None
    state: Callable[[], Any] | None = None  # what of A's the request may change, read before and after


def url_of(case: Case, world: World) -> Request:
    """The URL, naming A's objects, and its query."""
    endpoint = case.endpoint
    page = model_page(endpoint)
    values: dict[str, str] = {}
    for name in endpoint.arguments:
        if page is not None and name in OBJECT_ARGUMENTS:
            if page.label not in world.objects:
                raise NoEntry(f"{case.key}: no object of {page.label} in the world to ask about")
            values[name] = str(world.objects[page.label].pk)
        elif name == "contact_id" or (name == "object_id" and endpoint.name == "view_on_site"):
            values[name] = str(world.contact_a.pk)
        elif name == "content_type_id":
            values[name] = str(ContentType.objects.get_for_model(Contact).pk)
        elif name == "bot_id":
            values[name] = str(world.bot_a.pk)
        elif name == "conversation_id":
            values[name] = str(world.conversation_a.pk)
        elif name == "app_label" and case.variant:
            values[name] = case.variant
        elif name == "url":
            values[name] = "zz-no-such-page/"
        else:
            raise NoEntry(f"{case.key}: the matrix can't fill the URL's argument {name!r}")
    request = Request(endpoint.path(values))
    if endpoint.key in QUERIES:
        request.query = QUERIES[endpoint.key](world)
    if endpoint.name == "autocomplete" and endpoint.admin_site is not None:
        autocomplete = autocomplete_field(endpoint.admin_site)
        if autocomplete is not None:
            opts = autocomplete.model._meta
            request.query = {
                "app_label": opts.app_label,
                "model_name": opts.model_name,
                "field_name": autocomplete.name,
                "term": "",
            }
    return request


def request_for(case: Case, world: World) -> Request:
    """What every principal sends for `case`."""
    request = url_of(case, world)
    endpoint, page = case.endpoint, model_page(case.endpoint)
    if case.method == "GET":
        return request
    if page is not None:
        model_page_post(request, case, page, world)
    elif endpoint.route.startswith("api/"):
        body = API_BODIES.get(endpoint.key, lambda w: {})(world)
        request.data, request.content_type = json.dumps(body), "application/json"
        request.state = lambda: api_state(world)
    elif endpoint.key.startswith("twilio-"):
        request.data = TWILIO_BODY
        request.state = lambda: api_state(world)
    elif endpoint.key in PAGE_BODIES:
        request.data = PAGE_BODIES[endpoint.key](world)
        request.state = lambda: api_state(world)
    else:
        request.data = {}
    return request


def model_page_post(request: Request, case: Case, page: ModelPage, world: World) -> None:
    obj = world.objects.get(page.label)
    request.data = {}
    if page.kind == "add":
        base = superuser_form(world, page, "add") if page.label in ADDITIONS else {}
        request.data = {**base, **ADDITIONS.get(page.label, lambda w: {})(world)}
        request.state = lambda: a_count(page, world)
    elif obj is None:
        return
    elif page.kind == "change" or page.kind in CUSTOM_ADMIN_PAGES:
        base = superuser_form(world, page, "change") if page.kind == "change" and page.label in CHANGES else {}
        request.data = {**base, **CHANGES.get(page.label, lambda w, d: {})(world, base)}
        request.state = lambda: row(page, obj)
    elif page.kind == "delete":
        request.data = {"post": "yes"}
        request.state = lambda: row(page, obj)
    elif page.kind == "changelist":
        action = changelist_action(page, world)
        if action is not None:
            request.data = {"action": action[0], "_selected_action": [str(obj.pk)], "index": "0", "post": "yes"}
        request.state = lambda: row(page, obj)


def superuser_form(world: World, page: ModelPage, kind: str) -> dict:
    """What the superuser's add or change page for A's object posts back, unchanged."""
    if (page.label, kind) not in world.forms:
        opts = page.model._meta
        name = f"{page.site.name}:{opts.app_label}_{opts.model_name}_{kind}"
        url = reverse(name, args=[world.objects[page.label].pk] if kind == "change" else [])
        data: dict = {}
        with transaction.atomic():
            response = client_for(SUPERUSER, world).get(url)
            if response.status_code == 200 and response.context and "adminform" in response.context:
                data = form_data(response)
            transaction.set_rollback(True)
        world.forms[page.label, kind] = data
    return dict(world.forms[page.label, kind])


def row(page: ModelPage, obj: models.Model):
    return page.model._default_manager.filter(pk=obj.pk).values().first()


def a_count(page: ModelPage, world: World) -> int:
    """How many of the model's rows are A's (all of them, for what no business owns)."""
    manager = page.model._default_manager
    if page.label in ACCOUNT_PATH and page.label != "accounts.account":
        return manager.filter(**{ACCOUNT_PATH[page.label]: world.a}).count()
    return manager.count()


def api_state(world: World):
    """What a request to the API or a webhook could change of A's."""
    return (
        Message.objects.count(),
        Contact.objects.count(),
        OptOut.objects.count(),
        Conversation.objects.count(),
        list(
            Conversation.objects.filter(pk=world.conversation_a.pk).values_list(
                "stopped", "stopped_reason", "paused_at"
            )
        ),
        list(FollowUp.objects.filter(conversation__bot__account=world.a).values_list("id", "status")),
    )


@functools.cache
def admin_urls() -> tuple[str, str]:
    """The admin's login page and index: where it sends those it turns away."""
    return reverse("admin:login"), reverse("admin:index")


def send(client: Client, method: str, request: Request) -> Any:
    if method == "GET":
        return client.get(request.path, request.query)
    kwargs: dict[str, Any] = {"data": request.data if request.data is not None else {}}
    if request.content_type:
        kwargs["content_type"] = request.content_type
    elif method != "POST":
        kwargs["content_type"] = "application/json"
        kwargs["data"] = json.dumps(kwargs["data"])
    return getattr(client, method.lower())(request.path, **kwargs)


def run(case: Case, principal: str, world: World, request: Request) -> list[str]:
    """The problems of one cell: (URL, method, principal)."""
    where = f"({case.key}, {case.method}, {principal})"
    try:
        cell = expect(case, principal, world)
    except NoEntry as missing:
        return [f"{where}: {missing}"]
    watch = request.state if case.method != "GET" and cell.effect else None
    # Those the admin lets in, but not as the agency: nothing of the installation's may change.
    guard = case.method != "GET" and principal in ADMITTED_NOT_AGENCY and case.endpoint.admin_site is not None
    broken = None
    with transaction.atomic():
        before = watch() if watch else None
        kept = installation() if guard else None
        client = client_for(principal, world)
        # A token is set, so an unsigned request is refused for lacking a signature, not a token.
        twilio = case.endpoint.key.startswith("twilio-")
        with override_settings(TWILIO_AUTH_TOKEN="zz-twilio-token") if twilio else contextlib.nullcontext():
            response = send(client, case.method, request)
        after = now_kept = None
        try:
            with transaction.atomic():
                after = watch() if watch else None
                now_kept = installation() if guard else None
        except DatabaseError as error:
            broken = error
        transaction.set_rollback(True)

    problems = []
    login_url, index_url = admin_urls()
    status_ok = matches(cell.outcome, response, login_url=login_url, index_url=index_url)
    if cell.outcome is OK and cell.effect == "changed" and location(response) == index_url and before != after:
        status_ok = True  # done, and sent to the index: the user can't see the model's list
    if not status_ok:
        exc_info = getattr(client, "exc_info", None)
        raised = f" (raised {exc_info[1]!r})" if exc_info else ""
        problems.append(f"{where}: expected {cell.outcome}, got status {described(response)}{raised}")
    body = b"" if getattr(response, "streaming", False) else response.content
    for mark in MUST_NOT_SEE.get(principal, ()):
        if mark.encode() in body:
            problems.append(f"{where}: the page shows A's {mark} (status {response.status_code})")
    if broken is not None:
        problems.append(f"{where}: A's data can't be read after the request: {broken!r}")
    elif watch and cell.effect == "unchanged" and before != after:
        problems.append(f"{where}: changed A's data: {before!r} -> {after!r}")
    elif watch and cell.effect == "changed" and status_ok and before == after:
        problems.append(f"{where}: answered {described(response)} but changed nothing")
    if broken is None and kept != now_kept:
        problems.append(f"{where}: changed memberships, businesses or users: {kept!r} -> {now_kept!r}")
    if status_ok and cell.shows_a is not None:
        page = model_page(case.endpoint)
        assert page is not None
        obj = world.objects[page.label]
        link = reverse(f"{page.site.name}:{page.label.replace('.', '_')}_change", args=[obj.pk]).encode()
        if (link in body) != cell.shows_a:
            problems.append(f"{where}: A's {page.label} {'missing from' if cell.shows_a else 'listed on'} the list")
    if status_ok and cell.app_models is not None:
        shown = frozenset(
            m["model"]._meta.label_lower for app in (response.context or {}).get("app_list", []) for m in app["models"]
        )
        if shown != cell.app_models:
            problems.append(
                f"{where}: lists models {sorted(shown - cell.app_models)} it shouldn't"
                f" and not {sorted(cell.app_models - shown)}"
            )
    if cell.says and cell.says.encode() not in body:
        problems.append(f"{where}: the answer doesn't say {cell.says!r}: {body[:200]!r}")
    return problems


# --- the tests ----------------------------------------------------------------------------------------


def test_every_url_has_an_entry():
    problems = entry_problems(endpoints())
    assert not problems, "URLs, methods or admin models the permission matrix has no entry for:\n" + "\n".join(problems)


def test_the_tables_name_only_what_exists():
    found = endpoints()
    keys = {e.key for e in found}
    stale = [f"URL_POLICY: {key}" for key in URL_POLICY if key not in keys]
    registered = {model._meta.label_lower for model in admin.site._registry}
    stale += [
        f"ADMIN_POLICY: {label} (not registered in the admin)" for label in ADMIN_POLICY if label not in registered
    ]
    assert not stale, "entries for URLs or admin models the project doesn't have:\n" + "\n".join(stale)


def _new_page(request):
    return HttpResponse("new")


def test_a_new_url_or_admin_model_without_an_entry_is_reported():
    from followup_project import urls as project_urls

    site = AdminSite(name="zz_admin")
    site.register(ContentType)

    class Urlconf:
        urlpatterns = [
            *project_urls.urlpatterns,
            path("zz-new/<int:thing_id>/", _new_page, name="zz-new"),
            path("zz-admin/", site.urls),
        ]

    with override_settings(ROOT_URLCONF=Urlconf):
        found = endpoints()
    assert {"zz-new", "zz_admin:contenttypes_contenttype_change"} <= {e.key for e in found}
    new = next(e for e in found if e.key == "zz-new")
    assert new.methods == ("GET", "POST") and new.path({"thing_id": "7"}) == "/zz-new/7/"
    problems = "\n".join(entry_problems(found))
    assert "zz-new (zz-new/<int:thing_id>/): no entry in URL_POLICY" in problems
    assert "admin model contenttypes.contenttype has no entry in ADMIN_POLICY" in problems
    assert "zz_admin:index (zz-admin/): no entry in URL_POLICY" in problems


@pytest.mark.django_db
def test_the_walker_fills_every_url_so_it_resolves_to_its_view(world):
    from django.urls import resolve

    wrong = []
    for case in CASES:
        try:
            request = url_of(case, world)
        except NoEntry as missing:
            wrong.append(str(missing))
            continue
        if resolve(request.path).func is not case.endpoint.callback:
            wrong.append(f"{case.key}: {request.path} resolves to {resolve(request.path).func}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=str)
def test_permission_matrix(world, case):
    try:
        request = request_for(case, world)
    except NoEntry as missing:
        pytest.fail(f"({case.key}, {case.method}): {missing}")
    problems = [problem for principal in case.principals for problem in run(case, principal, world, request)]
    assert not problems, "\n".join(problems)
