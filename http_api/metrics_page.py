"""/metrics: the figures as Prometheus text; in production for the `admin` role only, or on a port of its own."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from access.principal import Role
from http_api.admission import Admission
from http_api.errors import RequestError
from observability.figures import Figures
from observability.prometheus import CONTENT_TYPE, exposition


class MetricsPage:
    """With an `admission`, only an admin principal is shown the figures (401 without credentials, 403 for others)."""

    def __init__(self, figures: Figures, admission: Admission | None) -> None:
        self.figures = figures
        self.admission = admission

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (await self.page(Request(scope, receive)))(scope, receive, send)

    async def page(self, request: Request) -> Response:
        if self.admission is not None:
            try:
                principal = await self.admission.principal(request.headers.get("authorization"))
                if principal.role != Role.ADMIN:
                    raise RequestError(403, "FORBIDDEN", "The metrics are shown to the admin role only.")
            except RequestError as error:
                return error.answer()
        return Response(exposition(self.figures), media_type=CONTENT_TYPE)
