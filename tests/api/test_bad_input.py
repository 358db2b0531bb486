"""A client's mistake is a coded refusal: bad literals GRAPHQL_VALIDATION_FAILED, bad variables BAD_USER_INPUT,
values outside the supported ranges their domain code, and no message echoes more than a short prefix of the input."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from calculation.echo import ECHO_LIMIT
from config import Config
from server import create_app
from tests.api.conftest import codes, graphql

VIN = "WXVZZZB8ZME456992"  # DE, handover 2020-11-25
INT_MAX = 2**31 - 1
HUGE = "W" * 100_000
DUE = f'{{ vehicle(vin: "{VIN}") {{ dueServices(input: {{%s}}) {{ status }} }} }}'
DUE_VARIABLES = f'query($input: DueInput!) {{ vehicle(vin: "{VIN}") {{ dueServices(input: $input) {{ status }} }} }}'
PRODUCTS = f'query($date: Date!, $odometer: Int!) {{ vehicle(vin: "{VIN}") {{ serviceProducts(purchaseDate: $date, ' \
    "odometer: $odometer) { product { code } } } }"  # fmt: skip
RECORD = """mutation($input: ServiceEventInput!, $key: String) {
  recordServiceEvent(input: $input, idempotencyKey: $key) { id } }"""


def event(**changes: Any) -> dict[str, Any]:
    return {"vin": VIN, "date": "2025-06-30", "odometer": 79500, "workshopCode": "DE-042",
            "authorisedWorkshop": True, "itemCodes": ["POLLEN_FILTER"], **changes}  # fmt: skip


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    (error,) = body["errors"]
    assert isinstance(error, dict)
    assert "Error(" not in error["message"] and "Traceback" not in error["message"]
    return error


@pytest.fixture
def writable_client(prepared: Path, tmp_path: Path) -> Iterator[TestClient]:
    """On a copy of the data set: a refused event must write nothing, an accepted one writes to the copy."""
    shutil.copytree(prepared, tmp_path / "data")
    with TestClient(create_app(Config(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache"))) as client:
        yield client


@pytest.mark.parametrize(
    ("literal", "sentence"),
    [
        ('"x"', "a Date is written as YYYY-MM-DD"),
        ('"20250630"', "a Date is written as YYYY-MM-DD"),
        ('"2025-W26-1"', "a Date is written as YYYY-MM-DD"),
        ('"2025-06-30T00:00:00"', "a Date is written as YYYY-MM-DD"),
        ('"2025-02-30"', "no such calendar date"),
        ("20250630", "a Date is written as a string, not as a number"),
        ("{year: 2025}", "a Date is written as a string, not as an object"),
    ],
)
def test_a_bad_date_literal_is_a_validation_error_with_our_sentence(
    client: TestClient, literal: str, sentence: str
) -> None:
    body = graphql(client, DUE % f"quoteDate: {literal}, odometer: 1")
    error = only_error(body)
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert sentence in error["message"] and "locations" in error


@pytest.mark.parametrize("value", ["x", "20250630", "2025-W26-1", 20250630, None, ["2025-06-30"]])
def test_a_bad_date_variable_is_bad_user_input(client: TestClient, value: Any) -> None:
    body = graphql(client, PRODUCTS, {"date": value, "odometer": 1})
    assert body["data"] is None and only_error(body)["extensions"] == {"code": "BAD_USER_INPUT"}


def test_an_int_beyond_32_bits_is_refused_as_literal_and_as_variable(client: TestClient) -> None:
    assert codes(graphql(client, DUE % 'quoteDate: "2025-06-30", odometer: 99999999999')) == [
        "GRAPHQL_VALIDATION_FAILED"
    ]
    assert codes(graphql(client, PRODUCTS, {"date": "2025-06-30", "odometer": 2**40})) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ('quoteDate: "2025-06-30", odometer: 1, lookAheadDays: 1000000', "INVALID_LOOK_AHEAD"),
        ('quoteDate: "2025-06-30", odometer: 1, lookAheadDistance: 2147483647', "INVALID_LOOK_AHEAD"),
        ('quoteDate: "2025-06-30", odometer: 1, lookAheadDays: -1', "INVALID_LOOK_AHEAD"),
        ('quoteDate: "2025-06-30", odometer: 2147483647', "INVALID_ODOMETER"),
        ('quoteDate: "0001-01-01", odometer: 1', "DATE_OUT_OF_RANGE"),
        ('quoteDate: "9999-12-31", odometer: 1', "DATE_OUT_OF_RANGE"),
        ('quoteDate: "1899-12-31", odometer: 1', "DATE_OUT_OF_RANGE"),
    ],
)
def test_values_outside_the_supported_ranges_are_refused_with_their_code(
    client: TestClient, fields: str, code: str
) -> None:
    body = graphql(client, DUE % fields)
    assert body["data"] == {"vehicle": {"dueServices": None}}
    assert only_error(body)["extensions"] == {"code": code}


def test_the_edges_of_the_ranges_are_served(client: TestClient) -> None:
    for fields in (
        'quoteDate: "2199-12-31", odometer: 9999999, lookAheadDays: 3660, lookAheadDistance: 1000000',
        'quoteDate: "1900-01-01", odometer: 0, lookAheadDays: 0, lookAheadDistance: 0',
    ):
        body = graphql(client, DUE % fields)
        assert "errors" not in body and body["data"]["vehicle"]["dueServices"]


def test_service_products_check_the_purchase_date_and_odometer(client: TestClient) -> None:
    assert codes(graphql(client, PRODUCTS, {"date": "9999-12-31", "odometer": 1})) == ["DATE_OUT_OF_RANGE"]
    assert codes(graphql(client, PRODUCTS, {"date": "2025-06-30", "odometer": INT_MAX})) == ["INVALID_ODOMETER"]


def test_variables_are_checked_like_literals(client: TestClient) -> None:
    body = graphql(client, DUE_VARIABLES, {"input": {"quoteDate": "2025-06-30", "odometer": 1, "lookAheadDays": 10**6}})
    assert codes(body) == ["INVALID_LOOK_AHEAD"]
    body = graphql(client, DUE_VARIABLES, {"input": {"quoteDate": "2025-06-30", "odometer": 1, "nope": 1}})
    assert codes(body) == ["BAD_USER_INPUT"]


def test_an_event_odometer_beyond_the_range_is_refused_and_nothing_written(writable_client: TestClient) -> None:
    body = graphql(writable_client, RECORD, {"input": event(odometer=INT_MAX)})
    assert body["data"] is None and codes(body) == ["INVALID_ODOMETER"]
    history = graphql(writable_client, f'{{ vehicle(vin: "{VIN}") {{ serviceEvents {{ id }} }} }}')
    assert len(history["data"]["vehicle"]["serviceEvents"]) == 5


def short(message: str) -> bool:
    """The message echoes a prefix of the huge input, not the input."""
    return len(message) < 300 and "W" * (ECHO_LIMIT - 1) + "…" in message and "W" * (ECHO_LIMIT + 1) not in message


def test_a_huge_vin_comes_back_as_a_short_prefix(client: TestClient) -> None:
    error = only_error(graphql(client, "query($vin: String!) { vehicle(vin: $vin) { vin } }", {"vin": HUGE}))
    assert error["extensions"]["code"] == "INVALID_VIN_FORMAT"
    assert short(error["message"]) and "100000 characters" in error["message"]


def test_huge_codes_ids_and_names_come_back_as_short_prefixes(client: TestClient) -> None:
    quote = f'mutation($input: QuoteInput!) {{ archiveServiceQuote(vin: "{VIN}", input: $input) {{ id }} }}'
    request = {"quoteDate": "2025-06-30", "odometer": 1, "includeRecommended": [HUGE]}
    assert short(only_error(graphql(client, quote, {"input": request}))["message"])
    archived = graphql(client, "query($id: String!) { archivedQuote(id: $id) { vin } }", {"id": HUGE})
    assert short(only_error(archived)["message"])
    unknown_field = graphql(client, DUE_VARIABLES, {"input": {"quoteDate": "2025-06-30", "odometer": 1, HUGE: 1}})
    assert short(only_error(unknown_field)["message"])
    literal = graphql(client, DUE % f'quoteDate: "{HUGE}", odometer: 1')
    assert only_error(literal)["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert short(only_error(literal)["message"])


def test_huge_item_codes_and_idempotency_keys_come_back_as_short_prefixes(writable_client: TestClient) -> None:
    unknown = only_error(graphql(writable_client, RECORD, {"input": event(itemCodes=["POLLEN_FILTER", HUGE])}))
    assert unknown["extensions"]["code"] == "UNKNOWN_ITEM_CODE" and short(unknown["message"])
    assert unknown["extensions"]["itemCodes"] == ["W" * ECHO_LIMIT + "…"]
    too_long = only_error(graphql(writable_client, RECORD, {"input": event(), "key": "K" + HUGE[:5000]}))
    assert too_long["extensions"]["code"] == "IDEMPOTENCY_KEY_TOO_LONG" and "WWW" not in too_long["message"]
    key = "K" + HUGE[:199]  # the longest key allowed, still echoed as a short prefix
    assert "errors" not in graphql(writable_client, RECORD, {"input": event(), "key": key})
    reused = only_error(graphql(writable_client, RECORD, {"input": event(odometer=79600), "key": key}))
    assert reused["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(reused["message"]) < 300 and "KWWW" in reused["message"]
