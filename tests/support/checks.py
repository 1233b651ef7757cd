"""Small checks that keep a test's expectations visible to the type checker too."""

from typing import TypeVar

T = TypeVar("T")


def present(value: T | None) -> T:
    """`value`, which must be there at this point of the test: None fails the test."""
    assert value is not None, "expected a value, got None"
    return value
