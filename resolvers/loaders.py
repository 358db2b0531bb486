"""Per-request batch loaders, one small class per thing loaded by key; each batch is one source call."""

from __future__ import annotations

from asyncio import AbstractEventLoop, Future, get_running_loop
from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from inspect import isawaitable
from typing import Any, TypeVar, cast

from aiodataloader import DataLoader, dispatch_queue_batch
from aiodataloader import Loader as QueuedKey

from calculation.records import CampaignVehicle, ServiceContract, ServiceEvent, Vehicle
from catalog.records import Campaign, Engine, LabourTime, OilNorm, OilProduct, Part
from observability.observer import IDLE, Observer
from sources import (
    Sources,
    campaigns,
    labour_times,
    parts,
    service_contracts,
    service_history,
    technical_data,
    vehicle_master,
)
from sources.base import SourceUnavailable

K = TypeVar("K")
V = TypeVar("V")
L = TypeVar("L", bound="SourceLoader[Any, Any]")
R = TypeVar("R")


class SourceLoader(DataLoader[K, V]):
    """A loader over one source batch function. Unbatched (benchmark baseline only) it calls the source per key.

    Every source batch of the API passes `batch_load_fn`: it is where each is measured (and traced)."""

    source: str
    """The source system asked, by its name in SOURCE_UNAVAILABLE."""

    def __init__(self, sources: Sources, batching: bool = True, observer: Observer = IDLE,
                 loop: AbstractEventLoop | None = None) -> None:  # fmt: skip
        super().__init__(batch=batching, cache=batching, loop=loop)
        self.sources = sources
        self.observer = observer

    def do_resolve_reject(self, key: K, future: Future[V]) -> None:
        # aiodataloader's own schedules each batch through two tasks, each looking the running loop up (a system
        # call on Python 3.11, a few per cent of a small request); this takes the queue and starts the batch on
        # the same turns of the loader's loop, with plain callbacks and one task
        self._queue.append(QueuedKey(key, future))
        if len(self._queue) > 1:
            return
        if self.batch:
            self.loop.call_soon(self.loop.call_soon, self._dispatch)
        else:
            self._dispatch()

    def _dispatch(self) -> None:
        queue, self._queue = self._queue, []
        self.loop.create_task(dispatch_queue_batch(self, queue))

    def get(self, key: K) -> V | Awaitable[V]:
        """The value at once when this request already loaded it (a parent prefetched it), else a future.

        Fields over prefetched data thus resolve synchronously and skip the executor's per-field async path.
        """
        future = self._cache.get(key)
        if future is not None and future.done() and not future.cancelled() and future.exception() is None:
            value: V = future.result()
            return value
        return self.load(key)

    def loaded(self, key: K) -> V:
        """The value this request has already loaded for the key; for readers that only read once loading is
        done, it raises where it is not: LookupError if never asked or cancelled, InvalidStateError while still
        to come, the source's failure if it failed."""
        future = self._cache.get(key)
        if future is None or future.cancelled():
            raise LookupError(key)
        value: V = future.result()
        return value

    async def batch_load_fn(self, keys: Sequence[K]) -> list[V]:
        # a failure answered per key stays cached for the request (aiodataloader forgets a failed batch): the
        # fields that read an unavailable source all fail with it, and the source is not asked once per field
        with self.observer.batch(self.source, type(self).__name__, len(keys)) as measure:
            try:
                return list(await self.fetch(keys))
            except SourceUnavailable as failure:
                measure.outcome = "unavailable"
                return cast(list[V], [failure] * len(keys))  # aiodataloader takes an exception in a value's place

    async def fetch(self, keys: Sequence[K]) -> Sequence[V]:
        """One source call for the keys; values in key order."""
        raise NotImplementedError


class VehicleByVinLoader(SourceLoader[str, Vehicle | None]):
    """Every way to a vehicle goes through here: one outside the caller's scopes comes back as unknown."""

    source = vehicle_master.NAME

    def __init__(self, sources: Sources, batching: bool, visible: Callable[[Vehicle], bool],
                 observer: Observer = IDLE, loop: AbstractEventLoop | None = None) -> None:  # fmt: skip
        super().__init__(sources, batching, observer, loop)
        self.visible = visible

    async def fetch(self, keys: Sequence[str]) -> list[Vehicle | None]:
        found = await self.sources.vehicle_master.vehicles_by_vin(keys)
        return [v if v is not None and self.visible(v) else None for v in found]


class ServiceEventsByVinLoader(SourceLoader[str, tuple[ServiceEvent, ...]]):
    source = service_history.NAME

    async def fetch(self, keys: Sequence[str]) -> list[tuple[ServiceEvent, ...]]:
        return await self.sources.service_history.events_by_vin(keys)


class ContractsByVinLoader(SourceLoader[str, tuple[ServiceContract, ...]]):
    source = service_contracts.NAME

    async def fetch(self, keys: Sequence[str]) -> list[tuple[ServiceContract, ...]]:
        return await self.sources.service_contracts.contracts_by_vin(keys)


class CampaignAssignmentsByVinLoader(SourceLoader[str, tuple[CampaignVehicle, ...]]):
    source = campaigns.NAME

    async def fetch(self, keys: Sequence[str]) -> list[tuple[CampaignVehicle, ...]]:
        return await self.sources.campaigns.assignments_by_vin(keys)


class CampaignByCodeLoader(SourceLoader[str, Campaign | None]):
    source = campaigns.NAME

    async def fetch(self, keys: Sequence[str]) -> list[Campaign | None]:
        return await self.sources.campaigns.campaigns_by_code(keys)


class EngineByCodeLoader(SourceLoader[str, Engine | None]):
    source = technical_data.NAME

    async def fetch(self, keys: Sequence[str]) -> list[Engine | None]:
        return await self.sources.technical_data.engines_by_code(keys)


class OilNormByCodeLoader(SourceLoader[str, OilNorm | None]):
    source = technical_data.NAME

    async def fetch(self, keys: Sequence[str]) -> list[OilNorm | None]:
        return await self.sources.technical_data.oil_norms_by_code(keys)


class OilProductByCodeLoader(SourceLoader[str, OilProduct | None]):
    source = technical_data.NAME

    async def fetch(self, keys: Sequence[str]) -> list[OilProduct | None]:
        return await self.sources.technical_data.oil_products_by_code(keys)


class PartByNumberLoader(SourceLoader[str, Part | None]):
    source = parts.NAME

    async def fetch(self, keys: Sequence[str]) -> list[Part | None]:
        return await self.sources.parts.parts_by_number(keys)


class LabourTimeByItemLoader(SourceLoader[str, LabourTime | None]):
    source = labour_times.NAME

    async def fetch(self, keys: Sequence[str]) -> list[LabourTime | None]:
        return await self.sources.labour_times.labour_times_by_item(keys)


class Loaders:
    """The loaders of one request (or one subscription notification), each created on first use.

    Created lazily inside the running event loop, never at import time; a request that asks for no
    history never builds a history loader.
    """

    def __init__(self, sources: Sources, batching: bool, visible: Callable[[Vehicle], bool],
                 observer: Observer = IDLE) -> None:  # fmt: skip
        self._sources = sources
        self._batching = batching
        self._visible = visible
        self._observer = observer

    @cached_property
    def loop(self) -> AbstractEventLoop:
        """The request's event loop, looked up once: on Python 3.11 each look-up is a system call (it checks the
        loop's owner process), which aiodataloader would make for every loader and batch."""
        return get_running_loop()

    def _make(self, kind: type[L]) -> L:
        return kind(self._sources, self._batching, self._observer, self.loop)

    @cached_property
    def vehicle_by_vin(self) -> VehicleByVinLoader:
        return VehicleByVinLoader(self._sources, self._batching, self._visible, self._observer, self.loop)

    @cached_property
    def service_events_by_vin(self) -> ServiceEventsByVinLoader:
        return self._make(ServiceEventsByVinLoader)

    @cached_property
    def contracts_by_vin(self) -> ContractsByVinLoader:
        return self._make(ContractsByVinLoader)

    @cached_property
    def campaign_assignments_by_vin(self) -> CampaignAssignmentsByVinLoader:
        return self._make(CampaignAssignmentsByVinLoader)

    @cached_property
    def campaign_by_code(self) -> CampaignByCodeLoader:
        return self._make(CampaignByCodeLoader)

    @cached_property
    def engine_by_code(self) -> EngineByCodeLoader:
        return self._make(EngineByCodeLoader)

    @cached_property
    def oil_norm_by_code(self) -> OilNormByCodeLoader:
        return self._make(OilNormByCodeLoader)

    @cached_property
    def oil_product_by_code(self) -> OilProductByCodeLoader:
        return self._make(OilProductByCodeLoader)

    @cached_property
    def part_by_number(self) -> PartByNumberLoader:
        return self._make(PartByNumberLoader)

    @cached_property
    def labour_time_by_item(self) -> LabourTimeByItemLoader:
        return self._make(LabourTimeByItemLoader)


def when_loaded(compute: Callable[..., R], *results: Any) -> R | Awaitable[R]:
    """`compute(*values)` now when every result is already a value, else a coroutine that awaits them first."""
    if not any(isawaitable(r) for r in results):
        return compute(*results)

    async def later() -> R:
        values = [await r if isawaitable(r) else r for r in results]
        return compute(*values)

    return later()
