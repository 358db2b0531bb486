"""Recorded events on DynamoDB (moto server on loopback): one item per event, so a vehicle's recorded history
never nears the 400 KB item limit; the idempotency key is claimed atomically by concurrent twins."""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from calculation.records import EventItem, ServiceEvent
from config import Config
from resolvers.events import MAX_NOTE_LENGTH
from server import create_app
from store import tables
from store.aws import aws_client
from store.dynamodb import DynamoStore
from tests.api.conftest import codes, graphql
from tests.api.test_real_server import BIN, serve
from tests.aws.proxy import MotoProxy
from tests.aws.test_backends import (  # noqa: F401  (fixtures)
    HISTORY,
    RECORD,
    SETTINGS,
    VIN,
    counted,
    dynamodb,
    dynamodb_config,
    service_event,
)
from tests.bus.conftest import redis_server, redis_url  # noqa: F401  (fixtures)
from tests.events.test_exactly_once import TWINS, one_event_id, request, send_at_once, stream_length
from tests.events.test_subscriptions import nothing_more
from tests.events.ws_client import Subscriber

EVENTS = 1000
NOTE = "𝄞" * MAX_NOTE_LENGTH  # the longest note, of four-byte characters: the most bytes a note can take


def maximal(n: int) -> ServiceEvent:
    return ServiceEvent(
        event_id=f"DSS-{VIN}-X{n:011d}", vin=VIN, date=date(2025, 1, 1) + timedelta(days=n % 150), odometer=80_000 + n,
        workshop_code="W" * 32, authorised_workshop=True, source_systems=("DSS",), source_refs=(f"R-{n}",),
        items=(EventItem("POLLEN_FILTER"),), note=NOTE, effective_odometer=80_000 + n,
    )  # fmt: skip


async def record_all(events: list[ServiceEvent]) -> None:
    async with aws_client("dynamodb", SETTINGS) as client:
        store = DynamoStore(client, SETTINGS)
        limit = asyncio.Semaphore(16)

        async def one(event: ServiceEvent) -> None:
            async with limit:
                assert (await store.record_event(event, None, "")).created

        await asyncio.gather(*(one(e) for e in events))


async def head_count() -> int:
    """The numbers the vehicle's head has given out."""
    async with aws_client("dynamodb", SETTINGS) as client:
        table = tables.RECORDED_EVENTS.name(SETTINGS.table_prefix)
        head = await client.get_item(TableName=table, Key=tables.key(VIN), ConsistentRead=True)
        return int(head["Item"][tables.EVENTS]["N"])


async def largest_item() -> int:
    async with aws_client("dynamodb", SETTINGS) as client:
        pages = client.get_paginator("scan").paginate(TableName=tables.RECORDED_EVENTS.name(SETTINGS.table_prefix))
        sizes = [len(item.get(tables.DATA, {}).get("S", "").encode()) async for page in pages for item in page["Items"]]
        return max(sizes)


def test_a_thousand_events_with_the_longest_notes_for_one_vehicle_are_kept_and_read_back(
    counted: tuple[TestClient, MotoProxy],  # noqa: F811
) -> None:
    client, proxy = counted
    asyncio.run(record_all([maximal(n) for n in range(EVENTS)]))
    assert asyncio.run(largest_item()) < 12_000, "an item holds one event, however long the history"
    numbers = asyncio.run(head_count())
    proxy.reset_counts()
    history = graphql(client, f'{{ vehicle(vin: "{VIN}") {{ serviceEvents {{ id note }} }} }}')
    events = history["data"]["vehicle"]["serviceEvents"]
    recorded = [e for e in events if e["id"].startswith(f"DSS-{VIN}-X")]
    assert sorted(e["id"] for e in recorded) == [maximal(n).event_id for n in range(EVENTS)]
    assert {e["note"] for e in recorded} == {NOTE}
    # the vehicle, its imported history, its recorded events' head, then its events by 100 numbers (moto's ADD is
    # not atomic under concurrent writes, so some numbers were taken twice and skipped: the head counts them all)
    assert numbers >= EVENTS and proxy.counts() == {"BatchGetItem": 3 + -(-numbers // 100)}
    # and the vehicle still takes recordings through the API
    body = graphql(client, RECORD, {"input": {**service_event(), "note": NOTE}, "key": "after-1000"})
    assert "errors" not in body, body
    after = graphql(client, HISTORY)["data"]["vehicle"]["serviceEvents"]
    assert len(after) == len(events) + 1


def test_concurrent_identical_keyed_recordings_give_one_event(dynamodb_config: Config) -> None:  # noqa: F811
    async def twins() -> list[Any]:
        async with aws_client("dynamodb", SETTINGS) as client:
            store = DynamoStore(client, SETTINGS)
            events = [maximal(n) for n in range(12)]
            return list(await asyncio.gather(*(store.record_event(e, "ro-77", "same request") for e in events)))

    results = asyncio.run(twins())
    assert len({r.event.event_id for r in results}) == 1
    assert sorted(r.created for r in results) == [False] * 11 + [True]
    with TestClient(create_app(dynamodb_config)) as client:
        history = [e["id"] for e in graphql(client, HISTORY)["data"]["vehicle"]["serviceEvents"]]
    assert history.count(results[0].event.event_id) == 1 and len(history) == 6


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"note": "n" * (MAX_NOTE_LENGTH + 1)}, "NOTE_TOO_LONG"),
        ({"workshopCode": "W" * 33}, "WORKSHOP_CODE_TOO_LONG"),
        ({"itemCodes": ["POLLEN_FILTER"] * 51}, "TOO_MANY_ITEM_CODES"),
    ],
)
def test_input_past_the_bounds_is_refused_before_anything_is_written(
    dynamodb: TestClient,  # noqa: F811
    changes: dict[str, Any],
    code: str,
) -> None:
    before = graphql(dynamodb, HISTORY)["data"]["vehicle"]["serviceEvents"]
    body = graphql(dynamodb, RECORD, {"input": {**service_event(), **changes}, "key": "ro-1"})
    assert body["data"] is None and codes(body) == [code]
    assert graphql(dynamodb, HISTORY)["data"]["vehicle"]["serviceEvents"] == before


def test_two_servers_on_one_dynamodb_and_one_redis_record_and_publish_concurrent_twins_once(
    dynamodb_config: Config,  # noqa: F811
    redis_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    env = {"AFTERSALES_BACKEND": "dynamodb", "AFTERSALES_TABLE_PREFIX": SETTINGS.table_prefix,
           "AFTERSALES_BUCKET": SETTINGS.bucket, "AFTERSALES_EVENT_BUS": "redis", "AFTERSALES_REDIS_URL": redis_url,
           "AFTERSALES_CACHE_DIR": str(tmp_path)}  # fmt: skip
    served = contextmanager(serve)
    command = [str(BIN / "aftersales"), "serve"]
    with served(command, env) as (first, _), served(command, env) as (second, _):

        async def scenario() -> str:
            subscribers = [await Subscriber.open(first), await Subscriber.open(second)]
            bodies = await send_at_once([first, second], request())
            assert len(bodies) == TWINS
            event_id = one_event_id(bodies)
            for subscriber in subscribers:
                assert (await subscriber.next())["event"]["id"] == event_id
            for subscriber in subscribers:
                await nothing_more(subscriber)
            return event_id

        event_id = asyncio.run(scenario())
        with TestClient(create_app(dynamodb_config)) as client:
            history = [e["id"] for e in graphql(client, HISTORY)["data"]["vehicle"]["serviceEvents"]]
    assert history.count(event_id) == 1 and len(history) == 6
    assert stream_length(redis_url) == 1


def test_a_head_recreated_after_a_deletion_gives_the_next_free_number_not_an_error(
    dynamodb_config: Config,  # noqa: F811
) -> None:
    async def record_around_a_lost_head() -> list[str]:
        async with aws_client("dynamodb", SETTINGS) as client:
            store = DynamoStore(client, SETTINGS)
            for n in range(3):
                await store.record_event(maximal(n), None, "")
            # the head counts again from 1 while events 1 to 3 exist: each write finds its number taken
            await client.delete_item(TableName=tables.RECORDED_EVENTS.name(SETTINGS.table_prefix), Key=tables.key(VIN))
            assert (await store.record_event(maximal(3), None, "")).created
            return [e.event_id for e in (await store.service_events([VIN]))[0] if e.event_id.startswith(f"DSS-{VIN}-X")]

    assert sorted(asyncio.run(record_around_a_lost_head())) == [maximal(n).event_id for n in range(4)]
