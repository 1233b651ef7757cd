"""The bare reference for the load phase: a plain Django view (no DRF) on the same gunicorn,
the same settings and middleware as the product's Twilio inbound webhook, that does only
what no inbound handler can skip: check Twilio's signature as the product does, store the
message with one INSERT, answer the same empty TwiML. Served at BARE_PATH by
benchmarks.reference_settings only."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from api.twilio_webhooks import EMPTY_TWIML, signed_by_twilio

BARE_PATH = "/bench/bare/inbound/"
TABLE = "bench_bare_inbound"
# Made by the load phase (benchmarks/load.py) before gunicorn starts; sid is unique, so a
# request sent twice is stored once, like the product's MessageSid check.
CREATE_TABLE = f"""
DROP TABLE IF EXISTS {TABLE};
CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, sid text UNIQUE, sender text, body text, at timestamptz)
"""


@csrf_exempt  # Twilio's signature is the authentication, as for the product's webhook
@require_POST
def bare_inbound(request: HttpRequest) -> HttpResponse:
    if not signed_by_twilio(request, lambda r: r.POST):  # the product's check
        return HttpResponseForbidden("invalid or missing X-Twilio-Signature")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (sid, sender, body, at) VALUES (%s, %s, %s, now()) ON CONFLICT (sid) DO NOTHING",
            [request.POST.get("MessageSid", ""), request.POST.get("From", ""), request.POST.get("Body", "")],
        )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
