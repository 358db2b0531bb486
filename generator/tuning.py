"""The generator's tuning (DOMAIN §7.5): weights, rules and ranges, read once from tuning.json into a record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from catalog.reader import Reader, root_row
from catalog.records import Condition

TUNING_FILE = Path(__file__).with_name("tuning.json")

Weighted = Mapping[str, Any]
"""A `{value, weight}` entry, as `SplitMix64.pick_weighted` draws from it."""


@dataclass(frozen=True, slots=True)
class DriveRule:
    """Step 8: when `when` holds, keep only the drive `keep_only` evaluates to (None: all) and drop `remove`."""

    when: Condition
    keep_only: Condition
    remove: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class RegimeCodes:
    flexible: str
    fixed: str


@dataclass(frozen=True, slots=True)
class EquipmentDraw:
    """An equipment code drawn with `percent`, forced for some fuels, else replaced by `else_code` if any."""

    code: str
    percent: int
    else_code: str | None
    forced_for_fuels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HandoverOffset:
    base: int
    random_span: int


@dataclass(frozen=True, slots=True)
class Span:
    """Whole numbers from `min` to `max`, both included."""

    min: int
    max: int


@dataclass(frozen=True, slots=True)
class WmiRule:
    """The WMI of a brand's vehicles for a market (only for `model_codes` when given); else the brand's first."""

    market: str
    brand: str
    model_codes: tuple[str, ...] | None
    wmi: str


@dataclass(frozen=True, slots=True)
class Tuning:
    """What the draws of §7.5.2 are weighted and bounded by.

    The file's `prng` and `wmiDefault` entries are not read: they describe what `generator.prng` and the fallback
    to the brand's first WMI do.
    """

    as_of: date
    stream_keys: Mapping[str, str]
    market_weights: tuple[Weighted, ...]
    brand_weights: tuple[Weighted, ...]
    banned_fuels_by_market: Mapping[str, tuple[str, ...]]
    production_start_floor_year: int
    production_end_before_as_of_days: int
    model_year_switch_month: int
    engine_generation_a_up_to_model_year: int
    transmission_candidates: Condition
    no_manual_transmission_markets: tuple[str, ...]
    manual_transmission_prefix: str
    drive_rules: tuple[DriveRule, ...]
    flexible_regime_percent: int
    regime_codes: RegimeCodes
    equipment_draws: tuple[EquipmentDraw, ...]
    handover_offset_days: HandoverOffset
    annual_distance_buckets: Mapping[str, tuple[Weighted, ...]]
    annual_jitter_percent: Span
    compliance_weights: tuple[Weighted, ...]
    wmi_rules: tuple[WmiRule, ...]
    serial_range: Span

    def stream_key(self, kind: str, **fields: Any) -> str:
        """The stream key of one entity from the `streamKeys` patterns (`vehicle:{i:06d}`, `history:{VIN}` …)."""
        return self.stream_keys[kind].format(**fields)


def load(file: Path = TUNING_FILE) -> Tuning:
    """Read and check the tuning file; raises CatalogError naming the key at fault."""
    return Reader(Tuning)(root_row(file.parent, file.name))


@cache
def default_tuning() -> Tuning:
    """The tuning shipped with the generator, loaded once per process."""
    return load()
