"""Role checks on the fields that need more than reading vehicles: a refused field is null with FORBIDDEN, the rest
of the answer is kept."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from access.principal import Capability
from resolvers.context import request_context

REFUSALS = {
    Capability.PRICES: "Your role may not see prices or quotes.",
    Capability.RECORD_EVENTS: "Your role may not record service events.",
    Capability.ARCHIVE_QUOTES: "Your role may not archive quotes.",
    Capability.SUBSCRIBE: "Your role may not subscribe to service events.",
}


def _permission(capability: Capability) -> type[BasePermission]:
    class Needs(BasePermission):
        message = REFUSALS[capability]
        error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 (strawberry reads it from the class)

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            return request_context(info).may(capability)

    Needs.__name__ = f"Needs{capability.name.title().replace('_', '')}"
    return Needs


PERMISSIONS = {capability: _permission(capability) for capability in Capability}


def needs(capability: Capability) -> list[FieldExtension]:
    """The field extension that refuses the field to roles without `capability`."""
    return [PermissionExtension(permissions=[PERMISSIONS[capability]()], use_directives=False)]
