"""Parent-level loading: a vehicle list loads, in one batch per source, what its selected children will read.

The children then find their data already loaded and resolve synchronously (`SourceLoader.get`), which spares
the executor one async resolver per vehicle and field; the number of source calls stays one per source per level.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Collection, Iterable, Sequence
from typing import Any

from strawberry.types.nodes import SelectedField, Selection

from calculation.records import Vehicle
from resolvers.context import RequestContext
from resolvers.loaders import SourceLoader

NEEDS_HISTORY = {"serviceEvents", "serviceQuote", "openCampaigns", "dueServices", "serviceProducts"}
NEEDS_CONTRACTS = {"contracts", "serviceQuote"}
NEEDS_CAMPAIGNS = {"openCampaigns", "serviceQuote"}


def children(selections: Iterable[Selection]) -> dict[str, list[Selection]]:
    """Selected sub-fields by name (aliases and fragments merged), each with its own selections."""
    found: dict[str, list[Selection]] = {}
    for selection in selections:
        if isinstance(selection, SelectedField):
            found.setdefault(selection.name, []).extend(selection.selections)
        else:
            for name, sub in children(selection.selections).items():
                found.setdefault(name, []).extend(sub)
    return found


async def load_engines(ctx: RequestContext, vehicles: Sequence[Vehicle], oil_norms: bool) -> None:
    """The vehicles' engines in one batch, then (when asked) all their oil norms in one more."""
    engines = await ctx.loaders.engine_by_code.load_many(list(dict.fromkeys(v.engine_code for v in vehicles)))
    if oil_norms:
        codes = dict.fromkeys(c for e in engines if e is not None for c in e.oil_norm_codes)
        await ctx.loaders.oil_norm_by_code.load_many(list(codes))


def settled(future: asyncio.Future[Any]) -> None:
    """A value loaded early that no field reads (an unknown or out-of-scope VIN) may hold a failure: it is seen."""
    if not future.cancelled():
        future.exception()


def load_early(ctx: RequestContext, vins: Sequence[str], selections: Iterable[Selection]) -> None:
    """Asks every source keyed by VIN for these VINs now, in the same round as the vehicle master: the client's
    VINs are their keys, so nothing waits for the vehicles first. What the vehicle master does not return (or
    the caller may not see) is loaded but never read."""
    ask_now(vin_keyed(ctx, children(selections).keys()), vins)


def vin_keyed(ctx: RequestContext, fields: Collection[str]) -> list[SourceLoader[str, Any]]:
    """The loaders keyed by VIN that these Vehicle fields read."""
    loaders = ctx.loaders
    read_by: list[tuple[set[str], SourceLoader[str, Any]]] = [
        (NEEDS_HISTORY, loaders.service_events_by_vin),
        (NEEDS_CONTRACTS, loaders.contracts_by_vin),
        (NEEDS_CAMPAIGNS, loaders.campaign_assignments_by_vin),
    ]
    return [loader for needed_by, loader in read_by if not needed_by.isdisjoint(fields)]


def ask_now(loaders: Iterable[SourceLoader[str, Any]], vins: Sequence[str]) -> None:
    """Puts these VINs in the loaders' next batch without waiting for them."""
    for loader in loaders:
        for vin in vins:
            loader.load(vin).add_done_callback(settled)


async def prefetch(ctx: RequestContext, vehicles: Sequence[Vehicle], selections: Iterable[Selection]) -> None:
    """Loads, concurrently, what the selected fields of these vehicles need."""
    vins = [v.vin for v in vehicles]
    if not vins:  # before any coroutine is made: one never awaited would be a warning
        return
    wanted = children(selections)
    jobs: list[Awaitable[Any]] = []
    if "engine" in wanted:
        jobs.append(load_engines(ctx, vehicles, "oilNorms" in children(wanted["engine"])))
    jobs.extend(loader.load_many(vins) for loader in vin_keyed(ctx, wanted.keys()))
    if jobs:
        # a failing source fails only the fields that read it, when they do: the vehicles are still returned
        await asyncio.gather(*jobs, return_exceptions=True)
