"""An in-memory store loaded from a prepared data-set directory (the format of `store.prepared`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

import orjson

from calculation.records import CampaignVehicle, ServiceContract, ServiceEvent, Vehicle, history_order
from store import prepared, versions
from store.base import IdempotencyConflict, Recorded, StoreUnavailable
from store.journal import append_entry, read_journal
from store.prepared import PreparedDataError

T = TypeVar("T")
Order = Callable[[T], Any]


RECORDED_EVENTS = "recorded_events.jsonl"
"""Events recorded through the API, one JSON line each, appended and fsynced (store.journal); at the top of the
data-set directory, beside the versions, so that the import leaves it alone."""


class EmbeddedStore:
    """A whole prepared data set held in memory by VIN; implements `store.base.Store`.

    Events recorded through the API are kept beside the imported history and appended to a journal file in
    the data set's directory, so that they survive a restart, a crash and a re-import. A recording is on disk
    before it is visible or acknowledged; recordings are written one at a time, so that an idempotency key is
    claimed once.
    """

    def __init__(
        self,
        vehicles: ByVin[Vehicle],
        events: ByVin[ServiceEvent],
        contracts: ByVin[ServiceContract],
        campaigns: ByVin[CampaignVehicle],
        journal: Path | None = None,
    ) -> None:
        self._vehicles = vehicles
        self._events = events
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
        against the manifest; raises PreparedDataError if it is not a data set or a file is damaged.

        Only the lines are indexed by VIN: a vehicle's records are decoded when it is first asked for, so that
        the server answers at once, whatever the size of the data set."""
        root = Path(directory)
        version = versions.served(root)
        manifest = prepared.read_manifest(version)

        def by_vin(name: str, decode: Callable[[Mapping[str, Any]], T], order: Order[T] | None = None) -> ByVin[T]:
            return ByVin(name, prepared.read_file(version, manifest, name), decode, order)

        return cls(
            by_vin(prepared.VEHICLES, prepared.vehicle_from_json),
            by_vin(prepared.SERVICE_EVENTS, prepared.event_from_json, history_order),
            by_vin(prepared.CONTRACTS, prepared.contract_from_json),
            by_vin(prepared.CAMPAIGN_VEHICLES, prepared.campaign_vehicle_from_json),
            journal=root / RECORDED_EVENTS,
        )

    def vins(self) -> list[str]:
        """Every VIN of the data set, in VIN order."""
        return sorted(self._vehicles.vins())

    async def vehicles(self, vins: Sequence[str]) -> list[Vehicle | None]:
        return [found[0] if (found := self._vehicles.get(vin)) else None for vin in vins]

    async def service_events(self, vins: Sequence[str]) -> list[tuple[ServiceEvent, ...]]:
        return [self._events.get(vin) for vin in vins]

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
        self._events.put(event.vin, (*self._events.get(event.vin), event))
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
        return [self._contracts.get(vin) for vin in vins]

    async def campaign_vehicles(self, vins: Sequence[str]) -> list[tuple[CampaignVehicle, ...]]:
        return [self._campaigns.get(vin) for vin in vins]


VIN_KEY = b'"vin":"'


class ByVin(Generic[T]):
    """The records of one prepared file by VIN. The file's lines are indexed by the VIN they carry and decoded
    when their VIN is first asked for; a line that cannot be decoded then fails that VIN's reads only."""

    def __init__(self, name: str, content: bytes, decode: Callable[[Mapping[str, Any]], T],
                 order: Order[T] | None = None) -> None:  # fmt: skip
        self._name = name
        self._decode = decode
        self._order = order
        self._lines: dict[str, list[tuple[int, bytes]]] = {}
        self._records: dict[str, tuple[T, ...]] = {}
        for number, line in enumerate(content.splitlines(), start=1):
            self._lines.setdefault(self._vin_of(number, line), []).append((number, line))

    def _vin_of(self, number: int, line: bytes) -> str:
        # the writer puts the top-level VIN before any nested value (`prepared.*_to_json`), so the first
        # occurrence of its key is it; the decoded record is checked against it
        start = line.find(VIN_KEY) + len(VIN_KEY)
        end = line.find(b'"', start)
        if start >= len(VIN_KEY) and end > start:
            return line[start:end].decode()
        try:
            vin = orjson.loads(line).get("vin")
        except (orjson.JSONDecodeError, AttributeError):
            raise PreparedDataError(f"{self._name} line {number} is not a JSON object") from None
        if not isinstance(vin, str):
            raise PreparedDataError(f"{self._name} line {number} has no VIN")
        return vin

    def vins(self) -> set[str]:
        return self._lines.keys() | self._records.keys()

    def get(self, vin: str) -> tuple[T, ...]:
        """The VIN's records in file order, () for none; StoreUnavailable naming the line that is not a record."""
        found = self._records.get(vin)
        if found is None:
            found = self._kept([self._decoded(vin, line) for line in self._lines.get(vin, ())])
            self._records[vin] = found
            self._lines.pop(vin, None)  # only once decoded: a line that is not a record fails every read of its VIN
        return found

    def put(self, vin: str, records: Sequence[T]) -> None:
        self.get(vin)  # decoded first, so that the file's lines cannot come back over them
        self._records[vin] = self._kept(records)

    def _kept(self, records: Sequence[T]) -> tuple[T, ...]:
        return tuple(records if self._order is None else sorted(records, key=self._order))

    def _decoded(self, vin: str, numbered: tuple[int, bytes]) -> T:
        number, line = numbered
        try:
            record = self._decode(orjson.loads(line))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreUnavailable(self._name, f"line {number} is not a prepared record: {exc!r}") from None
        if getattr(record, "vin", vin) != vin:
            raise StoreUnavailable(self._name, f"line {number} has its VIN in an unexpected place")
        return record
