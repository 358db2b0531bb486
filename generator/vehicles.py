"""Vehicle master generation with the normative draw order of DOMAIN §7.5.2 (D2–D7)."""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from calculation.records import Vehicle
from calculation.vin import check_digit
from catalog import Catalog
from catalog.conditions import holds, record_facts, value
from catalog.records import Brand, Engine, Market, Model, VinScheme
from generator.prng import SplitMix64, stream

# D5: generated vehicles carry no usage, tuning or rebuild draws.
GENERATED_USAGE = "PRIVATE"


def as_of(catalog: Catalog) -> date:
    return date.fromisoformat(catalog.generator["asOf"])


def stream_key(catalog: Catalog, kind: str, **fields: Any) -> str:
    """The stream key of one entity from the `streamKeys` patterns (`vehicle:{i:06d}`, `history:{VIN}` …)."""
    pattern: str = catalog.generator["streamKeys"][kind]
    return pattern.format(**fields)


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


def _banned(catalog: Catalog, market: str) -> Sequence[str]:
    banned: Sequence[str] = catalog.generator["bannedFuelsByMarket"].get(market, ())
    return banned


def _eligible_models(catalog: Catalog, market: str) -> list[Model]:
    """Step 2: sold in the market with at least one engine whose fuel is not banned there."""
    banned = _banned(catalog, market)
    return [
        m
        for m in catalog.models.values()
        if market in m.markets and any(catalog.engines[e].fuel not in banned for e in m.engine_codes)
    ]


def _engine_candidates(catalog: Catalog, model: Model, market: str, model_year: int) -> list[Engine]:
    """Step 6: engines not banned; a model offering both generations keeps A up to the switch MY, else B."""
    banned = _banned(catalog, market)
    engines = [catalog.engines[e] for e in model.engine_codes if catalog.engines[e].fuel not in banned]
    if {e.generation for e in engines} >= {"A", "B"}:
        wanted = "A" if model_year <= catalog.generator["engineGenerationAUpToModelYear"] else "B"
        engines = [e for e in engines if e.generation == wanted] or engines
    return engines


def _transmission_candidates(catalog: Catalog, model: Model, engine: Engine, market: str) -> list[str]:
    """Step 7: the fuel/power set filters the model list; some markets get no manual gearbox."""
    params = catalog.generator
    allowed = value(params["transmissionCandidates"], record_facts({"engine": engine}))
    candidates = [t for t in model.transmissions if allowed is None or t in allowed] or list(model.transmissions)
    if market in params["noManualTransmissionMarkets"]:
        prefix = params["manualTransmissionPrefix"]
        automatic = [t for t in candidates if not t.startswith(prefix)]
        candidates = automatic or [t for t in model.transmissions if not t.startswith(prefix)] or candidates
    return candidates


def _drive_candidates(catalog: Catalog, model: Model, engine: Engine) -> list[str]:
    """Step 8: the first matching drive rule filters the model list (D6); empty falls back to it."""
    facts = record_facts({"engine": engine})
    for rule in catalog.generator["driveRules"]:
        if holds(rule["when"], facts):
            keep = value(rule["keepOnly"], facts)
            removed = rule["remove"] or ()
            drives = [d for d in model.drives if (keep is None or d == keep) and d not in removed]
            return drives or list(model.drives)
    return list(model.drives)


def _wmi(catalog: Catalog, brand: Brand, model: Model, market: str) -> str:
    for rule in catalog.generator["wmiRules"]:
        codes = rule["modelCodes"]
        if rule["market"] == market and rule["brand"] == brand.code and (codes is None or model.code in codes):
            wmi: str = rule["wmi"]
            return wmi
    return brand.wmis[0]


def _draft(catalog: Catalog, seed: int, index: int) -> _Draft:
    """Steps 1–15 of §7.5.2 in their normative order; every draw is made even with one outcome (D3)."""
    params = catalog.generator
    r: SplitMix64 = stream(seed, stream_key(catalog, "vehicle", i=index))

    market = catalog.markets[r.pick_weighted(params["marketWeights"])]
    eligible = _eligible_models(catalog, market.code)
    brands_with_models = {m.brand_code for m in eligible}
    brand = catalog.brands[r.pick_weighted([w for w in params["brandWeights"] if w["value"] in brands_with_models])]
    models = [m for m in eligible if m.brand_code == brand.code]
    model = models[r.next_int(len(models))]

    start = date(max(model.production_from, params["productionStartFloorYear"]), 1, 1)
    end = min(date(model.production_to, 12, 31), as_of(catalog) - timedelta(days=params["productionEndBeforeAsOfDays"]))
    production = start + timedelta(days=r.next_int((end - start).days + 1))
    next_year = 1 if production.month >= params["modelYearSwitchMonth"] else 0
    model_year = min(production.year + next_year, model.production_to)

    engines = _engine_candidates(catalog, model, market.code, model_year)
    engine = engines[r.next_int(len(engines))]
    transmissions = _transmission_candidates(catalog, model, engine, market.code)
    transmission = transmissions[r.next_int(len(transmissions))]
    drives = _drive_candidates(catalog, model, engine)
    drive = drives[r.next_int(len(drives))]

    flexible_possible = (
        market.flexible_service_offered and brand.flexible_service_offered and engine.oil_spec_flex is not None
    )
    flexible = r.next_int(100) < params["flexibleRegimePercent"] and flexible_possible  # step 9: always drawn
    equipment = [params["regimeCodes"]["flexible" if flexible else "fixed"]]
    for option in params["equipmentDraws"]:
        drawn = r.next_int(100) < option["percent"]  # D4: drawn even when the fuel forces the outcome
        if engine.fuel in option["forcedForFuels"] or drawn:
            equipment.append(option["code"])
        elif option["elseCode"] is not None:
            equipment.append(option["elseCode"])

    offset = params["handoverOffsetDays"]
    handover = production + timedelta(days=offset["base"] + r.next_int(offset["randomSpan"]))
    bucket: int = r.pick_weighted(params["annualDistanceBuckets"][market.distance_unit])
    jitter = params["annualJitterPercent"]
    annual = bucket * r.next_range(jitter["min"], jitter["max"]) // 100
    compliance: str = r.pick_weighted(params["complianceWeights"])

    wmi = _wmi(catalog, brand, model, market.code)
    plants = catalog.wmis[wmi].plant_codes
    plant = plants[r.next_int(len(plants))]
    serial_range = params["serialRange"]
    serial = r.next_range(serial_range["min"], serial_range["max"])

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
    draft = _draft(catalog, seed, index)
    serial, maximum = draft.serial, catalog.generator["serialRange"]["max"]
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
