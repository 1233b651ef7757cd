"""API keys: a business's key in `Authorization: Bearer <key>` (or `Token <key>`).

A key is held by the business, not by a person: the request's user is a KeyHolder, which
is authenticated but neither staff nor superuser and carries the key's account, and
request.auth is the ApiKey. What it reaches is decided in api/access.py. A header naming
either scheme with anything but a live key is 401 with a reason: a malformed key costs no
query, an unknown or revoked one a single lookup by its prefix.
"""

from typing import TYPE_CHECKING

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from accounts import keys

if TYPE_CHECKING:
    from accounts.models import Account, ApiKey

SCHEMES = (b"bearer", b"token")
MALFORMED = "Malformed API key: send `Authorization: Bearer afu_<8 hex characters>_<43 characters>`."
NOT_LIVE = "Unknown or revoked API key."


class KeyHolder:
    """Whoever holds an API key: the business, through one of its keys. No person, no
    permissions: not staff, not superuser, no memberships (no database row at all)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key: "ApiKey"):
        self.api_key = api_key
        self.account: Account = api_key.account
        self.account_id: int = api_key.account_id

    def get_username(self) -> str:
        return str(self.api_key)

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def has_module_perms(self, app_label) -> bool:
        return False

    def __str__(self) -> str:
        return f"{self.api_key} of {self.account}"


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() not in SCHEMES:
            return None  # no key offered: the session's turn
        if len(words) != 2:
            raise AuthenticationFailed(MALFORMED)
        try:
            key = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(MALFORMED) from None
        if keys.prefix_of(key) is None:
            raise AuthenticationFailed(MALFORMED)
        from accounts.models import ApiKey  # not at import: DRF loads this module from its settings

        api_key = ApiKey.holding(key, timezone.now())
        if api_key is None:
            raise AuthenticationFailed(NOT_LIVE)
        return KeyHolder(api_key), api_key

    def authenticate_header(self, request) -> str:
        # Makes a request without credentials 401 (with this challenge) rather than 403.
        return 'Bearer realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema (and so Swagger UI's Authorize button) describes the keys."""

    target_class = ApiKeyAuthentication
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "afu_<prefix>_<secret>",
            "description": (
                "A business's API key (admin: the business's API keys; shown once, when made). "
                "`Authorization: Bearer <key>`; `Authorization: Token <key>` is accepted too."
            ),
        }
