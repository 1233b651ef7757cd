"""A claimed follow-up changing hands, each change one conditional statement on the row.

A dispatcher claims due rows (`sending`, its token) and, after the last checks, hands one
over to the provider (`handed_at`). The reply, booking and deactivation handlers take back
claimed rows that were not handed over yet (planning.cancel_pending, release_bot_claims):
both sides write the same row, so the database orders them and whichever commits first
wins. A reply acknowledged before the hand-over means no send; a hand-over committed first
was in the provider's hands when the reply arrived.
"""

from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q

from conversations.models import Conversation
from scheduling.models import FollowUp
from vocabulary import Reason

Status = FollowUp.Status
# Claimed, but never handed to a provider: safe to take back.
NOT_HANDED_OVER = Q(status=Status.SENDING, handed_at__isnull=True)


def refused_or_not_handed(refused: bool) -> Q:
    return Q(status=Status.SENDING) if refused else NOT_HANDED_OVER


def claimed(ids, token: str):
    return FollowUp.objects.filter(id__in=list(ids), claim_token=token, status=Status.SENDING)


def hand_over(follow_up_id: int, token: str, now: datetime) -> bool:
    """Mark the row handed to the provider; False when it is no longer ours to send (a reply
    cancelled it, a deactivation or a sweep took it back). Autocommitted before the call.

    Written in SQL: it runs once per send, and the ORM's query building cost several times
    the statement itself."""
    handed_at = FollowUp._meta.get_field("handed_at").get_db_prep_save(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(_HAND_OVER, [handed_at, follow_up_id, token, Status.SENDING])
        return cursor.rowcount == 1


_HAND_OVER = (
    f"UPDATE {FollowUp._meta.db_table} SET handed_at = %s "
    "WHERE id = %s AND claim_token = %s AND status = %s AND handed_at IS NULL"
)


def requeue(ids, token: str | None, now: datetime, *, reason: str = "", refused: bool = False, **changes) -> int:
    """Claimed rows never handed over go back to pending (with `changes`, e.g. a later
    planned_at); `refused`: also rows handed over that the provider certainly did not take.
    A row whose conversation got a newer pending follow-up meanwhile (a new outbound message
    restarted the cadence) is cancelled instead: the newer plan wins, and a conversation
    never has two pending follow-ups; one whose conversation a person paused meanwhile is
    cancelled too (`paused`). Rows no longer ours are left alone."""
    rows = FollowUp.objects.filter(refused_or_not_handed(refused), id__in=list(ids))
    if token is not None:
        rows = rows.filter(claim_token=token)
    with transaction.atomic():
        conversation_ids = sorted(set(rows.values_list("conversation_id", flat=True)))
        if not conversation_ids:
            return 0
        # Under the conversations' locks, like every planning step: no pending row can
        # appear between the check and the update.
        locked = (
            Conversation.objects.select_for_update()
            .filter(pk__in=conversation_ids)
            .order_by("pk")
            .values_list("pk", "paused_at")
        )
        # A person paused the conversation meanwhile: nothing of it goes back to pending.
        paused = {pk for pk, paused_at in locked if paused_at is not None}
        superseded = set(
            FollowUp.objects.filter(conversation_id__in=conversation_ids, status=Status.PENDING).values_list(
                "conversation_id", flat=True
            )
        )
        for cancelled, why in ((paused, Reason.PAUSED), (superseded - paused, Reason.REPLANNED)):
            if cancelled:
                rows.filter(conversation_id__in=cancelled).update(
                    status=Status.CANCELLED, reason=why, finished_at=now, claim_token=""
                )
        return rows.exclude(conversation_id__in=paused | superseded).update(
            status=Status.PENDING, claimed_at=None, claim_token="", handed_at=None, reason=reason, **changes
        )


def release_bot_claims(bot_id: int, now: datetime) -> int:
    """A bot switched off: its claimed rows not handed over go back to pending, where the
    next pass skips them (bot_inactive) and their cadences go on."""
    ids = FollowUp.objects.filter(NOT_HANDED_OVER, conversation__bot_id=bot_id).values_list("id", flat=True)
    return requeue(list(ids), None, now)
