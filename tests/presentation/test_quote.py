"""The quote's public JSON form reads back into the same view (archived quotes are served from it)."""

from __future__ import annotations

from datetime import date

from calculation.quote import QuoteRequest, compute
from catalog import default_catalog
from presentation.quote import ServiceQuoteView, as_json, from_json, quote_view
from tests.calculation.test_worked_examples import EXAMPLE_3, REQUEST_3


def test_json_round_trip_gives_the_same_view() -> None:
    view = quote_view(compute(default_catalog(), EXAMPLE_3, REQUEST_3))
    assert view.positions and view.totals and view.due_items
    assert from_json(ServiceQuoteView, as_json(view)) == view


def test_dates_are_iso_strings_in_json() -> None:
    view = quote_view(compute(default_catalog(), EXAMPLE_3, QuoteRequest(date(2025, 2, 3), 29640)))
    assert as_json(view)["dueItems"][0]["anchorDate"] == "2024-01-22"
