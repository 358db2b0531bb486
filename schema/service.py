"""Service history, service contracts, campaigns and service products (DOMAIN §6, §7.2, §7.4)."""

import datetime

import strawberry

from calculation.quote import plausibility_warnings
from calculation.records import ServiceEvent as ServiceEventRecord
from presentation.quote import WarningView, warning
from resolvers import vehicle as vehicle_resolvers
from schema.quote import Warning
from schema.scalars import DecimalText


def event_warning_list(root: strawberry.Parent[ServiceEventRecord]) -> list[WarningView]:
    return [warning(w) for w in plausibility_warnings(root)]


@strawberry.type(description="One item performed at a service event.")
class ServiceEventItem:
    code: str = strawberry.field(
        description="Service item code (see `serviceItemTypes`); OTHER for repair-order text no item maps to."
    )
    name = strawberry.field(
        resolver=vehicle_resolvers.event_item_name, graphql_type=str, description="Name of the item, or the text."
    )
    campaign_code: str | None = strawberry.field(description="Campaign completed, on TECH_CAMPAIGN items.")


@strawberry.type(
    description=(
        "A workshop visit as the service history records it: DSS schedule entries and DMS repair orders for the "
        "same visit are merged into one event (DOMAIN §7.4)."
    )
)
class ServiceEvent:
    event_id: strawberry.ID = strawberry.field(name="id", description="Event id (the DSS id when merged).")
    date: datetime.date = strawberry.field(description="Date of the visit.")
    odometer: int = strawberry.field(description="Odometer as recorded, in the market's distance unit.")
    workshop_code: str = strawberry.field(description="Workshop (dealer) code.")
    authorised_workshop: bool = strawberry.field(description="Whether the workshop is an authorised partner.")
    source_systems: list[str] = strawberry.field(description='Systems that reported the visit: "DSS", "DMS".')
    plausibility: str = strawberry.field(
        description="Odometer plausibility: OK, ROLLBACK (lower than before; not used for due distances) or OUTLIER."
    )
    items: list[ServiceEventItem] = strawberry.field(description="Items performed, in catalogue order.")
    note: str | None = strawberry.field(description="Free text recorded with the event.")
    warnings = strawberry.field(
        resolver=event_warning_list,
        graphql_type=list[Warning],
        description="Odometer remarks: ODOMETER_ROLLBACK or ODOMETER_OUTLIER (DOMAIN §7.4).",
    )


@strawberry.type(description="A service plan or warranty extension of the vehicle (service-contract system).")
class ServiceContract:
    contract_id: strawberry.ID = strawberry.field(name="id", description="Contract id.")
    product_type_code: str = strawberry.field(description="Service product, see `serviceProducts`.")
    start_date: datetime.date = strawberry.field(description="First day of cover.")
    end_date: datetime.date = strawberry.field(description="Last day of cover (inclusive).")
    max_odometer: int | None = strawberry.field(description="Cover ends above this odometer (market unit).")
    status: str = strawberry.field(description="ACTIVE, EXPIRED or CANCELLED (a cancelled contract never covers).")


@strawberry.type(description="A technical campaign or recall the manufacturer pays for (payer OEM).")
class Campaign:
    code: str = strawberry.field(description="Campaign code.")
    title: str = strawberry.field(description="What the campaign does; also the quote position's description.")
    labour_hours: DecimalText = strawberry.field(description="Labour hours of the campaign operation.")


@strawberry.type(description="A service product: service plan, warranty extension or mobility guarantee (DOMAIN §6).")
class ServiceProduct:
    code: str = strawberry.field(description='Product code, e.g. "MAINT_BASIC_36_45".')
    kind: str = strawberry.field(description="SERVICE_PLAN, WARRANTY_EXTENSION or MOBILITY.")
    sold_as_product: bool = strawberry.field(description="False for products granted, not sold (mobility).")
    term_months: int | None = strawberry.field(description="Term in months.")
    term_distance_km: int | None = strawberry.field(description="Odometer limit in kilometre markets.")
    term_distance_mi: int | None = strawberry.field(description="Odometer limit in mile markets.")
    covered_item_codes: list[str] = strawberry.field(description="Service items a plan pays for.")


@strawberry.type(description="One reason a product cannot be sold for the vehicle.")
class IneligibilityReason:
    code: str = strawberry.field(description='Machine-readable rule, e.g. "VEHICLE_AGE_NOT_ELIGIBLE".')
    message: str = strawberry.field(description="The reason in a sentence.")


@strawberry.type(description="Whether a product may be sold (DOMAIN §6), with every rule that fails.")
class EligibilityResult:
    eligible: bool = strawberry.field(description="True when no rule fails.")
    reasons: list[IneligibilityReason] = strawberry.field(description="Every rule that fails; empty when eligible.")


@strawberry.type(description="A service product and whether it may be sold for this vehicle on the purchase date.")
class ServiceProductOffer:
    product: ServiceProduct = strawberry.field(description="The product.")
    result: EligibilityResult = strawberry.field(name="eligibility", description="Its eligibility.")
