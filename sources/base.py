"""What every source system shares: the failure the API reports as SOURCE_UNAVAILABLE, naming the system."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from store.base import StoreUnavailable


class SourceUnavailable(Exception):
    """A source system that could not answer; `source` is its name for clients, `detail` is for the log only."""

    def __init__(self, source: str, detail: str) -> None:
        super().__init__(f"{source}: {detail}")
        self.source = source
        self.detail = detail


@contextmanager
def failing_as(source: str, by_table: Mapping[str, str] | None = None) -> Iterator[None]:
    """A store failure inside leaves as the failure of the source system named `source`, or of the one
    `by_table` names for the table that failed."""
    try:
        yield
    except StoreUnavailable as failure:
        name = (by_table or {}).get(failure.table, source)
        raise SourceUnavailable(name, failure.detail) from failure
