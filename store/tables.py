"""The DynamoDB tables and the archive bucket, defined once: key schema, item layout, creation (see docs/aws.md).

Every imported table keeps, per VIN, one JSON document (a list of prepared records) split into parts of at most
PART_BYTES: the partition key is the VIN, the sort key the part number. Part 0 carries the part count, so
reading many vehicles is one BatchGetItem per 100 VINs; only a history longer than one part needs a Query.

Recorded events, written one at a time and without bound in number, are one item each under the same key schema:
part 0 of a VIN is its head, counting the event numbers given out; event n is part n. Reading them is a
BatchGetItem of the heads, then one of every event item the heads name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

PART_BYTES = 350_000  # DynamoDB items are limited to 400 KB, key and attribute names included
VIN, PART, PARTS, DATA = "vin", "part", "parts", "data"


@dataclass(frozen=True)
class VinTable:
    """One kind of per-VIN documents; `source_tag` is the source system the table is tagged with."""

    suffix: str
    source_tag: str
    content: str

    def name(self, prefix: str) -> str:
        return f"{prefix}{self.suffix}"


VEHICLES = VinTable("vehicles", "VMS", "the vehicle master record (a list of one)")
SERVICE_HISTORY = VinTable("service-history", "DSS/DMS", "the merged service events, oldest first")
SERVICE_CONTRACTS = VinTable("service-contracts", "SCS", "service plans and warranty extensions")
CAMPAIGN_ASSIGNMENTS = VinTable("campaign-assignments", "TCS", "campaign assignments and their status")
RECORDED_EVENTS = VinTable("recorded-events", "DSS", "service events recorded through the API, one item each")
TABLES = (VEHICLES, SERVICE_HISTORY, SERVICE_CONTRACTS, CAMPAIGN_ASSIGNMENTS, RECORDED_EVENTS)
IDEMPOTENCY_SUFFIX = "idempotency-keys"
KEY, FINGERPRINT, EVENT, CURSOR = "key", "fingerprint", "event", "cursor"
EVENTS = "events"
"""On the head of a VIN's recorded events: the event numbers given out, 1 … n (a number may stay unused)."""


def create_table_request(table: VinTable, prefix: str) -> dict[str, Any]:
    """The CreateTable request; infrastructure code can take the same definition."""
    return {
        "TableName": table.name(prefix),
        "KeySchema": [{"AttributeName": VIN, "KeyType": "HASH"}, {"AttributeName": PART, "KeyType": "RANGE"}],
        "AttributeDefinitions": [
            {"AttributeName": VIN, "AttributeType": "S"},
            {"AttributeName": PART, "AttributeType": "N"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "Tags": [{"Key": "source-system", "Value": table.source_tag}],
    }


def idempotency_table_request(prefix: str) -> dict[str, Any]:
    """Idempotency keys of recorded events: the first request's fingerprint, its event and its bus cursor."""
    return {
        "TableName": f"{prefix}{IDEMPOTENCY_SUFFIX}",
        "KeySchema": [{"AttributeName": KEY, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": KEY, "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }


def key(vin: str, part: int = 0) -> dict[str, Any]:
    return {VIN: {"S": vin}, PART: {"N": str(part)}}


def split(records: Sequence[Mapping[str, Any]]) -> list[bytes]:
    """The records as JSON arrays of at most PART_BYTES each (at least one part, possibly `[]`)."""
    parts: list[bytes] = []
    current: list[bytes] = []
    size = 2
    for record in records:
        encoded = orjson.dumps(record)
        if current and size + len(encoded) + 1 > PART_BYTES:
            parts.append(b"[" + b",".join(current) + b"]")
            current, size = [], 2
        current.append(encoded)
        size += len(encoded) + 1
    parts.append(b"[" + b",".join(current) + b"]")
    return parts


def items(vin: str, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The DynamoDB items of one VIN's document; part 0 also says how many parts there are."""
    parts = split(records)
    found = []
    for number, data in enumerate(parts):
        item = {**key(vin, number), DATA: {"S": data.decode()}}
        if number == 0:
            item[PARTS] = {"N": str(len(parts))}
        found.append(item)
    return found


def event_item(vin: str, number: int, record: Mapping[str, Any]) -> dict[str, Any]:
    """A recorded event's item: its record alone, so that no item grows with the vehicle's history."""
    return {**key(vin, number), DATA: {"S": orjson.dumps(record).decode()}}


def records(parts: Sequence[Mapping[str, Any]]) -> Iterator[Any]:
    """The records of a document from its items, in part order."""
    for item in sorted(parts, key=lambda i: int(i[PART]["N"])):
        yield from orjson.loads(item[DATA]["S"])
