"""An in-memory store loaded from a prepared data-set directory (the format of `store.prepared`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import orjson

from calculation.records import CampaignVehicle, ServiceContract, ServiceEvent, Vehicle, history_order
from store import prepared, versions
from store.base import IdempotencyConflict, Recorded
from store.journal import append_entry, read_journal
from store.prepared import PreparedDataError

T = TypeVar("T")


RECORDED_EVENTS = "recorded_events.jsonl"
"""Events recorded through the API, one JSON line each, appended and fsynced (store.journal); at the top of the
data-set directory, beside the versions, so that the import leaves it alone."""


class EmbeddedStore:
    """A whole prepared data set held in dictionaries keyed by VIN; implements `store.base.Store`.

    Events recorded through the API are kept beside the imported history and appended to a journal file in
    the data set's directory, so that they survive a restart, a crash and a re-import. A recording is on disk
    before it is visible or acknowledged; recordings are written one at a time, so that an idempotency key is
    claimed once.
    """

    def __init__(
        self,
        vehicles: Mapping[str, Vehicle],
        events: Mapping[str, tuple[ServiceEvent, ...]],
        contracts: Mapping[str, tuple[ServiceContract, ...]],
        campaigns: Mapping[str, tuple[CampaignVehicle, ...]],
        journal: Path | None = None,
    ) -> None:
        self._vehicles = vehicles
        self._events = dict(events)
        self._contracts = contracts
        self._campaigns = campaigns
        self._keys: dict[str, tuple[str, ServiceEvent, str | None]] = {}
        self._journal = journal
        self._writing = asyncio.Lock()
        if journal is not None:
            for number, entry in read_journal(journal):
                self._replay(journal, number, entry)

    @classmethod
    def load(cls, directory: Path | str) -> EmbeddedStore:
        """Reads the version of a data-set directory its pointer names (`store.versions`), each file checked
        against the manifest; raises PreparedDataError if it is not a data set or a file is damaged."""
        root = Path(directory)
        version = versions.served(root)
        manifest = prepared.read_manifest(version)

        def records(name: str, decode: Callable[[Mapping[str, Any]], T]) -> Iterator[T]:
            return _records(version / name, prepared.read_file(version, manifest, name), decode)

        vehicles = {v.vin: v for v in records(prepared.VEHICLES, prepared.vehicle_from_json)}
        events = _by_vin(records(prepared.SERVICE_EVENTS, prepared.event_from_json), lambda e: e.vin)
        ordered = {
            vin: tuple(sorted(evs, key=history_order)) for vin, evs in events.items()
        }
        contracts = _by_vin(records(prepared.CONTRACTS, prepared.contract_from_json), lambda c: c.vin)
        campaigns = _by_vin(records(prepared.CAMPAIGN_VEHICLES, prepared.campaign_vehicle_from_json), lambda c: c.vin)
        return cls(vehicles, ordered, contracts, campaigns, journal=root / RECORDED_EVENTS)

    def vins(self) -> list[str]:
        """Every VIN of the data set, in VIN order."""
        return sorted(self._vehicles)

    async def vehicles(self, vins: Sequence[str]) -> list[Vehicle | None]:
        return [self._vehicles.get(vin) for vin in vins]

    async def service_events(self, vins: Sequence[str]) -> list[tuple[ServiceEvent, ...]]:
        return [self._events.get(vin, ()) for vin in vins]

    async def record_event(self, event: ServiceEvent, idempotency_key: str | None, fingerprint: str) -> Recorded:
        # shielded: a request cancelled while its line is being written still completes the recording it started
        return await asyncio.shield(self._record(event, idempotency_key, fingerprint))

    async def mark_published(self, idempotency_key: str, cursor: str) -> None:
        await asyncio.shield(self._mark_published(idempotency_key, cursor))

    async def _record(self, event: ServiceEvent, idempotency_key: str | None, fingerprint: str) -> Recorded:
        async with self._writing:
            if idempotency_key is not None and idempotency_key in self._keys:
                return self._earlier(idempotency_key, fingerprint)
            await self._write({"idempotencyKey": idempotency_key, "fingerprint": fingerprint,
                               "event": prepared.event_to_json(event)})  # fmt: skip
            self._add(event, idempotency_key, fingerprint)
            return Recorded(event, created=True)

    async def _mark_published(self, idempotency_key: str, cursor: str) -> None:
        async with self._writing:
            fingerprint, event, earlier = self._keys[idempotency_key]
            if earlier == cursor:  # a concurrent twin of the request marked it already
                return
            await self._write({"idempotencyKey": idempotency_key, "published": cursor})
            self._keys[idempotency_key] = (fingerprint, event, cursor)

    def _earlier(self, idempotency_key: str, fingerprint: str) -> Recorded:
        stored_fingerprint, event, cursor = self._keys[idempotency_key]
        if stored_fingerprint != fingerprint:
            raise IdempotencyConflict(idempotency_key)
        return Recorded(event, created=False, cursor=cursor)

    def _add(self, event: ServiceEvent, idempotency_key: str | None, fingerprint: str) -> None:
        history = (*self._events.get(event.vin, ()), event)
        self._events[event.vin] = tuple(sorted(history, key=history_order))
        if idempotency_key is not None:
            self._keys[idempotency_key] = (fingerprint, event, None)

    async def _write(self, line: Mapping[str, Any]) -> None:
        if self._journal is not None:
            # in a thread: an fsync may take milliseconds, which the event loop spends on other requests
            await asyncio.to_thread(append_entry, self._journal, line)

    def _replay(self, path: Path, number: int, entry: Any) -> None:
        try:
            if "published" in entry:
                fingerprint, event, _ = self._keys[entry["idempotencyKey"]]
                self._keys[entry["idempotencyKey"]] = (fingerprint, event, entry["published"])
            else:
                self._add(prepared.event_from_json(entry["event"]), entry["idempotencyKey"], entry["fingerprint"])
        except (ValueError, KeyError, TypeError) as exc:
            raise PreparedDataError(f"{path} line {number} is not a recorded event: {exc!r}") from None

    async def contracts(self, vins: Sequence[str]) -> list[tuple[ServiceContract, ...]]:
        return [self._contracts.get(vin, ()) for vin in vins]

    async def campaign_vehicles(self, vins: Sequence[str]) -> list[tuple[CampaignVehicle, ...]]:
        return [self._campaigns.get(vin, ()) for vin in vins]


def _records(path: Path, content: bytes, decode: Callable[[Mapping[str, Any]], T]) -> Iterator[T]:
    lines = content.splitlines()
    try:
        # one parse for the whole file is several times faster than one per line
        data = orjson.loads(b"[" + b",".join(lines) + b"]")
    except orjson.JSONDecodeError:
        data = [_parsed(path, number, line) for number, line in enumerate(lines, start=1)]
    for number, record in enumerate(data, start=1):
        try:
            yield decode(record)
        except (ValueError, KeyError, TypeError) as exc:
            raise PreparedDataError(f"{path} line {number} is not a prepared record: {exc!r}") from None


def _parsed(path: Path, number: int, line: bytes) -> Any:
    """One line parsed alone, to name the line that spoilt the whole-file parse."""
    try:
        return orjson.loads(line)
    except ValueError as exc:
        raise PreparedDataError(f"{path} line {number} is not JSON: {exc}") from None


def _by_vin(records: Iterator[T], vin: Callable[[T], str]) -> dict[str, tuple[T, ...]]:
    grouped: dict[str, list[T]] = {}
    for record in records:
        grouped.setdefault(vin(record), []).append(record)
    return {key: tuple(values) for key, values in grouped.items()}
