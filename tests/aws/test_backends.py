"""The API on DynamoDB and S3 (moto server on loopback) against the embedded backend: same answers, batched
reads counted at the HTTP level, unprocessed keys, throttling, long histories, a stopped endpoint, the archive."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiobotocore.session import get_session
from starlette.testclient import TestClient

from bench.graph import SHAPES
from catalog import default_catalog
from config import Config, QueryLimits
from preparation.aws_import import import_into_dynamodb
from server import create_app
from store import tables
from store.aws import aws_client
from store.aws_settings import AwsSettings
from store.dynamodb import DynamoStore, write_items
from store.embedded import EmbeddedStore
from store.prepared import PreparedDataError
from store.provision import ensure_resources
from tests.api.conftest import codes, graphql
from tests.aws.moto_server import MotoServer
from tests.aws.proxy import MotoProxy

# generous timeouts: on a busy machine a retried call would be counted twice (tests of timeouts set their own)
SETTINGS = AwsSettings(
    table_prefix="test-", bucket="aftersales-test-archive", call_timeout_seconds=10.0, deadline_seconds=20.0
)
VIN = "WXVZZZB8ZME456992"
FULL = """query($vins: [String!]!) { vehicles(vins: $vins) {
  vin engine { code oilNorms { code issuer } } serviceEvents { id items { code } } contracts { id }
  openCampaigns { code } serviceQuote(input: {quoteDate: "2025-06-30", odometer: 90000}) { totals { net } } } }"""


def load_into_dynamodb(raw_delivery: Path, settings: AwsSettings = SETTINGS) -> list[str]:
    asyncio.run(ensure_resources(settings))
    _, notes = asyncio.run(import_into_dynamodb(str(raw_delivery), settings, default_catalog()))
    return notes


@pytest.fixture
def dynamodb_config(aws_env: MotoServer, raw_delivery: Path, tmp_path: Path) -> Config:
    load_into_dynamodb(raw_delivery)
    return Config(backend="dynamodb", aws=SETTINGS, cache_dir=tmp_path)


@pytest.fixture
def dynamodb(dynamodb_config: Config) -> Iterator[TestClient]:
    with TestClient(create_app(dynamodb_config)) as client:
        yield client


@pytest.fixture
def counted(aws_env_via_proxy: MotoProxy, raw_delivery: Path, tmp_path: Path) -> Iterator[tuple[TestClient, MotoProxy]]:
    load_into_dynamodb(raw_delivery)
    config = Config(backend="dynamodb", aws=SETTINGS, cache_dir=tmp_path, limits=QueryLimits(max_keys=250))
    with TestClient(create_app(config)) as client:
        aws_env_via_proxy.reset_counts()
        yield client, aws_env_via_proxy


def test_both_backends_give_the_same_json(client: TestClient, dynamodb: TestClient, vins: list[str]) -> None:
    queries = [(query, {"vins": vins[:count]}) for query, count, _ in SHAPES.values()]
    queries.append((FULL, {"vins": vins[:100]}))
    for query, variables in queries:
        memory = graphql(client, query, variables)
        assert "errors" not in memory
        assert graphql(dynamodb, query, variables) == memory


def test_store_reads_equal_the_embedded_store(dynamodb_config: Config, prepared: Path, vins: list[str]) -> None:
    embedded = EmbeddedStore.load(prepared)

    async def read_all(store: Any) -> tuple[Any, ...]:
        asked = [*vins, "WXVZZZB8ZME000001"]
        return tuple(
            await asyncio.gather(
                store.vehicles(asked),
                store.service_events(asked),
                store.contracts(asked),
                store.campaign_vehicles(asked),
            )
        )

    async def from_dynamodb() -> tuple[Any, ...]:
        async with aws_client("dynamodb", SETTINGS) as client:
            return await read_all(DynamoStore(client, SETTINGS))

    assert asyncio.run(from_dynamodb()) == asyncio.run(read_all(embedded))


@pytest.mark.parametrize("count", [1, 10, 100, 250])
def test_dynamodb_requests_per_graphql_request_do_not_grow_with_vins(
    counted: tuple[TestClient, MotoProxy], vins: list[str], count: int
) -> None:
    client, proxy = counted
    asked = (vins + [f"WXVZZZB8ZME{n:06d}" for n in range(200)])[:count]
    body = graphql(client, FULL, {"vins": asked})
    assert "errors" not in body
    found = sum(v is not None for v in body["data"]["vehicles"])
    assert found == min(count, len(vins))

    def chunks(keys: int) -> int:  # BatchGetItem takes at most 100 keys
        return -(-keys // 100)

    # one BatchGetItem per table and chunk, all in the first round and so for every VIN asked: the vehicles, the
    # imported history, the events recorded through the API, contracts and campaigns (engines and oil norms are
    # technical data served from the catalogue)
    assert proxy.counts() == {"BatchGetItem": 5 * chunks(count)}


def test_throttled_reads_are_retried(counted: tuple[TestClient, MotoProxy]) -> None:
    client, proxy = counted
    proxy.fail_next("BatchGetItem", times=2)
    body = graphql(client, f'{{ vehicle(vin: "{VIN}") {{ vin }} }}')
    assert body == {"data": {"vehicle": {"vin": VIN}}}
    assert proxy.injected() == {"BatchGetItem": 2}


def test_a_source_that_stays_throttled_is_unavailable_and_named(counted: tuple[TestClient, MotoProxy]) -> None:
    client, proxy = counted
    proxy.fail_next("BatchGetItem", times=3)  # every attempt of the standard retry mode
    body = graphql(client, f'{{ markets {{ code }} vehicle(vin: "{VIN}") {{ vin }} }}')
    assert len(body["data"]["markets"]) == 10 and body["data"]["vehicle"] is None
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["source"]) == ("SOURCE_UNAVAILABLE", "VMS")
    assert "Rate exceeded" not in str(body) and "Throughput" not in str(body)


def test_an_unavailable_source_costs_only_its_own_fields(counted: tuple[TestClient, MotoProxy]) -> None:
    """The vehicle and the other sources' fields are kept; each field that reads the failed source is null."""
    client, proxy = counted
    history_table = tables.SERVICE_HISTORY.name(SETTINGS.table_prefix).encode()
    proxy.fail_next("BatchGetItem", times=3, matching=history_table)  # every attempt of the standard retry mode
    query = """query($vins: [String!]!) { vehicles(vins: $vins) {
        vin brand { code } contracts { id } serviceEvents { id }
        serviceQuote(input: {quoteDate: "2026-06-30", odometer: 60000}) { currency } } }"""
    body = graphql(client, query, {"vins": [VIN]})
    (vehicle,) = body["data"]["vehicles"]
    assert vehicle["vin"] == VIN and vehicle["brand"] is not None and isinstance(vehicle["contracts"], list)
    assert vehicle["serviceEvents"] is None and vehicle["serviceQuote"] is None
    failed = {(tuple(e["path"]), e["extensions"]["code"], e["extensions"]["source"]) for e in body["errors"]}
    assert failed == {
        (("vehicles", 0, "serviceEvents"), "SOURCE_UNAVAILABLE", "DSS/DMS"),
        (("vehicles", 0, "serviceQuote"), "SOURCE_UNAVAILABLE", "DSS/DMS"),
    }
    # the failure is kept for the request: both fields fail with the one batch (and its retries), not a second
    assert proxy.injected() == {"BatchGetItem": 3}


def test_an_unavailable_vehicle_master_is_an_error_at_each_vehicle_of_a_list(
    counted: tuple[TestClient, MotoProxy], vins: list[str]
) -> None:
    client, proxy = counted
    proxy.fail_next("BatchGetItem", times=3)
    body = graphql(client, "query($v: [String!]!) { markets { code } vehicles(vins: $v) { vin } }", {"v": vins[:2]})
    assert len(body["data"]["markets"]) == 10 and body["data"]["vehicles"] == [None, None]
    assert [(e["path"], e["extensions"]["code"], e["extensions"]["source"]) for e in body["errors"]] == [
        (["vehicles", 0], "SOURCE_UNAVAILABLE", "VMS"),
        (["vehicles", 1], "SOURCE_UNAVAILABLE", "VMS"),
    ]


def large_history(vin: str, events: int, note_bytes: int) -> list[dict[str, Any]]:
    return [
        {
            "eventId": f"DSS-{vin}-{k:03d}", "vin": vin, "date": f"2021-{1 + k % 12:02d}-01", "odometer": 1000 * k,
            "effectiveOdometer": 1000 * k, "plausibility": "OK", "workshopCode": "DE-001", "authorisedWorkshop": True,
            "sourceSystems": ["DSS"], "sourceRefs": [f"DSS-{vin}-{k:03d}"],
            "items": [{"itemCode": "POLLEN_FILTER", "performed": True, "campaignCode": None, "note": None}],
            "invoiceTotal": None, "currency": None, "note": "x" * note_bytes,
        }
        for k in range(events)
    ]  # fmt: skip


def write_histories(histories: dict[str, list[dict[str, Any]]]) -> None:
    async def write() -> None:
        async with aws_client("dynamodb", SETTINGS) as client:
            requests = [{"PutRequest": {"Item": item}} for vin, h in histories.items() for item in tables.items(vin, h)]
            await write_items(client, tables.SERVICE_HISTORY.name(SETTINGS.table_prefix), requests, 60)

    asyncio.run(write())


def test_unprocessed_keys_of_a_response_over_16_mb_are_fetched_until_complete(
    counted: tuple[TestClient, MotoProxy], vins: list[str]
) -> None:
    client, proxy = counted
    # 60 histories of ~340 KB: one BatchGetItem answer would be ~20 MB, over DynamoDB's 16 MB
    write_histories({vin: large_history(vin, 10, 34_000) for vin in vins[:60]})
    proxy.reset_counts()
    body = graphql(
        client, "query($v: [String!]!) { vehicles(vins: $v) { vin serviceEvents { id } } }", {"v": vins[:60]}
    )
    assert "errors" not in body
    assert [len(v["serviceEvents"]) for v in body["data"]["vehicles"]] == [10] * 60
    # vehicles once, recorded events once, imported histories at least twice (the unprocessed rest)
    assert proxy.counts()["BatchGetItem"] >= 4


def test_a_history_longer_than_one_item_is_read_with_query_pages(counted: tuple[TestClient, MotoProxy]) -> None:
    client, proxy = counted
    history = large_history(VIN, 80, 30_000)  # ~2.4 MB: 7 parts, more than one 1 MB Query page
    write_histories({VIN: history})
    proxy.reset_counts()
    body = graphql(client, f'{{ vehicle(vin: "{VIN}") {{ serviceEvents {{ id }} }} }}')
    assert [e["id"] for e in body["data"]["vehicle"]["serviceEvents"]] == [e["eventId"] for e in history]
    assert proxy.counts()["Query"] >= 2


def test_a_stopped_endpoint_leaves_the_server_up_with_partial_data(
    stoppable_moto: MotoServer, raw_delivery: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", stoppable_moto.url)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "eu-central-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    settings = replace(SETTINGS, call_timeout_seconds=1.0, deadline_seconds=3.0)
    load_into_dynamodb(raw_delivery, settings)
    config = Config(backend="dynamodb", aws=settings, cache_dir=tmp_path)
    with TestClient(create_app(config)) as client:
        assert graphql(client, f'{{ vehicle(vin: "{VIN}") {{ vin }} }}')["data"]["vehicle"] == {"vin": VIN}
        stoppable_moto.stop()
        body = graphql(client, f'{{ brands {{ code }} vehicle(vin: "{VIN}") {{ vin }} }}')
        assert len(body["data"]["brands"]) == 8 and body["data"]["vehicle"] is None
        assert [(e["extensions"]["code"], e["extensions"]["source"]) for e in body["errors"]] == [
            ("SOURCE_UNAVAILABLE", "VMS")
        ]
        assert "Traceback" not in str(body) and "Endpoint" not in str(body)
        assert client.get("/healthz").json() == {"status": "ok"}
        assert graphql(client, "{ markets { code } }")["data"]["markets"][0] == {"code": "DE"}


def test_init_aws_is_idempotent(aws_env: MotoServer) -> None:
    created = asyncio.run(ensure_resources(SETTINGS))
    assert created == [
        *(t.name(SETTINGS.table_prefix) for t in tables.TABLES),
        f"{SETTINGS.table_prefix}{tables.IDEMPOTENCY_SUFFIX}",
        f"s3://{SETTINGS.bucket}",
    ]
    assert asyncio.run(ensure_resources(SETTINGS)) == []


def test_import_is_idempotent_and_a_later_delivery_updates(
    aws_env: MotoServer, raw_delivery: Path, tmp_path: Path
) -> None:
    first = load_into_dynamodb(raw_delivery)
    assert not first[0].startswith("DynamoDB: 0 ")
    assert load_into_dynamodb(raw_delivery)[0] == "DynamoDB: 0 item writes in 0 BatchWriteItem calls (tables test-*)"
    later = tmp_path / "later"
    later.mkdir()
    (later / "service_events.jsonl").write_text(
        '{"eventId": "DSS-WXVZZZB8ZME456992-901", "vin": "WXVZZZB8ZME456992", "date": "2025-06-01", '
        '"odometer": 80000, "workshopCode": "DE-001", "authorisedWorkshop": true, "sourceSystem": "DSS", '
        '"sourceRef": "DSS-WXVZZZB8ZME456992-901", "items": [{"itemCode": "POLLEN_FILTER", "performed": true}]}\n'
    )
    _, notes = asyncio.run(import_into_dynamodb(str(later), SETTINGS, default_catalog()))
    assert notes[0] == "DynamoDB: 1 item writes in 1 BatchWriteItem calls (tables test-*)"
    with TestClient(create_app(Config(backend="dynamodb", aws=SETTINGS, cache_dir=tmp_path))) as client:
        events = graphql(client, f'{{ vehicle(vin: "{VIN}") {{ serviceEvents {{ id }} }} }}')
    assert events["data"]["vehicle"]["serviceEvents"][-1] == {"id": "DSS-WXVZZZB8ZME456992-901"}


def test_an_import_state_whose_upload_was_cut_short_is_refused_not_merged(
    aws_env: MotoServer, raw_delivery: Path
) -> None:
    load_into_dynamodb(raw_delivery)

    async def cut_short() -> None:
        async with aws_client("s3", SETTINGS) as s3:
            await s3.put_object(Bucket=SETTINGS.bucket, Key="prepared-state/raw/vehicles.jsonl", Body=b"")

    asyncio.run(cut_short())
    with pytest.raises(PreparedDataError, match=r"import state in s3://aftersales-test-archive/prepared-state/ .*"
                       r"raw/vehicles\.jsonl does not match the record count and SHA-256"):  # fmt: skip
        load_into_dynamodb(raw_delivery)


def test_import_reads_a_delivery_from_s3(aws_env: MotoServer, raw_delivery: Path, tmp_path: Path) -> None:
    async def upload() -> None:
        async with aws_client("s3", SETTINGS) as s3:
            await s3.create_bucket(
                Bucket="deliveries", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
            )
            for path in raw_delivery.iterdir():
                await s3.put_object(Bucket="deliveries", Key=f"2025-06/{path.name}", Body=path.read_bytes())

    asyncio.run(upload())
    asyncio.run(ensure_resources(SETTINGS))
    counts, _ = asyncio.run(import_into_dynamodb("s3://deliveries/2025-06", SETTINGS, default_catalog()))
    assert counts["vehicles.jsonl"].accepted == 120
    with TestClient(create_app(Config(backend="dynamodb", aws=SETTINGS, cache_dir=tmp_path))) as client:
        assert graphql(client, f'{{ vehicle(vin: "{VIN}") {{ vin }} }}')["data"]["vehicle"] == {"vin": VIN}


ARCHIVE = """mutation($vin: String!) {
  archiveServiceQuote(vin: $vin, input: {quoteDate: "2025-06-30", odometer: 75000}) {
    id vin input { quoteDate odometer customerGroup } quote { totals { payer payable } } document } }"""
READ = "query($id: String!) { archivedQuote(id: $id) { id vin quote { totals { payer payable } } document } }"


@pytest.mark.parametrize("backend", ["memory", "dynamodb"])
def test_archived_quotes_read_back_byte_for_byte(backend: str, request: pytest.FixtureRequest, vins: list[str]) -> None:
    client: TestClient = request.getfixturevalue("client" if backend == "memory" else "dynamodb")
    archived = graphql(client, ARCHIVE, {"vin": VIN.lower()})["data"]["archiveServiceQuote"]
    assert archived["vin"] == VIN and archived["input"] == {"quoteDate": "2025-06-30", "odometer": 75000,
                                                            "customerGroup": "RETAIL"}  # fmt: skip
    again = graphql(client, ARCHIVE, {"vin": VIN})["data"]["archiveServiceQuote"]
    assert again["id"] == archived["id"], "the same quote of the same inputs is archived once"
    read = graphql(client, READ, {"id": archived["id"]})["data"]["archivedQuote"]
    assert read["document"] == archived["document"] and read["quote"] == archived["quote"]
    live = graphql(client, f'{{ vehicle(vin: "{VIN}") {{ serviceQuote(input: {{quoteDate: "2025-06-30", '
                           'odometer: 75000}) { totals { payer payable } } } }')  # fmt: skip
    assert read["quote"] == live["data"]["vehicle"]["serviceQuote"]
    assert graphql(client, READ, {"id": "0" * 64}) == {"data": {"archivedQuote": None}}
    assert codes(graphql(client, READ, {"id": "nope"})) == ["INVALID_ARCHIVE_ID"]
    if backend == "dynamodb":
        assert stored_object(archived["id"]) == archived["document"].encode()


def stored_object(quote_id: str) -> bytes:
    async def get() -> bytes:
        async with get_session().create_client("s3") as s3:
            response = await s3.get_object(Bucket=SETTINGS.bucket, Key=f"quotes/{quote_id}.json")
            async with response["Body"] as body:
                data: bytes = await body.read()
                return data

    return asyncio.run(get())


def test_mutations_are_refused_over_get(client: TestClient) -> None:
    mutation = (
        f'mutation {{ archiveServiceQuote(vin: "{VIN}", input: {{quoteDate: "2025-06-30", odometer: 1}}) {{ id }} }}'
    )
    response = client.get("/graphql", params={"query": mutation})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert codes(response.json()) == ["METHOD_NOT_ALLOWED"]
    assert "not served over GET" in response.json()["errors"][0]["message"]


def test_a_slow_source_times_out_at_its_deadline(
    aws_env_via_proxy: MotoProxy, raw_delivery: Path, tmp_path: Path
) -> None:
    load_into_dynamodb(raw_delivery)
    settings = replace(SETTINGS, call_timeout_seconds=0.3, deadline_seconds=1.0)
    with TestClient(create_app(Config(backend="dynamodb", aws=settings, cache_dir=tmp_path))) as client:
        aws_env_via_proxy.delay("BatchGetItem", 5.0)
        started = time.monotonic()
        body = graphql(client, f'{{ markets {{ code }} vehicle(vin: "{VIN}") {{ vin }} }}')
        elapsed = time.monotonic() - started
        aws_env_via_proxy.delay("BatchGetItem", 0)
    assert codes(body) == ["SOURCE_UNAVAILABLE"] and len(body["data"]["markets"]) == 10
    assert elapsed < 3.0, "the deadline bounds the wait, not the slow source"


RECORD = """mutation($input: ServiceEventInput!, $key: String) {
  recordServiceEvent(input: $input, idempotencyKey: $key) { id odometer plausibility } }"""
HISTORY = f'{{ vehicle(vin: "{VIN}") {{ serviceEvents {{ id }} }} }}'


def service_event(odometer: int = 80_000) -> dict[str, Any]:
    return {"vin": VIN, "date": "2025-06-30", "odometer": odometer, "workshopCode": "DE-042",
            "authorisedWorkshop": True, "itemCodes": ["POLLEN_FILTER"]}  # fmt: skip


def test_recording_on_dynamodb_is_visible_and_idempotent(dynamodb: TestClient) -> None:
    before = graphql(dynamodb, HISTORY)["data"]["vehicle"]["serviceEvents"]
    first = graphql(dynamodb, RECORD, {"input": service_event(), "key": "ro-1"})["data"]["recordServiceEvent"]
    again = graphql(dynamodb, RECORD, {"input": service_event(), "key": "ro-1"})["data"]["recordServiceEvent"]
    assert again == first
    reused = graphql(dynamodb, RECORD, {"input": service_event(80_001), "key": "ro-1"})
    assert codes(reused) == ["IDEMPOTENCY_KEY_REUSED"]
    after = graphql(dynamodb, HISTORY)["data"]["vehicle"]["serviceEvents"]
    assert after == [*before, {"id": first["id"]}]


def test_concurrent_recordings_for_one_vehicle_are_all_kept(dynamodb: TestClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def one(n: int) -> str:
        body = graphql(dynamodb, RECORD, {"input": service_event(80_000 + n), "key": f"ro-{n}"})
        event_id: str = body["data"]["recordServiceEvent"]["id"]
        return event_id

    with ThreadPoolExecutor(max_workers=4) as pool:
        recorded = set(pool.map(one, range(8)))
    history = {e["id"] for e in graphql(dynamodb, HISTORY)["data"]["vehicle"]["serviceEvents"]}
    assert len(recorded) == 8 and recorded <= history
