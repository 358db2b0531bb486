"""The schema is the documentation: committed as schema.graphql, and every part of it described."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType, GraphQLScalarType

from http_api.executable_schema import build_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_graphql_is_in_step_with_the_code() -> None:
    printed = str(build_schema()) + "\n"
    assert SCHEMA_FILE.read_text() == printed, "run `aftersales schema > schema.graphql` and review the diff"


def test_every_type_field_argument_and_enum_value_has_a_description() -> None:
    missing = []
    for name, kind in build_schema()._schema.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        if not kind.description:
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        elif isinstance(kind, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in kind.values.items() if not value.description]
        else:
            assert isinstance(kind, GraphQLScalarType)
    assert missing == []


# (type, field, its type, {argument: type}) from the issues' Contract blocks; the vehicle's fields that another
# source system supplies became nullable, so that an unavailable source costs those fields, not the vehicle
CONTRACT = [
    ("Query", "vehicle", "Vehicle", {"vin": "String!"}),
    ("Query", "vehicles", "[Vehicle]!", {"vins": "[String!]!"}),
    ("Query", "oilNorms", "[OilNorm!]!", {}),
    ("Query", "serviceProducts", "[ServiceProduct!]!", {}),
    ("Query", "markets", "[Market!]!", {}),
    ("Vehicle", "vin", "String!", {}),
    ("Vehicle", "brand", "Brand!", {}),
    ("Vehicle", "model", "VehicleModel!", {}),
    ("Vehicle", "engine", "Engine!", {}),
    ("Vehicle", "productionDate", "Date!", {}),
    ("Vehicle", "equipmentCodes", "[String!]!", {}),
    ("Vehicle", "serviceRegime", "ServiceRegime", {}),
    ("Vehicle", "serviceEvents", "[ServiceEvent!]", {}),
    ("Vehicle", "contracts", "[ServiceContract!]", {}),
    ("Vehicle", "openCampaigns", "[Campaign!]", {}),
    ("Vehicle", "serviceQuote", "ServiceQuote", {"input": "QuoteInput!"}),
    ("VehicleModel", "vehicleClass", "String!", {}),
    ("Market", "distanceUnit", "String!", {}),
    ("Engine", "oilCapacityLitres", "Decimal", {}),
    ("Engine", "oilNorms", "[OilNorm!]!", {}),
    ("ServiceEvent", "id", "ID!", {}),
    ("ServiceEvent", "sourceSystems", "[String!]!", {}),
    ("ServiceEvent", "items", "[ServiceEventItem!]!", {}),
    ("ServiceContract", "maxOdometer", "Int", {}),
    ("Campaign", "labourHours", "Decimal!", {}),
    ("OilNorm", "issuer", "String!", {}),
    ("ServiceProduct", "kind", "String!", {}),
    ("ServiceQuote", "serviceRegime", "ServiceRegime", {}),
    ("ServiceQuote", "dueItems", "[DueItem!]!", {}),
    ("ServiceQuote", "totals", "[PayerTotal!]!", {}),
    ("DueItem", "triggers", "[String!]!", {}),
    ("DueItem", "dueDate", "Date", {}),
    ("QuotePosition", "itemCode", "String", {}),
    ("QuotePosition", "quantity", "Decimal!", {}),
    ("QuotePosition", "taxRate", "Decimal!", {}),
    ("PayerTotal", "cashRounding", "Decimal!", {}),
    ("Warning", "message", "String!", {}),
    ("Mutation", "recordServiceEvent", "ServiceEvent!", {"input": "ServiceEventInput!", "idempotencyKey": "String"}),
    ("Subscription", "serviceEventRecorded", "ServiceEventNotification!",
     {"filter": "ServiceEventFilter", "after": "String"}),
    ("ServiceEventNotification", "cursor", "String!", {}),
    ("ServiceEventNotification", "vin", "String!", {}),
    ("ServiceEventNotification", "event", "ServiceEvent!", {}),
    ("ServiceEventNotification", "vehicle", "Vehicle", {}),
    ("Mutation", "archiveServiceQuote", "ArchivedQuote!", {"vin": "String!", "input": "QuoteInput!"}),
    ("Query", "archivedQuote", "ArchivedQuote", {"id": "String!"}),
]  # fmt: skip
CONTRACT_INPUT = {
    "quoteDate": ("Date!", None),
    "odometer": ("Int!", None),
    "customerGroup": ("CustomerGroup", "RETAIL"),
    "includeRecommended": ("[String!]", "[]"),
    "includeStatutory": ("Boolean", "false"),
}


def test_contract_names_and_types_are_exact() -> None:
    from graphql import build_schema as parse_sdl
    from graphql import print_ast

    sdl = parse_sdl(SCHEMA_FILE.read_text())
    for type_name, field_name, field_type, args in CONTRACT:
        owner = sdl.type_map[type_name]
        assert isinstance(owner, GraphQLObjectType)
        field = owner.fields[field_name]
        assert (type_name, field_name, str(field.type)) == (type_name, field_name, field_type)
        assert {name: str(arg.type) for name, arg in field.args.items()} == args
    quote_input = sdl.type_map["QuoteInput"]
    assert isinstance(quote_input, GraphQLInputObjectType)
    event_input = sdl.type_map["ServiceEventInput"]
    assert isinstance(event_input, GraphQLInputObjectType)
    assert {name: str(f.type) for name, f in event_input.fields.items()} == {
        "vin": "String!", "date": "Date!", "odometer": "Int!", "workshopCode": "String!",
        "authorisedWorkshop": "Boolean!", "itemCodes": "[String!]!", "note": "String",
    }  # fmt: skip
    for name, (kind, default) in CONTRACT_INPUT.items():
        field = quote_input.fields[name]
        node = field.ast_node.default_value if field.ast_node else None
        shown = print_ast(node) if node is not None else None
        assert (name, str(field.type), shown) == (name, kind, default)
    enums = {"CustomerGroup": ["RETAIL", "FLEET", "STAFF"], "ServiceRegime": ["FIXED", "FLEX"],
             "DueStatus": ["NOT_DUE", "DUE", "OVERDUE"], "Payer": ["CUSTOMER", "SERVICE_PLAN", "OEM"],
             "PositionType": ["LABOR", "PART", "FLUID", "OIL", "SUNDRY", "FEE"]}  # fmt: skip
    for name, values in enums.items():
        enum = sdl.type_map[name]
        assert isinstance(enum, GraphQLEnumType) and list(enum.values) == values
