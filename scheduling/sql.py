"""The conversation's row lock (events of one conversation apply one at a time, in order),
and the inbound path's hot statements written in SQL: each runs for every message, and
the ORM spent more building them than the database running them (docs/performance.md)."""

from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.db import connection
from django.db.models import Field, Model

from bots.models import Bot
from conversations.directory import with_contacts_bot
from conversations.models import Contact, Conversation

# What another event may have changed since the caller read the conversation.
CHANGING = ("stopped", "stopped_reason", "paused_at", "channel", "last_inbound_at")
MAX_ID = 2**63 - 1  # a larger id is no row's (and SQLite refuses it as a parameter)


def locked_conversation(pk: int) -> Conversation:
    """The conversation, read again under its row lock, with its bot and contact. Only the
    conversation's row is locked: locking the joined bot too would queue every event of a
    bot behind one another."""
    return Conversation.objects.select_for_update(of=("self",)).select_related("bot", "contact").get(pk=pk)


def lock_by_phone(bot_id: int, phone: str, **subqueries: tuple[str, list]) -> tuple[Conversation, dict] | None:
    """The bot's conversation with its business's contact of this number, locked, with its
    bot and contact, and the values of `subqueries` (see lock_and_refresh): a webhook's
    usual sender in one statement. None when the contact or the conversation is new."""
    if not 0 < bot_id <= MAX_ID:
        return None
    parts = [Columns(Conversation, "c"), Columns(Contact, "k"), Columns(Bot, "b")]
    extra, params = _scalar(subqueries)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(part.sql for part in parts)}{extra} FROM {Conversation._meta.db_table} c "
            f"JOIN {Contact._meta.db_table} k ON k.id = c.contact_id JOIN {Bot._meta.db_table} b ON b.id = c.bot_id "
            f"WHERE c.bot_id = %s AND k.phone = %s AND k.account_id = b.account_id{_lock('c')}",
            [*params, bot_id, phone],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    values = iter(row)
    conversation, contact, bot = (part.take(values) for part in parts)
    conversation.bot, conversation.contact = bot, contact
    return with_contacts_bot(conversation), dict(zip(subqueries, values, strict=True))


def lock_and_refresh(conversation: Conversation, **subqueries: tuple[str, list]) -> dict:
    """Lock the conversation's row and refresh what another event may have changed, in
    place, keeping the bot and contact the caller read; the values of `subqueries` (name ->
    SQL of a scalar subquery on the conversation, aliased `c`, and its parameters)."""
    fields = [concrete_field(Conversation, name) for name in CHANGING]
    extra, params = _scalar(subqueries)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(f'c.{field.column}' for field in fields)}{extra} "
            f"FROM {Conversation._meta.db_table} c WHERE c.id = %s{_lock('c')}",
            [*params, conversation.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise Conversation.DoesNotExist(f"conversation {conversation.pk} is gone")
    values = iter(row)
    for field in fields:
        setattr(conversation, field.attname, from_db(field, next(values)))
    return dict(zip(subqueries, values, strict=True))


def _scalar(subqueries: dict[str, tuple[str, list]]) -> tuple[str, list]:
    """The subqueries as more columns of a SELECT (", (...), (...)"), and their parameters."""
    sql = "".join(f", ({query})" for query, _ in subqueries.values())
    return sql, [param for _, values in subqueries.values() for param in values]


def _lock(alias: str) -> str:
    """The row lock of the table `alias` (not of those joined to it); SQLite has none: its
    BEGIN IMMEDIATE takes the database's write lock."""
    if connection.features.has_select_for_update_of:
        return f" FOR UPDATE OF {alias}"
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


class Columns:
    """A model's columns in a SELECT written by hand, and the instance from its part of a row."""

    def __init__(self, model: type[Model], alias: str):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if isinstance(f, Field)]
        self.sql = ", ".join(f"{alias}.{field.column}" for field in self.fields)

    def take(self, row: Iterator) -> Any:
        """An instance of the model from the next values of `row`."""
        values = [
            from_db(field, value) for field, value in zip(self.fields, islice(row, len(self.fields)), strict=True)
        ]
        return self.model.from_db(connection.alias, [field.attname for field in self.fields], values)


def concrete_field(model, name: str) -> Field:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)  # a column of the table, not a relation's other side
    return field


def from_db(field: Field, value):
    """A column's value as the ORM would give it (SQLite's datetimes made aware, ...)."""
    column = field.get_col(field.model._meta.db_table)
    field_converters = field.get_db_converters(connection)  # type: ignore[attr-defined]  # not in the stubs
    for convert in [*connection.ops.get_db_converters(column), *field_converters]:
        value = convert(value, column, connection)
    return value


def save_columns(instance, *names: str) -> None:
    """instance.save(update_fields=names) as one plain UPDATE (no signals: the models it is
    used on have no receivers)."""
    fields = [concrete_field(type(instance), name) for name in names]
    assignments = ", ".join(f"{field.column} = %s" for field in fields)
    params = [field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {instance._meta.db_table} SET {assignments} WHERE id = %s", [*params, instance.pk])
