"""Properties of a whole generated delivery (DOMAIN §10 via D1): determinism, asOf, DMS twins, ROLLBACK, contracts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from calculation.dates import add_months, age_months
from catalog import default_catalog
from generator.campaigns import campaigns_for
from generator.dataset import GeneratedVehicle, generate, generate_one
from generator.vehicles import generate_vehicles
from preparation.raw import RawEvent

CATALOG = default_catalog()
AS_OF = date(2025, 6, 30)
SEEDS = st.integers(min_value=0, max_value=2**64 - 1)
PLAN_MARKETS = {"DE", "AT", "CH", "FR", "IT", "ES", "GB"}
WARRANTY_MARKETS = {"DE", "AT", "CH", "FR", "IT", "ES"}


@cache
def _seed_42_300() -> list[GeneratedVehicle]:
    return list(generate(CATALOG, 42, 300))


def _events(generated: list[GeneratedVehicle]) -> Iterator[RawEvent]:
    return (e for g in generated for e in g.history.raw_events)


@settings(max_examples=10, deadline=None)
@given(SEEDS)
def test_same_seed_gives_the_same_delivery(seed: int) -> None:
    assert list(generate(CATALOG, seed, 4)) == list(generate(CATALOG, seed, 4))


@settings(max_examples=10, deadline=None)
@given(SEEDS)
def test_no_event_after_as_of_except_dms_copies_shifted_by_a_day(seed: int) -> None:
    for event in _events(list(generate(CATALOG, seed, 6))):
        limit = AS_OF + timedelta(days=1) if event.source_system == "DMS" else AS_OF
        assert event.date <= limit


def _merges_with_twin(copy: RawEvent, twin: RawEvent) -> bool:
    """§7.4-1: within 1 day and 50 of the distance unit."""
    return abs((copy.date - twin.date).days) <= 1 and abs(copy.odometer - twin.odometer) <= 50


def _is_typo_of(typo: int, reading: int) -> bool:
    """D21 (7): the DSS reading is floor(true / 10), the DMS copy true + 0…40."""
    return any(typo == (reading - shift) // 10 for shift in range(41))


@settings(max_examples=10, deadline=None)
@given(SEEDS)
def test_every_dms_copy_merges_with_its_dss_twin_unless_the_dss_reading_has_a_typo(seed: int) -> None:
    events = list(_events(list(generate(CATALOG, seed, 8))))
    dss = {e.event_id: e for e in events if e.source_system == "DSS"}
    for copy in (e for e in events if e.source_system == "DMS"):
        twin = dss[copy.event_id.replace("DMS-", "DSS-", 1)]
        assert _merges_with_twin(copy, twin) or _is_typo_of(twin.odometer, copy.odometer)


def test_seed_42_exercises_the_rollback_path_within_2000_vehicles() -> None:
    # a DSS reading more than 50 below the previous one of the same vehicle (§7.4-2, D12)
    def has_rollback(g: GeneratedVehicle) -> bool:
        highest = 0
        for event in g.history.raw_events:
            if event.source_system == "DSS":
                if event.odometer < highest - 50:
                    return True
                highest = max(highest, event.odometer)
        return False

    assert any(has_rollback(g) for g in generate(CATALOG, 42, 2000))


def test_plans_follow_d22() -> None:
    plans = [(g, c) for g in _seed_42_300() for c in g.contracts if c.contract_id.startswith("SC-")]
    assert plans
    for g, c in plans:
        v = g.vehicle
        brand = CATALOG.models[v.model_code].brand_code
        assert c.contract_id == f"SC-{v.market}-{g.index:06d}"
        assert c.product_type_code in ("MAINT_BASIC_36_45", "MAINT_PLUS_48_60")
        assert c.start_date == c.purchase_date == v.handover_date and c.purchase_odometer == 0
        basic = c.product_type_code == "MAINT_BASIC_36_45"
        assert c.end_date == add_months(v.handover_date, 36 if basic else 48)
        mile_market = CATALOG.markets[v.market].distance_unit == "MI"
        assert c.max_odometer == {(True, False): 45000, (True, True): 28000, (False, False): 60000,
                                  (False, True): 37000}[(basic, mile_market)]  # fmt: skip
        assert v.market in PLAN_MARKETS
        assert brand in (("VRN", "AUX", "NVK", "SLV", "TVK") if basic else ("VRN", "AUX", "NVK", "SLV"))
        assert c.status == ("EXPIRED" if c.end_date < AS_OF else "ACTIVE")
        assert c.vin == v.vin


def test_warranty_extensions_follow_d22() -> None:
    warranties = [(g, c) for g in _seed_42_300() for c in g.contracts if c.contract_id.startswith("WX-")]
    assert warranties
    for g, c in warranties:
        v = g.vehicle
        years = int(c.product_type_code.removeprefix("WARRANTY_EXT_").removesuffix("Y"))
        assert c.contract_id == f"WX-{v.market}-{g.index:06d}"
        assert years in (1, 2, 3)
        assert c.purchase_date is not None and c.purchase_date <= AS_OF
        assert 6 <= age_months(v.handover_date, c.purchase_date) <= 23
        assert c.start_date == add_months(v.handover_date, 24)
        assert c.end_date == add_months(v.handover_date, 24 + 12 * years)
        assert c.max_odometer == {1: 100_000, 2: 150_000, 3: 200_000}[years]
        assert v.market in WARRANTY_MARKETS and CATALOG.models[v.model_code].brand_code != "LCN"
        assert v.annual_distance is not None
        assert c.purchase_odometer == v.annual_distance * (c.purchase_date - v.handover_date).days // 365
        assert c.status == ("EXPIRED" if c.end_date < AS_OF else "ACTIVE")


def test_at_most_one_plan_and_one_warranty_per_vehicle() -> None:
    for g in _seed_42_300():
        prefixes = [c.contract_id[:3] for c in g.contracts]
        assert prefixes in ([], ["SC-"], ["WX-"], ["SC-", "WX-"])


def test_campaign_scope_is_aux_50x_2_of_model_years_2023_to_2024() -> None:
    # campaigns.json: TC-25-031 covers AUX-50X-2 of model years 2023–2024, no serial range
    for v in generate_vehicles(CATALOG, 42, 2000):
        in_scope = v.model_code == "AUX-50X-2" and 2023 <= v.model_year <= 2024
        assert [c.code for c in campaigns_for(CATALOG, v)] == (["TC-25-031"] if in_scope else [])


def test_campaign_vehicles_are_open_until_a_visit_from_valid_from_completes_them() -> None:
    vehicles = [(i, v) for i, v in enumerate(generate_vehicles(CATALOG, 42, 2000), 1) if campaigns_for(CATALOG, v)]
    generated = [generate_one(CATALOG, 42, i, v) for i, v in vehicles]
    for g in generated:
        [assignment] = g.campaigns
        assert (assignment.campaign_code, assignment.vin) == ("TC-25-031", g.vehicle.vin)
        completing = [e for e in g.history.raw_events if e.source_system == "DSS"
                      and any(i.campaign_code == "TC-25-031" for i in e.items)]  # fmt: skip
        if assignment.status == "COMPLETED":
            assert [e.event_id for e in completing] == [assignment.completed_event_id]
            assert completing[0].date >= date(2025, 1, 1)
        else:
            assert (assignment.status, assignment.completed_event_id, completing) == ("OPEN", None, [])
    assert {a.status for g in generated for a in g.campaigns} == {"OPEN", "COMPLETED"}
