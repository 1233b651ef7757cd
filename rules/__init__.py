"""The follow-up rules as pure functions: no ORM, no clock, no I/O.

Everything here takes plain values (aware datetimes, ZoneInfo, tuples) and returns plain
values, so the same code serves the live engine, `simulate` and the unit tests.
"""
