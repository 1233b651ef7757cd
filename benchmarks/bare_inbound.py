"""The bare reference for the load phase: a plain Django view (no DRF) on the same gunicorn,
the same settings and middleware as the product's Twilio inbound webhook, that does only
what no inbound handler can skip: check Twilio's signature as the product does, store the
message with one INSERT, answer the same empty TwiML. Served at BARE_PATH by
benchmarks.reference_settings only."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from api.twilio_webhooks import EMPTY_TWIML

BARE_PATH = "/bench/bare/inbound/"
TABLE = "bench_bare_inbound"
# Made by the load phase (benchmarks/load.py) before gunicorn starts; sid is unique, so a
# request sent twice is stored once, like the product's MessageSid check.
CREATE_TABLE = f"""
DROP TABLE IF EXISTS {TABLE};
CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, sid text UNIQUE, sender text, body text, at timestamptz)
"""


def signed_by_twilio(request: HttpRequest) -> bool:
    """api/twilio_webhooks.py's check, over request.POST instead of DRF's request.data."""
    signature = request.headers.get("X-Twilio-Signature")
    if not signature or not settings.TWILIO_AUTH_TOKEN:
        return False
    if settings.PUBLIC_BASE_URL:
        url = settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    else:
        url = request.build_absolute_uri()
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST, signature)


@csrf_exempt  # Twilio's signature is the authentication, as for the product's webhook
@require_POST
def bare_inbound(request: HttpRequest) -> HttpResponse:
    if not signed_by_twilio(request):
        return HttpResponseForbidden("invalid or missing X-Twilio-Signature")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (sid, sender, body, at) VALUES (%s, %s, %s, now()) ON CONFLICT (sid) DO NOTHING",
            [request.POST.get("MessageSid", ""), request.POST.get("From", ""), request.POST.get("Body", "")],
        )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
