"""recordServiceEvent over HTTP on the embedded store: validation, visibility, idempotency, persistence."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from config import Config
from server import create_app
from tests.api.conftest import codes, graphql

VIN = "WXVZZZB8ZME456992"  # DE, handover 2020-11-25, last service 2025-04-23 @ 72,119 km
RECORD = """mutation($input: ServiceEventInput!, $key: String) {
  recordServiceEvent(input: $input, idempotencyKey: $key) {
    id date odometer workshopCode authorisedWorkshop sourceSystems plausibility note items { code name }
    warnings { code message } } }"""
QUOTE = f"""{{ vehicle(vin: "{VIN}") {{ serviceEvents {{ id }}
  serviceQuote(input: {{quoteDate: "2025-07-01", odometer: 80000}}) {{ dueItems {{ item {{ code }} status }} }} }} }}"""


def event(**changes: Any) -> dict[str, Any]:
    return {"vin": VIN, "date": "2025-06-30", "odometer": 79500, "workshopCode": "DE-042",
            "authorisedWorkshop": True, "itemCodes": ["POLLEN_FILTER", "HV_CHECK"], "note": "front grille cleaned",
            **changes}  # fmt: skip


@pytest.fixture
def writable(prepared: Path, tmp_path: Path) -> Config:
    """A copy of the data set: recording writes a journal into it."""
    data = tmp_path / "data"
    shutil.copytree(prepared, data)
    return Config(data_dir=data, cache_dir=tmp_path / "cache")


@pytest.fixture
def app_client(writable: Config) -> Any:
    with TestClient(create_app(writable)) as client:
        yield client


def status(client: TestClient, code: str) -> str:
    items = graphql(client, QUOTE)["data"]["vehicle"]["serviceQuote"]["dueItems"]
    found: str = next(d["status"] for d in items if d["item"]["code"] == code)
    return found


def test_a_recorded_event_is_visible_at_once_and_changes_the_quote(app_client: TestClient) -> None:
    assert status(app_client, "POLLEN_FILTER") == "DUE"  # last done 2023-07-18: due 2025-07-18, 17 days ahead
    body = graphql(app_client, RECORD, {"input": event()})
    recorded = body["data"]["recordServiceEvent"]
    assert recorded["id"].startswith(f"DSS-{VIN}-")
    assert {k: recorded[k] for k in ("date", "odometer", "workshopCode", "plausibility", "note")} == {
        "date": "2025-06-30", "odometer": 79500, "workshopCode": "DE-042", "plausibility": "OK",
        "note": "front grille cleaned",
    }  # fmt: skip
    assert [i["code"] for i in recorded["items"]] == ["POLLEN_FILTER", "HV_CHECK"] and recorded["warnings"] == []
    history = graphql(app_client, QUOTE)["data"]["vehicle"]["serviceEvents"]
    assert history[-1] == {"id": recorded["id"]}
    assert status(app_client, "POLLEN_FILTER") == "NOT_DUE"


def test_the_same_idempotency_key_returns_the_first_result_and_writes_once(app_client: TestClient) -> None:
    first = graphql(app_client, RECORD, {"input": event(), "key": "shop-42-ro-1001"})["data"]["recordServiceEvent"]
    again = graphql(app_client, RECORD, {"input": event(), "key": "shop-42-ro-1001"})["data"]["recordServiceEvent"]
    assert again == first
    ids = [e["id"] for e in graphql(app_client, QUOTE)["data"]["vehicle"]["serviceEvents"]]
    assert ids.count(first["id"]) == 1 and len(ids) == 6  # five generated events and this one
    other = graphql(app_client, RECORD, {"input": event(odometer=79600), "key": "shop-42-ro-1001"})
    assert codes(other) == ["IDEMPOTENCY_KEY_REUSED"]


def test_a_lower_odometer_is_kept_as_rollback_with_a_warning(app_client: TestClient) -> None:
    body = graphql(app_client, RECORD, {"input": event(odometer=7000)})
    recorded = body["data"]["recordServiceEvent"]
    assert recorded["plausibility"] == "ROLLBACK"
    assert [w["code"] for w in recorded["warnings"]] == ["ODOMETER_ROLLBACK"]
    assert status(app_client, "POLLEN_FILTER") == "NOT_DUE", "its items still count (DOMAIN §7.4 rule 2)"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"vin": "WXVZZZB8ZME45699O"}, "INVALID_VIN_FORMAT"),
        ({"vin": "WXVZZZB8ZME456993"}, "VEHICLE_NOT_FOUND"),
        ({"date": (date.today() + timedelta(days=5)).isoformat()}, "DATE_IN_FUTURE"),
        ({"date": "2020-11-24"}, "EVENT_BEFORE_HANDOVER"),
        ({"odometer": -1}, "INVALID_ODOMETER"),
        ({"itemCodes": ["POLLEN_FILTER", "FLUX_CAPACITOR"]}, "UNKNOWN_ITEM_CODE"),
        ({"itemCodes": []}, "NO_ITEMS"),
        ({"itemCodes": ["TECH_CAMPAIGN"]}, "NO_OPEN_CAMPAIGN"),
        ({"workshopCode": " "}, "INVALID_WORKSHOP_CODE"),
        ({"note": "n" * 2001}, "NOTE_TOO_LONG"),
        ({"workshopCode": "DE-" + "0" * 30}, "WORKSHOP_CODE_TOO_LONG"),
        ({"itemCodes": ["POLLEN_FILTER"] * 51}, "TOO_MANY_ITEM_CODES"),
    ],
)
def test_invalid_events_are_refused_with_a_code_and_nothing_is_written(
    app_client: TestClient, changes: dict[str, Any], code: str
) -> None:
    body = graphql(app_client, RECORD, {"input": event(**changes)})
    assert body["data"] is None and codes(body) == [code]
    assert body["errors"][0]["message"]
    assert len(graphql(app_client, QUOTE)["data"]["vehicle"]["serviceEvents"]) == 5


def test_the_bounds_are_inclusive_and_a_long_idempotency_key_is_refused(app_client: TestClient) -> None:
    longest = event(note="ü" * 2000, workshopCode="W" * 32, itemCodes=["POLLEN_FILTER"] * 50)
    body = graphql(app_client, RECORD, {"input": longest, "key": "k" * 200})
    assert body["data"]["recordServiceEvent"]["note"] == "ü" * 2000
    body = graphql(app_client, RECORD, {"input": event(), "key": "k" * 201})
    assert codes(body) == ["IDEMPOTENCY_KEY_TOO_LONG"] and body["errors"][0]["extensions"]["limit"] == 200
    assert len(graphql(app_client, QUOTE)["data"]["vehicle"]["serviceEvents"]) == 6


def test_recorded_events_survive_a_restart(writable: Config) -> None:
    with TestClient(create_app(writable)) as client:
        recorded = graphql(client, RECORD, {"input": event(), "key": "k-1"})["data"]["recordServiceEvent"]
    with TestClient(create_app(writable)) as client:
        assert graphql(client, QUOTE)["data"]["vehicle"]["serviceEvents"][-1] == {"id": recorded["id"]}
        assert graphql(client, RECORD, {"input": event(), "key": "k-1"})["data"]["recordServiceEvent"] == recorded
