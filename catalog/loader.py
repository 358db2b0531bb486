"""Loads the catalogue JSON files once into typed records and checks every cross-reference."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from catalog import conditions
from catalog.records import (
    Brand,
    Campaign,
    CommercialRules,
    CustomerGroup,
    Eligibility,
    Engine,
    FlatCharge,
    Interval,
    IntervalOverride,
    ItemParts,
    LabourTime,
    LoyaltyRule,
    Market,
    Model,
    ModelYearCode,
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

DATA_DIR = Path(__file__).parent / "data"
T = TypeVar("T")


class CatalogError(ValueError):
    """Inconsistent master data, named by file and key."""

    def __init__(self, file: str, key: str, message: str) -> None:
        super().__init__(f"{file}: {key}: {message}")
        self.file = file
        self.key = key


class _Row:
    """One JSON object with the file and key it came from, so that every error can say where."""

    def __init__(self, file: str, key: str, data: Any) -> None:
        if not isinstance(data, Mapping):
            raise CatalogError(file, key, "expected an object")
        self.file, self.key, self.data = file, key, data

    def error(self, message: str) -> CatalogError:
        return CatalogError(self.file, self.key, message)

    def raw(self, name: str) -> Any:
        if name not in self.data:
            raise self.error(f"missing field {name!r}")
        return self.data[name]

    def typed(self, name: str, kind: type[T]) -> T:
        value = self.raw(name)
        # bool is an int subclass: keep the two apart
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(f"field {name!r} must be {kind.__name__}, got {value!r}")
        return value

    def opt_typed(self, name: str, kind: type[T]) -> T | None:
        return None if self.raw(name) is None else self.typed(name, kind)

    def text(self, name: str) -> str:
        return self.typed(name, str)

    def opt_text(self, name: str) -> str | None:
        return self.opt_typed(name, str)

    def integer(self, name: str) -> int:
        return self.typed(name, int)

    def opt_int(self, name: str) -> int | None:
        return self.opt_typed(name, int)

    def flag(self, name: str) -> bool:
        return self.typed(name, bool)

    def decimal(self, name: str) -> Decimal:
        return self.to_decimal(name, self.text(name))

    def opt_decimal(self, name: str) -> Decimal | None:
        text = self.opt_text(name)
        return None if text is None else self.to_decimal(name, text)

    def to_decimal(self, name: str, text: str) -> Decimal:
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise self.error(f"field {name!r} is not a decimal: {text!r}") from None
        if not number.is_finite():
            raise self.error(f"field {name!r} is not a finite decimal: {text!r}")
        return number

    def strs(self, name: str) -> tuple[str, ...]:
        values = self.typed(name, list)
        if not all(isinstance(v, str) for v in values):
            raise self.error(f"field {name!r} must be a list of strings")
        return tuple(values)

    def opt_strs(self, name: str) -> tuple[str, ...] | None:
        return None if self.raw(name) is None else self.strs(name)

    def opt_date(self, name: str) -> date | None:
        text = self.opt_text(name)
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.error(f"field {name!r} is not an ISO date: {text!r}") from None

    def child(self, name: str) -> _Row:
        return _Row(self.file, f"{self.key}.{name}", self.raw(name))


def _rows(data_dir: Path, file: str, key_field: str) -> list[_Row]:
    data = _read(data_dir, file)
    if not isinstance(data, list):
        raise CatalogError(file, "(file)", "expected a list")
    rows = []
    for index, item in enumerate(data):
        key = item.get(key_field) if isinstance(item, Mapping) else None
        rows.append(_Row(file, str(key) if key is not None else f"[{index}]", item))
    return rows


def _read(data_dir: Path, file: str) -> Any:
    path = data_dir / file
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(file, "(file)", f"not found in {data_dir}") from None
    except json.JSONDecodeError as exc:
        raise CatalogError(file, f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from None


def _index(rows: Iterable[_Row], build: Callable[[_Row], T], key: Callable[[T], str]) -> dict[str, T]:
    out: dict[str, T] = {}
    for row in rows:
        record = build(row)
        if key(record) in out:
            raise row.error("duplicate key")
        out[key(record)] = record
    return out


def _interval(row: _Row, name: str) -> Interval | None:
    if row.raw(name) is None:
        return None
    sub = row.child(name)
    return Interval(km=sub.opt_int("km"), mi=sub.opt_int("mi"), months=sub.opt_int("months"))


def _percents(row: _Row, name: str) -> tuple[tuple[str, Decimal], ...]:
    sub = row.child(name)
    return tuple((category, sub.decimal(category)) for category in sub.data)


def _comparison(row: _Row, name: str) -> tuple[tuple[str, int], ...] | None:
    if row.raw(name) is None:
        return None
    sub = row.child(name)
    return tuple((op, sub.integer(op)) for op in sub.data)


def _brand(r: _Row) -> Brand:
    return Brand(
        code=r.text("code"),
        name=r.text("name"),
        positioning=r.text("positioning"),
        group_code=r.text("groupCode"),
        hq_country=r.text("hqCountry"),
        time_units_per_hour=r.integer("timeUnitsPerHour"),
        labour_unit_name=r.text("labourUnitName"),
        vin_style=r.text("vinStyle"),
        flexible_service_offered=r.flag("flexibleServiceOffered"),
        wmis=r.strs("wmis"),
    )


def _market(r: _Row) -> Market:
    return Market(
        code=r.text("code"),
        name=r.text("name"),
        currency=r.text("currency"),
        minor_unit=r.integer("minorUnit"),
        tax_rate=r.decimal("taxRate"),
        tax_name=r.text("taxName"),
        exempt_tax_categories=r.strs("exemptTaxCategories"),
        distance_unit=r.text("distanceUnit"),
        flexible_service_offered=r.flag("flexibleServiceOffered"),
        labour_rate_per_hour=r.decimal("labourRatePerHour"),
        shop_supplies_flat=r.decimal("shopSuppliesFlat"),
        oil_disposal_fee=r.decimal("oilDisposalFee"),
        price_factor=r.decimal("priceFactor"),
        check_digit_mandatory=r.flag("checkDigitMandatory"),
        cash_rounding_step=r.opt_decimal("cashRoundingStep"),
        statutory_item_code=r.opt_text("statutoryItemCode"),
        look_ahead_distance=r.integer("lookAheadDistance"),
        look_ahead_days=r.integer("lookAheadDays"),
        high_sulphur_diesel=r.flag("highSulphurDiesel"),
    )


def _engine(r: _Row) -> Engine:
    return Engine(
        code=r.text("code"),
        fuel=r.text("fuel"),
        displacement_cc=r.integer("displacementCc"),
        cylinders=r.integer("cylinders"),
        power_kw=r.integer("powerKw"),
        aspiration=r.opt_text("aspiration"),
        timing_drive=r.opt_text("timingDrive"),
        aftertreatment=r.opt_text("aftertreatment"),
        oil_capacity_l=r.opt_decimal("oilCapacityL"),
        oil_spec_fixed=r.opt_strs("oilSpecFixed"),
        oil_spec_flex=r.opt_strs("oilSpecFlex"),
        allowed_viscosities=r.strs("allowedViscosities"),
        spark_plug_item=r.opt_text("sparkPlugItem"),
        air_filter_item=r.opt_text("airFilterItem"),
        timing_belt_item=r.opt_text("timingBeltItem"),
        generation=r.text("generation"),
        oil_filter_part=r.opt_text("oilFilterPart"),
        vin_engine_letter=r.text("vinEngineLetter"),
    )


def _model(r: _Row) -> Model:
    return Model(
        code=r.text("code"),
        brand_code=r.text("brandCode"),
        name=r.text("name"),
        vehicle_class=r.text("vehicleClass"),
        body=r.text("body"),
        production_from=r.integer("productionFrom"),
        production_to=r.integer("productionTo"),
        engine_codes=r.strs("engineCodes"),
        transmissions=r.strs("transmissions"),
        drives=r.strs("drives"),
        markets=r.strs("markets"),
        eu_type_code=r.text("euTypeCode"),
        na_line_code=r.text("naLineCode"),
        vin_body_letter=r.text("vinBodyLetter"),
    )


def _service_item(r: _Row) -> ServiceItemType:
    return ServiceItemType(
        seq=r.integer("seq"),
        code=r.text("code"),
        category=r.text("category"),
        name=r.text("name"),
        first_interval=_interval(r, "firstInterval"),
        repeat_interval=_interval(r, "repeatInterval"),
        due_end_of_month=r.flag("dueEndOfMonth"),
        applicability=r.text("applicability"),
        applicability_rule=r.raw("applicabilityRule"),
        satisfied_by=r.strs("satisfiedBy"),
        source_note=r.opt_text("sourceNote"),
    )


def _oil_spec_override(r: _Row) -> OilSpecOverride:
    condition = r.raw("condition")
    sub = r.child("condition") if condition is not None else None
    return OilSpecOverride(
        apply_order=r.integer("applyOrder"),
        scope_type=r.text("scopeType"),
        scope_code=r.text("scopeCode"),
        engine_code=r.opt_text("engineCode"),
        fuels=sub.strs("fuels") if sub else None,
        brand_group=sub.text("brandGroup") if sub else None,
        engine_generation=sub.text("engineGeneration") if sub else None,
        norms=r.strs("norms"),
        viscosities=r.strs("viscosities"),
    )


def _labour(r: _Row) -> LabourTime:
    by_class = _percents(r, "hoursByVehicleClass") if r.raw("hoursByVehicleClass") is not None else None
    by_cyl = None
    if r.raw("hoursByCylinders") is not None:
        entries = [_Row(r.file, f"{r.key}.hoursByCylinders", e) for e in r.typed("hoursByCylinders", list)]
        by_cyl = tuple((e.integer("cylinders"), e.decimal("hours")) for e in entries)
    return LabourTime(
        item_code=r.text("itemCode"),
        basis=r.text("basis"),
        hours=r.opt_decimal("hours"),
        hours_by_vehicle_class=by_class,
        hours_by_cylinders=by_cyl,
        hours_other_cylinders=r.opt_decimal("hoursOtherCylinders"),
        note=r.opt_text("note"),
    )


def _item_parts(r: _Row) -> ItemParts:
    lines = []
    for n, line in enumerate(r.typed("lines", list)):
        lr = _Row(r.file, f"{r.key}.lines[{n}]", line)
        source = lr.text("source")
        if source not in ("PART", "OIL_PRODUCT"):
            raise lr.error(f"unknown source {source!r}")
        lines.append(PartLine(source=source, part=lr.raw("part"), quantity=lr.raw("quantity")))
    return ItemParts(item_code=r.text("itemCode"), lines=tuple(lines))


def _flat_charge(r: _Row) -> FlatCharge:
    return FlatCharge(
        ref=r.text("ref"),
        position_type=r.text("positionType"),
        description=r.text("description"),
        quantity=r.decimal("quantity"),
        unit=r.text("unit"),
        unit_price_from=r.text("unitPriceFrom"),
    )


def _commercial(r: _Row) -> CommercialRules:
    groups = [_Row(r.file, f"customerGroups[{n}]", g) for n, g in enumerate(r.typed("customerGroups", list))]
    loyalty = [_Row(r.file, f"loyaltyRules[{n}]", g) for n, g in enumerate(r.typed("loyaltyRules", list))]
    charges = {c["ref"]: _Row(r.file, f"flatCharges.{c.get('ref')}", c) for c in r.typed("flatCharges", list)}
    for ref in ("SHOP-SUPPLIES", "OIL-DISPOSAL"):
        if ref not in charges:
            raise r.error(f"flatCharges has no {ref!r} entry")
    labour, pricing, tax = r.child("labour"), r.child("partPricing"), r.child("tax")
    if r.text("discountCombination") != "MAX":
        raise r.error("only discountCombination MAX is implemented")
    return CommercialRules(
        price_categories=r.strs("priceCategories"),
        payers=r.strs("payers"),
        default_customer_group=r.text("defaultCustomerGroup"),
        customer_groups=tuple(
            CustomerGroup(g.text("group"), _percents(g, "discountPercentByCategory")) for g in groups
        ),
        loyalty_rules=tuple(
            LoyaltyRule(g.text("name"), g.integer("minVehicleAgeMonths"), _percents(g, "discountPercentByCategory"))
            for g in loyalty
        ),
        discounted_payers=r.strs("discountedPayers"),
        non_discounted_categories=r.strs("nonDiscountedCategories"),
        campaign_payer=r.text("campaignPayer"),
        labour_ref_prefix=labour.text("refPrefix"),
        labour_unit=labour.text("unit"),
        oil_description=pricing.text("oilDescription"),
        oil_unit=pricing.text("oilUnit"),
        shop_supplies=_flat_charge(charges["SHOP-SUPPLIES"]),
        oil_disposal=_flat_charge(charges["OIL-DISPOSAL"]),
        not_taxed_payers=tax.strs("notTaxedPayers"),
        cash_rounding_payers=r.child("cashRounding").strs("payers"),
        payer_totals_order=r.strs("payerTotalsOrder"),
    )


def _service_product(r: _Row) -> ServiceProduct:
    e = r.child("eligibility")
    odo = e.child("odometerAtPurchase") if e.raw("odometerAtPurchase") is not None else None
    eligibility = Eligibility(
        brand_codes=e.opt_strs("brandCodes"),
        market_codes=e.opt_strs("marketCodes"),
        vehicle_age_months_at_purchase=_comparison(e, "vehicleAgeMonthsAtPurchase"),
        odometer_at_purchase_km=_comparison(odo, "km") if odo else None,
        odometer_at_purchase_mi=_comparison(odo, "mi") if odo else None,
        excluded_usages=e.strs("excludedUsages"),
        exclude_tuned=e.flag("excludeTuned"),
        exclude_total_loss_rebuilt=e.flag("excludeTotalLossRebuilt"),
        requires_no_oil_service_yet=e.flag("requiresNoOilServiceYet"),
        requires_no_overdue_core_item=e.flag("requiresNoOverdueCoreItem"),
    )
    return ServiceProduct(
        code=r.text("code"),
        kind=r.text("kind"),
        sold_as_product=r.flag("soldAsProduct"),
        term_months=r.opt_int("termMonths"),
        term_distance_km=r.opt_int("termDistanceKm"),
        term_distance_mi=r.opt_int("termDistanceMi"),
        coverage_start_vehicle_age_months=r.opt_int("coverageStartVehicleAgeMonths"),
        max_total_vehicle_age_months=r.opt_int("maxTotalVehicleAgeMonths"),
        term_rule=r.opt_text("termRule"),
        covered_item_codes=r.strs("coveredItemCodes"),
        coverage_note=r.opt_text("coverageNote"),
        eligibility=eligibility,
    )


def _campaign(r: _Row) -> Campaign:
    return Campaign(
        code=r.text("code"),
        title=r.text("title"),
        brand_code=r.text("brandCode"),
        model_codes=r.strs("modelCodes"),
        model_year_from=r.integer("modelYearFrom"),
        model_year_to=r.integer("modelYearTo"),
        serial_from=r.opt_int("serialFrom"),
        serial_to=r.opt_int("serialTo"),
        labour_hours=r.decimal("labourHours"),
        payer=r.text("payer"),
        valid_from=r.opt_date("validFrom"),
        valid_to=r.opt_date("validTo"),
    )


def _vin_scheme(r: _Row) -> VinScheme:
    translit = r.child("transliteration")
    years = [_Row(r.file, f"modelYearCodes[{n}]", y) for n, y in enumerate(r.typed("modelYearCodes", list))]
    layouts = r.child("layouts")
    keywords = [_Row(r.file, "bodyLetterKeywords", k) for k in r.typed("bodyLetterKeywords", list)]

    def segment(s: Any) -> tuple[str, str]:
        seg = _Row(r.file, "layouts", s)
        return ("literal", seg.text("literal")) if "literal" in s else ("from", seg.text("from"))

    return VinScheme(
        length=r.integer("length"),
        regex=r.text("regex"),
        transliteration=tuple((ch, translit.integer(ch)) for ch in translit.data),
        position_weights=tuple(r.typed("positionWeights", list)),
        check_digit_position=r.integer("checkDigitPosition"),
        check_digit_for_remainder_10=r.text("checkDigitForRemainder10"),
        model_year_codes=tuple(ModelYearCode(y.text("code"), tuple(y.typed("years", list))) for y in years),
        check_digit_style_when=r.raw("checkDigitStyleWhen"),
        layouts=tuple((name, tuple(segment(s) for s in layouts.typed(name, list))) for name in layouts.data),
        restraint_code=r.text("restraintCode"),
        body_letter_keywords=tuple((k.text("keyword"), k.text("letter")) for k in keywords),
        body_letter_default=r.text("bodyLetterDefault"),
    )


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
    generator: Mapping[str, Any]
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    """Results derived from the catalogue alone (e.g. applicability per vehicle configuration), kept for reuse."""


def load(data_dir: Path = DATA_DIR) -> Catalog:
    """Read and check every catalogue file; raises CatalogError naming the file and key at fault."""
    brands = _index(_rows(data_dir, "brands.json", "code"), _brand, lambda b: b.code)
    wmis = _index(
        _rows(data_dir, "wmis.json", "wmi"),
        lambda r: Wmi(r.text("wmi"), r.text("brandCode"), r.strs("plantCodes")),
        lambda w: w.wmi,
    )
    markets = _index(_rows(data_dir, "markets.json", "code"), _market, lambda m: m.code)
    norms = _index(
        _rows(data_dir, "oil_norms.json", "code"),
        lambda r: OilNorm(
            r.text("code"),
            r.text("issuer"),
            r.text("fuel"),
            r.text("saps"),
            r.text("hthsMin"),
            r.text("typicalViscosities"),
            r.text("longLife"),
            r.text("note"),
        ),
        lambda n: n.code,
    )
    products = _index(
        _rows(data_dir, "oil_products.json", "code"),
        lambda r: OilProduct(
            r.text("code"), r.text("viscosity"), r.strs("approvals"), r.decimal("basePriceEurPerLitre")
        ),
        lambda p: p.code,
    )
    engines = _index(_rows(data_dir, "engines.json", "code"), _engine, lambda e: e.code)
    models = _index(_rows(data_dir, "models.json", "code"), _model, lambda m: m.code)
    items = _index(_rows(data_dir, "service_items.json", "code"), _service_item, lambda i: i.code)
    derived = {r.text("fact"): r.raw("rule") for r in _rows(data_dir, "derived_facts.json", "fact")}
    interval_overrides = tuple(
        IntervalOverride(
            r.text("scopeType"),
            r.text("scopeCode"),
            r.text("itemCode"),
            r.opt_int("repeatKm"),
            r.opt_int("repeatMi"),
            r.opt_int("repeatMonths"),
        )
        for r in _rows(data_dir, "interval_overrides.json", "itemCode")
    )
    oil_overrides = tuple(
        sorted(
            (_oil_spec_override(r) for r in _rows(data_dir, "oil_spec_overrides.json", "scopeCode")),
            key=lambda o: o.apply_order,
        )
    )
    labour = _index(_rows(data_dir, "labour_times.json", "itemCode"), _labour, lambda t: t.item_code)
    parts = _index(
        _rows(data_dir, "parts.json", "partNumber"),
        lambda r: Part(
            r.text("partNumber"),
            r.text("description"),
            r.text("unit"),
            r.decimal("basePriceEur"),
            r.text("priceCategory"),
        ),
        lambda p: p.part_number,
    )
    item_parts = _index(_rows(data_dir, "item_parts.json", "itemCode"), _item_parts, lambda p: p.item_code)
    commercial = _commercial(_Row("commercial_rules.json", "(root)", _read(data_dir, "commercial_rules.json")))
    service_products = _index(_rows(data_dir, "service_products.json", "code"), _service_product, lambda p: p.code)
    campaigns = _index(_rows(data_dir, "campaigns.json", "code"), _campaign, lambda c: c.code)
    vin_scheme = _vin_scheme(_Row("vin_scheme.json", "(root)", _read(data_dir, "vin_scheme.json")))
    generator = _read(data_dir, "generator.json")
    if not isinstance(generator, Mapping):
        raise CatalogError("generator.json", "(root)", "expected an object")
    catalog = Catalog(
        brands=brands,
        wmis=wmis,
        markets=markets,
        oil_norms=norms,
        oil_products=products,
        engines=engines,
        models=models,
        service_items=items,
        derived_facts=derived,
        interval_overrides=interval_overrides,
        oil_spec_overrides=oil_overrides,
        labour_times=labour,
        parts=parts,
        item_parts=item_parts,
        commercial=commercial,
        service_products=service_products,
        campaigns=campaigns,
        vin_scheme=vin_scheme,
        generator=generator,
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
        for n in (e.oil_spec_fixed or ()) + (e.oil_spec_flex or ()):
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
