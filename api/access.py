"""Which businesses (accounts) an API request reaches: decided here, for every endpoint.

- An API key: its own account, nothing else.
- A signed-in session (the admin's): the user's memberships, any role, staff or not; an
  active superuser (the agency) every account. A user with no membership is refused (403).

Everything an endpoint reads or writes goes through these querysets: a bot or contact of
another business is answered exactly as one that does not exist, so existence doesn't leak.
"""

from django.db.models import QuerySet
from rest_framework.permissions import BasePermission

from accounts import access
from accounts.models import ApiKey
from bots.models import Bot
from conversations.models import Contact

NO_BUSINESS = "You are not a member of any business: an owner can add you, or use one of its API keys."


def account_ids(request) -> set[int] | None:
    """The ids of the accounts `request` reaches; None (access.ALL) for every account."""
    if isinstance(request.auth, ApiKey):
        return {request.auth.account_id}
    return access.account_ids(request.user)


def _within(queryset: QuerySet, request) -> QuerySet:
    ids = account_ids(request)
    return queryset if ids is access.ALL else queryset.filter(account_id__in=ids)


def bots(request) -> QuerySet[Bot]:
    return _within(Bot.objects.all(), request)


def contacts(request) -> QuerySet[Contact]:
    return _within(Contact.objects.all(), request)


class ReachesABusiness(BasePermission):
    """An API key, or a session of a member of some business (or of a superuser). Without
    credentials: 401, as the authentication classes answer."""

    message = NO_BUSINESS

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        ids = account_ids(request)
        return ids is access.ALL or bool(ids)
