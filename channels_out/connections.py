"""Database connections held across waits on the network (a provider, a model): this app's
calls out are where a thread would otherwise sit on a connection it is not using."""

from django.db import connection


def give_back_connection() -> None:
    """With a connection pool (PostgreSQL), return this thread's connection before a long
    wait on the network (a provider, a model), so a few connections serve many threads.
    Without one (SQLite) the connection stays: reopening it would cost more than it saves."""
    if connection.settings_dict.get("OPTIONS", {}).get("pool") and not connection.in_atomic_block:
        connection.close()


_inherited: list = []


def forget_pools_after_fork() -> None:
    """In a process forked from one with a connection pool (a Django-Q2 cluster forks its
    workers, pusher and monitor), the pool's connections are the parent's sockets: using
    them, or letting them be freed, would break the parent's. The child keeps them
    untouched, unreachable, and opens a pool of its own when it first needs one."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    pools = DatabaseWrapper._connection_pools  # type: ignore[attr-defined]  # Django 5.1+, not in the stubs
    _inherited.extend(pools.values())
    pools.clear()
