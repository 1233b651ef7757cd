"""Delivery status of a sent follow-up, as the provider reports it later.

Callbacks can repeat and arrive out of order, so the status only moves forward:
queued -> sent -> delivered, and delivered / undelivered / failed are final. The
FollowUp's own status stays "sent" (it was handed over); delivery_status tells the rest.
"""

from scheduling.models import FollowUp

Delivery = FollowUp.Delivery

# What each Twilio MessageStatus means here; statuses not listed change nothing.
TWILIO_STATUSES: dict[str, str] = {
    "accepted": Delivery.QUEUED,
    "scheduled": Delivery.QUEUED,
    "queued": Delivery.QUEUED,
    "sending": Delivery.QUEUED,
    "sent": Delivery.SENT,
    "delivered": Delivery.DELIVERED,
    "read": Delivery.DELIVERED,  # WhatsApp: read implies delivered
    "undelivered": Delivery.UNDELIVERED,
    "failed": Delivery.FAILED,
    "canceled": Delivery.FAILED,
}

RANK: dict[str, int] = {
    Delivery.NONE: 0,
    Delivery.QUEUED: 1,
    Delivery.SENT: 2,
    Delivery.DELIVERED: 3,
    Delivery.UNDELIVERED: 3,
    Delivery.FAILED: 3,
}
FINAL = frozenset(status for status, rank in RANK.items() if rank == max(RANK.values()))
FAILURES = frozenset({Delivery.UNDELIVERED, Delivery.FAILED})


def advances(current: str, new: str) -> bool:
    """Whether `new` may replace `current`: strictly later, never out of a final state."""
    return current not in FINAL and RANK[new] > RANK.get(current, 0)


def earlier_than(new: str) -> list[str]:
    """Every status `new` may replace (the WHERE of the conditional update)."""
    return [status for status in RANK if advances(status, new)]


def record_twilio_status(provider_id: str, twilio_status: str, error_code: str = "") -> int:
    """Apply one status callback; returns how many follow-ups moved (0 for a repeat, a
    late callback, an unknown status or an unknown id).

    One conditional UPDATE: two callbacks racing can't move a row backwards, since each
    only writes where the row is still earlier than its own status.
    """
    new = TWILIO_STATUSES.get((twilio_status or "").lower())
    if not provider_id or new is None:
        return 0
    changes: dict[str, str] = {"delivery_status": new}
    if new in FAILURES:
        changes["reason"] = f"twilio_error {error_code}".strip()
    return FollowUp.objects.filter(provider_id=provider_id, delivery_status__in=earlier_than(new)).update(**changes)
