"""VIN validation (DOMAIN §1.7 with D15): syntax, check digit, WMI, model-year code and decode, existence."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from calculation.echo import quoted
from calculation.records import Vehicle
from catalog import Catalog
from catalog.conditions import holds
from catalog.records import Brand, Market, VinScheme

INVALID_VIN_FORMAT = "INVALID_VIN_FORMAT"
CHECK_DIGIT_MISMATCH = "CHECK_DIGIT_MISMATCH"
UNKNOWN_WMI = "UNKNOWN_WMI"
INVALID_MODEL_YEAR_CODE = "INVALID_MODEL_YEAR_CODE"
VEHICLE_NOT_FOUND = "VEHICLE_NOT_FOUND"
CHECK_DIGIT_UNVERIFIED = "CHECK_DIGIT_UNVERIFIED"
MODEL_YEAR_MISMATCH = "MODEL_YEAR_MISMATCH"

FILLER = "Z"  # §1.8: position 9 of an EU filler-style VIN
MODEL_YEAR_POSITION = 10
US_MARKET = "US"
US_RULE_POSITION = 7  # §1.5: numeric → model years 1980–2009, alphabetic → 2010–2039
LATER_MODEL_YEARS = 1  # §1.5: a model year may run one year ahead of production


@dataclass(frozen=True, slots=True)
class VinIssue:
    """A reject or warning: a machine code and a sentence for people."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class VinCheck:
    """The normalised (upper-case) VIN, the first reject or None, and the warnings found before it."""

    vin: str
    reject: VinIssue | None
    warnings: tuple[VinIssue, ...] = ()

    @property
    def valid(self) -> bool:
        return self.reject is None


def check_digit(vin: str, scheme: VinScheme) -> str:
    """The ISO 3779 check digit of a 17-character VIN (§1.3); the character at the check-digit position is
    ignored, so a placeholder may stand there."""
    if len(vin) != scheme.length:
        raise ValueError(f"a VIN has {scheme.length} characters, got {len(vin)}: {vin!r}")
    values = dict(scheme.transliteration)
    total = 0
    for position, (char, weight) in enumerate(zip(vin, scheme.position_weights, strict=True), start=1):
        if position == scheme.check_digit_position:
            continue
        if char not in values:
            raise ValueError(f"{char!r} at position {position} of {vin!r} has no check-digit value")
        total += values[char] * weight
    remainder = total % 11
    return scheme.check_digit_for_remainder_10 if remainder == 10 else str(remainder)


VIN_LENGTH = 17


def checked_vin(vin: str, catalog: Catalog) -> VinCheck:
    """`validate_vin` without a vehicle master, kept per VIN in the catalogue's memo (bounded): a client asks for
    the same vehicles again and again, and the check costs about as much as answering for one vehicle's brand."""
    if len(vin) != VIN_LENGTH:  # only what may be a VIN is kept: a client's long strings are not
        return validate_vin(vin, catalog)
    return catalog.remembered(("vin", vin), lambda: validate_vin(vin, catalog))


def validate_vin(
    vin: str,
    catalog: Catalog,
    *,
    master: Mapping[str, Vehicle] | None = None,
    market: str | None = None,
) -> VinCheck:
    """Runs V1, V2/V2', V3, the model-year-code check, V4 and V5 in that order; the first reject stops (D15).

    With a vehicle master (`master`, keyed by upper-case VIN) the vehicle found there decides brand, market
    and model year, and a VIN missing from it is `VEHICLE_NOT_FOUND`. Without one, the brand is the WMI's,
    `market` (if given) may make the check digit mandatory, V3 only asks that the WMI exists, and V4's
    comparison and V5 are skipped.
    """
    scheme = catalog.vin_scheme
    normalised = vin.upper()
    if not re.fullmatch(scheme.regex, normalised):
        return VinCheck(normalised, _format_issue(normalised, scheme))

    vehicle = master.get(normalised) if master is not None else None
    model = catalog.models.get(vehicle.model_code) if vehicle is not None else None
    wmi = catalog.wmis.get(normalised[:3])
    brand_code = model.brand_code if model is not None else wmi.brand_code if wmi is not None else None
    brand = catalog.brands.get(brand_code) if brand_code is not None else None
    market_code = vehicle.market if vehicle is not None else market
    market_record = catalog.markets.get(market_code) if market_code is not None else None

    warnings: list[VinIssue] = []
    issue = _check_digit_issue(normalised, scheme, brand, market_record)
    if issue is not None:
        if issue.code != CHECK_DIGIT_UNVERIFIED:
            return VinCheck(normalised, issue)
        warnings.append(issue)

    if wmi is None or (vehicle is not None and brand is not None and wmi.wmi not in brand.wmis):
        owner = f" of brand {brand.code}" if vehicle is not None and brand is not None else ""
        message = f"VIN {normalised} starts with {normalised[:3]}, which is not a known WMI{owner}."
        return VinCheck(normalised, VinIssue(UNKNOWN_WMI, message), tuple(warnings))

    code = normalised[MODEL_YEAR_POSITION - 1]
    years = next((y.years for y in scheme.model_year_codes if y.code == code), None)
    if years is None:
        message = f"VIN {normalised} has {code!r} at position {MODEL_YEAR_POSITION}, which is not a model-year code."
        return VinCheck(normalised, VinIssue(INVALID_MODEL_YEAR_CODE, message), tuple(warnings))

    if master is None:
        return VinCheck(normalised, None, tuple(warnings))
    if vehicle is None:
        message = f"VIN {normalised} is not in the vehicle master."
        return VinCheck(normalised, VinIssue(VEHICLE_NOT_FOUND, message), tuple(warnings))

    decoded = _decoded_model_year(normalised, years, vehicle)
    if decoded != vehicle.model_year:
        reads = f"model year {decoded}" if decoded is not None else "no plausible model year"
        message = (
            f"VIN {normalised} reads {reads} (code {code!r}), "
            f"but the vehicle master says model year {vehicle.model_year}."
        )
        warnings.append(VinIssue(MODEL_YEAR_MISMATCH, message))
    return VinCheck(normalised, None, tuple(warnings))


def _format_issue(vin: str, scheme: VinScheme) -> VinIssue:
    if len(vin) != scheme.length:
        reason = f"has {len(vin)} character{'' if len(vin) == 1 else 's'} instead of {scheme.length}"
    else:
        allowed = {char for char, _ in scheme.transliteration}
        bad = sorted({char for char in vin if char not in allowed})
        reason = f"contains {', '.join(repr(c) for c in bad)}; only digits and letters other than I, O, Q are allowed"
    return VinIssue(INVALID_VIN_FORMAT, f"VIN {quoted(vin)} {reason}.")


def _check_digit_issue(vin: str, scheme: VinScheme, brand: Brand | None, market: Market | None) -> VinIssue | None:
    """V2 where the check digit is mandatory (market or brand policy, from `checkDigitStyleWhen`), else V2'."""
    position = scheme.check_digit_position
    expected = check_digit(vin, scheme)
    actual = vin[position - 1]
    if actual == expected:
        return None
    facts = {
        "market.checkDigitMandatory": market.check_digit_mandatory if market is not None else None,
        "brand.vinStyle": brand.vin_style if brand is not None else None,
    }
    if holds(scheme.check_digit_style_when, facts.__getitem__):
        policy = (
            f"market {market.code}"
            if market is not None and market.check_digit_mandatory
            else f"brand {brand.code if brand is not None else '?'}"
        )
        return VinIssue(
            CHECK_DIGIT_MISMATCH,
            f"VIN {vin} has {actual!r} at position {position} but its check digit is {expected!r} "
            f"(mandatory for {policy}).",
        )
    if actual == FILLER:
        return None
    return VinIssue(
        CHECK_DIGIT_UNVERIFIED,
        f"VIN {vin} has {actual!r} at position {position}, which is neither the filler {FILLER!r} "
        f"nor its check digit {expected!r}.",
    )


def _decoded_model_year(vin: str, years: tuple[int, ...], vehicle: Vehicle) -> int | None:
    """§1.5 with D15: the position-7 rule for US-market vehicles, else the latest year ≤ production year + 1."""
    if vehicle.market == US_MARKET:
        first_cycle, second_cycle = years[0], years[-1]
        return first_cycle if vin[US_RULE_POSITION - 1].isdigit() else second_cycle
    plausible = [y for y in years if y <= vehicle.production_date.year + LATER_MODEL_YEARS]
    return max(plausible) if plausible else None
