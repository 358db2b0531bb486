"""/metrics alone on a port of its own, served by uvicorn in the application's event loop (loaded only when set)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from http_api.metrics_page import MetricsPage
from observability.figures import Figures


class MetricsServer(uvicorn.Server):
    """The metrics port, served in the application's event loop; the signals stay the main server's."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class MetricsPort:
    """/metrics alone on a port, open to whoever reaches it (a scraper beside the server)."""

    server: MetricsServer
    task: asyncio.Task[None]

    @classmethod
    async def start(cls, figures: Figures, host: str, port: int) -> MetricsPort:
        app = Starlette(routes=[Route("/metrics", MetricsPage(figures, None))])
        server = MetricsServer(uvicorn.Config(app, host=host, port=port, lifespan="off", log_config=None))
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():  # the port could not be bound: the error stops the start
                task.result()
                raise RuntimeError(f"the metrics port {port} did not start")
            await asyncio.sleep(0.01)
        return cls(server, task)

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.task
