"""Resolvers of the master-data lists: markets, brands, models, engines, oil, service items and products."""

from __future__ import annotations

from strawberry.types import Info

from catalog.records import Brand, Engine, Market, Model, OilNorm, OilProduct, ServiceItemType, ServiceProduct
from resolvers.context import request_context


def markets(info: Info) -> list[Market]:
    return list(request_context(info).catalog.markets.values())


def brands(info: Info) -> list[Brand]:
    return list(request_context(info).catalog.brands.values())


def models(info: Info) -> list[Model]:
    return list(request_context(info).catalog.models.values())


def engines(info: Info) -> list[Engine]:
    return list(request_context(info).catalog.engines.values())


def oil_norms(info: Info) -> list[OilNorm]:
    return list(request_context(info).catalog.oil_norms.values())


def oil_products(info: Info) -> list[OilProduct]:
    return list(request_context(info).catalog.oil_products.values())


def service_products(info: Info) -> list[ServiceProduct]:
    return list(request_context(info).catalog.service_products.values())


def service_item_types(info: Info) -> list[ServiceItemType]:
    return list(request_context(info).catalog.service_items.values())
