"""Which accounts a person reaches, and in which role. Read once per request (cached on the
user object Django makes for it)."""

from accounts.models import Membership, Role

ALL = None  # what a superuser (the agency) reaches: every account


def roles(user) -> dict[int, str]:
    """{account id: role} of the user's memberships; {} for anonymous or inactive users."""
    if not (user and user.is_authenticated and user.is_active):
        return {}
    cached = getattr(user, "_account_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("account_id", "role"))
        user._account_roles = cached
    return cached


def account_ids(user, *, owner: bool = False) -> set[int] | None:
    """The accounts `user` reaches (as an owner only, when `owner`); ALL for a superuser."""
    if user and user.is_active and user.is_superuser:
        return ALL
    return {account for account, role in roles(user).items() if not owner or role == Role.OWNER}


def reaches(user, account_id: int | None, *, owner: bool = False) -> bool:
    ids = account_ids(user, owner=owner)
    return ids is ALL or account_id in ids
