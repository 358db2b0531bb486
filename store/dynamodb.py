"""The store on Amazon DynamoDB: batch reads of per-VIN documents (store.tables) through one aiobotocore client."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
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
RECORD_ATTEMPTS = 10  # transactions on one idempotency key conflict only while its twins arrive at once


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
            self._decoded(tables.SERVICE_HISTORY, vins, prepared.event_from_json), self._recorded(vins)
        )
        return [tuple(sorted((*a, *b), key=history_order)) if b else a for a, b in zip(imported, recorded, strict=True)]

    async def record_event(self, event: ServiceEvent, idempotency_key: str | None, fingerprint: str) -> Recorded:
        """The vehicle's head gives out the event's number (an atomic ADD: concurrent recordings for one vehicle
        never conflict), then the event is written as an item of its own, in one transaction with the key's
        record when there is a key, only if the key is new: the claim is atomic. A key used meanwhile leaves its
        number unused (readers skip it) and returns the first result."""
        table = tables.RECORDED_EVENTS.suffix
        if idempotency_key is not None:
            earlier = await self._earlier(idempotency_key, fingerprint)
            if earlier is not None:
                return earlier
        for attempt in range(RECORD_ATTEMPTS):
            if attempt:  # a number taken or a concurrent transaction on the same key: back off a little, jittered
                await asyncio.sleep(random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)))
            put = await self._numbered(event)
            try:
                if idempotency_key is None:
                    await self._client.put_item(**put)
                else:
                    key_record = self._key_record(idempotency_key, fingerprint, event)
                    await self._client.transact_write_items(TransactItems=[{"Put": put}, {"Put": key_record}])
                return Recorded(event, created=True)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                    continue  # the number was taken
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if idempotency_key is not None and reasons[1:2] == ["ConditionalCheckFailed"]:
                    return await self._first_result(idempotency_key, fingerprint)
                if reasons[:1] != ["ConditionalCheckFailed"] and "TransactionConflict" not in reasons:
                    raise StoreUnavailable(table, str(exc)) from exc
            except (BotoCoreError, OSError) as exc:
                raise StoreUnavailable(table, str(exc)) from exc
        raise StoreUnavailable(table, f"{RECORD_ATTEMPTS} conflicting attempts to record an event for {event.vin}")

    async def _numbered(self, event: ServiceEvent) -> dict[str, Any]:
        """The write of the event under the next number of its vehicle's head, only where no event is yet: a head
        recreated after a deletion gives out used numbers again, and the next attempt takes the next one."""
        table = tables.RECORDED_EVENTS.name(self._settings.table_prefix)
        head = await self._guard(
            tables.RECORDED_EVENTS.suffix,
            self._client.update_item(
                TableName=table, Key=tables.key(event.vin), UpdateExpression="ADD #e :one",
                ExpressionAttributeNames={"#e": tables.EVENTS}, ExpressionAttributeValues={":one": {"N": "1"}},
                ReturnValues="UPDATED_NEW",
            ),
        )  # fmt: skip
        number = int(head["Attributes"][tables.EVENTS]["N"])
        return {
            "TableName": table,
            "Item": tables.event_item(event.vin, number, prepared.event_to_json(event)),
            "ConditionExpression": "attribute_not_exists(#vin)",
            "ExpressionAttributeNames": {"#vin": tables.VIN},
        }

    async def mark_published(self, idempotency_key: str, cursor: str) -> None:
        await self._guard(
            tables.IDEMPOTENCY_SUFFIX,
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

    async def _first_result(self, idempotency_key: str, fingerprint: str) -> Recorded:
        earlier = await self._earlier(idempotency_key, fingerprint)
        if earlier is None:
            raise StoreUnavailable(tables.IDEMPOTENCY_SUFFIX, f"idempotency key {idempotency_key!r} vanished")
        return earlier

    async def _earlier(self, idempotency_key: str, fingerprint: str) -> Recorded | None:
        """The first result of a used key (IdempotencyConflict for another request), None for a new key."""
        response = await self._guard(
            tables.IDEMPOTENCY_SUFFIX,
            self._client.get_item(
                TableName=self._idempotency_table, Key={tables.KEY: {"S": idempotency_key}}, ConsistentRead=True
            ),
        )
        item = response.get("Item")
        if item is None:
            return None
        if item[tables.FINGERPRINT]["S"] != fingerprint:
            raise IdempotencyConflict(idempotency_key)
        event = prepared.event_from_json(orjson.loads(item[tables.EVENT]["S"]))
        cursor = item[tables.CURSOR]["S"] if tables.CURSOR in item else None
        return Recorded(event, created=False, cursor=cursor)

    async def _guard(self, table: str, call: Awaitable[T]) -> T:
        try:
            return await guarded(table, call)
        except AwsUnavailable as exc:
            raise StoreUnavailable(table, exc.detail) from exc

    @asynccontextmanager
    async def _reading(self, table: VinTable) -> AsyncIterator[None]:
        """The reads inside share one deadline; what fails or runs out of time is the table's failure."""
        try:
            async with asyncio.timeout(self._settings.deadline_seconds):
                yield
        except AwsUnavailable as exc:
            raise StoreUnavailable(table.suffix, exc.detail) from exc
        except TimeoutError as exc:
            raise StoreUnavailable(table.suffix, "deadline passed") from exc

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
        async with self._reading(table):
            first_parts = await self._first_parts(table, unique)
            longer = [vin for vin, item in first_parts.items() if int(item.get(tables.PARTS, {"N": "1"})["N"]) > 1]
            rest = await all_of(self._later_parts(table, vin) for vin in longer)
        more = dict(zip(longer, rest, strict=True))
        documents = {vin: list(tables.records([item, *more.get(vin, [])])) for vin, item in first_parts.items()}
        return [documents.get(vin, []) for vin in vins]

    async def _first_parts(self, table: VinTable, vins: list[str]) -> dict[str, dict[str, Any]]:
        """Part 0 of every VIN."""
        return {item[tables.VIN]["S"]: item for item in await self._items(table, [tables.key(vin) for vin in vins])}

    async def _items(self, table: VinTable, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The items of the keys that exist: BatchGetItem in chunks of 100 keys, issued concurrently."""
        name = table.name(self._settings.table_prefix)
        found: list[dict[str, Any]] = []

        async def chunk(keys: list[dict[str, Any]]) -> None:
            async def step(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
                response = await guarded(
                    name, self._client.batch_get_item(RequestItems={name: {"Keys": pending, "ConsistentRead": False}})
                )
                found.extend(response.get("Responses", {}).get(name, []))
                unprocessed: list[dict[str, Any]] = response.get("UnprocessedKeys", {}).get(name, {}).get("Keys", [])
                return unprocessed

            await until_complete(name, self._settings.deadline_seconds, step, keys)

        await all_of(chunk(keys[i : i + BATCH_GET_KEYS]) for i in range(0, len(keys), BATCH_GET_KEYS))
        return found

    async def _recorded(self, vins: Sequence[str]) -> list[tuple[ServiceEvent, ...]]:
        """Recorded events of every VIN: the heads, then every event item they name (store.tables)."""
        table = tables.RECORDED_EVENTS
        async with self._reading(table):
            heads = await self._first_parts(table, list(dict.fromkeys(vins)))
            numbers = {vin: int(head.get(tables.EVENTS, {"N": "0"})["N"]) for vin, head in heads.items()}
            keys = [tables.key(vin, n) for vin, count in numbers.items() for n in range(1, count + 1)]
            items = await self._items(table, keys)
        # a head written before events were one item each carries them as a document of its own
        records = {vin: list(tables.records([head])) for vin, head in heads.items() if tables.DATA in head}
        for item in sorted(items, key=lambda i: int(i[tables.PART]["N"])):
            records.setdefault(item[tables.VIN]["S"], []).append(orjson.loads(item[tables.DATA]["S"]))
        decoded = {vin: tuple(prepared.event_from_json(r) for r in found) for vin, found in records.items()}
        return [decoded.get(vin, ()) for vin in vins]

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
