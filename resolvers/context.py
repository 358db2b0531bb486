"""What every resolver of one request (or one subscription notification) shares: catalogue, sources, loaders."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from starlette.websockets import WebSocket
from strawberry.types import Info

from access.principal import Capability, Principal
from bus.hub import Hub
from calculation.records import Vehicle
from catalog import Catalog
from observability.observer import IDLE, Observer
from resolvers.loaders import Loaders
from sources import Sources
from store.archive import QuoteArchive


@dataclass
class RequestContext:
    catalog: Catalog
    sources: Sources
    request_id: str
    archive: QuoteArchive
    hub: Hub
    principal: Principal | None
    """Who asks; None on a socket until its connection_init is accepted, and None sees nothing."""
    max_keys: int = 100
    batching: bool = True
    websocket: WebSocket | None = None
    """The socket of a subscription (its context lives as long as the socket)."""
    max_filter_values: int = 100
    """Entries allowed in each list of a subscription filter."""
    connection_params: dict[str, object] | None = None
    """The payload of a socket's connection_init (its credentials)."""
    observer: Observer = IDLE
    """Measures each source batch of the request."""

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.sources, self.batching, self.sees, self.observer)

    def sees(self, vehicle: Vehicle) -> bool:
        """The one scope check: a vehicle outside the principal's brands and markets is, to it, not there."""
        return self.admits(self.catalog.models[vehicle.model_code].brand_code, vehicle.market)

    def admits(self, brand: str, market: str) -> bool:
        return self.principal is not None and self.principal.scope.admits(brand, market)

    def may(self, capability: Capability) -> bool:
        return self.principal is not None and self.principal.may(capability)

    def renew_loaders(self) -> None:
        """Forget what this context loaded: each subscription notification must see current data, and a finished
        request lets go of its loaders at once."""
        self.__dict__.pop("loaders", None)


def request_context(info: Info) -> RequestContext:
    """The request context strawberry hands to every resolver as `info.context`."""
    context: RequestContext = info.context
    return context
