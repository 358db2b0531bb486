"""A generated delivery (DOMAIN §7.5) imports without rejects, and every DMS copy merges unless it hides a typo."""

from __future__ import annotations

from pathlib import Path

import pytest

import cli
from store import EmbeddedStore, load_vehicle_file
from tests.preparation.deliveries import events, import_delivery, prepared_file, read_jsonl, rejects

pytest.importorskip("generator.command")


def test_fifty_generated_vehicles_import_without_rejects(tmp_path: Path) -> None:
    source, into = tmp_path / "delivery", tmp_path / "prepared"
    assert cli.main(["generate", "--seed", "42", "--vehicles", "50", "--out", str(source)]) == 0
    assert import_delivery(source, into) == 0

    assert rejects(into) == []
    vins = [v["vin"] for v in read_jsonl(prepared_file(into, "vehicles.jsonl"))]
    assert len(vins) == 50
    by_id = {e["eventId"]: e for e in events(into)}
    for raw in read_jsonl(source / "service_events.jsonl"):
        if raw["sourceSystem"] == "DMS":
            dss = by_id[raw["eventId"].replace("DMS-", "DSS-", 1)]  # D23 numbering
            merged = dss["sourceRefs"] == [dss["eventId"], raw["sourceRef"]]
            # D1: a copy stays apart only when the DSS odometer carries a typo (D21 step 7)
            assert merged or abs(dss["odometer"] - raw["odometer"]) > 50, raw
    file = load_vehicle_file(EmbeddedStore.load(into), vins[0])
    assert file is not None and file.vehicle.vin == vins[0]
