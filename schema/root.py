"""The three root types: the query (vehicles by VIN and the master data around them), the mutations and the
subscription; their fields' types and resolvers live in the modules of their domain areas."""

import strawberry

from access.principal import Capability
from resolvers import archive as archive_resolvers
from resolvers import catalogue
from resolvers import vehicle as vehicle_resolvers
from resolvers.permissions import needs
from schema import archive, events
from schema.archive import ArchivedQuote
from schema.events import ServiceEventNotification
from schema.oil import OilNorm, OilProduct
from schema.quote import ServiceItemType
from schema.service import ServiceEvent, ServiceProduct
from schema.vehicle import Brand, Engine, Market, Vehicle, VehicleModel


@strawberry.type(description="Aftersales Graph: one query over every aftersales source system.")
class Query:
    vehicle = strawberry.field(
        resolver=vehicle_resolvers.vehicle,
        graphql_type=Vehicle | None,
        description=(
            "One vehicle by VIN (case-insensitive). A malformed VIN is an error with the DOMAIN §1.7 code; "
            "a well-formed VIN the vehicle master does not know gives null."
        ),
    )
    vehicles = strawberry.field(
        resolver=vehicle_resolvers.vehicles,
        graphql_type=list[Vehicle | None],
        description=(
            "Many vehicles by VIN, in the order asked (at most 100): null for unknown VINs, an error at the "
            "position of a malformed one (SOURCE_UNAVAILABLE at every position when the vehicle master is). Every "
            "source is asked once per level, whatever the number of VINs."
        ),
    )
    markets = strawberry.field(resolver=catalogue.markets, graphql_type=list[Market], description="Sales markets.")
    brands = strawberry.field(resolver=catalogue.brands, graphql_type=list[Brand], description="Brands.")
    models = strawberry.field(resolver=catalogue.models, graphql_type=list[VehicleModel], description="Models.")
    engines = strawberry.field(resolver=catalogue.engines, graphql_type=list[Engine], description="Engines.")
    oil_norms = strawberry.field(
        resolver=catalogue.oil_norms, graphql_type=list[OilNorm], description="Oil norms (specifications)."
    )
    oil_products = strawberry.field(
        resolver=catalogue.oil_products, graphql_type=list[OilProduct], description="Oil products."
    )
    service_products = strawberry.field(
        resolver=catalogue.service_products,
        graphql_type=list[ServiceProduct],
        description="Service plans, warranty extensions and the mobility guarantee.",
    )
    archived_quote = strawberry.field(
        resolver=archive_resolvers.archived_quote,
        graphql_type=ArchivedQuote | None,
        description="A quote archived with `archiveServiceQuote`, by id; null when there is none with that id or "
        "its vehicle is outside the caller's scopes. FORBIDDEN for roles that see no prices.",
        extensions=needs(Capability.PRICES),
    )
    service_item_types = strawberry.field(
        resolver=catalogue.service_item_types,
        graphql_type=list[ServiceItemType],
        description="Maintenance item types, in catalogue order.",
    )


@strawberry.type(description="Changes: recording service events, archiving quotes.")
class Mutation:
    record_service_event = strawberry.mutation(
        resolver=events.record_event,
        graphql_type=ServiceEvent,
        description="Records a service a workshop performed; visible at once in `serviceEvents` and `serviceQuote`. "
        "Shops and administrators only (FORBIDDEN otherwise).",
        extensions=needs(Capability.RECORD_EVENTS),
    )
    archive_service_quote = strawberry.field(
        resolver=archive.archive,
        graphql_type=ArchivedQuote,
        description=(
            "Computes the vehicle's service quote and archives it with its inputs (S3; a local directory when "
            "embedded). Archiving the same quote of the same inputs again returns the same id. Shops and "
            "administrators only (FORBIDDEN otherwise)."
        ),
        extensions=needs(Capability.ARCHIVE_QUOTES),
    )


@strawberry.type(
    description="Live updates over WebSocket (graphql-transport-ws): by default at most 10 operations active on "
    "one socket (one more is TOO_MANY_SUBSCRIPTIONS) and messages of at most 64 KiB (larger closes with 1009)."
)
class Subscription:
    service_event_recorded = strawberry.subscription(
        resolver=events.subscribe,
        graphql_type=ServiceEventNotification,
        description=(
            "Every recorded service event matching the filter, in order, each once. With `after`, the events "
            "missed since that cursor come first; a cursor older than the retention is CURSOR_EXPIRED. Only "
            "events of vehicles within the caller's scopes, whatever the filter; partners and administrators only "
            "(FORBIDDEN otherwise)."
        ),
        extensions=needs(Capability.SUBSCRIBE),
    )
