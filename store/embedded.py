"""An in-memory store loaded from a prepared data-set directory (the format of `store.prepared`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from calculation.records import CampaignVehicle, ServiceContract, ServiceEvent, Vehicle
from store import prepared
from store.prepared import PreparedDataError

T = TypeVar("T")


class EmbeddedStore:
    """A whole prepared data set held in dictionaries keyed by VIN; implements `store.base.Store`."""

    def __init__(
        self,
        vehicles: Mapping[str, Vehicle],
        events: Mapping[str, tuple[ServiceEvent, ...]],
        contracts: Mapping[str, tuple[ServiceContract, ...]],
        campaigns: Mapping[str, tuple[CampaignVehicle, ...]],
    ) -> None:
        self._vehicles = vehicles
        self._events = events
        self._contracts = contracts
        self._campaigns = campaigns

    @classmethod
    def load(cls, directory: Path | str) -> EmbeddedStore:
        """Reads a prepared directory; raises PreparedDataError if it is not one or a file is damaged."""
        root = Path(directory)
        prepared.check_manifest(root)
        vehicles = {v.vin: v for v in _records(root / prepared.VEHICLES, prepared.vehicle_from_json)}
        events = _by_vin(_records(root / prepared.SERVICE_EVENTS, prepared.event_from_json), lambda e: e.vin)
        ordered = {
            vin: tuple(sorted(evs, key=lambda e: (e.date, e.odometer, e.event_id))) for vin, evs in events.items()
        }
        contracts = _by_vin(_records(root / prepared.CONTRACTS, prepared.contract_from_json), lambda c: c.vin)
        campaigns = _by_vin(
            _records(root / prepared.CAMPAIGN_VEHICLES, prepared.campaign_vehicle_from_json), lambda c: c.vin
        )
        return cls(vehicles, ordered, contracts, campaigns)

    def vins(self) -> list[str]:
        """Every VIN of the data set, in VIN order."""
        return sorted(self._vehicles)

    async def vehicles(self, vins: Sequence[str]) -> list[Vehicle | None]:
        return [self._vehicles.get(vin) for vin in vins]

    async def service_events(self, vins: Sequence[str]) -> list[tuple[ServiceEvent, ...]]:
        return [self._events.get(vin, ()) for vin in vins]

    async def contracts(self, vins: Sequence[str]) -> list[tuple[ServiceContract, ...]]:
        return [self._contracts.get(vin, ()) for vin in vins]

    async def campaign_vehicles(self, vins: Sequence[str]) -> list[tuple[CampaignVehicle, ...]]:
        return [self._campaigns.get(vin, ()) for vin in vins]


def _records(path: Path, decode: Callable[[Mapping[str, Any]], T]) -> Iterator[T]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise PreparedDataError(f"{path.parent} is not a complete prepared data set: {path.name} is missing") from None
    try:
        # one parse for the whole file is several times faster than one per line
        data = json.loads("[" + ",".join(lines) + "]")
    except ValueError:
        data = [_parsed(path, number, line) for number, line in enumerate(lines, start=1)]
    for number, record in enumerate(data, start=1):
        try:
            yield decode(record)
        except (ValueError, KeyError, TypeError) as exc:
            raise PreparedDataError(f"{path} line {number} is not a prepared record: {exc!r}") from None


def _parsed(path: Path, number: int, line: str) -> Any:
    """One line parsed alone, to name the line that spoilt the whole-file parse."""
    try:
        return json.loads(line)
    except ValueError as exc:
        raise PreparedDataError(f"{path} line {number} is not JSON: {exc}") from None


def _by_vin(records: Iterator[T], vin: Callable[[T], str]) -> dict[str, tuple[T, ...]]:
    grouped: dict[str, list[T]] = {}
    for record in records:
        grouped.setdefault(vin(record), []).append(record)
    return {key: tuple(values) for key, values in grouped.items()}
