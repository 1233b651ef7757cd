"""Limits on what one client may try: login attempts (django-axes) and API requests (DRF).

Both count by the client's address as `client_ip` reads it: the connection's, or behind the
TLS proxy (BEHIND_TLS_PROXY) the one that proxy appended to X-Forwarded-For.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind our proxy, the last X-Forwarded-For entry: the one the
    proxy itself appended (entries before it are whatever the client sent)."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a login refused after too many failures: a page saying so and
    for how long, 429 with Retry-After."""
    from django.contrib import admin  # not at import: DRF loads this module early

    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    # The admin's own header and title around the message.
    context = {
        **admin.site.each_context(request),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": max(1, round(seconds / 60)),
    }
    response = render(request, "locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


class CredentialRateThrottle(SimpleRateThrottle):
    """API_THROTTLE_RATE per API credential: the API key (each of a business's keys counts
    alone), else the signed-in user (the admin's session), else the client's address.
    (Twilio's webhooks set no throttle: see api/twilio_webhooks.py.)"""

    scope = "api"

    def get_rate(self) -> str | None:
        # DRF makes a throttle per request: the setting is read each time (DRF's own rates
        # setting is read once, at import).
        return settings.API_THROTTLE_RATE or None

    def get_cache_key(self, request, view) -> str | None:
        if request.auth is not None:
            # The ApiKey (api/authentication.py) by its prefix: unique, random and shown in
            # lists, never the secret. (Not its id: a test database reuses ids, the cache doesn't.)
            ident = f"api-key:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = "address:" + client_ip(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
