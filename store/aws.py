"""AWS access shared by the DynamoDB store and the S3 archive: settings, one client per service, error mapping."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from store.aws_settings import AwsSettings, AwsUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")


def client_config(settings: AwsSettings) -> AioConfig:
    # botocore's default "legacy" mode makes up to 10 attempts without jitter: behind a GraphQL request that
    # waits for the slowest source, that turns one throttled call into seconds of latency and synchronised
    # retry storms. "standard" mode retries throttling and transient errors with jittered exponential backoff;
    # 3 attempts bound the added latency to well under a second, and our deadline bounds the rest.
    return AioConfig(
        retries={"mode": "standard", "total_max_attempts": 3},
        connect_timeout=settings.call_timeout_seconds,
        read_timeout=settings.call_timeout_seconds,
        max_pool_connections=settings.pool_size,
    )


@asynccontextmanager
async def aws_client(service: str, settings: AwsSettings) -> AsyncIterator[Any]:
    """One client for the life of the application (created in the lifespan, closed on shutdown)."""
    session = get_session()
    async with session.create_client(service, config=client_config(settings)) as client:
        yield client


async def guarded(resource: str, call: Awaitable[T]) -> T:
    """Runs one AWS call; every failure becomes AwsUnavailable naming the resource."""
    try:
        return await call
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise AwsUnavailable(resource, f"{error.get('Code')}: {error.get('Message')}") from exc
    except (TimeoutError, BotoCoreError, OSError) as exc:
        raise AwsUnavailable(resource, f"{type(exc).__name__}: {exc}") from exc


BACKOFF_BASE_SECONDS = 0.025
BACKOFF_CAP_SECONDS = 0.5


async def until_complete(
    resource: str,
    deadline_seconds: float,
    step: Callable[[Any], Awaitable[Any]],
    first: Any,
) -> None:
    """Calls `step(pending)` until it returns nothing left to do, sleeping with capped, jittered exponential
    backoff ("full jitter") between partial results, and gives up at the deadline."""
    pending = first
    attempt = 0
    loop = asyncio.get_running_loop()
    give_up = loop.time() + deadline_seconds
    while pending:
        if attempt:
            pause = random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt))
            if loop.time() + pause > give_up:
                raise AwsUnavailable(resource, f"unprocessed work left after {attempt} attempts")
            await asyncio.sleep(pause)
        pending = await step(pending)
        attempt += 1
