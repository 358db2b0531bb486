"""DOMAIN §7.5.2 vehicle master generation: the seed-42 table, regeneration (D7), VIN uniqueness and the step rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculation.records import Vehicle
from calculation.vin import check_digit
from catalog import default_catalog
from generator.vehicles import generate_vehicle, generate_vehicles

CATALOG = default_catalog()
AS_OF = date(2025, 6, 30)


class Row(NamedTuple):
    vin: str
    market: str
    brand: str
    model: str
    engine: str
    transmission: str
    drive: str
    model_year: int
    production: str
    handover: str
    regime: str
    equipment: tuple[str, ...]
    annual: int
    unit: str
    compliance: str


# §7.5.2 "Expected output for seed = 42, i = 1..5"
SEED_42_TABLE = [
    Row("TXNZZZS1ZSK257787", "GB", "NVK", "NVK-SAV-1", "P15T4-110B", "DSG7D", "FWD", 2025, "2024-10-18",
        "2024-12-08", "SRX6", ("TMS1",), 9450, "MI", "PUNCTUAL"),
    Row("WXVZZZB8ZME456992", "DE", "VRN", "VRN-BLT-8", "P14H4-150B", "DSG6W", "FWD", 2021, "2020-08-18",
        "2020-11-25", "SRX1", ("TMS1",), 16350, "KM", "PUNCTUAL"),
    Row("1XVDL2SG8JC586310", "US", "VRN", "VRN-DLV-9", "P20T4-140A", "AT8", "AWD_HALDEX", 2018, "2018-01-29",
        "2018-02-24", "SRX1", ("TMS1",), 17460, "MI", "LATE"),
    Row("SXHRG2CN9NX620080", "ES", "HLW", "HLW-REG-3", "P40T8-353B", "DCT8", "AWD_VISCO", 2022, "2022-05-21",
        "2022-07-06", "SRX1", ("SPW1",), 20400, "KM", "PUNCTUAL"),
    Row("WXVZZZA2ZKW145500", "DE", "VRN", "VRN-ARV-2", "P10M3-48A", "MT5", "FWD", 2019, "2019-05-19",
        "2019-07-10", "SRX1", ("TMS1",), 14400, "KM", "LATE"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("index", "row"), list(enumerate(SEED_42_TABLE, start=1)), ids=[f"vehicle_{i}" for i in range(1, 6)]
)
def test_seed_42_vehicle_matches_domain_table(index: int, row: Row) -> None:
    v = generate_vehicles(CATALOG, 42, 5)[index - 1]
    assert v.vin == row.vin
    assert v.market == row.market
    assert CATALOG.models[v.model_code].brand_code == row.brand
    assert v.model_code == row.model
    assert v.engine_code == row.engine
    assert v.transmission == row.transmission
    assert v.drive == row.drive
    assert v.model_year == row.model_year
    assert v.production_date == date.fromisoformat(row.production)
    assert v.handover_date == date.fromisoformat(row.handover)
    assert v.equipment_codes == (row.regime, *row.equipment)
    assert v.annual_distance == row.annual
    assert CATALOG.markets[v.market].distance_unit == row.unit
    assert v.compliance_profile == row.compliance


def test_generated_vehicles_are_private_untuned_and_not_rebuilt() -> None:
    # D5: no draws for usage, tuning or rebuild
    for v in generate_vehicles(CATALOG, 42, 50):
        assert (v.usage, v.tuned, v.total_loss_rebuilt) == ("PRIVATE", False, False)


def test_regenerating_vehicle_i_alone_reproduces_it_for_2000_vehicles() -> None:
    # D7: seed 42 has no VIN collision below 19,867, so every field must match
    together = generate_vehicles(CATALOG, 42, 2000)
    assert [generate_vehicle(CATALOG, 42, i) for i in range(1, 2001)] == together


def test_2000_vehicles_have_unique_vins() -> None:
    assert len({v.vin for v in generate_vehicles(CATALOG, 42, 2000)}) == 2000


def test_seed_42_first_vin_collision_is_vehicle_19867_and_moves_only_its_serial() -> None:
    # D7: "seed 42 has no collision below 19,867"
    alone = [generate_vehicle(CATALOG, 42, i) for i in range(1, 19868)]
    earlier = {v.vin for v in alone[:-1]}
    assert len(earlier) == 19866
    assert alone[-1].vin in earlier
    moved = generate_vehicle(CATALOG, 42, 19867, earlier)
    assert moved.vin not in earlier
    # only the serial (and, in check-digit style, position 9) may differ
    assert moved.vin[:8] + moved.vin[9:11] == alone[-1].vin[:8] + alone[-1].vin[9:11]
    assert int(moved.vin[-6:]) == int(alone[-1].vin[-6:]) % 999999 + 1
    assert replace(moved, vin=alone[-1].vin) == alone[-1]


def _with_serial(vin: str, serial: int) -> str:
    """The VIN with another serial; a check-digit-style VIN (position 9 not the filler `Z`) gets its digit anew."""
    moved = vin[:-6] + f"{serial:06d}"
    return moved if moved[8] == "Z" else moved[:8] + check_digit(moved, CATALOG.vin_scheme) + moved[9:]


def test_collision_serial_wraps_from_999999_to_1() -> None:
    index, v = next((i, v) for i, v in enumerate(generate_vehicles(CATALOG, 42, 2000), 1) if v.vin[-6:] > "999000")
    blocked = {_with_serial(v.vin, serial) for serial in range(int(v.vin[-6:]), 1000000)}
    assert generate_vehicle(CATALOG, 42, index, blocked).vin == _with_serial(v.vin, 1)


def _banned(market: str) -> set[str]:
    return {"DIESEL", "CNG"} if market in ("US", "CN", "JP") else set()


def _check_step_rules(v: Vehicle) -> None:
    model = CATALOG.models[v.model_code]
    engine = CATALOG.engines[v.engine_code]
    brand = CATALOG.brands[model.brand_code]
    market = CATALOG.markets[v.market]
    # steps 2–3: the model is sold in the market and the engine's fuel is not banned there
    assert v.market in model.markets
    assert v.engine_code in model.engine_codes
    assert engine.fuel not in _banned(v.market)
    # step 4: production between Jan 1 of max(productionFrom, 2013) and min(Dec 31 productionTo, asOf − 180 days)
    assert date(max(model.production_from, 2013), 1, 1) <= v.production_date
    assert v.production_date <= min(date(model.production_to, 12, 31), AS_OF - timedelta(days=180))
    # step 5
    expected_my = v.production_date.year + (1 if v.production_date.month >= 6 else 0)
    assert v.model_year == min(expected_my, model.production_to)
    # step 6: a model offering both generations gets A up to MY 2019, else B
    offered = [CATALOG.engines[e] for e in model.engine_codes if CATALOG.engines[e].fuel not in _banned(v.market)]
    generations = {e.generation for e in offered}
    if generations == {"A", "B"}:
        assert engine.generation == ("A" if v.model_year <= 2019 else "B")
    # steps 7–8
    assert v.transmission in model.transmissions
    if v.market in ("US", "CN", "JP") and any(not t.startswith("MT") for t in model.transmissions):
        assert not v.transmission.startswith("MT")
    if engine.fuel == "PHEV" and "DSG6W" in model.transmissions:
        assert v.transmission == "DSG6W"
    assert v.drive in model.drives
    if engine.fuel == "BEV":
        wanted = "AWD_E" if engine.power_kw >= 200 else "RWD"
        assert v.drive == wanted or wanted not in model.drives
    elif (engine.power_kw < 110 or engine.fuel == "PHEV") and set(model.drives) != {"AWD_HALDEX"}:
        assert v.drive != "AWD_HALDEX"
    # steps 9–10: regime first, then SRF1, TWB1 and TMS1|SPW1 in draw order (D5); BEV always TMS1 (D4)
    flexible_possible = market.flexible_service_offered and brand.flexible_service_offered and engine.oil_spec_flex
    assert v.equipment_codes[0] in (("SRX6", "SRX1") if flexible_possible else ("SRX1",))
    extras = list(v.equipment_codes[1:])
    assert extras[-1] in ("TMS1", "SPW1")
    assert extras == [e for e in ("SRF1", "TWB1") if e in extras] + [extras[-1]]
    if engine.fuel == "BEV":
        assert extras[-1] == "TMS1"
    # step 11
    assert 14 <= (v.handover_date - v.production_date).days <= 14 + 106
    # step 12: bucket × [80, 120] %
    buckets = (
        [5000, 10000, 15000, 20000, 30000, 45000]
        if market.distance_unit == "KM"
        else [3000, 6000, 9000, 12000, 18000, 28000]
    )
    assert v.annual_distance is not None
    assert any(b * 80 // 100 <= v.annual_distance <= b * 120 // 100 for b in buckets)
    assert v.compliance_profile in ("PUNCTUAL", "LATE", "SKIPPER")
    # steps 14–15 and §1.8: the VIN layout by style
    check_style = market.check_digit_mandatory or brand.vin_style == "CHECKDIGIT"
    if check_style:
        assert v.vin[3:5] == model.na_line_code
        assert v.vin[5] == "2"
        assert v.vin[6] == model.vin_body_letter
        assert v.vin[7] == engine.vin_engine_letter
        assert v.vin[8] == check_digit(v.vin, CATALOG.vin_scheme)
    else:
        assert v.vin[3:6] == "ZZZ" and v.vin[6:8] == model.eu_type_code and v.vin[8] == "Z"
    assert v.vin[:3] in brand.wmis
    assert v.vin[10] in CATALOG.wmis[v.vin[:3]].plant_codes
    assert 1 <= int(v.vin[11:]) <= 999999


def test_us_vireon_delvo_estra_fjordo_use_wmi_1xv_and_china_vireon_aurex_use_lxv_lxa() -> None:
    for v in generate_vehicles(CATALOG, 42, 400):
        brand = CATALOG.models[v.model_code].brand_code
        if v.market == "US" and v.model_code in ("VRN-DLV-9", "VRN-EST-2", "VRN-FJD-1"):
            assert v.vin.startswith("1XV")
        elif v.market == "CN" and brand in ("VRN", "AUX"):
            assert v.vin.startswith({"VRN": "LXV", "AUX": "LXA"}[brand])
        else:
            assert v.vin.startswith(CATALOG.brands[brand].wmis[0])


def test_first_400_vehicles_of_seed_42_follow_every_step_rule() -> None:
    for v in generate_vehicles(CATALOG, 42, 400):
        _check_step_rules(v)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=2**64 - 1), st.integers(min_value=1, max_value=999_999))
def test_any_generated_vehicle_follows_every_step_rule(seed: int, index: int) -> None:
    _check_step_rules(generate_vehicle(CATALOG, seed, index))


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=2**64 - 1), st.integers(min_value=1, max_value=999_999))
def test_generation_is_deterministic_per_seed_and_index(seed: int, index: int) -> None:
    assert generate_vehicle(CATALOG, seed, index) == generate_vehicle(CATALOG, seed, index)
