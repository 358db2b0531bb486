"""What every resolver of one request (or one subscription notification) shares: catalogue, sources, loaders."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from strawberry.types import Info

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
    max_keys: int = 100
    batching: bool = True

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.sources, self.batching)


def request_context(info: Info) -> RequestContext:
    """The request context strawberry hands to every resolver as `info.context`."""
    context: RequestContext = info.context
    return context
