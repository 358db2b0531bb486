"""The AWS test infrastructure itself: moto as a process, the counting and fault-injecting proxy, the env fixture."""

from __future__ import annotations

import asyncio
import http.client
import io
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiobotocore.session import get_session as get_aio_session
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.session import get_session

from tests.aws.conftest import REGION
from tests.aws.moto_server import MotoServer
from tests.aws.proxy import MotoProxy

NO_RETRIES = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=5)
KEYS = [{"AttributeName": "vin", "KeyType": "HASH"}]
ATTRIBUTES = [{"AttributeName": "vin", "AttributeType": "S"}]


def client(service: str, endpoint_url: str | None = None, config: Any = NO_RETRIES) -> Any:
    """A synchronous botocore client; without `endpoint_url` it finds everything in the environment (`aws_env`)."""
    if endpoint_url is None:
        return get_session().create_client(service, config=config)
    return get_session().create_client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


def create_table(dynamodb: Any, name: str = "vehicles") -> None:
    dynamodb.create_table(
        TableName=name, KeySchema=KEYS, AttributeDefinitions=ATTRIBUTES, BillingMode="PAY_PER_REQUEST"
    )


def test_a_table_is_created_written_and_read_through_the_proxy(aws_env: MotoServer, moto_proxy: MotoProxy) -> None:
    dynamodb = client("dynamodb", moto_proxy.url)
    create_table(dynamodb)
    dynamodb.put_item(TableName="vehicles", Item={"vin": {"S": "WVW1"}, "model": {"S": "Golf"}})

    item = dynamodb.get_item(TableName="vehicles", Key={"vin": {"S": "WVW1"}})["Item"]

    assert item == {"vin": {"S": "WVW1"}, "model": {"S": "Golf"}}
    # the write went to moto itself, not to something the proxy keeps
    assert client("dynamodb").list_tables()["TableNames"] == ["vehicles"]


def test_counts_are_exact_per_operation(aws_env: MotoServer, moto_proxy: MotoProxy) -> None:
    dynamodb = client("dynamodb", moto_proxy.url)
    create_table(dynamodb)
    moto_proxy.reset_counts()

    for _ in range(3):
        dynamodb.get_item(TableName="vehicles", Key={"vin": {"S": "WVW1"}})
    dynamodb.batch_get_item(RequestItems={"vehicles": {"Keys": [{"vin": {"S": "WVW1"}}, {"vin": {"S": "WVW2"}}]}})

    assert moto_proxy.counts() == Counter({"GetItem": 3, "BatchGetItem": 1})
    counts = moto_proxy.counts()
    counts["GetItem"] += 10  # a copy: the proxy's own numbers stay
    assert moto_proxy.counts()["GetItem"] == 3
    moto_proxy.reset_counts()
    assert moto_proxy.counts() == Counter()


def test_fail_next_answers_with_throttling_once_then_forwards(aws_env: MotoServer, moto_proxy: MotoProxy) -> None:
    dynamodb = client("dynamodb", moto_proxy.url)
    create_table(dynamodb)
    moto_proxy.reset_counts()
    moto_proxy.fail_next("GetItem", 1)

    with pytest.raises(ClientError) as raised:
        dynamodb.get_item(TableName="vehicles", Key={"vin": {"S": "WVW1"}})
    dynamodb.get_item(TableName="vehicles", Key={"vin": {"S": "WVW1"}})

    assert raised.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert moto_proxy.injected() == Counter({"GetItem": 1})
    assert moto_proxy.counts() == Counter({"GetItem": 1})


def test_botocore_retries_are_visible_as_separate_http_requests(aws_env: MotoServer, moto_proxy: MotoProxy) -> None:
    retrying = client("dynamodb", moto_proxy.url, Config(retries={"mode": "legacy", "total_max_attempts": 3}))
    create_table(retrying)
    moto_proxy.reset_counts()
    moto_proxy.fail_next("GetItem", 2, status=500, body={"__type": "InternalServerError", "message": "boom"})

    retrying.get_item(TableName="vehicles", Key={"vin": {"S": "WVW1"}})

    assert moto_proxy.injected() == Counter({"GetItem": 2})
    assert moto_proxy.counts() == Counter({"GetItem": 1})


def test_a_delayed_answer_times_the_client_out(aws_env: MotoServer, moto_proxy: MotoProxy) -> None:
    impatient = client("dynamodb", moto_proxy.url, Config(retries={"total_max_attempts": 1}, read_timeout=0.2))
    create_table(impatient)
    moto_proxy.delay("PutItem", 0.6)

    with pytest.raises(ReadTimeoutError):
        impatient.put_item(TableName="vehicles", Item={"vin": {"S": "WVW1"}})
    moto_proxy.delay("PutItem", 0)
    impatient.put_item(TableName="vehicles", Item={"vin": {"S": "WVW2"}})

    # the delay holds the answer, not the request: the timed-out write did happen
    assert client("dynamodb").scan(TableName="vehicles")["Count"] == 2


def test_an_s3_bucket_is_written_and_read_through_the_proxy(aws_env: MotoServer, moto_proxy: MotoProxy) -> None:
    s3 = client("s3", moto_proxy.url)
    s3.create_bucket(Bucket="archive", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="archive", Key="2026/a.json", Body=b'{"a": 1}')
    started = time.monotonic()
    # a file-like body makes botocore send `Expect: 100-continue`; the proxy answers it at once
    s3.put_object(Bucket="archive", Key="2026/b.bin", Body=io.BytesIO(bytes(range(256)) * 4096))
    assert time.monotonic() - started < 0.9

    assert s3.get_object(Bucket="archive", Key="2026/a.json")["Body"].read() == b'{"a": 1}'
    assert s3.head_object(Bucket="archive", Key="2026/b.bin")["ContentLength"] == 256 * 4096
    assert s3.get_object(Bucket="archive", Key="2026/b.bin")["Body"].read() == bytes(range(256)) * 4096
    listed = s3.list_objects_v2(Bucket="archive", Prefix="2026/")
    assert [entry["Key"] for entry in listed["Contents"]] == ["2026/a.json", "2026/b.bin"]
    assert moto_proxy.counts() == Counter(
        {
            "PUT /archive": 1,
            "PUT /archive/2026/a.json": 1,
            "PUT /archive/2026/b.bin": 1,
            "GET /archive/2026/a.json": 1,
            "HEAD /archive/2026/b.bin": 1,
            "GET /archive/2026/b.bin": 1,
            "GET /archive": 1,
        }
    )


def test_reset_wipes_every_service(aws_env: MotoServer) -> None:
    dynamodb, s3 = client("dynamodb"), client("s3")
    create_table(dynamodb)
    s3.create_bucket(Bucket="archive", CreateBucketConfiguration={"LocationConstraint": REGION})

    aws_env.reset()

    assert dynamodb.list_tables()["TableNames"] == []
    assert s3.list_buckets()["Buckets"] == []


def test_aws_env_leaves_each_test_a_clean_moto(aws_env: MotoServer) -> None:
    # earlier tests created "vehicles" and "archive"; the fixture reset them away
    assert client("dynamodb").list_tables()["TableNames"] == []


def test_a_stopped_server_refuses_connections(stoppable_moto: MotoServer) -> None:
    dynamodb = client("dynamodb", stoppable_moto.url)
    assert dynamodb.list_tables()["TableNames"] == []
    port = stoppable_moto.port
    assert port is not None

    stoppable_moto.stop()

    assert not stoppable_moto.running
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    with pytest.raises(EndpointConnectionError):
        dynamodb.list_tables()


def test_the_proxy_answers_502_when_moto_is_gone(stoppable_moto: MotoServer) -> None:
    with MotoProxy(stoppable_moto.url) as proxy:
        dynamodb = client("dynamodb", proxy.url)
        stoppable_moto.stop()
        with pytest.raises(ClientError) as raised:
            dynamodb.list_tables()
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 502
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", proxy.port or 0), timeout=2):
        pass


def test_the_proxy_keeps_client_connections_alive(aws_env: MotoServer, moto_proxy: MotoProxy) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", moto_proxy.port or 0, timeout=5)
    sockets = []
    for _ in range(3):
        connection.request("GET", "/")  # S3 ListBuckets
        response = connection.getresponse()
        assert response.status == 200
        assert b"ListAllMyBucketsResult" in response.read()
        assert response.getheader("Connection") == "keep-alive"
        sockets.append(connection.sock)
    connection.close()
    assert sockets[0] is not None and sockets.count(sockets[0]) == 3
    assert moto_proxy.counts() == Counter({"GET /": 3})


def test_aiobotocore_through_the_proxy_from_the_environment(aws_env_via_proxy: MotoProxy) -> None:
    create_table(client("dynamodb"))

    async def scenario() -> list[str]:
        async with get_aio_session().create_client("dynamodb", config=NO_RETRIES) as dynamodb:
            await asyncio.gather(*(dynamodb.describe_table(TableName="vehicles") for _ in range(4)))
            tables: list[str] = (await dynamodb.list_tables())["TableNames"]
            return tables

    assert asyncio.run(scenario()) == ["vehicles"]
    assert aws_env_via_proxy.counts() == Counter({"CreateTable": 1, "DescribeTable": 4, "ListTables": 1})


class ChunkedHandler(BaseHTTPRequestHandler):
    """An upstream that frames its answer with Transfer-Encoding: chunked and a trailer, then closes."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for part in (b'{"echo": ', body, b"}"):
            self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\nX-Trailer: yes\r\n\r\n")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def chunked_upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChunkedHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_chunked_answer_is_forwarded_whole_with_content_length(chunked_upstream: str) -> None:
    with MotoProxy(chunked_upstream) as proxy:
        connection = http.client.HTTPConnection("127.0.0.1", proxy.port or 0, timeout=5)
        for payload in (b"[1, 2]", b'"x"'):
            connection.request("POST", "/", body=payload, headers={"X-Amz-Target": "DynamoDB_20120810.Query"})
            response = connection.getresponse()
            assert response.getheader("Transfer-Encoding") is None
            assert response.getheader("Content-Length") == str(len(b'{"echo": }') + len(payload))
            assert response.read() == b'{"echo": ' + payload + b"}"
        connection.close()
        assert proxy.counts() == Counter({"Query": 2})
