"""Vehicle master generation with the normative draw order of DOMAIN §7.5.2 (D2–D7)."""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass, replace
from datetime import date, timedelta

from calculation.records import Vehicle
from calculation.vin import check_digit
from catalog import Catalog
from catalog.conditions import holds, record_facts, value
from catalog.records import Brand, Engine, Market, Model, VinScheme
from generator.prng import SplitMix64, stream
from generator.tuning import Tuning, default_tuning

# D5: generated vehicles carry no usage, tuning or rebuild draws.
GENERATED_USAGE = "PRIVATE"


def model_year_code(scheme: VinScheme, model_year: int) -> str:
    return next(c.code for c in scheme.model_year_codes if model_year in c.years)


@dataclass(frozen=True)
class _Draft:
    """Everything of a vehicle but its serial, so a VIN collision can recompose the VIN."""

    vehicle: Vehicle
    brand: Brand
    model: Model
    engine: Engine
    market: Market
    wmi: str
    plant: str
    serial: int


def _banned(tuning: Tuning, market: str) -> Sequence[str]:
    return tuning.banned_fuels_by_market.get(market, ())


def _eligible_models(catalog: Catalog, tuning: Tuning, market: str) -> list[Model]:
    """Step 2: sold in the market with at least one engine whose fuel is not banned there."""
    banned = _banned(tuning, market)
    return [
        m
        for m in catalog.models.values()
        if market in m.markets and any(catalog.engines[e].fuel not in banned for e in m.engine_codes)
    ]


def _engine_candidates(catalog: Catalog, tuning: Tuning, model: Model, market: str, model_year: int) -> list[Engine]:
    """Step 6: engines not banned; a model offering both generations keeps A up to the switch MY, else B."""
    banned = _banned(tuning, market)
    engines = [catalog.engines[e] for e in model.engine_codes if catalog.engines[e].fuel not in banned]
    if {e.generation for e in engines} >= {"A", "B"}:
        wanted = "A" if model_year <= tuning.engine_generation_a_up_to_model_year else "B"
        engines = [e for e in engines if e.generation == wanted] or engines
    return engines


def _transmission_candidates(tuning: Tuning, model: Model, engine: Engine, market: str) -> list[str]:
    """Step 7: the fuel/power set filters the model list; some markets get no manual gearbox."""
    allowed = value(tuning.transmission_candidates, record_facts({"engine": engine}))
    candidates = [t for t in model.transmissions if allowed is None or t in allowed] or list(model.transmissions)
    if market in tuning.no_manual_transmission_markets:
        prefix = tuning.manual_transmission_prefix
        automatic = [t for t in candidates if not t.startswith(prefix)]
        candidates = automatic or [t for t in model.transmissions if not t.startswith(prefix)] or candidates
    return candidates


def _drive_candidates(tuning: Tuning, model: Model, engine: Engine) -> list[str]:
    """Step 8: the first matching drive rule filters the model list (D6); empty falls back to it."""
    facts = record_facts({"engine": engine})
    for rule in tuning.drive_rules:
        if holds(rule.when, facts):
            keep = value(rule.keep_only, facts)
            removed = rule.remove or ()
            drives = [d for d in model.drives if (keep is None or d == keep) and d not in removed]
            return drives or list(model.drives)
    return list(model.drives)


def _wmi(tuning: Tuning, brand: Brand, model: Model, market: str) -> str:
    for rule in tuning.wmi_rules:
        codes = rule.model_codes
        if rule.market == market and rule.brand == brand.code and (codes is None or model.code in codes):
            return rule.wmi
    return brand.wmis[0]


def _draft(catalog: Catalog, tuning: Tuning, seed: int, index: int) -> _Draft:
    """Steps 1–15 of §7.5.2 in their normative order; every draw is made even with one outcome (D3)."""
    r: SplitMix64 = stream(seed, tuning.stream_key("vehicle", i=index))

    market = catalog.markets[r.pick_weighted(tuning.market_weights)]
    eligible = _eligible_models(catalog, tuning, market.code)
    brands_with_models = {m.brand_code for m in eligible}
    brand = catalog.brands[r.pick_weighted([w for w in tuning.brand_weights if w["value"] in brands_with_models])]
    models = [m for m in eligible if m.brand_code == brand.code]
    model = models[r.next_int(len(models))]

    start = date(max(model.production_from, tuning.production_start_floor_year), 1, 1)
    end = min(date(model.production_to, 12, 31), tuning.as_of - timedelta(days=tuning.production_end_before_as_of_days))
    production = start + timedelta(days=r.next_int((end - start).days + 1))
    next_year = 1 if production.month >= tuning.model_year_switch_month else 0
    model_year = min(production.year + next_year, model.production_to)

    engines = _engine_candidates(catalog, tuning, model, market.code, model_year)
    engine = engines[r.next_int(len(engines))]
    transmissions = _transmission_candidates(tuning, model, engine, market.code)
    transmission = transmissions[r.next_int(len(transmissions))]
    drives = _drive_candidates(tuning, model, engine)
    drive = drives[r.next_int(len(drives))]

    flexible_possible = (
        market.flexible_service_offered and brand.flexible_service_offered and engine.oil_spec_flex is not None
    )
    flexible = r.next_int(100) < tuning.flexible_regime_percent and flexible_possible  # step 9: always drawn
    regimes = tuning.regime_codes
    equipment = [regimes.flexible if flexible else regimes.fixed]
    for option in tuning.equipment_draws:
        drawn = r.next_int(100) < option.percent  # D4: drawn even when the fuel forces the outcome
        if engine.fuel in option.forced_for_fuels or drawn:
            equipment.append(option.code)
        elif option.else_code is not None:
            equipment.append(option.else_code)

    offset = tuning.handover_offset_days
    handover = production + timedelta(days=offset.base + r.next_int(offset.random_span))
    bucket: int = r.pick_weighted(tuning.annual_distance_buckets[market.distance_unit])
    jitter = tuning.annual_jitter_percent
    annual = bucket * r.next_range(jitter.min, jitter.max) // 100
    compliance: str = r.pick_weighted(tuning.compliance_weights)

    wmi = _wmi(tuning, brand, model, market.code)
    plants = catalog.wmis[wmi].plant_codes
    plant = plants[r.next_int(len(plants))]
    serial = r.next_range(tuning.serial_range.min, tuning.serial_range.max)

    vehicle = Vehicle(
        vin="",
        model_code=model.code,
        engine_code=engine.code,
        transmission=transmission,
        drive=drive,
        model_year=model_year,
        production_date=production,
        handover_date=handover,
        market=market.code,
        equipment_codes=tuple(equipment),
        usage=GENERATED_USAGE,
        annual_distance=annual,
        compliance_profile=compliance,
    )
    return _Draft(vehicle, brand, model, engine, market, wmi, plant, serial)


def _compose_vin(catalog: Catalog, draft: _Draft, serial: int) -> str:
    """§1.8: filler or check-digit layout from vin_scheme.json; the check digit is computed last."""
    scheme = catalog.vin_scheme
    facts = record_facts({"model": draft.model, "engine": draft.engine, "brand": draft.brand, "market": draft.market})
    check_digit_style = holds(scheme.check_digit_style_when, facts)
    segments = dict(scheme.layouts)["CHECKDIGIT" if check_digit_style else "FILLER"]
    generated = {
        "wmi": draft.wmi,
        "modelYearCode": model_year_code(scheme, draft.vehicle.model_year),
        "plantCode": draft.plant,
        "serial6": f"{serial:06d}",
        "checkDigit": "0",  # placeholder: position 9 has weight 0
    }
    vin = "".join(
        text if kind == "literal" else generated[text] if text in generated else str(facts(text))
        for kind, text in segments
    )
    if not check_digit_style:
        return vin
    position = scheme.check_digit_position - 1
    return vin[:position] + check_digit(vin, scheme) + vin[position + 1 :]


def generate_vehicle(catalog: Catalog, seed: int, index: int, taken: Set[str] = frozenset()) -> Vehicle:
    """Vehicle `index` (1-based) of the data set; a VIN in `taken` moves the serial on (step 15)."""
    tuning = default_tuning()
    draft = _draft(catalog, tuning, seed, index)
    serial, maximum = draft.serial, tuning.serial_range.max
    vin = _compose_vin(catalog, draft, serial)
    while vin in taken:
        serial = serial % maximum + 1
        vin = _compose_vin(catalog, draft, serial)
    return replace(draft.vehicle, vin=vin)


def generate_vehicles(catalog: Catalog, seed: int, count: int) -> list[Vehicle]:
    """Vehicles 1…count in ascending index, so VIN collisions resolve the same way every run."""
    vehicles: list[Vehicle] = []
    vins: set[str] = set()
    for index in range(1, count + 1):
        vehicle = generate_vehicle(catalog, seed, index, vins)
        vins.add(vehicle.vin)
        vehicles.append(vehicle)
    return vehicles
