"""Immutable, typed records of the master-data catalogue (DOMAIN §7.3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

Condition = Any
"""A condition or value expression of the catalogue's condition language (see `catalog.conditions`)."""


@dataclass(frozen=True, slots=True)
class Brand:
    code: str
    name: str
    positioning: str
    group_code: str
    hq_country: str
    time_units_per_hour: int
    labour_unit_name: str
    vin_style: str
    flexible_service_offered: bool
    wmis: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Wmi:
    wmi: str
    brand_code: str
    plant_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Market:
    code: str
    name: str
    currency: str
    minor_unit: int
    tax_rate: Decimal
    tax_name: str
    exempt_tax_categories: tuple[str, ...]
    distance_unit: str
    flexible_service_offered: bool
    labour_rate_per_hour: Decimal
    shop_supplies_flat: Decimal
    oil_disposal_fee: Decimal
    price_factor: Decimal
    check_digit_mandatory: bool
    cash_rounding_step: Decimal | None
    statutory_item_code: str | None
    look_ahead_distance: int
    look_ahead_days: int
    high_sulphur_diesel: bool


@dataclass(frozen=True, slots=True)
class OilNorm:
    code: str
    issuer: str
    fuel: str
    saps: str
    hths_min: str
    typical_viscosities: str
    long_life: str
    note: str


@dataclass(frozen=True, slots=True)
class OilProduct:
    code: str
    viscosity: str
    approvals: tuple[str, ...]
    base_price_eur_per_litre: Decimal


@dataclass(frozen=True, slots=True)
class Engine:
    code: str
    fuel: str
    displacement_cc: int
    cylinders: int
    power_kw: int
    aspiration: str | None
    timing_drive: str | None
    aftertreatment: str | None
    oil_capacity_l: Decimal | None
    oil_spec_fixed: tuple[str, ...] | None
    oil_spec_flex: tuple[str, ...] | None
    allowed_viscosities: tuple[str, ...]
    spark_plug_item: str | None
    air_filter_item: str | None
    timing_belt_item: str | None
    generation: str
    oil_filter_part: str | None
    vin_engine_letter: str

    @property
    def oil_norm_codes(self) -> tuple[str, ...]:
        """Every norm the engine accepts in either regime, fixed-regime norms first, each once."""
        return tuple(dict.fromkeys((self.oil_spec_fixed or ()) + (self.oil_spec_flex or ())))

    @property
    def is_ice(self) -> bool:
        return self.fuel != "BEV"


@dataclass(frozen=True, slots=True)
class Model:
    code: str
    brand_code: str
    name: str
    vehicle_class: str
    body: str
    production_from: int
    production_to: int
    engine_codes: tuple[str, ...]
    transmissions: tuple[str, ...]
    drives: tuple[str, ...]
    markets: tuple[str, ...]
    eu_type_code: str
    na_line_code: str
    vin_body_letter: str


@dataclass(frozen=True, slots=True)
class Interval:
    """Distance limits per market unit and a time limit; `None` means no such limit."""

    km: int | None
    mi: int | None
    months: int | None

    def distance(self, unit: str) -> int | None:
        return self.km if unit == "KM" else self.mi


@dataclass(frozen=True, slots=True)
class ServiceItemType:
    seq: int
    code: str
    category: str
    name: str
    first_interval: Interval | None
    repeat_interval: Interval | None
    due_end_of_month: bool
    applicability: str
    applicability_rule: Condition
    satisfied_by: tuple[str, ...]
    source_note: str | None


@dataclass(frozen=True, slots=True)
class IntervalOverride:
    scope_type: str
    scope_code: str
    item_code: str
    repeat_km: int | None
    repeat_mi: int | None
    repeat_months: int | None


@dataclass(frozen=True, slots=True)
class OilSpecOverride:
    apply_order: int
    scope_type: str
    scope_code: str
    engine_code: str | None
    fuels: tuple[str, ...] | None
    brand_group: str | None
    engine_generation: str | None
    norms: tuple[str, ...]
    viscosities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LabourTime:
    item_code: str
    basis: str
    hours: Decimal | None
    hours_by_vehicle_class: tuple[tuple[str, Decimal], ...] | None
    hours_by_cylinders: tuple[tuple[int, Decimal], ...] | None
    hours_other_cylinders: Decimal | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Part:
    part_number: str
    description: str
    unit: str
    base_price_eur: Decimal
    price_category: str


@dataclass(frozen=True, slots=True)
class PartLine:
    """One part line of an item: `source` PART or OIL_PRODUCT, part and quantity as value expressions."""

    source: str
    part: Condition
    quantity: Condition


@dataclass(frozen=True, slots=True)
class ItemParts:
    item_code: str
    lines: tuple[PartLine, ...]


@dataclass(frozen=True, slots=True)
class CustomerGroup:
    group: str
    discount_percent_by_category: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True, slots=True)
class LoyaltyRule:
    name: str
    min_vehicle_age_months: int
    discount_percent_by_category: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True, slots=True)
class FlatCharge:
    ref: str
    position_type: str
    description: str
    quantity: Decimal
    unit: str
    unit_price_from: str


@dataclass(frozen=True, slots=True)
class CommercialRules:
    price_categories: tuple[str, ...]
    payers: tuple[str, ...]
    default_customer_group: str
    customer_groups: tuple[CustomerGroup, ...]
    loyalty_rules: tuple[LoyaltyRule, ...]
    discounted_payers: tuple[str, ...]
    non_discounted_categories: tuple[str, ...]
    campaign_payer: str
    labour_ref_prefix: str
    labour_unit: str
    oil_description: str
    oil_unit: str
    shop_supplies: FlatCharge
    oil_disposal: FlatCharge
    not_taxed_payers: tuple[str, ...]
    cash_rounding_payers: tuple[str, ...]
    payer_totals_order: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Eligibility:
    brand_codes: tuple[str, ...] | None
    market_codes: tuple[str, ...] | None
    vehicle_age_months_at_purchase: tuple[tuple[str, int], ...] | None
    odometer_at_purchase_km: tuple[tuple[str, int], ...] | None
    odometer_at_purchase_mi: tuple[tuple[str, int], ...] | None
    excluded_usages: tuple[str, ...]
    exclude_tuned: bool
    exclude_total_loss_rebuilt: bool
    requires_no_oil_service_yet: bool
    requires_no_overdue_core_item: bool


@dataclass(frozen=True, slots=True)
class ServiceProduct:
    code: str
    kind: str
    sold_as_product: bool
    term_months: int | None
    term_distance_km: int | None
    term_distance_mi: int | None
    coverage_start_vehicle_age_months: int | None
    max_total_vehicle_age_months: int | None
    term_rule: str | None
    covered_item_codes: tuple[str, ...]
    coverage_note: str | None
    eligibility: Eligibility


@dataclass(frozen=True, slots=True)
class Campaign:
    code: str
    title: str
    brand_code: str
    model_codes: tuple[str, ...]
    model_year_from: int
    model_year_to: int
    serial_from: int | None
    serial_to: int | None
    labour_hours: Decimal
    payer: str
    valid_from: date | None
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class ModelYearCode:
    code: str
    years: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class VinScheme:
    length: int
    regex: str
    transliteration: tuple[tuple[str, int], ...]
    position_weights: tuple[int, ...]
    check_digit_position: int
    check_digit_for_remainder_10: str
    model_year_codes: tuple[ModelYearCode, ...]
    check_digit_style_when: Condition
    layouts: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    restraint_code: str
    body_letter_keywords: tuple[tuple[str, str], ...]
    body_letter_default: str
