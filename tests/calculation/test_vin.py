"""VIN rules of DOMAIN §1.3, §1.7 and D15: the §9.6 outcome table, worked example B, [S1] and §10 #1–#5."""

from __future__ import annotations

from datetime import date

import pytest

from calculation.records import Vehicle
from calculation.vin import VinCheck, check_digit, validate_vin
from catalog import default_catalog

CATALOG = default_catalog()
SCHEME = CATALOG.vin_scheme


def vehicle(vin: str, *, model: str, engine: str, market: str, model_year: int, production: date) -> Vehicle:
    return Vehicle(
        vin=vin, model_code=model, engine_code=engine, transmission="DSG7D", drive="FWD", model_year=model_year,
        production_date=production, handover_date=production, market=market, equipment_codes=("SRX1",),
    )  # fmt: skip


def with_check_digit(vin: str) -> str:
    """`vin` with its own check digit at position 9 (the helper under test is pinned by §1.3 below)."""
    return vin[:8] + check_digit(vin, SCHEME) + vin[9:]


def outcome(result: VinCheck) -> str:
    return result.reject.code if result.reject else "valid"


# --- §1.3 check digit ---------------------------------------------------------------------------------------


def test_check_digit_of_worked_example_b_is_2() -> None:
    assert check_digit("WXKSK2CR2RS012345", SCHEME) == "2"


def test_check_digit_of_the_s1_reference_vector_is_x_for_remainder_10() -> None:
    assert check_digit("1M8GDM9A_KP042788", SCHEME) == "X"


@pytest.mark.parametrize(
    ("vin", "digit"),
    [("1XVDL2SG8JC586310", "8"), ("SXHRG2CN9NX620080", "9")],  # §7.5.2 expected vehicles 3 and 4
)
def test_check_digit_matches_the_generator_reference_vins(vin: str, digit: str) -> None:
    assert check_digit(vin, SCHEME) == digit


def test_check_digit_ignores_whatever_stands_at_position_9() -> None:
    assert check_digit("WXKSK2CR7RS012345", SCHEME) == check_digit("WXKSK2CRZRS012345", SCHEME) == "2"


def test_check_digit_refuses_a_vin_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="17 characters"):
        check_digit("WXKSK2CR2RS01234", SCHEME)


# --- §9.6 "VIN validation outcomes", catalogue only (brand by WMI, market as given) -------------------------


@pytest.mark.parametrize(
    ("vin", "market", "expected"),
    [
        ("WXVZZZB8ZNW012345", "DE", "valid"),
        ("WXVZZZB8ZNW01234O", "DE", "INVALID_VIN_FORMAT"),
        ("WXVZZZB8ZNW01234", "DE", "INVALID_VIN_FORMAT"),
        ("WXKSK2CR2RS012345", "DE", "valid"),
        ("WXKSK2CR7RS012345", "DE", "CHECK_DIGIT_MISMATCH"),
        ("TXNZZZ3VZKM204518", "CN", "CHECK_DIGIT_MISMATCH"),
        ("WXVZZZB83NW012345", "DE", "valid"),
        ("WXVZZZB8ZUW012345", "DE", "INVALID_MODEL_YEAR_CODE"),
        ("1M8GDM9AXKP042788", "US", "UNKNOWN_WMI"),
    ],
)
def test_vin_validation_outcomes_table(vin: str, market: str, expected: str) -> None:
    assert outcome(validate_vin(vin, CATALOG, market=market)) == expected


def test_filler_brand_with_a_non_matching_digit_is_valid_with_check_digit_unverified() -> None:
    result = validate_vin("WXVZZZB83NW012345", CATALOG, market="DE")
    assert result.valid
    assert [w.code for w in result.warnings] == ["CHECK_DIGIT_UNVERIFIED"]


def test_the_market_decides_the_check_digit_for_an_eu_style_vin() -> None:
    # §9.6: the same filler-style VIN is fine for the AT vehicle of example 2 and a mismatch in CN.
    assert validate_vin("TXNZZZ3VZKM204518", CATALOG, market="AT").valid
    assert outcome(validate_vin("TXNZZZ3VZKM204518", CATALOG, market="CN")) == "CHECK_DIGIT_MISMATCH"


def test_the_market_decides_the_check_digit_with_the_vehicle_master_too() -> None:
    vin = "TXNZZZ3VZKM204518"
    at = vehicle(vin, model="NVK-OSK-3", engine="D20T4-110A", market="AT", model_year=2019,
                 production=date(2019, 3, 12))  # fmt: skip
    cn = vehicle(vin, model="NVK-OSK-3", engine="D20T4-110A", market="CN", model_year=2019,
                 production=date(2019, 3, 12))  # fmt: skip
    assert validate_vin(vin, CATALOG, master={vin: at}) == VinCheck(vin, None, ())
    assert outcome(validate_vin(vin, CATALOG, master={vin: cn})) == "CHECK_DIGIT_MISMATCH"


def test_every_reject_and_warning_carries_a_sentence() -> None:
    result = validate_vin("WXKSK2CR7RS012345", CATALOG, market="DE")
    assert result.reject is not None
    assert "check digit" in result.reject.message and result.reject.message.endswith(".")


# --- §10 #1–#5 ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vin",
    ["WXVZZZB8ZNW01234I", "WXVZZZB8ZNW01234Q", "WXVZZZB8ZNW01234O", "WXVZZZB8ZNW0123456", "", "WXV ZZB8ZNW012345"],
)
def test_i_o_q_or_a_length_other_than_17_is_invalid_vin_format(vin: str) -> None:
    assert outcome(validate_vin(vin, CATALOG)) == "INVALID_VIN_FORMAT"


@pytest.mark.parametrize(("market", "vin"), [("US", "1XVDL2SG7JC586310"), ("CN", "LXVDL2SG7JC586310")])
def test_us_or_cn_vehicle_with_a_wrong_check_digit_is_check_digit_mismatch(market: str, vin: str) -> None:
    wrong = vehicle(vin, model="VRN-DLV-9", engine="P20T4-140A", market=market, model_year=2018,
                    production=date(2018, 1, 29))  # fmt: skip
    assert outcome(validate_vin(vin, CATALOG, master={vin: wrong})) == "CHECK_DIGIT_MISMATCH"


def test_us_vehicle_with_its_correct_check_digit_is_valid() -> None:
    vin = "1XVDL2SG8JC586310"  # §7.5.2 vehicle 3
    us = vehicle(vin, model="VRN-DLV-9", engine="P20T4-140A", market="US", model_year=2018,
                 production=date(2018, 1, 29))  # fmt: skip
    assert validate_vin(vin, CATALOG, master={vin: us}) == VinCheck(vin, None, ())


def test_eu_filler_style_vin_with_z_in_position_9_is_valid() -> None:
    vin = "WXVZZZB8ZNW012345"  # example 1
    de = vehicle(vin, model="VRN-BLT-8", engine="P15T4-110B", market="DE", model_year=2022,
                 production=date(2022, 1, 20))  # fmt: skip
    assert validate_vin(vin, CATALOG, master={vin: de}) == VinCheck(vin, None, ())


def test_check_digit_x_is_accepted_where_it_is_correct() -> None:
    # [S1]: the check digit passes (V2), the vector then fails only on its non-synthetic WMI (V3).
    assert outcome(validate_vin("1M8GDM9AXKP042788", CATALOG, market="US")) == "UNKNOWN_WMI"
    # Worked example B with serial …349: the sum grows by 2 × 4 = 8 to 384, 384 mod 11 = 10 → X.
    assert check_digit("WXKSK2CR_RS012349", SCHEME) == "X"
    assert validate_vin("WXKSK2CRXRS012349", CATALOG, market="DE") == VinCheck("WXKSK2CRXRS012349", None, ())


@pytest.mark.parametrize("code", ["U", "Z", "0"])
def test_model_year_code_u_z_or_0_is_invalid_model_year_code(code: str) -> None:
    assert outcome(validate_vin(f"WXVZZZB8Z{code}W012345", CATALOG)) == "INVALID_MODEL_YEAR_CODE"


# --- D15: normalisation, order, V3 with a master, V4, V5 ----------------------------------------------------


def test_lowercase_input_is_upper_cased_before_the_checks() -> None:
    result = validate_vin("wxvzzzb8znw012345", CATALOG, market="DE")
    assert result == VinCheck("WXVZZZB8ZNW012345", None, ())


def test_lowercase_input_finds_the_vehicle_in_the_master() -> None:
    vin = "WXVZZZB8ZNW012345"
    de = vehicle(vin, model="VRN-BLT-8", engine="P15T4-110B", market="DE", model_year=2022,
                 production=date(2022, 1, 20))  # fmt: skip
    assert validate_vin(vin.lower(), CATALOG, master={vin: de}).valid


def test_without_a_master_the_wmi_only_has_to_exist() -> None:
    assert validate_vin("1XVDL2SG8JC586310", CATALOG).valid


def test_with_a_master_the_wmi_must_belong_to_the_vehicles_brand() -> None:
    vin = "WXKZZZB8ZNW012345"  # a Karsten WMI on a Vireon vehicle
    de = vehicle(vin, model="VRN-BLT-8", engine="P15T4-110B", market="DE", model_year=2022,
                 production=date(2022, 1, 20))  # fmt: skip
    assert outcome(validate_vin(vin, CATALOG, master={vin: de})) == "UNKNOWN_WMI"


def test_a_vin_missing_from_the_master_is_vehicle_not_found() -> None:
    assert outcome(validate_vin("WXVZZZB8ZNW012345", CATALOG, master={})) == "VEHICLE_NOT_FOUND"


def test_the_first_reject_stops_the_checks() -> None:
    assert outcome(validate_vin("WXVZZZB8ZNW01234O", CATALOG, master={})) == "INVALID_VIN_FORMAT"
    assert outcome(validate_vin("WXVZZZB8ZUW012345", CATALOG, master={})) == "INVALID_MODEL_YEAR_CODE"


def test_warnings_found_before_a_reject_are_kept() -> None:
    result = validate_vin("WXVZZZB83NW012345", CATALOG, master={})
    assert outcome(result) == "VEHICLE_NOT_FOUND"
    assert [w.code for w in result.warnings] == ["CHECK_DIGIT_UNVERIFIED"]


def test_model_year_differing_from_the_master_is_a_warning_not_a_reject() -> None:
    vin = "WXVZZZB8ZNW012345"  # N decodes to 2022 for a 2022 production
    de = vehicle(vin, model="VRN-BLT-8", engine="P15T4-110B", market="DE", model_year=2021,
                 production=date(2022, 1, 20))  # fmt: skip
    result = validate_vin(vin, CATALOG, master={vin: de})
    assert result.valid
    assert [w.code for w in result.warnings] == ["MODEL_YEAR_MISMATCH"]


@pytest.mark.parametrize(
    ("production", "expected_warnings"),
    [(date(2009, 7, 1), []), (date(2008, 7, 1), ["MODEL_YEAR_MISMATCH"])],
)
def test_outside_the_us_the_cycle_is_the_latest_year_not_after_production_plus_one(
    production: date, expected_warnings: list[str]
) -> None:
    vin = "WXVZZZB8ZAW012345"  # A = 1980 or 2010; 2010 ≤ 2009 + 1, but 2010 > 2008 + 1
    de = vehicle(vin, model="VRN-BLT-8", engine="P15T4-110B", market="DE", model_year=2010, production=production)
    assert [w.code for w in validate_vin(vin, CATALOG, master={vin: de}).warnings] == expected_warnings


@pytest.mark.parametrize(
    ("layout", "expected_warnings"),
    [("1XVDL2SG_AC586310", []), ("1XVDL28G_AC586310", ["MODEL_YEAR_MISMATCH"])],
)
def test_us_vehicles_use_the_position_7_rule(layout: str, expected_warnings: list[str]) -> None:
    # Alphabetic position 7 → 2010–2039, numeric → 1980–2009, whatever the production year.
    vin = with_check_digit(layout)
    us = vehicle(vin, model="VRN-DLV-9", engine="P20T4-140A", market="US", model_year=2010,
                 production=date(2008, 7, 1))  # fmt: skip
    assert [w.code for w in validate_vin(vin, CATALOG, master={vin: us}).warnings] == expected_warnings


def test_a_checked_vin_is_the_validation_kept_and_the_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import calculation.vin as vin_module
    from catalog import loader as catalog_loader

    catalog = default_catalog()
    for vin in ("WXVZZZB8ZME456992", "wxvzzzb8zme456992", "WXKSK2CR7RS012345", "WXVZZZB8ZNW01234O"):
        assert vin_module.checked_vin(vin, catalog) == validate_vin(vin, catalog)
        assert vin_module.checked_vin(vin, catalog) is vin_module.checked_vin(vin, catalog)
    long = "W" * 10_000
    assert vin_module.checked_vin(long, catalog) == validate_vin(long, catalog)
    assert ("vin", long) not in catalog.memo, "only strings of a VIN's length are kept"
    monkeypatch.setattr(catalog_loader, "MEMO_SIZE", 10)
    for n in range(50):  # strings of a VIN's length that no other test asks for: each is a miss
        vin_module.checked_vin(f"MEMOBOUND{n:08d}", catalog)
        assert len(catalog.memo) <= 10
