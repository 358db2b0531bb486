"""Service plans and warranty extensions sold with generated vehicles (DOMAIN §7.5.3, D22)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from calculation.dates import add_months
from calculation.eligibility import check_eligibility
from calculation.records import ServiceContract, ServiceEvent, Vehicle
from catalog import Catalog
from catalog.records import ServiceProduct
from generator.history import odometer_on
from generator.prng import stream
from generator.tuning import default_tuning

PLAN_OFFERS = (("MAINT_BASIC_36_45", 25), ("MAINT_PLUS_48_60", 10))  # product, percent; at most one plan
WARRANTY_PERCENT = 20
WARRANTY_PRODUCT = "WARRANTY_EXT_{years}Y"
WARRANTY_TERMS = 3  # WARRANTY_EXT_1Y … 3Y
WARRANTY_PURCHASE_MONTHS = (6, 23)
ACTIVE, EXPIRED = "ACTIVE", "EXPIRED"
SOURCE_SYSTEM = "SCS"


def _max_odometer(product: ServiceProduct, unit: str) -> int | None:
    return product.term_distance_km if unit == "KM" else product.term_distance_mi


def _contract(
    catalog: Catalog,
    contract_id: str,
    vehicle: Vehicle,
    product: ServiceProduct,
    start: date,
    end: date,
    purchase: date,
    purchase_odometer: int,
) -> ServiceContract:
    return ServiceContract(
        contract_id=contract_id,
        vin=vehicle.vin,
        product_type_code=product.code,
        start_date=start,
        end_date=end,
        max_odometer=_max_odometer(product, catalog.markets[vehicle.market].distance_unit),
        status=EXPIRED if end < default_tuning().as_of else ACTIVE,
        purchase_date=purchase,
        purchase_odometer=purchase_odometer,
    )


def generate_contracts(
    catalog: Catalog, seed: int, index: int, vehicle: Vehicle, visits: Sequence[ServiceEvent]
) -> list[ServiceContract]:
    """D22: a plan bought at handover (BASIC tried before PLUS), and a warranty extension bought later.

    `visits` is the vehicle's true service history; eligibility (§6) is judged on it at the purchase date.
    """
    tuning = default_tuning()
    r = stream(seed, tuning.stream_key("contract", VIN=vehicle.vin))
    handover = vehicle.handover_date
    contracts: list[ServiceContract] = []

    def eligible(product: ServiceProduct, day: date) -> bool:
        return check_eligibility(catalog, product, vehicle, day, odometer_on(vehicle, day), visits).eligible

    for code, percent in PLAN_OFFERS:
        product = catalog.service_products[code]
        # the draw is made only for an eligible product and only while no plan was sold
        if not contracts and eligible(product, handover) and r.next_int(100) < percent:
            assert product.term_months is not None, "a service plan has a term"
            contract_id = f"SC-{vehicle.market}-{index:06d}"
            end = add_months(handover, product.term_months)
            contracts.append(_contract(catalog, contract_id, vehicle, product, handover, end, handover, 0))

    wanted = r.next_int(100) < WARRANTY_PERCENT
    product = catalog.service_products[WARRANTY_PRODUCT.format(years=1 + r.next_int(WARRANTY_TERMS))]
    purchase = add_months(handover, r.next_range(*WARRANTY_PURCHASE_MONTHS))
    if wanted and purchase <= tuning.as_of and eligible(product, purchase):
        assert product.term_months is not None and product.coverage_start_vehicle_age_months is not None
        start_age = product.coverage_start_vehicle_age_months
        contracts.append(
            _contract(
                catalog,
                f"WX-{vehicle.market}-{index:06d}",
                vehicle,
                product,
                add_months(handover, start_age),
                add_months(handover, start_age + product.term_months),
                purchase,
                odometer_on(vehicle, purchase),
            )
        )
    return contracts
