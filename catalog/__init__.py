"""The master-data catalogue: brands, markets, engines, models, service items, prices and rules."""

from catalog.loader import Catalog, default_catalog, load
from catalog.reader import CatalogError

__all__ = ["Catalog", "CatalogError", "default_catalog", "load"]
