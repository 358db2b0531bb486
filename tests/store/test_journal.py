"""The journal of recorded events on the embedded store: a torn last line is set aside, other damage refuses."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from pathlib import Path

import pytest

from store import EmbeddedStore, PreparedDataError
from store.embedded import RECORDED_EVENTS
from store.journal import torn_path
from tests.store.test_embedded import VEHICLE, event, write_prepared


def recorded(directory: Path, count: int) -> list[str]:
    """Records `count` events through a fresh store on the directory, each with an idempotency key."""
    store = EmbeddedStore.load(directory)

    async def record_all() -> list[str]:
        ids = []
        for n in range(count):
            done = await store.record_event(event(f"R-{n}", date(2024, 1, 1 + n), 30_000 + n), f"key-{n}", f"f-{n}")
            ids.append(done.event.event_id)
        return ids

    return asyncio.run(record_all())


def event_ids(directory: Path) -> list[str]:
    (events,) = asyncio.run(EmbeddedStore.load(directory).service_events([VEHICLE.vin]))
    return [e.event_id for e in events]


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return write_prepared(tmp_path / "p", [VEHICLE])


@pytest.mark.parametrize(
    "torn",
    [
        b'{"idempotencyKey": "key-9", "fingerprint": "f-9", "ev',  # cut short in the middle of a line
        b'{"idempotencyKey": "key-9", "fingerprint": "f-9", "event": {}}',  # whole, but its newline never written
        b"\0" * 300 + b"\n",  # a file extended by a crash whose data blocks never came
    ],
    ids=["cut-short", "no-newline", "garbage"],
)
def test_a_torn_last_line_is_set_aside_and_everything_before_it_kept(
    directory: Path, torn: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    first = recorded(directory, 3)
    journal = directory / RECORDED_EVENTS
    good = journal.read_bytes()
    journal.write_bytes(good + torn)
    with caplog.at_level(logging.WARNING, logger="store.journal"):
        assert event_ids(directory) == first
    assert journal.read_bytes() == good, "the journal is truncated to its last whole line"
    assert torn_path(journal).read_bytes() == torn.rstrip(b"\n") + b"\n"
    assert "line 4 was cut short" in caplog.text and "3 lines before it are kept" in caplog.text
    # the journal goes on where the good lines end: a later recording and a restart keep all of them
    store = EmbeddedStore.load(directory)
    later = asyncio.run(store.record_event(event("R-9", date(2024, 2, 1), 31_000), "key-9", "f-9"))
    assert event_ids(directory) == [*first, later.event.event_id]
    assert asyncio.run(EmbeddedStore.load(directory).record_event(later.event, "key-9", "f-9")).created is False


def test_a_damaged_line_before_the_last_refuses_to_start_and_changes_nothing(directory: Path) -> None:
    recorded(directory, 3)
    journal = directory / RECORDED_EVENTS
    lines = journal.read_bytes().split(b"\n")
    lines[1] = lines[1][:20]
    damaged = b"\n".join(lines)
    journal.write_bytes(damaged)
    with pytest.raises(PreparedDataError, match=r"recorded_events\.jsonl line 2 is damaged .* repair or remove"):
        EmbeddedStore.load(directory)
    assert journal.read_bytes() == damaged and not torn_path(journal).exists()


def test_a_last_line_that_is_json_but_no_recorded_event_is_damage_not_a_tear(directory: Path) -> None:
    recorded(directory, 1)
    journal = directory / RECORDED_EVENTS
    journal.write_bytes(journal.read_bytes() + b'{"something": "else"}\n')
    with pytest.raises(PreparedDataError, match="line 2 is not a recorded event"):
        EmbeddedStore.load(directory)


def test_concurrent_identical_keyed_recordings_write_one_line(directory: Path) -> None:
    store = EmbeddedStore.load(directory)

    async def at_once() -> list[bool]:
        twins = [event(f"R-{n}", date(2024, 1, 1), 30_000) for n in range(20)]
        results = await asyncio.gather(*(store.record_event(e, "one-key", "same") for e in twins))
        assert len({r.event.event_id for r in results}) == 1
        return [r.created for r in results]

    assert sorted(asyncio.run(at_once())) == [False] * 19 + [True]
    assert len((directory / RECORDED_EVENTS).read_bytes().splitlines()) == 1
    assert len(event_ids(directory)) == 1
