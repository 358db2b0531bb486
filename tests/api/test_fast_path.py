"""The fast path answers byte for byte what graphql-core answers: every document here, and a few hundred generated
ones, go to an application with the plan and to one without it, and the two answers must be the same bytes."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from unittest.mock import patch

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode
from starlette.testclient import TestClient

from bench.validation import SHOP
from catalog import default_catalog
from config import Config
from http_api.answer_writer import Fallback
from http_api.executable_schema import build_schema
from http_api.fast_path import Plan
from resolvers.context import RequestContext
from resolvers.vehicle import brand_of
from server import create_app
from store.embedded import EmbeddedStore
from tests.api.fuzzing import KNOWN_VINS, _generated

UNKNOWN, MALFORMED = "WXVZZZB8ZME456993", "WXVZZZB8ZNW01234O"
WITH_CONTRACTS, WITH_CAMPAIGN = "TXNZZZ3VZJM172302", KNOWN_VINS[3]
PRODUCTS = """query($vins: [String!]!) { vehicles(vins: $vins) { vin
  contracts { id productTypeCode startDate endDate maxOdometer status }
  openCampaigns { code title labourHours } } }"""
ONE_VEHICLE = """query One($vin: String!) { vehicle(vin: $vin) { vin brand { name } model { name }
  market { code currency } engine { code oilNorms { code issuer } }
  serviceEvents { date odometer items { code name } } } }"""
MANY = """query($vins: [String!]!) { vehicles(vins: $vins) { vin transmission drive modelYear productionDate
  handoverDate equipmentCodes brand { code name groupCode timeUnitsPerHour labourUnitName }
  model { code name vehicleClass body productionFrom productionTo } market { code name currency distanceUnit taxRate
  flexibleServiceOffered } engine { code fuel displacementCc cylinders powerKw generation oilCapacityLitres
  oilNorms { code issuer fuel saps hthsMin typicalViscosities note } } serviceEvents { id date odometer workshopCode
  authorisedWorkshop sourceSystems plausibility note items { code campaignCode name } __typename } __typename } }"""
DOCUMENTS: list[tuple[str, dict[str, Any] | None]] = [
    (ONE_VEHICLE, {"vin": KNOWN_VINS[0]}),
    (ONE_VEHICLE, {"vin": KNOWN_VINS[0].lower()}),
    (ONE_VEHICLE, {"vin": UNKNOWN}),
    (ONE_VEHICLE, {"vin": MALFORMED}),
    (ONE_VEHICLE, {}),
    (MANY, {"vins": [*KNOWN_VINS, UNKNOWN, KNOWN_VINS[0]]}),
    (MANY, {"vins": [KNOWN_VINS[1], MALFORMED]}),
    (MANY, {"vins": []}),
    (PRODUCTS, {"vins": [WITH_CONTRACTS, WITH_CAMPAIGN, UNKNOWN]}),
    (MANY, {"vins": "not a list"}),
    (f'{{ a: vehicle(vin: "{KNOWN_VINS[2]}") {{ v: vin m: market {{ c: code }} }} b: vehicles(vins: ["{UNKNOWN}"]) '
     "{ vin } }", None),
    (f'{{ vehicle(vin: "{KNOWN_VINS[0]}") {{ vin @include(if: true) drive @skip(if: true) }} }}', None),
    (f'{{ vehicle(vin: "{KNOWN_VINS[0]}") {{ ...V }} }} fragment V on Vehicle {{ vin }}', None),
    (f'{{ vehicle(vin: "{KNOWN_VINS[0]}") {{ drive ...V ... on Vehicle {{ engine {{ oilNorms {{ code }} }} }} '
     "...V } } fragment V on Vehicle { vin engine { code } market { ...M } } fragment M on Market { code name }", None),
    (f'{{ vehicle(vin: "{KNOWN_VINS[0]}") {{ engine {{ code }} vin engine {{ fuel code }} serviceEvents {{ date }} '
     "serviceEvents { items { code } } } }", None),
    (f'query($no: Boolean!) {{ vehicle(vin: "{KNOWN_VINS[0]}") {{ vin @include(if: $no) drive }} }}', {"no": False}),
    (f'{{ vehicle(vin: "{KNOWN_VINS[0]}") {{ vin market {{ labourRatePerHour }} }} }}', None),
    (f'{{ vehicle(vin: "{KNOWN_VINS[0]}") {{ vin vin }} }}', None),
    # aliases named as the answer builder's own names stay keys of the answer
    (f'{{ obj: vehicle(vin: "{KNOWN_VINS[0]}") {{ ctx: vin value: brand {{ field0: name fallback: code }} '
     "item0: serviceEvents { Fallback: items { answer: code known: name } } } }", None),
    ("{ markets { code } }", None),
    (SHOP, None),
]  # fmt: skip


@pytest.fixture(scope="module")
def both(prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    """An application with the plan and one without it, each on its own copy of the data set."""
    clients = []
    for fast in (True, False):
        directory = tmp_path_factory.mktemp("fast" if fast else "core")
        shutil.copytree(prepared, directory / "data")
        config = Config(data_dir=directory / "data", cache_dir=directory / "cache", fast_path=fast)
        clients.append(TestClient(create_app(config)))
    with clients[0] as fast_client, clients[1] as core_client:
        yield fast_client, core_client


def same_answer(both: tuple[TestClient, TestClient], query: str, variables: dict[str, Any] | None) -> bytes:
    body = {"query": query, "variables": variables}
    fast, core = (client.post("/graphql", json=body) for client in both)
    assert (fast.status_code, fast.content) == (core.status_code, core.content), query
    return fast.content


@contextmanager
def unexpected_fallbacks() -> Iterator[list[BaseException]]:
    """What made planned requests fall back through an error while their answer was written: the plan falls back
    on any error (graphql-core would report it at its field), so that one of its own would otherwise go unseen."""
    causes: list[BaseException] = []
    run = Plan.run

    async def watched(plan: Plan, *args: Any) -> Any:
        try:
            return await run(plan, *args)
        except Fallback as fallback:
            if fallback.__cause__ is not None:
                causes.append(fallback.__cause__)
            raise

    with patch.object(Plan, "run", watched):
        yield causes


@pytest.mark.parametrize(("query", "variables"), DOCUMENTS)
def test_the_fast_path_answers_as_graphql_core_does(
    both: tuple[TestClient, TestClient], query: str, variables: dict[str, Any] | None
) -> None:
    with unexpected_fallbacks() as causes:
        same_answer(both, query, variables)
    assert causes == [], query


def test_the_shapes_the_plan_covers_are_planned_and_the_rest_is_not() -> None:
    documents = build_schema().documents
    planned = [q for q, _ in DOCUMENTS if documents.plan(q, None) is not None]
    assert ONE_VEHICLE in planned and MANY in planned and PRODUCTS in planned and SHOP not in planned
    assert [q for q in planned if "fragment" in q or "@skip(if: true)" in q or "vin vin" in q or "engine { fuel" in q]
    assert [q for q in planned if "Fallback:" in q]
    assert not [q for q in planned if "labourRatePerHour" in q or "$no" in q or "markets" in q]


LEAVES = {
    "": ["vin", "transmission", "drive", "modelYear", "productionDate", "handoverDate", "equipmentCodes", "__typename"],
    "brand": ["code", "name", "groupCode", "timeUnitsPerHour", "labourUnitName"],
    "model": ["code", "name", "vehicleClass", "body", "productionFrom", "productionTo"],
    "market": ["code", "name", "currency", "distanceUnit", "taxRate", "flexibleServiceOffered"],
    "engine": ["code", "fuel", "displacementCc", "cylinders", "powerKw", "generation", "oilCapacityLitres"],
    "serviceEvents": ["id", "date", "odometer", "workshopCode", "authorisedWorkshop", "sourceSystems", "plausibility",
                      "note"],
    "contracts": ["id", "productTypeCode", "startDate", "endDate", "maxOdometer", "status"],
    "openCampaigns": ["code", "title", "labourHours"],
}  # fmt: skip


@st.composite
def covered_documents(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """Documents of the covered fields in any subset and order, with aliases, fragments, literal conditions and
    merged selections, over known, unknown and bad VINs."""

    def pick(names: list[str]) -> str:
        chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
        # one alias per field, so that merged selections stay valid
        return " ".join(f"{name}_: {name}" if draw(st.booleans()) else name for name in chosen)

    fragments: list[str] = []

    def wrapped(selection: str, on: str) -> str:
        """The selection as it is, in an inline or a named fragment, or under a literal @include/@skip."""
        how = draw(st.sampled_from(["plain", "inline", "named", "include", "skip"]))
        if how == "inline":
            return f"... on {on} {{ {selection} }}"
        if how == "named":
            fragments.append(f"fragment F{len(fragments)} on {on} {{ {selection} }}")
            return f"...F{len(fragments) - 1}"
        if how in ("include", "skip"):
            return f"... @{how}(if: {draw(st.sampled_from(['true', 'false']))}) {{ {selection} }}"
        return selection

    parts = [wrapped(pick(LEAVES[""]), "Vehicle")]
    for relation, on in (("brand", "Brand"), ("model", "VehicleModel"), ("market", "Market"), ("engine", "Engine"),
                         ("serviceEvents", "ServiceEvent"), ("contracts", "ServiceContract"),
                         ("openCampaigns", "Campaign")):  # fmt: skip
        for _ in range(draw(st.integers(0, 2))):  # twice: the two selections are merged
            inner = wrapped(pick(LEAVES[relation]), on)
            if relation == "engine" and draw(st.booleans()):
                inner += " oilNorms { code issuer }"
            if relation == "serviceEvents" and draw(st.booleans()):
                inner += " items { code name campaignCode }"
            parts.append(wrapped(f"{relation} {{ {inner} }}", "Vehicle"))
    every = [*KNOWN_VINS, WITH_CONTRACTS, UNKNOWN, MALFORMED, KNOWN_VINS[0].lower()]
    vins = draw(st.lists(st.sampled_from(every), max_size=6))
    query = f"query($vins: [String!]!) {{ vehicles(vins: $vins) {{ {' '.join(parts)} }} }}"
    return " ".join([query, *fragments]), {"vins": vins}


PLANNED = build_schema().documents
GENERATED = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip


@GENERATED
@given(document=covered_documents())
def test_generated_documents_of_the_covered_fields_answer_alike(
    both: tuple[TestClient, TestClient], document: tuple[str, dict[str, Any]]
) -> None:
    assert PLANNED.plan(document[0], None) is not None, document[0]
    with unexpected_fallbacks() as causes:
        same_answer(both, *document)
    assert causes == [], document


@GENERATED
@given(query=_generated(Mode.POSITIVE, KNOWN_VINS).filter(lambda q: not q.lstrip().startswith("mutation")))
def test_generated_schema_documents_answer_alike(both: tuple[TestClient, TestClient], query: str) -> None:
    same_answer(both, query, None)


def test_unknown_and_lower_case_vins_on_the_fast_path_are_null_and_found_as_on_graphql_core(
    both: tuple[TestClient, TestClient],
) -> None:
    query = "query($vins: [String!]!) { vehicles(vins: $vins) { vin brand { code } } }"
    answer = same_answer(both, query, {"vins": [UNKNOWN, KNOWN_VINS[3].lower()]})
    assert answer.startswith(b'{"data":{"vehicles":[null,{"vin":"' + KNOWN_VINS[3].encode())


def test_contracts_and_open_campaigns_on_the_fast_path_are_those_graphql_core_finds(
    both: tuple[TestClient, TestClient],
) -> None:
    answer = orjson.loads(same_answer(both, PRODUCTS, {"vins": [WITH_CONTRACTS, WITH_CAMPAIGN]}))
    with_contracts, with_campaign = answer["data"]["vehicles"]
    assert with_contracts["contracts"] and with_campaign["openCampaigns"], answer


def test_catalogue_answers_are_written_once_per_record_and_shared_by_every_answer(prepared: Path) -> None:
    store = EmbeddedStore.load(prepared)
    vehicles = [v for v in asyncio.run(store.vehicles(store.vins())) if v is not None]
    catalog = default_catalog()
    plan = build_schema().documents.plan("{ vehicles(vins: []) { vin brand { name } market { code currency } } }", None)
    assert plan is not None
    build, context = plan.roots[0].build, cast(RequestContext, SimpleNamespace(catalog=catalog))
    first, again = ([build(context, v) for v in vehicles] for _ in range(2))
    assert [a["vin"] for a in first] == [v.vin for v in vehicles]
    assert first == again and all(
        a["brand"] is b["brand"] and a["market"] is b["market"] for a, b in zip(first, again, strict=True)
    )
    assert {a["market"]["code"]: a["market"]["currency"] for a in first} == {
        v.market: catalog.markets[v.market].currency for v in vehicles
    }
    shared = {id(a["brand"]) for a in first} | {id(a["market"]) for a in first}
    assert len(shared) == len({v.market for v in vehicles}) + len({brand_of(catalog, v).code for v in vehicles})
