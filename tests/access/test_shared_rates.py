"""With the Redis event bus, a principal's rate is shared by every server instance: two real servers, one Redis."""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx

from tests.access.credentials import Client, key_file
from tests.access.test_matrix import serve_logging
from tests.api.test_real_server import BIN


def test_two_servers_sharing_redis_share_each_principals_bucket(
    prepared: Path, tmp_path: Path, redis_url: str
) -> None:
    limited, other = Client("limited", "limited-key", "frontend", rate=1), Client("other", "other-key", "frontend")
    keys = key_file(tmp_path, [limited, other])
    env = {"AFTERSALES_CACHE_DIR": str(tmp_path / "cache"), "AFTERSALES_API_KEYS": str(keys),
           "AFTERSALES_EVENT_BUS": "redis", "AFTERSALES_REDIS_URL": redis_url}  # fmt: skip
    command = [str(BIN / "aftersales"), "serve", "--data", str(prepared)]
    first, second = (serve_logging(command, env, tmp_path / f"server-{n}.log") for n in (1, 2))
    urls = [next(first), next(second)]
    try:
        statuses = [
            httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, headers=limited.header).status_code
            for url in (urls[0], urls[1], urls[0], urls[1])
        ]
        # a burst of twice the rate in all, whichever instance answers
        assert statuses == [200, 200, 429, 429]
        answer = httpx.post(f"{urls[1]}/graphql", json={"query": "{ __typename }"}, headers=other.header)
        assert answer.status_code == 200, "another principal's bucket is its own"
    finally:
        first.close()
        second.close()
