"""Loads the catalogue JSON files once into typed records and checks every cross-reference."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from catalog import conditions
from catalog.reader import CatalogError, Convert, Reader, Row, json_key, pairs, root_row, rows, within
from catalog.records import (
    Brand,
    Campaign,
    CommercialRules,
    Eligibility,
    Engine,
    FlatCharge,
    IntervalOverride,
    ItemParts,
    LabourTime,
    Market,
    Model,
    OilNorm,
    OilProduct,
    OilSpecOverride,
    Part,
    PartLine,
    ServiceItemType,
    ServiceProduct,
    VinScheme,
    Wmi,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

DATA_DIR = Path(__file__).parent / "data"
R = TypeVar("R", bound="DataclassInstance")
T = TypeVar("T")
MEMO_SIZE = 50_000
"""Entries the catalogue's memo keeps; when full it starts over (everything in it can be derived again)."""


def _part_source(row: Row, key: str, hint: Any) -> str:
    source = row.typed(key, str)
    if source not in ("PART", "OIL_PRODUCT"):
        raise row.error(f"unknown source {source!r}")
    return source


def _flat_charge(ref: str) -> Convert:
    """The entry of `flatCharges` with this `ref`, which must be there."""

    def read(row: Row, key: str, hint: Any) -> FlatCharge:
        charges = {}
        for data in row.typed("flatCharges", list):
            charges[Row(row.file, row.path("flatCharges"), data).raw("ref")] = data
        if ref not in charges:
            raise row.error(f"flatCharges has no {ref!r} entry")
        return FLAT_CHARGE(Row(row.file, f"{row.path('flatCharges')}.{ref}", charges[ref]))

    return read


def _only_max_discount_combination(row: Row) -> None:
    if row.typed("discountCombination", str) != "MAX":
        raise row.error("only discountCombination MAX is implemented")


def _layouts(row: Row, key: str, hint: Any) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Each layout is a list of segments: a literal text, or the name of the value filled in `from`."""
    layouts = row.child(key)

    def segment(data: Any) -> tuple[str, str]:
        seg = Row(row.file, row.path(key), data)
        kind = "literal" if "literal" in seg.data else "from"
        return kind, seg.typed(kind, str)

    return tuple((name, tuple(segment(s) for s in layouts.typed(name, list))) for name in layouts.data)


# One reader per record kind; only what the JSON does not say by the field's name and type is spelled out.
BRAND = Reader(Brand)
WMI = Reader(Wmi)
MARKET = Reader(Market)
OIL_NORM = Reader(OilNorm)
OIL_PRODUCT = Reader(OilProduct)
ENGINE = Reader(Engine)
MODEL = Reader(Model)
SERVICE_ITEM = Reader(ServiceItemType)
INTERVAL_OVERRIDE = Reader(IntervalOverride)
OIL_SPEC_OVERRIDE = Reader(
    OilSpecOverride,
    fuels=within("condition", "fuels", tuple[str, ...]),
    brand_group=within("condition", "brandGroup", str),
    engine_generation=within("condition", "engineGeneration", str),
)
LABOUR_TIME = Reader(LabourTime, hours_by_cylinders=pairs("cylinders", "hours"))
PART = Reader(Part)
ITEM_PARTS = Reader(ItemParts, nested=[Reader(PartLine, source=_part_source)])
FLAT_CHARGE = Reader(FlatCharge)
COMMERCIAL_RULES = Reader(
    CommercialRules,
    check=_only_max_discount_combination,
    labour_ref_prefix=within("labour", "refPrefix"),
    labour_unit=within("labour", "unit"),
    oil_description=within("partPricing", "oilDescription"),
    oil_unit=within("partPricing", "oilUnit"),
    shop_supplies=_flat_charge("SHOP-SUPPLIES"),
    oil_disposal=_flat_charge("OIL-DISPOSAL"),
    not_taxed_payers=within("tax", "notTaxedPayers"),
    cash_rounding_payers=within("cashRounding", "payers"),
)
ELIGIBILITY = Reader(
    Eligibility,
    odometer_at_purchase_km=within("odometerAtPurchase", "km"),
    odometer_at_purchase_mi=within("odometerAtPurchase", "mi"),
)
SERVICE_PRODUCT = Reader(ServiceProduct, nested=[ELIGIBILITY])
CAMPAIGN = Reader(Campaign)
VIN_SCHEME = Reader(VinScheme, layouts=_layouts, body_letter_keywords=pairs("keyword", "letter"))


@dataclass(frozen=True)
class Catalog:
    """The whole master-data catalogue; every mapping keeps catalogue order."""

    brands: Mapping[str, Brand]
    wmis: Mapping[str, Wmi]
    markets: Mapping[str, Market]
    oil_norms: Mapping[str, OilNorm]
    oil_products: Mapping[str, OilProduct]
    engines: Mapping[str, Engine]
    models: Mapping[str, Model]
    service_items: Mapping[str, ServiceItemType]
    derived_facts: Mapping[str, Any]
    interval_overrides: tuple[IntervalOverride, ...]
    oil_spec_overrides: tuple[OilSpecOverride, ...]
    labour_times: Mapping[str, LabourTime]
    parts: Mapping[str, Part]
    item_parts: Mapping[str, ItemParts]
    commercial: CommercialRules
    service_products: Mapping[str, ServiceProduct]
    campaigns: Mapping[str, Campaign]
    vin_scheme: VinScheme
    memo: dict[Any, Any] = field(default_factory=dict, init=False, compare=False, repr=False)
    """Results derived from the catalogue alone (e.g. applicability per vehicle configuration), kept for reuse;
    not an argument, so that a catalogue made with `dataclasses.replace` starts with a memo of its own."""

    def remembered(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, kept in the memo under `key` for every later caller (bounded by MEMO_SIZE)."""
        memo = self.memo
        if key not in memo:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            memo[key] = compute()
        found: T = memo[key]
        return found


def load(data_dir: Path = DATA_DIR) -> Catalog:
    """Read and check every catalogue file; raises CatalogError naming the file and key at fault."""

    def table(file: str, read: Reader[R], key: str) -> dict[str, R]:
        """The records of a list file by their `key` field, which must be unique."""
        out: dict[str, R] = {}
        for row in rows(data_dir, file, json_key(key)):
            record = read(row)
            if getattr(record, key) in out:
                raise row.error("duplicate key")
            out[getattr(record, key)] = record
        return out

    catalog = Catalog(
        brands=table("brands.json", BRAND, "code"),
        wmis=table("wmis.json", WMI, "wmi"),
        markets=table("markets.json", MARKET, "code"),
        oil_norms=table("oil_norms.json", OIL_NORM, "code"),
        oil_products=table("oil_products.json", OIL_PRODUCT, "code"),
        engines=table("engines.json", ENGINE, "code"),
        models=table("models.json", MODEL, "code"),
        service_items=table("service_items.json", SERVICE_ITEM, "code"),
        derived_facts={r.typed("fact", str): r.raw("rule") for r in rows(data_dir, "derived_facts.json", "fact")},
        interval_overrides=tuple(INTERVAL_OVERRIDE(r) for r in rows(data_dir, "interval_overrides.json", "itemCode")),
        oil_spec_overrides=tuple(
            sorted(
                (OIL_SPEC_OVERRIDE(r) for r in rows(data_dir, "oil_spec_overrides.json", "scopeCode")),
                key=lambda o: o.apply_order,
            )
        ),
        labour_times=table("labour_times.json", LABOUR_TIME, "item_code"),
        parts=table("parts.json", PART, "part_number"),
        item_parts=table("item_parts.json", ITEM_PARTS, "item_code"),
        commercial=COMMERCIAL_RULES(root_row(data_dir, "commercial_rules.json")),
        service_products=table("service_products.json", SERVICE_PRODUCT, "code"),
        campaigns=table("campaigns.json", CAMPAIGN, "code"),
        vin_scheme=VIN_SCHEME(root_row(data_dir, "vin_scheme.json")),
    )
    _check_references(catalog)
    return catalog


KNOWN_FACT_PREFIXES = ("engine.", "model.", "brand.", "market.", "vehicle.", "request.", "oil.")


def _check_references(c: Catalog) -> None:
    """Every code one file names must exist in the file that defines it."""

    def need(file: str, key: str, what: str, code: str | None, table: Mapping[str, Any]) -> None:
        if code is not None and code not in table:
            raise CatalogError(file, key, f"unknown {what} {code!r}")

    for b in c.brands.values():
        for code in b.wmis:
            need("brands.json", b.code, "WMI", code, c.wmis)
    for w in c.wmis.values():
        need("wmis.json", w.wmi, "brand", w.brand_code, c.brands)
    for m in c.markets.values():
        need("markets.json", m.code, "statutory item", m.statutory_item_code, c.service_items)
    for p in c.oil_products.values():
        for n in p.approvals:
            need("oil_products.json", p.code, "oil norm", n, c.oil_norms)
    for e in c.engines.values():
        for n in e.oil_norm_codes:
            need("engines.json", e.code, "oil norm", n, c.oil_norms)
        for item in (e.spark_plug_item, e.air_filter_item, e.timing_belt_item):
            need("engines.json", e.code, "service item", item, c.service_items)
        need("engines.json", e.code, "part", e.oil_filter_part, c.parts)
    for mo in c.models.values():
        need("models.json", mo.code, "brand", mo.brand_code, c.brands)
        for code in mo.engine_codes:
            need("models.json", mo.code, "engine", code, c.engines)
        for code in mo.markets:
            need("models.json", mo.code, "market", code, c.markets)
    for i in c.service_items.values():
        for code in i.satisfied_by:
            need("service_items.json", i.code, "service item", code, c.service_items)
        for fact in conditions.fact_names(i.applicability_rule):
            if not fact.startswith(KNOWN_FACT_PREFIXES):
                raise CatalogError("service_items.json", i.code, f"unknown fact {fact!r}")
        if i.code not in c.labour_times:
            raise CatalogError("labour_times.json", i.code, "missing labour time for service item")
    for o in c.interval_overrides:
        need("interval_overrides.json", o.item_code, "service item", o.item_code, c.service_items)
        table = c.engines if o.scope_type == "ENGINE" else c.brands if o.scope_type == "BRAND" else None
        if table is None:
            raise CatalogError("interval_overrides.json", o.item_code, f"unknown scope type {o.scope_type!r}")
        need("interval_overrides.json", o.item_code, o.scope_type.lower(), o.scope_code, table)
    for so in c.oil_spec_overrides:
        for n in so.norms:
            need("oil_spec_overrides.json", so.scope_code, "oil norm", n, c.oil_norms)
        need("oil_spec_overrides.json", so.scope_code, "engine", so.engine_code, c.engines)
    for t in c.labour_times.values():
        need("labour_times.json", t.item_code, "service item", t.item_code, c.service_items)
    for ip in c.item_parts.values():
        need("item_parts.json", ip.item_code, "service item", ip.item_code, c.service_items)
        for line in ip.lines:
            if isinstance(line.part, str):
                need("item_parts.json", ip.item_code, "part", line.part, c.parts)
    for sp in c.service_products.values():
        for code in sp.covered_item_codes:
            need("service_products.json", sp.code, "service item", code, c.service_items)
    for ca in c.campaigns.values():
        need("campaigns.json", ca.code, "brand", ca.brand_code, c.brands)
        for code in ca.model_codes:
            need("campaigns.json", ca.code, "model", code, c.models)
    groups = {g.group for g in c.commercial.customer_groups}
    if c.commercial.default_customer_group not in groups:
        raise CatalogError("commercial_rules.json", "defaultCustomerGroup", "not a customer group")


@cache
def default_catalog() -> Catalog:
    """The catalogue shipped with the project, loaded once per process."""
    return load()
