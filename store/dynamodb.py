"""The store on Amazon DynamoDB: batch reads of per-VIN documents (store.tables) through one aiobotocore client."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from calculation.records import CampaignVehicle, ServiceContract, ServiceEvent, Vehicle
from store import prepared, tables
from store.aws import AwsSettings, AwsUnavailable, guarded, until_complete
from store.base import StoreUnavailable
from store.tables import VinTable

T = TypeVar("T")
BATCH_GET_KEYS = 100  # DynamoDB's limit per BatchGetItem
BATCH_WRITE_ITEMS = 25  # DynamoDB's limit per BatchWriteItem


async def all_of(calls: Iterable[Awaitable[T]]) -> list[T]:
    """Runs the calls concurrently; waits for all of them, then raises the first failure."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]


class DynamoStore:
    """Implements `store.base.Store`: every method is a few BatchGetItem calls, whatever the number of VINs."""

    def __init__(self, client: Any, settings: AwsSettings) -> None:
        self._client = client
        self._settings = settings

    async def vehicles(self, vins: Sequence[str]) -> list[Vehicle | None]:
        documents = await self._documents(tables.VEHICLES, vins)
        return [prepared.vehicle_from_json(d[0]) if d else None for d in documents]

    async def service_events(self, vins: Sequence[str]) -> list[tuple[ServiceEvent, ...]]:
        return await self._decoded(tables.SERVICE_HISTORY, vins, prepared.event_from_json)

    async def contracts(self, vins: Sequence[str]) -> list[tuple[ServiceContract, ...]]:
        return await self._decoded(tables.SERVICE_CONTRACTS, vins, prepared.contract_from_json)

    async def campaign_vehicles(self, vins: Sequence[str]) -> list[tuple[CampaignVehicle, ...]]:
        return await self._decoded(tables.CAMPAIGN_ASSIGNMENTS, vins, prepared.campaign_vehicle_from_json)

    async def _decoded(
        self, table: VinTable, vins: Sequence[str], decode: Callable[[Mapping[str, Any]], T]
    ) -> list[tuple[T, ...]]:
        return [tuple(decode(r) for r in document) for document in await self._documents(table, vins)]

    async def _documents(self, table: VinTable, vins: Sequence[str]) -> list[list[Any]]:
        """Each VIN's document (empty when absent), in the order asked."""
        unique = list(dict.fromkeys(vins))
        try:
            async with asyncio.timeout(self._settings.deadline_seconds):
                first_parts = await self._first_parts(table, unique)
                longer = [vin for vin, item in first_parts.items() if int(item.get(tables.PARTS, {"N": "1"})["N"]) > 1]
                rest = await all_of(self._later_parts(table, vin) for vin in longer)
        except AwsUnavailable as exc:
            raise StoreUnavailable(table.source, exc.detail) from exc
        except TimeoutError as exc:
            raise StoreUnavailable(table.source, "deadline passed") from exc
        more = dict(zip(longer, rest, strict=True))
        documents = {
            vin: list(tables.records([item, *more.get(vin, [])])) for vin, item in first_parts.items()
        }
        return [documents.get(vin, []) for vin in vins]

    async def _first_parts(self, table: VinTable, vins: list[str]) -> dict[str, dict[str, Any]]:
        """Part 0 of every VIN: BatchGetItem in chunks of 100 keys, issued concurrently."""
        name = table.name(self._settings.table_prefix)
        found: dict[str, dict[str, Any]] = {}

        async def chunk(keys: list[dict[str, Any]]) -> None:
            async def step(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
                response = await guarded(
                    name, self._client.batch_get_item(RequestItems={name: {"Keys": pending, "ConsistentRead": False}})
                )
                for item in response.get("Responses", {}).get(name, []):
                    found[item[tables.VIN]["S"]] = item
                unprocessed: list[dict[str, Any]] = response.get("UnprocessedKeys", {}).get(name, {}).get("Keys", [])
                return unprocessed

            await until_complete(name, self._settings.deadline_seconds, step, keys)

        keys = [tables.key(vin) for vin in vins]
        await all_of(chunk(keys[i : i + BATCH_GET_KEYS]) for i in range(0, len(keys), BATCH_GET_KEYS))
        return found

    async def _later_parts(self, table: VinTable, vin: str) -> list[dict[str, Any]]:
        """Parts 1… of one long document: a Query, page by page."""
        name = table.name(self._settings.table_prefix)
        request: dict[str, Any] = {
            "TableName": name,
            "KeyConditionExpression": "#vin = :vin AND #part > :zero",
            "ExpressionAttributeNames": {"#vin": tables.VIN, "#part": tables.PART},
            "ExpressionAttributeValues": {":vin": {"S": vin}, ":zero": {"N": "0"}},
        }
        items: list[dict[str, Any]] = []
        while True:
            response = await guarded(name, self._client.query(**request))
            items.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


async def write_items(client: Any, table_name: str, requests: list[dict[str, Any]], deadline_seconds: float) -> int:
    """BatchWriteItem in calls of 25 put/delete requests, unprocessed items retried; returns the calls made."""
    calls = 0

    async def step(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
        nonlocal calls
        calls += 1
        response = await guarded(table_name, client.batch_write_item(RequestItems={table_name: pending}))
        unprocessed: list[dict[str, Any]] = response.get("UnprocessedItems", {}).get(table_name, [])
        return unprocessed

    for start in range(0, len(requests), BATCH_WRITE_ITEMS):
        await until_complete(table_name, deadline_seconds, step, requests[start : start + BATCH_WRITE_ITEMS])
    return calls
