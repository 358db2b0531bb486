"""`aftersales generate`: argument checks, the JSON Lines files of DOMAIN §7.2 and byte-identical output per seed."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from cli import main
from generator.command import run

FILES = ("vehicles.jsonl", "service_events.jsonl", "contracts.jsonl", "campaign_vehicles.jsonl")


def generate(out: Path, seed: object = 42, vehicles: object = 20) -> int:
    return run(argparse.Namespace(seed=seed, vehicles=vehicles, out=str(out)))


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_seed_42_vehicle_1_is_written_as_the_domain_table_row(tmp_path: Path) -> None:
    assert generate(tmp_path, vehicles=1) == 0
    assert read(tmp_path / "vehicles.jsonl") == [
        {
            "vin": "TXNZZZS1ZSK257787", "modelCode": "NVK-SAV-1", "engineCode": "P15T4-110B",
            "transmission": "DSG7D", "drive": "FWD", "modelYear": 2025, "productionDate": "2024-10-18",
            "handoverDate": "2024-12-08", "market": "GB", "odometerUnit": "MI", "equipmentCodes": ["SRX6", "TMS1"],
            "usage": "PRIVATE", "tuned": False, "totalLossRebuilt": False, "annualDistance": 9450,
            "complianceProfile": "PUNCTUAL", "sourceSystem": "VMS",
        }
    ]  # fmt: skip


def test_records_carry_the_camel_case_fields_of_domain_7_2(tmp_path: Path) -> None:
    assert generate(tmp_path, vehicles=60) == 0
    events = read(tmp_path / "service_events.jsonl")
    event_fields = {"eventId", "vin", "date", "odometer", "workshopCode", "authorisedWorkshop", "sourceSystem",
                    "sourceRef", "items"}  # fmt: skip
    assert events and all(set(e) == event_fields for e in events)
    assert {e["sourceSystem"] for e in events} == {"DSS", "DMS"}
    for e in events:
        for item in e["items"]:
            assert item["performed"] is True
            assert set(item) == ({"itemCode", "performed", "campaignCode"} if "campaignCode" in item
                                 else {"itemCode", "performed"})  # fmt: skip
            assert item["itemCode"].startswith("OP-") == (e["sourceSystem"] == "DMS")  # D13
    contracts = read(tmp_path / "contracts.jsonl")
    assert contracts and all(
        set(c) == {"contractId", "vin", "productTypeCode", "startDate", "endDate", "maxOdometer", "status",
                   "purchaseDate", "purchaseOdometer", "price", "currency", "sourceSystem"}
        and c["sourceSystem"] == "SCS" and c["price"] is None and c["currency"] is None  # D22: no price generated
        for c in contracts
    )  # fmt: skip
    vins = [v["vin"] for v in read(tmp_path / "vehicles.jsonl")]
    assert len(vins) == 60
    assert {e["vin"] for e in events} <= set(vins) and {c["vin"] for c in contracts} <= set(vins)


def test_campaign_vehicles_are_written_for_tcs(tmp_path: Path) -> None:
    assert generate(tmp_path, vehicles=40) == 0
    campaigns = read(tmp_path / "campaign_vehicles.jsonl")
    assert campaigns
    for c in campaigns:
        assert set(c) == {"campaignCode", "vin", "status", "completedEventId", "sourceSystem"}
        assert c["sourceSystem"] == "TCS" and c["campaignCode"] == "TC-25-031"
        assert (c["status"] == "COMPLETED") == (c["completedEventId"] is not None)


def test_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    assert generate(tmp_path / "a", vehicles=30) == 0
    assert generate(tmp_path / "b", vehicles=30) == 0
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_seed_is_taken_mod_2_pow_64(tmp_path: Path) -> None:
    # D14
    assert generate(tmp_path / "a", seed=-1, vehicles=5) == 0
    assert generate(tmp_path / "b", seed=2**64 - 1, vehicles=5) == 0
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_zero_vehicles_writes_four_empty_files(tmp_path: Path) -> None:
    assert generate(tmp_path, vehicles=0) == 0
    assert all((tmp_path / name).read_bytes() == b"" for name in FILES)


def test_summary_line_reports_counts_and_seconds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert generate(tmp_path, vehicles=5) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("generated 5 vehicles, ") and out.rstrip().endswith(" s")


@pytest.mark.parametrize(
    ("seed", "vehicles", "message"),
    [(42, -1, "--vehicles"), ("x", 5, "--seed"), (True, 5, "--seed"), (42, 2.5, "--vehicles")],
)
def test_bad_arguments_exit_with_code_2_and_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: object, vehicles: object, message: str
) -> None:
    assert generate(tmp_path / "out", seed=seed, vehicles=vehicles) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_out_naming_a_file_exits_with_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    assert generate(tmp_path / "file") == 2
    assert "not a directory" in capsys.readouterr().err


def test_cli_dispatches_generate(tmp_path: Path) -> None:
    assert main(["generate", "--seed", "7", "--vehicles", "3", "--out", str(tmp_path)]) == 0
    assert len(read(tmp_path / "vehicles.jsonl")) == 3
