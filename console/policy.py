"""Who may do what in the console, in one place: the admin and the Response Info page ask here.

Everything belongs to one business (an `accounts.Account`). An active superuser is the
agency: every business, every action. Anyone else acts only inside the businesses they are
a member of, as their role there allows (RULES); a staff user without a membership reaches
nothing, whatever Django permissions they hold. Installation-wide things (the businesses'
list, memberships, the sending-number pool, users) are the agency's alone.
"""

from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import models

from accounts import access
from accounts.models import Account, ApiKey, Role
from bots.models import Bot, Scenario, WorkingWindow
from conversations.models import Contact, Conversation, Message, OptOut, Tag
from scheduling.models import EngineEvent, FollowUp
from workflows.models import Workflow, WorkflowAction

VIEW, ADD, CHANGE, DELETE, REVOKE = "view", "add", "change", "delete", "revoke"
# Working conversations, on the engine's records: cancel follow-ups, pause their conversations.
WORK = "work"
EVERYTHING = frozenset({VIEW, ADD, CHANGE, DELETE})

# What each role may do with each area's objects in its own business.
RULES: dict[str, dict[str, frozenset[str]]] = {
    "bots": {Role.OWNER: EVERYTHING, Role.AGENT: frozenset({VIEW})},  # with hours and scenarios
    "workflows": {Role.OWNER: EVERYTHING, Role.AGENT: frozenset({VIEW})},
    "tags": {Role.OWNER: EVERYTHING, Role.AGENT: frozenset({VIEW})},
    "contacts": {Role.OWNER: EVERYTHING, Role.AGENT: frozenset({VIEW, CHANGE})},  # with opt-outs
    # Changing one includes working it: replying, pausing its follow-ups, marking it booked.
    "conversations": {Role.OWNER: EVERYTHING, Role.AGENT: frozenset({VIEW, CHANGE})},
    # Written by the engine only; an owner's deletions include a contact's cascade. Whoever
    # works conversations may cancel follow-ups (and pause them, from the list).
    "history": {Role.OWNER: frozenset({VIEW, DELETE, WORK}), Role.AGENT: frozenset({VIEW, WORK})},
    "business": {Role.OWNER: frozenset({VIEW, CHANGE}), Role.AGENT: frozenset({VIEW})},  # its name
    "api_keys": {Role.OWNER: frozenset({VIEW, ADD, REVOKE})},
}


class Scope(NamedTuple):
    area: str
    path: str  # the lookup from the model to its business ("pk" for the business itself)


SCOPES: dict[type[models.Model], Scope] = {
    Account: Scope("business", "pk"),
    ApiKey: Scope("api_keys", "account"),
    Bot: Scope("bots", "account"),
    WorkingWindow: Scope("bots", "bot__account"),
    Scenario: Scope("bots", "bot__account"),
    Workflow: Scope("workflows", "bot__account"),
    WorkflowAction: Scope("workflows", "workflow__bot__account"),
    Tag: Scope("tags", "account"),
    Contact: Scope("contacts", "account"),
    OptOut: Scope("contacts", "contact__account"),
    Conversation: Scope("conversations", "bot__account"),
    Message: Scope("conversations", "conversation__bot__account"),
    FollowUp: Scope("history", "conversation__bot__account"),
    EngineEvent: Scope("history", "conversation__bot__account"),
}

ALL = access.ALL  # every business: what allowed() answers for the agency


def is_agency(user) -> bool:
    return access.account_ids(user) is ALL


def allowed(user, area: str, action: str) -> set[int] | None:
    """The businesses in which `user` may do `action` to `area`'s objects; ALL for the agency."""
    if is_agency(user):
        return ALL
    rules = RULES[area]
    return {account for account, role in access.roles(user).items() if action in rules.get(role, ())}


def may(user, area: str, action: str, account_id: int | None = None, *, anywhere: bool = False) -> bool:
    """In business `account_id`, or (`anywhere`) in at least one business."""
    ids = allowed(user, area, action)
    if ids is ALL:
        return True
    return bool(ids) if anywhere else account_id in ids


def scope_of(model: type[models.Model]) -> Scope:
    return SCOPES[model._meta.concrete_model or model]


def scoped(model: type[models.Model]) -> bool:
    return (model._meta.concrete_model or model) in SCOPES


def area_of(model: type[models.Model]) -> str:
    return scope_of(model).area


def scope(queryset: models.QuerySet, account_ids: set[int] | None) -> models.QuerySet:
    """`queryset` narrowed to the businesses `account_ids` (ALL: unchanged)."""
    if account_ids is ALL:
        return queryset
    return queryset.filter(**{f"{scope_of(queryset.model).path}__in": account_ids})


def account_of(obj: models.Model, cache: dict | None = None) -> int | None:
    """The business `obj` belongs to, also for an unsaved object a form just built. Follows
    the relations already loaded, else asks the database once (remembered in `cache`)."""
    path = scope_of(type(obj)).path
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    current: models.Model | None = obj
    for i, hop in enumerate(hops):
        assert current is not None
        field = current._meta.get_field(hop)
        if not field.is_cached(current):  # type: ignore[union-attr]
            fk = getattr(current, field.attname)  # type: ignore[union-attr]
            if fk is None:
                return None
            related = field.related_model
            key = (related, fk)
            if cache is None or key not in cache:
                rest = "__".join([*hops[i + 1 :], last])
                found = related._default_manager.filter(pk=fk).values_list(rest, flat=True).first()  # type: ignore[union-attr]
                if cache is None:
                    return found
                cache[key] = found
            return cache[key]
        current = getattr(current, hop)
        if current is None:
            return None
    assert current is not None
    return getattr(current, current._meta.get_field(last).attname)  # type: ignore[union-attr]


def businesses(account_ids: set[int] | None) -> models.QuerySet[Account]:
    return Account.objects.all() if account_ids is ALL else Account.objects.filter(pk__in=account_ids)


def assignable_users(agency: bool, account_ids: set[int] | None, *, keep: int | None = None) -> models.QuerySet:
    """Whom one may assign or notify: for the agency every active staff user, for anyone
    else the active members of the businesses `account_ids`; and `keep`, the one already chosen."""
    who = models.Q(is_active=True)
    if agency:
        who &= models.Q(is_staff=True)
    elif account_ids is ALL:
        who &= models.Q(memberships__isnull=False)
    else:
        who &= models.Q(memberships__account__in=account_ids)
    if keep is not None:
        who |= models.Q(pk=keep)
    return get_user_model()._default_manager.filter(who).distinct()


def is_member(user, account_id: int | None) -> bool:
    return user.memberships.filter(account_id=account_id).exists()
