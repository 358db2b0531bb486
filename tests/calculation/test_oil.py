"""DOMAIN §9.6 oil-requirement table: norms, viscosities and the selected product per engine, market and regime."""

from __future__ import annotations

from decimal import Decimal

import pytest

from calculation import oil
from calculation.context import VehicleContext
from catalog import default_catalog
from tests.calculation.builders import vehicle

# brand's model, engine, market, regime code, norms, viscosities, selected product, local price per litre
TABLE = [
    ("VRN-BLT-8", "P15T4-110B", "DE", "SRX6", ["VW 508 00"], ["0W-20"], "OIL-LL4-0W20", "24.90"),
    ("VRN-BLT-7", "P14T4-92A", "DE", "SRX1", ["VW 502 00", "VW 504 00"], ["5W-40", "5W-30", "0W-30"],
     "OIL-FS-5W40", "16.90"),
    ("VRN-BLT-7", "P14T4-92A", "DE", "SRX6", ["VW 504 00"], ["5W-40", "5W-30", "0W-30"], "OIL-LL3-5W30", "20.90"),
    ("VRN-BLT-7", "P14T4-92A", "CN", "SRX1", ["VW 502 00"], ["5W-40"], "OIL-FS-5W40", "150.41"),
    ("VRN-BLT-7", "P20T4-140A", "CN", "SRX6", ["VW 502 00"], ["5W-40"], "OIL-FS-5W40", "150.41"),
    ("NVK-OSK-3", "D20T4-103PD", "AT", "SRX1", ["VW 505 01", "VW 507 00"], ["5W-40", "5W-30"],
     "OIL-PD-5W40", "18.62"),
    ("AUX-60-5", "P30T6-250B", "DE", "SRX1", ["VW 502 00", "VW 504 00"], ["0W-30", "5W-30", "5W-40"],
     "OIL-FS-5W40", "16.90"),
    ("KRS-CIR-2", "P30T6-250B", "DE", "SRX1", ["Porsche C40", "Porsche C30"], ["0W-40", "0W-30"],
     "OIL-LL3-0W30", "22.90"),
    ("KRS-S6-8", "K30B6-283B", "US", "SRX1", ["Porsche C40"], ["0W-40", "5W-40"], "OIL-C40-0W40", "32.09"),
    ("VRN-GRV-3", "D30T6-210B", "GB", "SRX6", ["VW 507 00"], ["0W-30", "5W-30"], "OIL-LL3-5W30", "19.23"),
    ("LCN-TEM-1", "L65V12-566B", "IT", "SRX1", ["Porsche A40", "VW 502 00"], ["5W-40", "0W-40"],
     "OIL-FS-5W40", "17.41"),
]  # fmt: skip


@pytest.mark.parametrize(("model", "engine", "market", "regime", "norms", "viscosities", "product", "price"), TABLE)
def test_oil_requirement_resolution(
    model: str, engine: str, market: str, regime: str, norms: list[str], viscosities: list[str], product: str,
    price: str,
) -> None:  # fmt: skip
    ctx = VehicleContext.of(
        default_catalog(), vehicle(model_code=model, engine_code=engine, market=market, equipment_codes=(regime,))
    )
    found = oil.requirement(ctx)
    assert found is not None and found.selected_product is not None
    assert (list(found.norms), list(found.viscosities)) == (norms, viscosities)
    assert (found.selected_product.code, found.price_per_litre) == (product, Decimal(price))


def test_battery_electric_vehicle_needs_no_oil() -> None:
    bev = vehicle(model_code="VRN-ION-1", engine_code="E-150", market="JP", equipment_codes=("SRX1",))
    assert oil.requirement(VehicleContext.of(default_catalog(), bev)) is None
