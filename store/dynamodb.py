"""The store on Amazon DynamoDB: batch reads of per-VIN documents (store.tables) through one aiobotocore client."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from calculation.records import CampaignVehicle, ServiceContract, ServiceEvent, Vehicle, history_order
from store import prepared, tables
from store.aws import BACKOFF_BASE_SECONDS, BACKOFF_CAP_SECONDS, guarded, until_complete
from store.aws_settings import AwsSettings, AwsUnavailable
from store.base import IdempotencyConflict, Recorded, StoreUnavailable
from store.tables import VinTable

T = TypeVar("T")
BATCH_GET_KEYS = 100  # DynamoDB's limit per BatchGetItem
BATCH_WRITE_ITEMS = 25  # DynamoDB's limit per BatchWriteItem
RECORD_ATTEMPTS = 10  # concurrent recordings for one vehicle are rare: a few backed-off optimistic retries suffice


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
        """Imported history and events recorded through the API, read concurrently and merged by date."""
        imported, recorded = await asyncio.gather(
            self._decoded(tables.SERVICE_HISTORY, vins, prepared.event_from_json),
            self._decoded(tables.RECORDED_EVENTS, vins, prepared.event_from_json),
        )
        return [
            tuple(sorted((*a, *b), key=history_order)) if b else a
            for a, b in zip(imported, recorded, strict=True)
        ]

    async def record_event(self, event: ServiceEvent, idempotency_key: str | None, fingerprint: str) -> Recorded:
        """One transaction: the vehicle's recorded-events document (optimistic version check) and, with a key,
        the idempotency record (only if new). A lost version race is retried; a used key returns its result."""
        name = tables.RECORDED_EVENTS.name(self._settings.table_prefix)
        for attempt in range(RECORD_ATTEMPTS):
            if attempt:  # another writer won the version race: back off a little, jittered, and read again
                await asyncio.sleep(random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)))
            response = await self._guard(
                tables.RECORDED_EVENTS.source,
                self._client.get_item(TableName=name, Key=tables.key(event.vin), ConsistentRead=True),
            )
            current = response.get("Item")
            version = int(current[tables.VERSION]["N"]) if current else 0
            document = [*(tables.records([current]) if current else []), prepared.event_to_json(event)]
            (item,) = tables.items(event.vin, document)
            item[tables.VERSION] = {"N": str(version + 1)}
            put: dict[str, Any] = {"TableName": name, "Item": item}
            if current:
                put |= {"ConditionExpression": "#v = :v", "ExpressionAttributeNames": {"#v": tables.VERSION},
                        "ExpressionAttributeValues": {":v": {"N": str(version)}}}  # fmt: skip
            else:
                put |= {"ConditionExpression": "attribute_not_exists(#vin)",
                        "ExpressionAttributeNames": {"#vin": tables.VIN}}  # fmt: skip
            writes: list[dict[str, Any]] = [{"Put": put}]
            if idempotency_key is not None:
                writes.append({"Put": self._key_record(idempotency_key, fingerprint, event)})
            try:
                await self._client.transact_write_items(TransactItems=writes)
                return Recorded(event, created=True)
            except ClientError as exc:
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                    return await self._earlier(idempotency_key or "", fingerprint)
                if not reasons or reasons[0] != "ConditionalCheckFailed":
                    raise StoreUnavailable(tables.RECORDED_EVENTS.source, str(exc)) from exc
            except (BotoCoreError, OSError) as exc:
                raise StoreUnavailable(tables.RECORDED_EVENTS.source, str(exc)) from exc
        raise StoreUnavailable(tables.RECORDED_EVENTS.source, f"{RECORD_ATTEMPTS} concurrent write conflicts")

    async def mark_published(self, idempotency_key: str, cursor: str) -> None:
        await self._guard(
            tables.RECORDED_EVENTS.source,
            self._client.update_item(
                TableName=self._idempotency_table, Key={tables.KEY: {"S": idempotency_key}},
                UpdateExpression="SET #c = :c", ExpressionAttributeNames={"#c": tables.CURSOR},
                ExpressionAttributeValues={":c": {"S": cursor}},
            ),
        )  # fmt: skip

    @property
    def _idempotency_table(self) -> str:
        return f"{self._settings.table_prefix}{tables.IDEMPOTENCY_SUFFIX}"

    def _key_record(self, idempotency_key: str, fingerprint: str, event: ServiceEvent) -> dict[str, Any]:
        return {
            "TableName": self._idempotency_table,
            "Item": {
                tables.KEY: {"S": idempotency_key},
                tables.FINGERPRINT: {"S": fingerprint},
                tables.EVENT: {"S": prepared.dumps(prepared.event_to_json(event))},
            },
            "ConditionExpression": "attribute_not_exists(#k)",
            "ExpressionAttributeNames": {"#k": tables.KEY},
        }

    async def _earlier(self, idempotency_key: str, fingerprint: str) -> Recorded:
        response = await self._guard(
            tables.RECORDED_EVENTS.source,
            self._client.get_item(
                TableName=self._idempotency_table, Key={tables.KEY: {"S": idempotency_key}}, ConsistentRead=True
            ),
        )
        item = response["Item"]
        if item[tables.FINGERPRINT]["S"] != fingerprint:
            raise IdempotencyConflict(idempotency_key)
        event = prepared.event_from_json(orjson.loads(item[tables.EVENT]["S"]))
        cursor = item[tables.CURSOR]["S"] if tables.CURSOR in item else None
        return Recorded(event, created=False, cursor=cursor)

    async def _guard(self, source: str, call: Awaitable[T]) -> T:
        try:
            return await guarded(source, call)
        except AwsUnavailable as exc:
            raise StoreUnavailable(source, exc.detail) from exc

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
        documents = {vin: list(tables.records([item, *more.get(vin, [])])) for vin, item in first_parts.items()}
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
