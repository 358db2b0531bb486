"""The service quote through the API: same as `aftersales quote --json`, worked example 3, input errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import cli
from config import Config
from server import create_app
from tests.api.conftest import codes, graphql
from tests.cli.test_quote_command import example_3 as example_3
from tests.preparation.deliveries import CH_VIN

QUOTE_FIELDS = """
  vin currency serviceRegime
  dueItems { item { code name category } status triggers basis anchorDate anchorOdometer dueDate dueOdometer }
  positions {
    pos payer itemCode type ref description quantity unit unitPrice gross discountPercent discount net taxRate
  }
  totals { payer net tax gross cashRounding payable }
  warnings { code message }
"""
QUERY = f"""query($vin: String!, $input: QuoteInput!) {{
  vehicle(vin: $vin) {{ serviceQuote(input: $input) {{ {QUOTE_FIELDS} }} }} }}"""


@pytest.mark.parametrize(
    ("vin", "date", "odometer", "extra"),
    [
        ("WXVZZZB8ZME456992", "2025-06-30", 75000, []),
        ("WXVZZZB8ZME456992", "2025-06-30", 75000, ["--customer-group", "FLEET", "--statutory"]),
        ("1XVDL2SG8JC586310", "2025-06-30", 130000, ["--recommended", "WIPER_BLADES", "AC_SERVICE"]),
        ("SXHRG2CN9NX620080", "2025-03-01", 60000, ["--customer-group", "STAFF"]),
    ],
)
def test_api_quote_equals_the_command_line_json(
    client: TestClient,
    prepared: Path,
    capsys: pytest.CaptureFixture[str],
    vin: str,
    date: str,
    odometer: int,
    extra: list[str],
) -> None:
    args = ["quote", "--data", str(prepared), "--vin", vin, "--date", date, "--odometer", str(odometer), "--json"]
    assert cli.main(args + extra) == 0
    expected = json.loads(capsys.readouterr().out)
    quote_input: dict[str, object] = {"quoteDate": date, "odometer": odometer}
    if "--customer-group" in extra:
        quote_input["customerGroup"] = extra[extra.index("--customer-group") + 1]
    if "--statutory" in extra:
        quote_input["includeStatutory"] = True
    if "--recommended" in extra:
        quote_input["includeRecommended"] = extra[extra.index("--recommended") + 1 :]
    body = graphql(client, QUERY, {"vin": vin, "input": quote_input})
    assert "errors" not in body
    assert body["data"]["vehicle"]["serviceQuote"] == expected
    assert expected["dueItems"], "a quote always lists the applicable items"


def test_worked_example_3_through_the_api(example_3: Path, tmp_path: Path) -> None:
    with TestClient(create_app(Config(data_dir=example_3, cache_dir=tmp_path))) as client:
        body = graphql(
            client,
            QUERY,
            {
                "vin": CH_VIN,
                "input": {"quoteDate": "2025-02-03", "odometer": 29640, "includeRecommended": ["WIPER_BLADES"]},
            },
        )
    quote = body["data"]["vehicle"]["serviceQuote"]
    assert [(t["payer"], t["net"], t["tax"], t["gross"], t["cashRounding"], t["payable"]) for t in quote["totals"]] == [
        ("CUSTOMER", "93.26", "7.55", "100.81", "-0.01", "100.80"),
        ("SERVICE_PLAN", "317.79", "25.74", "343.53", "0.00", "343.53"),
        ("OEM", "105.00", "0.00", "105.00", "0.00", "105.00"),
    ]


def test_a_code_that_is_not_a_recommended_item_is_an_input_error(client: TestClient) -> None:
    body = graphql(
        client,
        QUERY,
        {"vin": "WXVZZZB8ZME456992", "input": {"quoteDate": "2025-06-30", "odometer": 1, "includeRecommended": ["X"]}},
    )
    assert body["data"] == {"vehicle": {"serviceQuote": None}}
    assert codes(body) == ["NOT_A_RECOMMENDED_ITEM"]


def test_an_impossible_date_is_refused_with_a_sentence(client: TestClient) -> None:
    body = graphql(client, QUERY, {"vin": "WXVZZZB8ZME456992", "input": {"quoteDate": "2025-02-30", "odometer": 1}})
    assert codes(body) == ["BAD_USER_INPUT"]  # a variable: the request's values, not its document
    assert "2025-02-30" in body["errors"][0]["message"] and "no such calendar date" in body["errors"][0]["message"]


def test_due_services_required_oil_and_product_eligibility(client: TestClient) -> None:
    body = graphql(
        client,
        """{ vehicle(vin: "TXNZZZS1ZSK257787") {
            dueServices(input: {quoteDate: "2025-06-30", odometer: 5000}) { item { code } status }
            requiredOil { norms { code } viscosities capacityLitres selectedProduct { code } pricePerLitre currency }
            serviceProducts(purchaseDate: "2025-06-30", odometer: 5000) {
              product { code } eligibility { eligible reasons { code message } } } } }""",
    )
    vehicle = body["data"]["vehicle"]
    # §7.5.2 vehicle 1: GB, NVK, P15T4-110B, SRX6 → FLEX; VW 508 00 0W-20; GB price 24.90 × 0.92 = 22.908 → 22.91
    assert vehicle["requiredOil"] == {
        "norms": [{"code": "VW 508 00"}],
        "viscosities": ["0W-20"],
        "capacityLitres": "4.3",
        "selectedProduct": {"code": "OIL-LL4-0W20"},
        "pricePerLitre": "22.91",
        "currency": "GBP",
    }
    assert vehicle["dueServices"][0]["item"]["code"] == "OIL_SVC_FLEX"
    offers = {o["product"]["code"]: o["eligibility"] for o in vehicle["serviceProducts"]}
    assert set(offers) == {
        "MAINT_BASIC_36_45",
        "MAINT_PLUS_48_60",
        "WARRANTY_EXT_1Y",
        "WARRANTY_EXT_2Y",
        "WARRANTY_EXT_3Y",
    }
    # GB is not an EEA+CH warranty market (§6)
    assert [r["code"] for r in offers["WARRANTY_EXT_1Y"]["reasons"]] == ["MARKET_NOT_ELIGIBLE"]
