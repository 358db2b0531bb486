"""The catalogue loads into typed records, and inconsistent master data fails loudly with file and key."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from catalog import CatalogError, default_catalog, load
from catalog.loader import DATA_DIR


def test_catalogue_has_the_sizes_of_domain_7_3() -> None:
    c = default_catalog()
    sizes = (len(c.brands), len(c.models), len(c.engines), len(c.oil_norms), len(c.oil_products),
             len(c.service_items), len(c.parts), len(c.markets))  # fmt: skip
    assert sizes == (8, 43, 32, 27, 8, 50, 41, 10)


def test_records_are_typed_and_exact() -> None:
    c = default_catalog()
    assert c.markets["CH"].tax_rate == Decimal("0.081") and c.markets["CH"].cash_rounding_step == Decimal("0.05")
    assert c.engines["P15T4-110B"].oil_capacity_l == Decimal("4.3")
    assert c.engines["E-150"].oil_capacity_l is None
    assert c.service_items["BRAKE_FLUID"].first_interval.months == 36  # type: ignore[union-attr]
    assert list(c.service_items)[:3] == ["OIL_SVC_FIXED", "OIL_SVC_FLEX", "OIL_SVC_SEVERE"]


def test_records_are_immutable() -> None:
    with pytest.raises(AttributeError):
        default_catalog().brands["VRN"].name = "Other"  # type: ignore[misc]


def broken(tmp_path: Path, file: str, change: Callable[[Any], None]) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    content = json.loads((data / file).read_text())
    change(content)
    (data / file).write_text(json.dumps(content))
    return data


def set_field(index: int, field: str, value: Any) -> Callable[[Any], None]:
    def change(rows: Any) -> None:
        rows[index][field] = value

    return change


def drop_field(index: int, field: str) -> Callable[[Any], None]:
    def change(rows: Any) -> None:
        del rows[index][field]

    return change


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        ("models.json", set_field(0, "engineCodes", ["X99"]), "models.json: VRN-ARV-2: unknown engine 'X99'"),
        ("engines.json", drop_field(0, "fuel"), "engines.json: P10M3-48A: missing field 'fuel'"),
        ("parts.json", set_field(0, "basePriceEur", "1,95"), "parts.json: XN0 138 157: field 'basePriceEur' is not"),
        ("parts.json", set_field(0, "basePriceEur", 1.95), "parts.json: XN0 138 157: field 'basePriceEur' must be str"),
        ("markets.json", set_field(0, "minorUnit", True), "markets.json: DE: field 'minorUnit' must be int"),
        ("service_items.json", set_field(0, "satisfiedBy", ["NOPE"]), "service_items.json: OIL_SVC_FIXED: unknown"),
        ("oil_products.json", set_field(0, "approvals", ["VW 999 00"]), "oil_products.json: OIL-FS-5W40: unknown oil"),
        ("brands.json", set_field(1, "code", "VRN"), "brands.json: VRN: duplicate key"),
        ("campaigns.json", set_field(0, "validFrom", "2025-13-01"), "campaigns.json: TC-25-031: field 'validFrom'"),
    ],
)  # fmt: skip
def test_inconsistent_data_names_file_and_key(
    tmp_path: Path, file: str, change: Callable[[Any], None], message: str
) -> None:
    with pytest.raises(CatalogError) as raised:
        load(broken(tmp_path, file, change))
    assert str(raised.value).startswith(message)


def test_a_file_that_is_not_json_names_its_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / "wmis.json").write_text('[\n{"wmi": "WXV",\n')
    with pytest.raises(CatalogError, match=r"wmis\.json: line \d+: not valid JSON"):
        load(data)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / "parts.json").unlink()
    with pytest.raises(CatalogError, match=r"parts\.json: \(file\): not found"):
        load(data)
