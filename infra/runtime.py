"""The environment every deployed server and import function reads (the names of config.py and the README)."""

from __future__ import annotations

from infra.settings import Settings


def server_environment(settings: Settings, archive_bucket: str, bus_url: str) -> dict[str, str]:
    """Production mode on the DynamoDB backend and the Redis bus; credentials as the settings name them."""
    env = {
        "AFTERSALES_PRODUCTION": "1",
        "AFTERSALES_BACKEND": "dynamodb",
        "AFTERSALES_TABLE_PREFIX": settings.prefix,
        "AFTERSALES_BUCKET": archive_bucket,
        "AFTERSALES_EVENT_BUS": "redis",
        "AFTERSALES_REDIS_URL": bus_url,
    }
    optional = {
        "AFTERSALES_API_KEYS": settings.api_keys_path,
        "AFTERSALES_JWT_ISSUER": settings.jwt_issuer,
        "AFTERSALES_JWT_AUDIENCE": settings.jwt_audience,
        "AFTERSALES_JWKS": settings.jwks,
    }
    return env | {name: value for name, value in optional.items() if value}


def import_environment(settings: Settings, archive_bucket: str, delivery_bucket: str) -> dict[str, str]:
    """The import's functions: the tables, the archive bucket with the import's state, and the deliveries."""
    return {
        "AFTERSALES_BACKEND": "dynamodb",
        "AFTERSALES_TABLE_PREFIX": settings.prefix,
        "AFTERSALES_BUCKET": archive_bucket,
        "AFTERSALES_DELIVERY_BUCKET": delivery_bucket,
    }


LAMBDA_CACHE = {"AFTERSALES_CACHE_DIR": "/tmp/aftersales"}
"""A function may write only under /tmp."""
