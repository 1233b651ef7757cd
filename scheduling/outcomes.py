"""Results kept exact as events arrive: a follow-up's replied_at, booked_at, opted_out_at.

The definitions are rules/results.py's; these are the same rules written as conditional
UPDATEs, run by the event handlers inside their transaction, under the conversation's row
lock (events of one conversation apply one at a time, in order). `recompute` applies the
pure function to whole conversations: the backfill migration, and a send recorded after a
message from the contact that came in while it was being handed over (rare).

A booking's time is its engine note ("stopped", "appointment booked (...)"), or the
contact's message whose intent is `booked`.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.db.models import Q

from rules import results as rules
from vocabulary import Intent, Note

BOOKING_NOTE = "appointment booked"  # the start of the booking's engine note's detail
SENT = "sent"
INBOUND = "inbound"


def _sent(model, conversation_id: int):
    return model.objects.filter(conversation_id=conversation_id, status=SENT)


def latest_sent_before(follow_up_model, at: datetime) -> tuple[str, list]:
    """The id of the conversation's latest follow-up sent before `at` (None: none was), the
    only one a reply may credit: a subquery of the lock's statement (scheduling.sql)."""
    finished_at = follow_up_model._meta.get_field("finished_at").get_db_prep_value(at, connection)
    return (
        f"SELECT f.id FROM {follow_up_model._meta.db_table} f WHERE f.conversation_id = c.id AND f.status = %s "
        "AND f.finished_at < %s ORDER BY f.finished_at DESC, f.id DESC LIMIT 1",
        [SENT, finished_at],
    )


def credit_inbound(follow_up_model, conversation_id: int, at: datetime, intent: str, *, latest_sent: int) -> None:
    """A message from the contact at `at`: a reply to `latest_sent` (see latest_sent_before)
    within the window, maybe a booking or an opt-out."""
    follow_up_model.objects.filter(
        pk=latest_sent, replied_at__isnull=True, finished_at__gte=at - rules.REPLY_WINDOW
    ).update(replied_at=at)
    if intent == Intent.BOOKED:
        credit_booking(follow_up_model, conversation_id, at)
    elif intent == Intent.OPT_OUT:
        _sent(follow_up_model, conversation_id).filter(
            finished_at__lt=at, finished_at__gte=at - rules.OPT_OUT_WINDOW, opted_out_at__isnull=True
        ).update(opted_out_at=at)


def credit_booking(follow_up_model, conversation_id: int, at: datetime) -> None:
    """An appointment booked at `at`: every follow-up sent in the 7 days before."""
    _sent(follow_up_model, conversation_id).filter(
        finished_at__lt=at, finished_at__gte=at - rules.BOOKING_WINDOW, booked_at__isnull=True
    ).update(booked_at=at)


def needs_recompute(message_model, event_model, sent_at: dict[int, datetime]) -> set[int]:
    """Conversations (of `sent_at`: conversation id -> earliest send just recorded) where the
    contact wrote or a booking was noted after a send that is only now being recorded."""
    if not sent_at:
        return set()
    since = min(sent_at.values())
    late = set()
    rows = message_model.objects.filter(conversation_id__in=list(sent_at), direction=INBOUND, at__gt=since).values_list(
        "conversation_id", "at"
    )
    notes = event_model.objects.filter(
        conversation_id__in=list(sent_at), kind=Note.STOPPED, detail__startswith=BOOKING_NOTE, at__gt=since
    ).values_list("conversation_id", "at")
    for conversation_id, at in [*rows, *notes]:
        if at > sent_at[conversation_id]:
            late.add(conversation_id)
    return late


def recompute(follow_up_model, message_model, event_model, conversation_ids: Iterable[int]) -> int:
    """Write the pure function's outcomes for every sent follow-up of these conversations;
    the number of follow-ups changed. Historical models work too (the migration)."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return 0
    sent: dict[int, list] = defaultdict(list)
    current = {}
    for row in follow_up_model.objects.filter(
        conversation_id__in=ids, status=SENT, finished_at__isnull=False
    ).values_list("id", "conversation_id", "finished_at", "replied_at", "booked_at", "opted_out_at"):
        sent[row[1]].append(rules.Sent(row[0], row[2]))
        current[row[0]] = rules.Outcome(*row[3:])
    inbound: dict[int, list] = defaultdict(list)
    for conversation_id, at, intent in (
        message_model.objects.filter(conversation_id__in=ids, direction=INBOUND)
        .order_by("at", "id")
        .values_list("conversation_id", "at", "intent")
    ):
        inbound[conversation_id].append(rules.Inbound(at, intent))
    bookings: dict[int, list] = defaultdict(list)
    for conversation_id, at in event_model.objects.filter(
        Q(conversation_id__in=ids), kind=Note.STOPPED, detail__startswith=BOOKING_NOTE
    ).values_list("conversation_id", "at"):
        bookings[conversation_id].append(at)
    changed = 0
    for conversation_id, follow_ups in sent.items():
        for pk, outcome in rules.outcomes(follow_ups, inbound[conversation_id], bookings[conversation_id]).items():
            if outcome != current[pk]:
                follow_up_model.objects.filter(pk=pk).update(
                    replied_at=outcome.replied_at, booked_at=outcome.booked_at, opted_out_at=outcome.opted_out_at
                )
                changed += 1
    return changed
