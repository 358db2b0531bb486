"""`aftersales quote` end to end: a raw delivery of worked example 3 imported, then quoted as JSON and as a table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cli
from tests.preparation.deliveries import CH_VIN, campaign_vehicle, ch_vehicle, contract, dss, imported, item


@pytest.fixture
def example_3(tmp_path: Path) -> Path:
    return imported(
        tmp_path,
        vehicles=[ch_vehicle(equipmentCodes=["SRX6", "SPW1"])],
        events=[dss("DSS-CH-001", "2024-01-22", 16900, item("OIL_SVC_FLEX"), vin=CH_VIN, workshopCode="CH-003")],
        contracts=[
            contract(
                "SC-CH-000731", vin=CH_VIN, startDate="2023-02-10", endDate="2026-02-10", purchaseDate="2023-02-10"
            )
        ],
        campaigns=[campaign_vehicle()],
    )


def quote(data: Path, *extra: str) -> list[str]:
    return [
        "quote",
        "--data",
        str(data),
        "--vin",
        CH_VIN.lower(),
        "--date",
        "2025-02-03",
        "--odometer",
        "29640",
        *extra,
    ]


def test_json_quote_of_example_3_matches_domain_totals(example_3: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(quote(example_3, "--recommended", "WIPER_BLADES", "--json")) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["vin"], result["currency"], result["serviceRegime"]) == (CH_VIN, "CHF", "FLEX")
    assert [(t["payer"], t["net"], t["tax"], t["payable"]) for t in result["totals"]] == [
        ("CUSTOMER", "93.26", "7.55", "100.80"),
        ("SERVICE_PLAN", "317.79", "25.74", "343.53"),
        ("OEM", "105.00", "0.00", "105.00"),
    ]
    assert [p["ref"] for p in result["positions"]] == [
        "OP-INSP_B", "OP-POLLEN_FILTER", "XA4 819 439", "OP-WIPER_BLADES", "XA1 998 002", "TC-25-031", "SHOP-SUPPLIES",
    ]  # fmt: skip


def test_table_quote_lists_positions_and_totals(example_3: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(quote(example_3)) == 0
    out = capsys.readouterr().out
    assert f"Service quote for {CH_VIN} on 2025-02-03 at 29640 (CHF, regime FLEX" in out
    assert "Inspection service, concept B" in out
    # without the wiper blades no customer labour remains: shop supplies go to the plan with its lines
    # 189.00 + 84.00 + 44.79 + 12.00 = 329.79 net; 8.1 % = 26.71299 → 26.71; gross 356.50
    plan = next(line for line in out.splitlines() if line.startswith("SERVICE_PLAN"))
    assert plan.split()[1:] == ["329.79", "26.71", "356.50", "0.00", "356.50"]
    assert not any(line.startswith("CUSTOMER") for line in out.splitlines())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"--vin": "WXAZZZ5XZPN03188O"}, "INVALID_VIN_FORMAT"),
        ({"--vin": "WXAZZZ5XZPN031883"}, "VEHICLE_NOT_FOUND"),
        ({"--date": "2025-02-30"}, "is not a date"),
        ({"--odometer": "-5"}, "INVALID_ODOMETER"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    example_3: Path, capsys: pytest.CaptureFixture[str], changes: dict[str, str], message: str
) -> None:
    args = quote(example_3)
    for flag, new in changes.items():
        args[args.index(flag) + 1] = new
    assert cli.main(args) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_not_recommended_item_is_refused(example_3: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(quote(example_3, "--recommended", "INSP_B")) == 2
    assert "NOT_A_RECOMMENDED_ITEM" in capsys.readouterr().err


def test_a_directory_that_is_not_a_prepared_data_set_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(quote(tmp_path)) == 2
    assert "aftersales quote:" in capsys.readouterr().err
