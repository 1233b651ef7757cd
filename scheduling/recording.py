"""Recording what the dispatcher sent: a whole list of sends in one short transaction,
with a fixed number of statements however long the list is.

One transaction: lock the conversations (in id order, so two dispatchers can't deadlock)
and re-read what a reply may have changed meanwhile; insert the messages; mark the
follow-ups sent, still conditional on the claim token; plan each next step.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from channels_out.senders.base import SendResult
from conversations.models import Conversation, Message
from scheduling import outcomes, planning
from scheduling.models import EngineEvent, FollowUp
from scheduling.signals import follow_ups_sent
from scheduling.sql import CHANGING, concrete_field

# The columns set on a sent follow-up, in the order of the VALUES rows below.
SENT_COLUMNS = ("finished_at", "channel", "text", "text_source", "sent_message", "provider_id", "delivery_status")


@dataclass
class Delivered:
    """A follow-up the sender accepted, not yet recorded."""

    follow_up: FollowUp
    channel: str
    text: str
    source: str
    result: SendResult
    at: datetime


def record_delivered(delivered: list[Delivered], token: str) -> None:
    if not delivered:
        return
    with transaction.atomic():
        fresh = _lock_conversations({d.follow_up.conversation_id for d in delivered})
        messages = Message.objects.bulk_create(
            Message(
                conversation_id=d.follow_up.conversation_id,
                direction=Message.Direction.OUTBOUND,
                author=Message.Author.FOLLOW_UP,
                channel=d.channel,
                text=d.text,
                at=d.at,
                is_follow_up=True,
                provider_id=d.result.provider_id,
            )
            for d in delivered
        )
        _mark_sent(delivered, messages, token)
        # A contact's message (or a booking) that came in between a hand-over and this record
        # found no sent follow-up yet: work those few conversations' Results out again.
        sent_at: dict[int, datetime] = {}
        for d in delivered:
            cid = d.follow_up.conversation_id
            sent_at[cid] = min(d.at, sent_at.get(cid, d.at))
        late = outcomes.needs_recompute(Message, EngineEvent, sent_at)
        outcomes.recompute(FollowUp, Message, EngineEvent, late)
        with_pending = set(
            FollowUp.objects.filter(conversation_id__in=list(fresh), status=FollowUp.Status.PENDING).values_list(
                "conversation_id", flat=True
            )
        )
        next_steps = []
        for d in delivered:
            conversation = d.follow_up.conversation
            for name, value in fresh[conversation.pk].items():
                setattr(conversation, name, value)
            step = planning.next_step(d.follow_up, done_at=d.at, has_pending=conversation.pk in with_pending)
            if step is not None:
                next_steps.append(step)
        FollowUp.objects.bulk_create(next_steps)
        # Workflows listen (queued on commit): they can never undo or repeat the send.
        follow_ups_sent.send(sender=FollowUp, follow_ups=[d.follow_up for d in delivered])


def lock_conversation(conversation: Conversation) -> None:
    """Lock one conversation and refresh what a reply may have changed (scheduling.sql.CHANGING)."""
    for name, value in _lock_conversations({conversation.pk})[conversation.pk].items():
        setattr(conversation, name, value)


def _lock_conversations(ids) -> dict[int, dict]:
    rows = Conversation.objects.select_for_update().filter(pk__in=sorted(ids)).order_by("pk").values("pk", *CHANGING)
    return {row["pk"]: {name: row[name] for name in CHANGING} for row in rows}


def _mark_sent(delivered: list[Delivered], messages: list[Message], token: str) -> None:
    """One UPDATE ... FROM (VALUES ...) for the whole list (Django's bulk_update writes a CASE
    per row and field, which costs more than everything else here). Still conditional on the
    claim token; a row the staleness sweep gave up on meanwhile is set to sent: it was."""
    fields = [concrete_field(FollowUp, name) for name in SENT_COLUMNS]
    id_field = FollowUp._meta.pk
    rows, params = [], []
    for d, message in zip(delivered, messages, strict=True):
        values = (d.at, d.channel, d.text, d.source, message.pk, d.result.provider_id, d.result.delivery_status)
        params.append(id_field.get_db_prep_save(d.follow_up.pk, connection))
        params.extend(f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True))
        rows.append("(" + ", ".join(_placeholder(f) for f in [id_field, *fields]) + ")")
    table = FollowUp._meta.db_table
    assignments = ", ".join(f"{f.column} = v.column{i}" for i, f in enumerate(fields, start=2))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, reason = '', {assignments} "
            f"FROM (VALUES {', '.join(rows)}) AS v "
            f"WHERE {table}.id = v.column1 AND {table}.claim_token = %s AND {table}.status <> %s",
            [FollowUp.Status.SENT, *params, token, FollowUp.Status.SENT],
        )


def _placeholder(field) -> str:
    # PostgreSQL can't infer the types of VALUES columns from bare parameters; SQLite has no
    # such types and must not be given casts.
    if connection.vendor == "postgresql":
        return f"CAST(%s AS {field.db_type(connection)})"
    return "%s"
