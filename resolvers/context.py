"""What every resolver of one request (or one subscription notification) shares: catalogue, sources, loaders."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from starlette.websockets import WebSocket
from strawberry.types import Info

from bus.hub import Hub
from catalog import Catalog
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
    max_keys: int = 100
    batching: bool = True
    websocket: WebSocket | None = None
    """The socket of a subscription (its context lives as long as the socket)."""
    max_filter_values: int = 100
    """Entries allowed in each list of a subscription filter."""

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.sources, self.batching)

    def renew_loaders(self) -> None:
        """Forget what this context loaded: each subscription notification must see current data."""
        self.__dict__.pop("loaders", None)


def request_context(info: Info) -> RequestContext:
    """The request context strawberry hands to every resolver as `info.context`."""
    context: RequestContext = info.context
    return context
