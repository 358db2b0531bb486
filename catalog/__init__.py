"""The master-data catalogue: brands, markets, engines, models, service items, prices and rules."""

from catalog.loader import Catalog, CatalogError, default_catalog, load

__all__ = ["Catalog", "CatalogError", "default_catalog", "load"]
