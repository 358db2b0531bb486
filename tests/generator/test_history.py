"""DOMAIN §7.5.3 with D20, D21, D23: visits jump from target to target; DSS records, DMS copies, typos, campaigns."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculation.records import Vehicle
from catalog import default_catalog
from generator.campaigns import campaigns_for
from generator.history import History, simulate_history
from preparation.raw import RawEvent

CATALOG = default_catalog()
AS_OF = date(2025, 6, 30)
SEEDS = st.integers(min_value=0, max_value=2**64 - 1)
REC = {"WIPER_BLADES", "AC_SERVICE", "BATTERY_12V_TEST"}

# The vehicle of worked example 1 (§9.1): FLEX, concept B, DE; here driven 10,000 km a year.
EXAMPLE_1 = Vehicle(
    vin="WXVZZZB8ZNW012345", model_code="VRN-BLT-8", engine_code="P15T4-110B", transmission="DSG7D", drive="FWD",
    model_year=2022, production_date=date(2022, 1, 20), handover_date=date(2022, 3, 15), market="DE",
    equipment_codes=("SRX6", "SPW1"), annual_distance=10_000, compliance_profile="PUNCTUAL",
)  # fmt: skip
# The vehicle of worked example 3 (§9.3): AUX-50X-2 MY 2023, in scope of campaign TC-25-031; 30,000 km a year.
EXAMPLE_3 = Vehicle(
    vin="WXAZZZ5XZPN031882", model_code="AUX-50X-2", engine_code="P20T4-140B", transmission="DSG7W", drive="FWD",
    model_year=2023, production_date=date(2022, 11, 8), handover_date=date(2023, 2, 10), market="CH",
    equipment_codes=("SRX6", "SPW1"), annual_distance=30_000, compliance_profile="PUNCTUAL",
)  # fmt: skip
# Ten years at 45,000 km a year: many visits, condition repairs above 30,000 km.
HIGH_MILEAGE = replace(EXAMPLE_1, annual_distance=45_000, handover_date=date(2015, 3, 15))


def _dss(history: History) -> list[RawEvent]:
    return [e for e in history.raw_events if e.source_system == "DSS"]


def _codes(event: RawEvent) -> list[str]:
    return [i.text for i in event.items]


def _simulate(vehicle: Vehicle, seed: int) -> History:
    return simulate_history(CATALOG, seed, vehicle, campaigns_for(CATALOG, vehicle))


@settings(max_examples=25, deadline=None)
@given(SEEDS)
def test_punctual_first_visit_is_0_to_14_days_after_the_time_target(seed: int) -> None:
    # §9.1: OIL_SVC_FLEX, INSP_B and POLLEN_FILTER are due 2024-03-15; the time target is 30 days earlier (D20);
    # 29,000 km at 10,000 km a year is later. The next oil service falls after asOf: one visit only.
    history = _simulate(EXAMPLE_1, seed)
    [visit] = _dss(history)
    assert date(2024, 2, 14) <= visit.date <= date(2024, 2, 28)
    codes = _codes(visit)
    assert {"OIL_SVC_FLEX", "INSP_B", "POLLEN_FILTER"} <= set(codes)
    assert set(codes) - {"OIL_SVC_FLEX", "INSP_B", "POLLEN_FILTER"} <= REC
    days = (visit.date - EXAMPLE_1.handover_date).days
    assert visit.odometer in (10_000 * days // 365, 10_000 * days // 365 // 10)


@settings(max_examples=25, deadline=None)
@given(SEEDS)
def test_late_first_visit_is_0_to_90_days_after_the_target(seed: int) -> None:
    history = _simulate(replace(EXAMPLE_1, compliance_profile="LATE"), seed)
    [visit] = _dss(history)
    assert date(2024, 2, 14) <= visit.date <= date(2024, 2, 14) + timedelta(days=90)
    assert {"OIL_SVC_FLEX", "INSP_B", "POLLEN_FILTER"} <= set(_codes(visit))


@settings(max_examples=25, deadline=None)
@given(SEEDS)
def test_skipper_never_visits_before_the_target(seed: int) -> None:
    history = _simulate(replace(EXAMPLE_1, compliance_profile="SKIPPER"), seed)
    assert len(_dss(history)) <= 1
    assert all(e.date >= date(2024, 2, 14) for e in _dss(history))


@settings(max_examples=25, deadline=None)
@given(SEEDS)
def test_core_item_due_within_60_days_is_performed_at_the_visit(seed: int) -> None:
    # FIXED, concept B, handover 2021-03-15: oil every 12 months puts visit 2 in 2023-01-14…2023-02-11, before
    # INSP_B's target 2023-02-13 (due 2023-03-15 − 30 days) but within 60 days of it (D21). POLLEN_FILTER (ADD,
    # due 2023-03-15 as well) waits for visit 3.
    fixed = replace(
        EXAMPLE_1, model_year=2021, production_date=date(2021, 1, 20), handover_date=date(2021, 3, 15),
        equipment_codes=("SRX1", "SPW1"),
    )  # fmt: skip
    v1, v2, v3, *_ = _dss(_simulate(fixed, seed))
    assert "OIL_SVC_FIXED" in _codes(v1) and "INSP_B" not in _codes(v1)
    assert date(2023, 1, 14) <= v2.date <= date(2023, 2, 11)
    assert {"OIL_SVC_FIXED", "INSP_B"} <= set(_codes(v2)) and "POLLEN_FILTER" not in _codes(v2)
    assert "POLLEN_FILTER" in _codes(v3)


@settings(max_examples=25, deadline=None)
@given(SEEDS)
def test_open_campaign_is_completed_at_the_first_visit_from_its_valid_from_date(seed: int) -> None:
    # D10: TC-25-031 is valid from 2025-01-01; earlier visits do not complete it.
    history = _simulate(EXAMPLE_3, seed)
    visits = _dss(history)
    before = [v for v in visits if v.date < date(2025, 1, 1)]
    after = [v for v in visits if v.date >= date(2025, 1, 1)]
    assert before and after
    assert all("TECH_CAMPAIGN" not in _codes(v) for v in before + after[1:])
    [campaign_item] = [i for i in after[0].items if i.text == "TECH_CAMPAIGN"]
    assert campaign_item.campaign_code == "TC-25-031"
    assert history.completed_campaigns == {"TC-25-031": after[0].event_id}
    for copy in (e for e in history.raw_events if e.event_id == after[0].event_id.replace("DSS-", "DMS-")):
        assert any(i.text == "OP-TECH_CAMPAIGN" and i.campaign_code == "TC-25-031" for i in copy.items)


@settings(max_examples=25, deadline=None)
@given(SEEDS)
def test_condition_repairs_only_above_30000_km(seed: int) -> None:
    for visit in _dss(_simulate(HIGH_MILEAGE, seed)):
        true_odometer = 45_000 * (visit.date - HIGH_MILEAGE.handover_date).days // 365
        if {"BRAKE_PADS_FRONT", "BRAKE_PADS_REAR", "BATTERY_12V_REPLACE"} & set(_codes(visit)):
            assert true_odometer > 30_000


def test_visits_are_numbered_in_date_order_and_dms_copies_follow_d23() -> None:
    history = _simulate(HIGH_MILEAGE, 42)
    visits = _dss(history)
    assert len(visits) > 10 and len(history.raw_events) > len(visits)
    assert any({"BRAKE_PADS_FRONT", "BRAKE_PADS_REAR", "BATTERY_12V_REPLACE"} & set(_codes(v)) for v in visits)
    for k, visit in enumerate(visits, start=1):
        assert visit.event_id == f"DSS-WXVZZZB8ZNW012345-{k:03d}" == visit.source_ref
        assert visit.workshop_code.startswith("DE-") and 1 <= int(visit.workshop_code[3:]) <= 40
    assert [v.date for v in visits] == sorted(v.date for v in visits)
    assert all(v.date <= AS_OF for v in visits)
    twins = {v.event_id[-3:]: v for v in visits}
    for copy in (e for e in history.raw_events if e.source_system == "DMS"):
        twin = twins[copy.event_id[-3:]]
        assert copy.event_id == twin.event_id.replace("DSS-", "DMS-")
        assert copy.source_ref == f"RO{int(copy.event_id[-3:]):06d}"
        assert (copy.workshop_code, copy.authorised_workshop) == (twin.workshop_code, twin.authorised_workshop)
        assert [i.text for i in copy.items] == ["OP-" + c for c in _codes(twin)]


def test_history_visits_are_the_true_readings_behind_the_dss_records() -> None:
    history = _simulate(HIGH_MILEAGE, 42)
    assert [v.event_id for v in history.visits] == [e.event_id for e in _dss(history)]
    for visit in history.visits:
        assert visit.odometer == 45_000 * (visit.date - date(2015, 3, 15)).days // 365
        assert visit.source_systems == ("DSS",) and visit.plausibility == "OK"


@pytest.mark.parametrize("profile", ["PUNCTUAL", "LATE", "SKIPPER"])
def test_a_vehicle_handed_over_at_as_of_has_no_visits(profile: str) -> None:
    late = replace(EXAMPLE_1, handover_date=AS_OF, compliance_profile=profile)
    assert _simulate(late, 42).raw_events == ()


@settings(max_examples=15, deadline=None)
@given(SEEDS)
def test_simulation_is_deterministic_per_seed(seed: int) -> None:
    vehicle = replace(EXAMPLE_1, handover_date=date(2016, 3, 15), compliance_profile="SKIPPER")
    assert _simulate(vehicle, seed) == _simulate(vehicle, seed)
