"""Checks delivered records (DOMAIN §7.2, §1.7, D13–D15) and turns each into a typed record or a reject."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from calculation.bounds import EARLIEST_DATE, LATEST_DATE, MAX_ODOMETER, date_in_range
from calculation.records import CampaignVehicle, ServiceContract, Vehicle
from calculation.vin import validate_vin
from catalog import Catalog
from preparation.raw import DMS, DSS, REG, VMS, RawEvent, RawItem, RawVehicle

INVALID_JSON = "INVALID_JSON"
LINE_TOO_LONG = "LINE_TOO_LONG"
NESTING_TOO_DEEP = "NESTING_TOO_DEEP"
DUPLICATE_JSON_KEY = "DUPLICATE_JSON_KEY"
DUPLICATE_KEY = "DUPLICATE_KEY"
MISSING_FIELD = "MISSING_FIELD"
INVALID_FIELD = "INVALID_FIELD"
INVALID_DATE = "INVALID_DATE"
INVALID_DATE_RANGE = "INVALID_DATE_RANGE"
NEGATIVE_ODOMETER = "NEGATIVE_ODOMETER"
VALUE_OUT_OF_RANGE = "VALUE_OUT_OF_RANGE"
DATE_OUT_OF_RANGE = "DATE_OUT_OF_RANGE"
UNKNOWN_MODEL = "UNKNOWN_MODEL"
UNKNOWN_ENGINE = "UNKNOWN_ENGINE"
UNKNOWN_MARKET = "UNKNOWN_MARKET"
UNKNOWN_ITEM_CODE = "UNKNOWN_ITEM_CODE"
UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"
UNKNOWN_CAMPAIGN = "UNKNOWN_CAMPAIGN"
ENGINE_NOT_FOR_MODEL = "ENGINE_NOT_FOR_MODEL"
MARKET_NOT_FOR_MODEL = "MARKET_NOT_FOR_MODEL"
ODOMETER_UNIT_MISMATCH = "ODOMETER_UNIT_MISMATCH"
EVENT_BEFORE_HANDOVER = "EVENT_BEFORE_HANDOVER"

OTHER = "OTHER"  # D13: an unmapped DMS line, kept with its text in `note`
TECH_CAMPAIGN = "TECH_CAMPAIGN"
LABOUR_CODE_PREFIX = "OP-"  # D13: LTC operation code OP-<itemCode>
USAGES = ("PRIVATE", "FLEET", "TAXI", "RENTAL", "DRIVING_SCHOOL", "POLICE")
COMPLIANCE_PROFILES = ("PUNCTUAL", "LATE", "SKIPPER")
DISTANCE_UNITS = ("KM", "MI")
CONTRACT_STATUSES = ("ACTIVE", "EXPIRED", "CANCELLED")
CAMPAIGN_STATUSES = ("OPEN", "COMPLETED")
CONTRACT_SOURCE = "SCS"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CURRENCY = re.compile(r"[A-Z]{3}")

# Fields a vehicle needs after VMS and REG are combined (D14), with their delivery names.
REQUIRED_VEHICLE_FIELDS = (
    ("model_code", "modelCode"), ("engine_code", "engineCode"), ("transmission", "transmission"),
    ("drive", "drive"), ("model_year", "modelYear"), ("production_date", "productionDate"), ("market", "market"),
)  # fmt: skip


class Rejected(Exception):
    """Why a record cannot be accepted: a machine code and a sentence."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Reject:
    """One line of rejects.jsonl."""

    file: str
    line: int
    key: str | None
    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "key": self.key, "code": self.code, "message": self.message}


class _Fields:
    """Typed access to one delivered JSON object; a missing or malformed field raises Rejected."""

    def __init__(self, data: Any, what: str) -> None:
        if not isinstance(data, Mapping):
            raise Rejected(INVALID_FIELD, f"{what} must be a JSON object, got {data!r}.")
        self.data = data
        self.what = what

    def _get(self, name: str, required: bool) -> Any:
        value = self.data.get(name)
        if value is None and required:
            raise Rejected(MISSING_FIELD, f"{self.what} has no {name!r}.")
        return value

    def _invalid(self, name: str, expected: str, value: Any) -> Rejected:
        return Rejected(INVALID_FIELD, f"{self.what}: {name!r} must be {expected}, got {value!r}.")

    def opt_text(self, name: str, required: bool = False) -> str | None:
        value = self._get(name, required)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self._invalid(name, "a non-empty string", value)
        return value

    def text(self, name: str) -> str:
        value = self.opt_text(name, required=True)
        assert value is not None  # required
        return value

    def opt_choice(self, name: str, allowed: Collection[str], required: bool = False) -> str | None:
        value = self.opt_text(name, required)
        if value is not None and value not in allowed:
            raise self._invalid(name, f"one of {', '.join(allowed)}", value)
        return value

    def choice(self, name: str, allowed: Collection[str]) -> str:
        value = self.opt_choice(name, allowed, required=True)
        assert value is not None  # required
        return value

    def opt_code(self, name: str, table: Mapping[str, object], code: str, what: str) -> str | None:
        value = self.opt_text(name)
        if value is not None and value not in table:
            raise Rejected(code, f"{self.what}: {what} {value!r} is not in the catalogue.")
        return value

    def code(self, name: str, table: Mapping[str, object], code: str, what: str) -> str:
        self._get(name, required=True)
        value = self.opt_code(name, table, code, what)
        assert value is not None  # required
        return value

    def opt_int(self, name: str, required: bool = False) -> int | None:
        value = self._get(name, required)
        # bool is an int subclass: `true` is not a number
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise self._invalid(name, "a whole number", value)
        return value

    def _within(self, name: str, value: int | None, highest: int) -> int | None:
        if value is not None and value > highest:
            raise Rejected(VALUE_OUT_OF_RANGE, f"{self.what}: {name!r} is {value}, more than {highest:,}.")
        return value

    def opt_distance(self, name: str) -> int | None:
        """A distance in the market's unit: a count no larger than an odometer can read."""
        value = self.opt_int(name)
        if value is not None and value < 0:
            raise self._invalid(name, "zero or more", value)
        return self._within(name, value, MAX_ODOMETER)

    def opt_year(self, name: str) -> int | None:
        value = self.opt_int(name)
        if value is not None and not EARLIEST_DATE.year <= value <= LATEST_DATE.year:
            raise Rejected(
                VALUE_OUT_OF_RANGE,
                f"{self.what}: {name!r} is {value}, outside {EARLIEST_DATE.year}–{LATEST_DATE.year}.",
            )
        return value

    def opt_odometer(self, name: str, required: bool = False) -> int | None:
        value = self.opt_int(name, required)
        if value is not None and value < 0:
            raise Rejected(NEGATIVE_ODOMETER, f"{self.what}: {name!r} is negative ({value}).")
        return self._within(name, value, MAX_ODOMETER)

    def odometer(self, name: str) -> int:
        value = self.opt_odometer(name, required=True)
        assert value is not None  # required
        return value

    def opt_boolean(self, name: str, required: bool = False) -> bool | None:
        value = self._get(name, required)
        if value is not None and not isinstance(value, bool):
            raise self._invalid(name, "true or false", value)
        return value

    def boolean(self, name: str) -> bool:
        value = self.opt_boolean(name, required=True)
        assert value is not None  # required
        return value

    def opt_iso_date(self, name: str, required: bool = False) -> date | None:
        value = self._get(name, required)
        if value is None:
            return None
        try:
            if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
                raise ValueError
            parsed = date.fromisoformat(value)
        except ValueError:
            message = f"{self.what}: {name!r} must be a calendar date YYYY-MM-DD, got {value!r}."
            raise Rejected(INVALID_DATE, message) from None
        if not date_in_range(parsed):
            raise Rejected(
                DATE_OUT_OF_RANGE, f"{self.what}: {name!r} is {parsed}, outside {EARLIEST_DATE}–{LATEST_DATE}."
            )
        return parsed

    def iso_date(self, name: str) -> date:
        value = self.opt_iso_date(name, required=True)
        assert value is not None  # required
        return value

    def opt_decimal(self, name: str) -> Decimal | None:
        value = self._get(name, required=False)
        if value is None:
            return None
        try:
            if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
                raise InvalidOperation
            number = Decimal(value)
        except InvalidOperation:
            raise self._invalid(name, "a decimal number", value) from None
        if not number.is_finite():
            raise self._invalid(name, "a finite decimal number", value)
        return number

    def opt_currency(self, name: str) -> str | None:
        value = self.opt_text(name)
        if value is not None and not CURRENCY.fullmatch(value):
            raise self._invalid(name, "an ISO 4217 currency code", value)
        return value

    def opt_texts(self, name: str) -> tuple[str, ...] | None:
        value = self._get(name, required=False)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self._invalid(name, "a list of non-empty strings", value)
        return tuple(value)

    def records(self, name: str) -> list[Any]:
        value = self._get(name, required=True)
        if not isinstance(value, list):
            raise self._invalid(name, "a list", value)
        return value


def vehicle_record(data: Any, catalog: Catalog) -> RawVehicle:
    """A VMS or REG record on its own: types, dates and catalogue codes of the fields it carries. D14: a record
    may carry `sourceSystem`; one that does not is the vehicle master's (VMS)."""
    f = _Fields(data, "Vehicle record")
    vin = f.text("vin").upper()
    f.what = f"Vehicle {vin}"
    return RawVehicle(
        vin=vin, source_system=f.opt_choice("sourceSystem", (VMS, REG)) or VMS,
        model_code=f.opt_code("modelCode", catalog.models, UNKNOWN_MODEL, "model"),
        engine_code=f.opt_code("engineCode", catalog.engines, UNKNOWN_ENGINE, "engine"),
        transmission=f.opt_text("transmission"), drive=f.opt_text("drive"), model_year=f.opt_year("modelYear"),
        production_date=f.opt_iso_date("productionDate"), handover_date=f.opt_iso_date("handoverDate"),
        market=f.opt_code("market", catalog.markets, UNKNOWN_MARKET, "market"),
        odometer_unit=f.opt_choice("odometerUnit", DISTANCE_UNITS), equipment_codes=f.opt_texts("equipmentCodes"),
        usage=f.opt_choice("usage", USAGES), tuned=f.opt_boolean("tuned"),
        total_loss_rebuilt=f.opt_boolean("totalLossRebuilt"), annual_distance=f.opt_distance("annualDistance"),
        compliance_profile=f.opt_choice("complianceProfile", COMPLIANCE_PROFILES),
    )  # fmt: skip


def vehicle(combined: RawVehicle, catalog: Catalog) -> Vehicle:
    """The vehicle VMS and REG describe together (D14): complete, consistent with its model, valid VIN."""
    vin, model_code, engine_code, market = combined.vin, combined.model_code, combined.engine_code, combined.market
    transmission, drive, model_year = combined.transmission, combined.drive, combined.model_year
    production, handover = combined.production_date, combined.handover_date
    if (
        model_code is None or engine_code is None or market is None or transmission is None or drive is None
        or model_year is None or production is None or handover is None
    ):  # fmt: skip
        missing = [name for attribute, name in REQUIRED_VEHICLE_FIELDS if getattr(combined, attribute) is None]
        raise Rejected(MISSING_FIELD, f"Vehicle {vin} has no {', '.join(missing)} in its VMS or REG record.")
    model = catalog.models[model_code]
    if engine_code not in model.engine_codes:
        raise Rejected(ENGINE_NOT_FOR_MODEL, f"Vehicle {vin}: engine {engine_code} is not offered in {model.code}.")
    if market not in model.markets:
        raise Rejected(MARKET_NOT_FOR_MODEL, f"Vehicle {vin}: {model.code} is not sold in market {market}.")
    unit = catalog.markets[market].distance_unit
    if combined.odometer_unit not in (None, unit):
        raise Rejected(
            ODOMETER_UNIT_MISMATCH,
            f"Vehicle {vin}: odometer unit {combined.odometer_unit} differs from market {market}'s {unit}.",
        )
    if handover < production:
        raise Rejected(INVALID_DATE_RANGE, f"Vehicle {vin}: handover {handover} is before production {production}.")
    result = Vehicle(
        vin=vin, model_code=model_code, engine_code=engine_code, transmission=transmission, drive=drive,
        model_year=model_year, production_date=production, handover_date=handover, market=market,
        equipment_codes=combined.equipment_codes or (), usage=combined.usage or USAGES[0],
        tuned=bool(combined.tuned), total_loss_rebuilt=bool(combined.total_loss_rebuilt),
        annual_distance=combined.annual_distance, compliance_profile=combined.compliance_profile,
    )  # fmt: skip
    check_vin(vin, {vin: result}, catalog)
    return result


def event_record(data: Any, catalog: Catalog) -> RawEvent:
    """A DSS or DMS event on its own; items are mapped by D13."""
    f = _Fields(data, "Service event")
    event_id = f.text("eventId")
    f.what = f"Service event {event_id}"
    system = f.choice("sourceSystem", (DSS, DMS))
    vin = f.text("vin").upper()
    when = f.iso_date("date")
    odometer = f.odometer("odometer")
    items = tuple(_item(entry, system, catalog, f.what) for entry in f.records("items"))
    return RawEvent(
        event_id=event_id, vin=vin, date=when, odometer=odometer, workshop_code=f.text("workshopCode"),
        authorised_workshop=f.boolean("authorisedWorkshop"), source_system=system, source_ref=f.text("sourceRef"),
        items=items, invoice_total=f.opt_decimal("invoiceTotal"), currency=f.opt_currency("currency"),
    )  # fmt: skip


def _item(entry: Any, system: str, catalog: Catalog, event: str) -> RawItem:
    f = _Fields(entry, f"{event}: item")
    text = f.text("itemCode")
    f.what = f"{event}: item {text}"
    items = catalog.service_items
    if text in items:
        code = text
    elif system == DSS:
        raise Rejected(UNKNOWN_ITEM_CODE, f"{event}: DSS item code {text!r} is not in the catalogue.")
    elif text.startswith(LABOUR_CODE_PREFIX) and text.removeprefix(LABOUR_CODE_PREFIX) in items:
        code = text.removeprefix(LABOUR_CODE_PREFIX)
    else:
        code = OTHER
    performed = f.boolean("performed")
    campaign = f.opt_code("campaignCode", catalog.campaigns, UNKNOWN_CAMPAIGN, "campaign")
    if code == TECH_CAMPAIGN and campaign is None:
        raise Rejected(MISSING_FIELD, f"{event}: a {TECH_CAMPAIGN} item needs its 'campaignCode'.")
    return RawItem(text=text, code=code, performed=performed, campaign_code=campaign)


def contract_record(data: Any, catalog: Catalog) -> ServiceContract:
    f = _Fields(data, "Contract")
    contract_id = f.text("contractId")
    f.what = f"Contract {contract_id}"
    vin = f.text("vin").upper()
    product = f.code("productTypeCode", catalog.service_products, UNKNOWN_PRODUCT, "product type")
    start, end = f.iso_date("startDate"), f.iso_date("endDate")
    if end < start:
        raise Rejected(INVALID_DATE_RANGE, f"{f.what}: end date {end} is before start date {start}.")
    f.opt_choice("sourceSystem", (CONTRACT_SOURCE,))
    return ServiceContract(
        contract_id=contract_id, vin=vin, product_type_code=product, start_date=start, end_date=end,
        max_odometer=f.opt_odometer("maxOdometer"), status=f.choice("status", CONTRACT_STATUSES),
        purchase_date=f.opt_iso_date("purchaseDate"), purchase_odometer=f.opt_odometer("purchaseOdometer"),
        price=f.opt_decimal("price"), currency=f.opt_currency("currency"),
    )  # fmt: skip


def campaign_vehicle_record(data: Any, catalog: Catalog) -> CampaignVehicle:
    f = _Fields(data, "Campaign vehicle")
    campaign = f.code("campaignCode", catalog.campaigns, UNKNOWN_CAMPAIGN, "campaign")
    vin = f.text("vin").upper()
    f.what = f"Campaign vehicle {campaign}/{vin}"
    return CampaignVehicle(
        campaign_code=campaign,
        vin=vin,
        status=f.choice("status", CAMPAIGN_STATUSES),
        completed_event_id=f.opt_text("completedEventId"),
    )


def check_vin(vin: str, master: Mapping[str, Vehicle], catalog: Catalog) -> None:
    """§1.7 against the vehicle master: a record for an unknown or invalid VIN is rejected with the VIN's code."""
    reject = validate_vin(vin, catalog, master=master).reject
    if reject is not None:
        raise Rejected(reject.code, reject.message)


def check_event(event: RawEvent, master: Mapping[str, Vehicle], catalog: Catalog) -> None:
    check_vin(event.vin, master, catalog)
    handover = master[event.vin].handover_date
    if event.date < handover:
        raise Rejected(
            EVENT_BEFORE_HANDOVER, f"Service event {event.event_id} on {event.date} is before handover {handover}."
        )


def raw_key(data: Mapping[str, Any], names: tuple[str, ...]) -> str | None:
    """The natural key as reject lines print it (e.g. `DE-007/RO000012`), from whichever key fields a record
    that may be too broken to parse has."""
    parts = [data[name] for name in names if isinstance(data.get(name), str)]
    return "/".join(parts) or None
