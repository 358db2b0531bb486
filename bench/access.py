"""What authentication, the rate limit and cost analysis add to one request, against the request itself measured in
the same run.

Each part is timed on its own (an API key, a bearer token already verified once, a first RS256/ES256 verification,
the in-process token bucket, the cached cost of the shop query), then whole requests are timed through the ASGI
application: a development server with nothing configured (the local admin, no check) against one that checks an
API key and one that checks a bearer token. The goal for the per-request checks is under 50 µs.

Run: .venv/bin/python -m bench.access [--rounds 2000] [--requests 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import httpx2

from access.api_keys import load_api_keys
from access.authenticate import Authenticator
from access.rate_limit import MemoryRateLimiter
from access.tokens import TokenVerifier, jwks_reader
from bench.cost import BY_VARIABLE, per_call
from bench.validation import VIN
from config import Config, QueryLimits
from http_api.document_cache import DocumentCache
from http_api.executable_schema import build_schema
from http_api.limits import schema_rules
from server import create_app
from tests.access.credentials import ADMIN, AUDIENCE, ISSUER, Issuer, key_file

QUERY = f'{{ vehicle(vin: "{VIN}") {{ vin brand {{ code }} market {{ code }} }} }}'


def per_await(work: Callable[[], Awaitable[object]], rounds: int) -> float:
    """Median µs per awaited call over 5 batches, in one event loop."""

    async def batches() -> list[float]:
        await work()
        found = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(rounds):
                await work()
            found.append((time.perf_counter() - started) / rounds)
        return found

    return 1e6 * statistics.median(asyncio.run(batches()))


def parts(directory: Path, rounds: int) -> dict[str, float]:
    issuer = Issuer(directory)
    tokens = TokenVerifier(ISSUER, AUDIENCE, jwks_reader(str(issuer.jwks_path)))
    asyncio.run(tokens.start())
    authenticator = Authenticator(load_api_keys(key_file(directory, [ADMIN])), tokens, None)
    api_key, bearer = ADMIN.header["Authorization"], "Bearer " + issuer.token("admin")
    limiter = MemoryRateLimiter()
    limits = QueryLimits()
    cache = DocumentCache(limits, schema_rules(production=True))
    cache.schema = build_schema(limits)._schema
    variables = {"vins": [VIN] * 100}
    cache.cost(BY_VARIABLE, None)
    # distinct tokens (by jti), so that each is checked for the first time; 6 batches of rounds // 10 each
    first_rsa = iter([issuer.token("admin", alg="RS256", jti=str(n)) for n in range(rounds)])
    first_ec = iter([issuer.token("admin", alg="ES256", jti=str(n)) for n in range(rounds)])
    return {
        "API key": per_await(lambda: authenticator.principal(api_key), rounds),
        "bearer token, verified before": per_await(lambda: authenticator.principal(bearer), rounds),
        "bearer token, first RS256 check": per_await(lambda: tokens.principal(next(first_rsa)), rounds // 10),
        "bearer token, first ES256 check": per_await(lambda: tokens.principal(next(first_ec)), rounds // 10),
        "rate limit (in-process bucket)": per_await(lambda: limiter.take("admin", 1e9), rounds),
        "cost of the shop query (cached, evaluated)": per_call(
            lambda: cache.cost(BY_VARIABLE, None).evaluate(variables), rounds
        ),
    }


def requests(config: Config, headers: dict[str, str], count: int) -> float:
    """Median µs per request of QUERY through the whole application, one at a time."""

    async def run() -> float:
        app = create_app(config)
        async with app.router.lifespan_context(app):
            transport = httpx2.ASGITransport(app=app)
            async with httpx2.AsyncClient(transport=transport, base_url="http://bench") as client:
                for _ in range(50):
                    await client.post("/graphql", json={"query": QUERY}, headers=headers)
                batches = []
                for _ in range(5):
                    started = time.perf_counter()
                    for _ in range(count // 5):
                        response = await client.post("/graphql", json={"query": QUERY}, headers=headers)
                    assert response.status_code == 200, response.text
                    batches.append((time.perf_counter() - started) / (count // 5))
                return 1e6 * statistics.median(batches)

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        timings = parts(directory, args.rounds)
        baseline = Config(cache_dir=directory / "cache", demo_vehicles=200)
        issuer = Issuer(directory)
        keyed = replace(baseline, access=replace(baseline.access, api_keys=key_file(directory, [ADMIN]),
                                                 rate_limit=1e9, jwt_issuer=ISSUER, jwt_audience=AUDIENCE,
                                                 jwks=str(issuer.jwks_path)))  # fmt: skip
        plain = replace(baseline, access=replace(baseline.access, rate_limit=1e9))
        whole = {
            "request, no credentials checked (baseline)": requests(plain, {}, args.requests),
            "request with an API key": requests(keyed, ADMIN.header, args.requests),
            "request with a bearer token": requests(
                keyed, {"Authorization": "Bearer " + issuer.token("admin")}, args.requests
            ),
        }
    request = whole["request, no credentials checked (baseline)"]
    per_request = timings["API key"] + timings["rate limit (in-process bucket)"]
    per_request += timings["cost of the shop query (cached, evaluated)"]
    for name, micros in {**timings, **whole}.items():
        print(f"{name:45} {micros:9.2f} µs  {micros / request:7.3f}× a request")
    print(f"{'API key + rate + cost, per request':45} {per_request:9.2f} µs  {per_request / request:7.3f}× a request")
    for name in ("request with an API key", "request with a bearer token"):
        print(f"{name + ', added':45} {whole[name] - request:9.2f} µs")


if __name__ == "__main__":
    main()
