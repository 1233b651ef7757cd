"""The URL configuration as a list of endpoints, and what a response to one of them amounts to.

Used by tests/test_permission_matrix.py: every endpoint found here must have an entry in its
tables, so a URL added to the project without one fails that test.
"""

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.contrib.admin.sites import AdminSite, all_sites
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from rest_framework.views import APIView

# Always asked: a page answers GET and POST whatever it means to do with them.
BASE_METHODS = ("GET", "POST")
# Asked too when a DRF view has a handler for them.
EXTRA_METHODS = ("PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Endpoint:
    """One URL pattern, reached through the resolvers above it."""

    key: str  # "admin:bots_bot_change", "api-inbound"; the full route when the pattern has no name
    namespace: str  # "" outside any namespace
    name: str | None
    route: str  # the patterns from the root, as written: "admin/bots/bot/<path:object_id>/change/"
    patterns: tuple[Any, ...]  # each level's pattern object, root first: to fill the arguments in
    callback: Callable
    methods: tuple[str, ...]

    @property
    def arguments(self) -> tuple[str, ...]:
        names: list[str] = []
        for pattern in self.patterns:
            if isinstance(pattern, RoutePattern):
                names.extend(pattern.converters)
            elif isinstance(pattern, RegexPattern):
                names.extend(pattern.regex.groupindex)
        return tuple(names)

    def path(self, values: Mapping[str, str]) -> str:
        """The URL with `values` for its arguments (every one must be given)."""
        return "/" + "".join(_fill(pattern, values) for pattern in self.patterns)

    @property
    def admin_site(self) -> AdminSite | None:
        return next((site for site in all_sites if site.name == self.namespace), None) if self.namespace else None


def _fill(pattern, values: Mapping[str, str]) -> str:
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m[1]], str(pattern))
    if isinstance(pattern, RegexPattern):
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m[1]], pattern.regex.pattern)
        return text.removeprefix("^").removesuffix("$").replace("\\", "")
    raise TypeError(f"a URL pattern of a kind the matrix can't fill: {pattern!r}")


def methods_of(callback) -> tuple[str, ...]:
    """GET and POST, and the PUT, PATCH or DELETE a DRF view has a handler for."""
    view_class = getattr(callback, "cls", None)  # DRF's as_view()
    if isinstance(view_class, type) and issubclass(view_class, APIView):
        declared = [m.upper() for m in view_class.http_method_names if hasattr(view_class, m)]
        return BASE_METHODS + tuple(m for m in EXTRA_METHODS if m in declared)
    return BASE_METHODS


def endpoints(urlconf=None) -> list[Endpoint]:
    """Every URL pattern of `urlconf` (default: the project's), in resolution order."""
    return list(_walk(get_resolver(urlconf), (), ""))


def _walk(resolver: URLResolver, above: tuple, namespace: str) -> Iterator[Endpoint]:
    for entry in resolver.url_patterns:
        patterns = (*above, entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, patterns, inner)
        elif isinstance(entry, URLPattern):
            route = "".join(str(p) for p in patterns)
            name = entry.name
            if name:
                key = f"{namespace}:{name}" if namespace else name
            else:
                key = route
            yield Endpoint(key, namespace, name, route, patterns, entry.callback, methods_of(entry.callback))


# --- outcomes -------------------------------------------------------------------------------


class Outcome(Enum):
    OK = "OK (2xx, or the success redirect of a POST)"
    REDIRECT = "REDIRECT (3xx, not to the login page)"
    LOGIN = "LOGIN (redirect to the admin login, or 401)"
    FORBIDDEN = "FORBIDDEN (403)"
    MISSING = "MISSING (404, or the admin's not-found redirect to its index)"
    REFUSED = "REFUSED (400)"
    METHOD = "METHOD (405)"
    # A changelist's action refused: the admin sends the list back (or 403), nothing done.
    IGNORED = "IGNORED (200/302 back to the page, or 403; nothing changed)"

    def __str__(self):
        return self.value.split(" ", 1)[0]


def location(response) -> str:
    return response.get("Location", "").split("?", 1)[0]


def matches(outcome: Outcome, response, *, login_url: str, index_url: str) -> bool:
    """Whether `response`'s status (and where it redirects) is `outcome`."""
    status = response.status_code
    redirect = status in (301, 302, 303, 307, 308)
    to_login = redirect and location(response) == login_url
    to_index = redirect and location(response) == index_url
    if outcome is Outcome.OK:
        return 200 <= status < 300 or (redirect and not to_login and not to_index)
    if outcome is Outcome.REDIRECT:
        return redirect and not to_login
    if outcome is Outcome.LOGIN:
        return status == 401 or to_login
    if outcome is Outcome.FORBIDDEN:
        return status == 403
    if outcome is Outcome.MISSING:
        return status == 404 or to_index
    if outcome is Outcome.REFUSED:
        return status == 400
    if outcome is Outcome.METHOD:
        return status == 405
    if outcome is Outcome.IGNORED:
        return status in (200, 403) or (redirect and not to_login and not to_index)
    raise AssertionError(outcome)


def described(response) -> str:
    """The status, and where a redirect goes."""
    if response.status_code in (301, 302, 303, 307, 308):
        return f"{response.status_code} to {location(response)}"
    return str(response.status_code)
