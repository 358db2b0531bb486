"""Generated requests against a real server process: answers per HTTP status and per error code, and every answer
that is not a clean answer or a clean, coded refusal (INTERNAL, 5xx, exception text, long echo, no JSON).
Expected: 0 INTERNAL, 0 5xx, 0 problems. The requests are tests/api/fuzzing.py's (valid and invalid documents from
the served schema, and generated variables); mutations write to a throwaway copy of the data set.

Run: .venv/bin/python -m bench.fuzz [--requests 10000] [--seed 0]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx2
from hypothesis import HealthCheck, Phase, given, seed, settings

from bench.graph import server
from catalog import default_catalog
from generator.command import write_delivery
from preparation.pipeline import import_delivery
from tests.api.fuzzing import KNOWN_VINS, Request, codes, problems, requests
from tests.conftest import SEED, VEHICLES


def fuzz(url: str, count: int, random_seed: int) -> tuple[Counter[int], Counter[str], list[tuple[Request, list[str]]]]:
    """(answers per status, errors per code, the requests whose answers had problems, with the problems)."""
    statuses: Counter[int] = Counter()
    error_codes: Counter[str] = Counter()
    found: list[tuple[Request, list[str]]] = []
    with httpx2.Client(timeout=60) as http:

        @seed(random_seed)
        @settings(
            max_examples=count, deadline=None, database=None, phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        @given(request=requests(KNOWN_VINS))
        def one(request: Request) -> None:
            response = http.post(url, json=request)
            statuses[response.status_code] += 1
            error_codes.update(codes(response.content) or ["(no error)"])
            wrong = problems(response.status_code, response.content)
            if wrong:
                found.append((request, wrong))

        one()
    return statuses, error_codes, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.getLogger("hypothesis").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        raw, data = Path(tmp) / "raw", Path(tmp) / "prepared"
        write_delivery(SEED, VEHICLES, raw)
        import_delivery(raw, data, default_catalog())
        copy = Path(tmp) / "data"
        shutil.copytree(data, copy)
        env = {"AFTERSALES_DATA": str(copy), "AFTERSALES_CACHE_DIR": str(Path(tmp) / "cache")}
        with server(env, batching=True) as url:
            started = time.perf_counter()
            statuses, error_codes, found = fuzz(url, args.requests, args.seed)
            elapsed = time.perf_counter() - started
    total = sum(statuses.values())
    print(f"{total} generated requests in {elapsed:.0f} s (seed {args.seed}) against a real server process")
    print("HTTP status   answers")
    for status, n in sorted(statuses.items()):
        print(f"{status:>11} {n:9d}")
    print(f"{'error code':28} {'errors':>7}   (a response may carry several)")
    for code, n in error_codes.most_common():
        print(f"{code:28} {n:7d}")
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    print(f"INTERNAL: {error_codes['INTERNAL']}   5xx: {server_errors}   answers with problems: {len(found)}")
    for request, wrong in found[:10]:
        print(f"- {str(request)[:300]}\n  {'; '.join(wrong)[:500]}")


if __name__ == "__main__":
    main()
