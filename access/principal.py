"""Who is asking: a principal with a role and brand and market scopes, and what each role may do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ALL = "*"
"""In a list of scopes: every brand or every market."""


class Role(StrEnum):
    FRONTEND = "frontend"
    SHOP = "shop"
    PARTNER = "partner"
    ADMIN = "admin"


class Capability(StrEnum):
    """What a request may do beyond reading vehicles within its scopes and the catalogue."""

    PRICES = "prices"
    """Quotes (computed and archived) and the prices of products and parts."""
    RECORD_EVENTS = "record events"
    ARCHIVE_QUOTES = "archive quotes"
    SUBSCRIBE = "subscribe"


CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.FRONTEND: frozenset({Capability.PRICES}),
    Role.SHOP: frozenset({Capability.PRICES, Capability.RECORD_EVENTS, Capability.ARCHIVE_QUOTES}),
    Role.PARTNER: frozenset({Capability.SUBSCRIBE}),
    Role.ADMIN: frozenset(Capability),
}
"""The one table of who may do what; every role reads vehicles, their history, contracts, campaigns and due
services within its scopes."""


@dataclass(frozen=True, slots=True)
class Scope:
    """The brands and markets whose vehicles a principal sees; None: all of them."""

    brands: frozenset[str] | None
    markets: frozenset[str] | None

    @classmethod
    def of(cls, brands: list[str] | tuple[str, ...], markets: list[str] | tuple[str, ...]) -> Scope:
        return cls(
            None if ALL in brands else frozenset(brands),
            None if ALL in markets else frozenset(markets),
        )

    def admits(self, brand: str, market: str) -> bool:
        return (self.brands is None or brand in self.brands) and (self.markets is None or market in self.markets)


EVERYTHING = Scope(None, None)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated client (or, in development with nothing configured, the local administrator)."""

    id: str
    """The key's id or the token's `sub`: what logs name, never the credential itself."""
    role: Role
    scope: Scope
    rate_per_second: float | None = None
    """Requests per second this principal may make; None: the server's default."""

    def may(self, capability: Capability) -> bool:
        return capability in CAPABILITIES[self.role]


LOCAL_ADMIN = Principal("local-admin", Role.ADMIN, EVERYTHING)
"""Who a request without credentials is in development when no key and no issuer is configured."""
