"""The supported ranges (calculation/bounds.py): inside them the calculation never fails, outside them the edge
refuses the input with a code before any arithmetic."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculation import due
from calculation.bounds import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_LOOK_AHEAD_DAYS,
    MAX_LOOK_AHEAD_DISTANCE,
    MAX_ODOMETER,
    InputError,
    check_date,
    check_look_ahead,
    check_odometer,
)
from calculation.context import VehicleContext
from calculation.eligibility import check_eligibility
from calculation.quote import QuoteRequest, check_request, compute
from calculation.records import CampaignVehicle, EventItem, ServiceContract, ServiceEvent, Vehicle, VehicleFile
from catalog import default_catalog

CATALOG = default_catalog()
ITEM_CODES = [i.code for i in CATALOG.service_items.values() if i.category in ("CORE", "ADD", "REC", "STAT")]
REC_CODES = [i.code for i in CATALOG.service_items.values() if i.category == "REC"]
VIN = "WXVZZZB8ZNW012345"

DATES = st.one_of(st.dates(EARLIEST_DATE, LATEST_DATE), st.sampled_from([EARLIEST_DATE, LATEST_DATE]))
ODOMETERS = st.one_of(st.integers(0, MAX_ODOMETER), st.sampled_from([0, MAX_ODOMETER]))


def _ahead(maximum: int) -> st.SearchStrategy[int | None]:
    return st.one_of(st.none(), st.integers(0, maximum), st.sampled_from([0, maximum]))


def event(draw: st.DrawFn, n: int) -> ServiceEvent:
    codes = draw(st.lists(st.sampled_from(ITEM_CODES), min_size=1, max_size=4))
    return ServiceEvent(
        event_id=f"DSS-{VIN}-{n:03d}", vin=VIN, date=draw(DATES), odometer=draw(ODOMETERS), workshop_code="DE-001",
        authorised_workshop=True, source_systems=("DSS",), source_refs=(f"R{n}",),
        items=tuple(EventItem(c) for c in codes),
    )  # fmt: skip


@st.composite
def files_at_the_edges(draw: st.DrawFn) -> tuple[VehicleFile, QuoteRequest]:
    """Any catalogue vehicle, history, contract and request whose dates, odometers and look-aheads are in range."""
    model = draw(st.sampled_from(list(CATALOG.models.values())))
    handover = draw(DATES)
    vehicle = Vehicle(
        vin=VIN, model_code=model.code, engine_code=draw(st.sampled_from(model.engine_codes)),
        transmission=draw(st.sampled_from(model.transmissions)), drive=draw(st.sampled_from(model.drives)),
        model_year=handover.year, production_date=max(EARLIEST_DATE, handover - timedelta(days=30)),
        handover_date=handover, market=draw(st.sampled_from(model.markets)),
        equipment_codes=(draw(st.sampled_from(["SRX1", "SRX6"])),),
    )  # fmt: skip
    events = tuple(event(draw, n) for n in range(draw(st.integers(0, 4))))
    start, end = sorted((draw(DATES), draw(DATES)))
    contracts = (
        ServiceContract(
            contract_id="SC-1", vin=VIN, product_type_code=draw(st.sampled_from(list(CATALOG.service_products))),
            start_date=start, end_date=end, max_odometer=draw(st.none() | ODOMETERS), status="ACTIVE",
        ),
    ) if draw(st.booleans()) else ()  # fmt: skip
    campaigns = (CampaignVehicle("TC-25-031", VIN, "OPEN"),) if draw(st.booleans()) else ()
    request = QuoteRequest(
        quote_date=draw(DATES),
        odometer=draw(ODOMETERS),
        customer_group=draw(st.sampled_from(["RETAIL", "FLEET", "STAFF"])),
        include_recommended=tuple(draw(st.lists(st.sampled_from(REC_CODES), unique=True))),
        include_statutory=draw(st.booleans()),
        look_ahead_distance=draw(_ahead(MAX_LOOK_AHEAD_DISTANCE)),
        look_ahead_days=draw(_ahead(MAX_LOOK_AHEAD_DAYS)),
    )
    return VehicleFile(vehicle, events, contracts, campaigns), request


@settings(max_examples=300, deadline=None)
@given(files_at_the_edges())
def test_inside_the_bounds_the_quote_and_the_due_list_never_fail(case: tuple[VehicleFile, QuoteRequest]) -> None:
    file, request = case
    check_request(CATALOG, request)  # raises nothing: every value is in range
    quote = compute(CATALOG, file, request)
    due_list = due.evaluate(VehicleContext.of(CATALOG, file.vehicle), file.events, request.due_request())
    assert [d.item.code for d in due_list] == [d.item.code for d in quote.due_items]


@settings(max_examples=200, deadline=None)
@given(files_at_the_edges())
def test_inside_the_bounds_product_eligibility_never_fails(case: tuple[VehicleFile, QuoteRequest]) -> None:
    file, request = case
    for product in CATALOG.service_products.values():
        result = check_eligibility(CATALOG, product, file.vehicle, request.quote_date, request.odometer, file.events)
        assert result.product_code == product.code


@pytest.mark.parametrize(
    ("check", "code"),
    [
        (lambda: check_date("quote date", EARLIEST_DATE - timedelta(days=1)), "DATE_OUT_OF_RANGE"),
        (lambda: check_date("quote date", LATEST_DATE + timedelta(days=1)), "DATE_OUT_OF_RANGE"),
        (lambda: check_date("quote date", date.min), "DATE_OUT_OF_RANGE"),
        (lambda: check_odometer(-1), "INVALID_ODOMETER"),
        (lambda: check_odometer(MAX_ODOMETER + 1), "INVALID_ODOMETER"),
        (lambda: check_look_ahead("days", MAX_LOOK_AHEAD_DAYS + 1, MAX_LOOK_AHEAD_DAYS), "INVALID_LOOK_AHEAD"),
        (lambda: check_look_ahead("days", -1, MAX_LOOK_AHEAD_DAYS), "INVALID_LOOK_AHEAD"),
    ],
)
def test_just_outside_the_bounds_is_refused_with_a_code(check: Callable[[], None], code: str) -> None:
    with pytest.raises(InputError) as raised:
        check()
    assert raised.value.code == code and raised.value.message.endswith(".")


def test_the_edges_themselves_are_accepted() -> None:
    check_date("quote date", EARLIEST_DATE)
    check_date("quote date", LATEST_DATE)
    check_odometer(0)
    check_odometer(MAX_ODOMETER)
    check_look_ahead("days", MAX_LOOK_AHEAD_DAYS, MAX_LOOK_AHEAD_DAYS)
    check_look_ahead("distance", None, MAX_LOOK_AHEAD_DISTANCE)


def test_the_refusal_names_the_value_and_the_range() -> None:
    with pytest.raises(InputError) as raised:
        check_date("quote date", date(9999, 12, 31))
    assert raised.value.message == "The quote date 9999-12-31 is outside the supported range 1900-01-01 to 2199-12-31."
    with pytest.raises(InputError) as raised:
        check_look_ahead("days", 1_000_000, MAX_LOOK_AHEAD_DAYS)
    assert raised.value.message == "Look-ahead days 1,000,000 is above the maximum of 3,660."
