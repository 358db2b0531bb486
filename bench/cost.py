"""Compile and evaluation time of the static cost of the README's 100-vehicle shop query, against parsing it and
against a cached validation lookup measured in the same run.

Compiling runs once per query text (the document cache keeps the result); evaluating runs for every request, so
it should cost about as little as the cache lookup that precedes it.

Run: .venv/bin/python -m bench.cost [--rounds 2000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from graphql import parse

from bench.validation import SHOP, VIN
from config import QueryLimits
from http_api.cost import default_cost_model, operation_cost
from http_api.document_cache import DocumentCache
from http_api.executable_schema import build_schema
from http_api.limits import schema_rules

BY_VARIABLE = "query($vins: [String!]!) " + SHOP.replace("vins: [" + ", ".join([f'"{VIN}"'] * 100) + "]", "vins: $vins")


def per_call(work: Callable[[], object], rounds: int) -> float:
    """Median µs per call over 5 batches of `rounds` calls (one warm-up call first)."""
    work()
    batches = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            work()
        batches.append((time.perf_counter() - started) / rounds)
    return 1e6 * statistics.median(batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    limits = QueryLimits()
    schema = build_schema(limits)._schema
    model = default_cost_model(limits.max_keys)
    cache = DocumentCache(limits, schema_rules(production=True))
    cache.schema = schema
    assert cache.validate(SHOP) == () and cache.validate(BY_VARIABLE) == ()
    document, by_variable = parse(SHOP), parse(BY_VARIABLE)
    compiled, variable_cost = operation_cost(schema, document, None, model), cache.cost(BY_VARIABLE, None)
    variables = {"vins": [VIN] * 100}
    assert compiled.evaluate(None) == variable_cost.evaluate(variables)
    slow = max(args.rounds // 20, 10)
    timings = {
        "parse (baseline)": per_call(lambda: parse(SHOP), slow),
        "cached validate lookup (baseline)": per_call(lambda: cache.validate(SHOP), args.rounds),
        "compile, literal VINs": per_call(lambda: operation_cost(schema, document, None, model), slow),
        "compile, VINs by variable": per_call(lambda: operation_cost(schema, by_variable, None, model), slow),
        "cached cost lookup": per_call(lambda: cache.cost(BY_VARIABLE, None), args.rounds),
        "evaluate, literal VINs": per_call(lambda: compiled.evaluate(None), args.rounds),
        "evaluate, VINs by variable": per_call(lambda: variable_cost.evaluate(variables), args.rounds),
    }
    print(f"shop query: {len(SHOP)} bytes, cost {compiled.evaluate(None):,} of {QueryLimits().max_cost:,}")
    parse_time, lookup = timings["parse (baseline)"], timings["cached validate lookup (baseline)"]
    for name, micros in timings.items():
        print(f"{name:34} {micros:9.2f} µs  {micros / parse_time:7.3f}× parse  {micros / lookup:7.2f}× lookup")


if __name__ == "__main__":
    main()
