"""Properties every quote keeps, for any catalogue vehicle, history and request (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from calculation.money import round_money
from calculation.quote import QuoteRequest, ServiceQuote, compute
from calculation.records import CampaignVehicle, EventItem, ServiceContract, ServiceEvent, Vehicle, VehicleFile
from catalog import default_catalog

CATALOG = default_catalog()
ITEM_CODES = [i.code for i in CATALOG.service_items.values() if i.category in ("CORE", "ADD", "REC", "STAT")]
REC_CODES = [i.code for i in CATALOG.service_items.values() if i.category == "REC"]


@st.composite
def vehicle_files(draw: st.DrawFn) -> tuple[VehicleFile, QuoteRequest]:
    model = draw(st.sampled_from(list(CATALOG.models.values())))
    year = draw(st.integers(max(model.production_from, 2013), min(model.production_to, 2025)))
    handover = date(year, 1, 1) + timedelta(days=draw(st.integers(0, 364)))
    vin = "WXVZZZB8ZNW012345"
    vehicle = Vehicle(
        vin=vin,
        model_code=model.code,
        engine_code=draw(st.sampled_from(model.engine_codes)),
        transmission=draw(st.sampled_from(model.transmissions)),
        drive=draw(st.sampled_from(model.drives)),
        model_year=year,
        production_date=handover - timedelta(days=30),
        handover_date=handover,
        market=draw(st.sampled_from(model.markets)),
        equipment_codes=(
            draw(st.sampled_from(["SRX1", "SRX6"])),
            *draw(st.lists(st.sampled_from(["SRF1", "TWB1", "TMS1", "SPW1"]), unique=True)),
        ),
    )
    quote_day = handover + timedelta(days=draw(st.integers(0, 4000)))
    events = []
    odometer = 0
    for n in range(draw(st.integers(0, 6))):
        odometer += draw(st.integers(0, 40000))
        day = handover + timedelta(days=draw(st.integers(0, 4000)))
        codes = draw(st.lists(st.sampled_from(ITEM_CODES), min_size=1, max_size=5, unique=True))
        events.append(
            ServiceEvent(
                event_id=f"DSS-{vin}-{n:03d}",
                vin=vin,
                date=day,
                odometer=odometer,
                workshop_code="DE-001",
                authorised_workshop=True,
                source_systems=("DSS",),
                source_refs=(f"R{n}",),
                items=tuple(EventItem(c) for c in codes),
            )
        )
    contracts = []
    if draw(st.booleans()):
        contracts.append(
            ServiceContract(
                contract_id="SC-1",
                vin=vin,
                product_type_code=draw(st.sampled_from(list(CATALOG.service_products))),
                start_date=handover,
                end_date=handover + timedelta(days=draw(st.integers(0, 2000))),
                max_odometer=draw(st.integers(0, 100000)),
                status=draw(st.sampled_from(["ACTIVE", "CANCELLED"])),
            )
        )
    campaigns = [CampaignVehicle("TC-25-031", vin, "OPEN")] if draw(st.booleans()) else []
    request = QuoteRequest(
        quote_date=quote_day,
        odometer=draw(st.integers(0, 400000)),
        customer_group=draw(st.sampled_from(["RETAIL", "FLEET", "STAFF"])),
        include_recommended=tuple(draw(st.lists(st.sampled_from(REC_CODES), unique=True))),
        include_statutory=draw(st.booleans()),
    )
    return VehicleFile(vehicle, tuple(events), tuple(contracts), tuple(campaigns)), request


def check_quote(quote: ServiceQuote) -> None:
    for p in quote.positions:
        assert p.net == p.gross - p.discount
        assert min(p.gross, p.discount, p.net, p.quantity, p.unit_price) >= 0
        assert p.gross == round_money(p.gross, quote.minor_unit)
    assert [p.pos for p in quote.positions] == list(range(1, len(quote.positions) + 1))
    for total in quote.totals:
        mine = [p for p in quote.positions if p.payer == total.payer]
        assert total.net == sum((p.net for p in mine), Decimal(0))
        assert total.tax == sum((t.tax for t in total.tax_by_rate), Decimal(0))
        for line in total.tax_by_rate:
            assert line.base == sum((p.net for p in mine if p.tax_rate == line.rate), Decimal(0))
        assert total.gross == total.net + total.tax
        assert total.payable == total.gross + total.cash_rounding
        assert min(total.net, total.tax, total.gross, total.payable) >= 0
    assert {t.payer for t in quote.totals} == {p.payer for p in quote.positions}


@settings(max_examples=300, deadline=None)
@given(vehicle_files())
def test_every_total_is_the_sum_of_its_positions_and_nothing_is_negative(
    case: tuple[VehicleFile, QuoteRequest],
) -> None:
    file, request = case
    check_quote(compute(CATALOG, file, request))


@settings(max_examples=100, deadline=None)
@given(vehicle_files())
def test_same_input_gives_the_same_quote(case: tuple[VehicleFile, QuoteRequest]) -> None:
    file, request = case
    assert compute(CATALOG, file, request) == compute(CATALOG, file, request)


@settings(max_examples=100, deadline=None)
@given(vehicle_files())
def test_positions_exist_only_for_due_items_and_open_campaigns(case: tuple[VehicleFile, QuoteRequest]) -> None:
    file, request = case
    quote = compute(CATALOG, file, request)
    due = {d.item.code for d in quote.due_items if d.status != "NOT_DUE"} | {"TECH_CAMPAIGN", None}
    assert {p.item_code for p in quote.positions} <= due
