"""Parse and validation time of hostile documents, against the README's 100-vehicle shop query in the same run.

Each document is parsed and validated the way the server does it (limits first, then the specification's rules),
with a fresh cache each time, so that every round does the whole work.

Run: .venv/bin/python -m bench.validation [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

from graphql import GraphQLError

from config import QueryLimits
from http_api.document_cache import DocumentCache
from http_api.executable_schema import build_schema
from http_api.limits import schema_rules

VIN = "WXVZZZB8ZME456992"
SHOP = (
    "{ vehicles(vins: [" + ", ".join([f'"{VIN}"'] * 100) + "]) { vin brand { code name } model { code name } "
    "engine { code oilNorms { code issuer } } market { code currency } serviceEvents { date odometer items "
    '{ code name } } contracts { id status } openCampaigns { code } serviceQuote(input: {quoteDate: "2025-06-30", '
    "odometer: 75000}) { currency positions { pos ref net } totals { payer payable } } } }"
)


def doubling(fragments: int) -> str:
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(fragments))
    return f"query {{ ...F0 }} {chain} fragment F{fragments} on Query {{ markets {{ code }} }}"


DOCUMENTS = {
    "shop query, 100 vehicles (baseline)": SHOP,
    "30 doubling fragments (refused)": doubling(30),
    "500 × __typename (refused)": "{ " + "__typename " * 500 + "}",
    "20 × markets { 20 × code } (refused)": "{" + (" markets {" + " code" * 20 + " }") * 20 + " }",
    "1,900 list values": "{ vehicles(vins: [" + ",".join(['"a"'] * 1900) + "]) { vin } }",
    "30 aliased quotes": "{ "
    + " ".join(
        f'q{i}: vehicle(vin: "{VIN}") {{ serviceQuote(input: {{quoteDate: "2025-06-30", odometer: {i}}}) '
        "{ currency } }"
        for i in range(30)
    )
    + " }",
    "100 fragments selecting vin (refused)": '{ vehicle(vin: "'
    + VIN
    + '") { '
    + " ".join(f"...V{i}" for i in range(100))
    + " } } "
    + " ".join(f"fragment V{i} on Vehicle {{ vin }}" for i in range(100)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    limits = QueryLimits()
    schema = build_schema(limits)._schema
    timings: dict[str, float] = {}
    for name, document in DOCUMENTS.items():
        samples = []
        for _ in range(args.rounds):
            cache = DocumentCache(limits, schema_rules(production=True))
            cache.schema = schema
            started = time.perf_counter()
            try:
                errors = cache.validate(document)
            except GraphQLError as refused:  # the token limit refuses at parse time
                errors = (refused,)
            samples.append(time.perf_counter() - started)
        timings[name] = statistics.median(samples)
        outcome = "valid" if not errors else f"{len(errors)} error(s)"
        print(f"{name:38} {len(document):6} bytes  {1000 * timings[name]:7.2f} ms  {outcome}")
    baseline = timings[next(iter(DOCUMENTS))]
    worst = max(timings, key=timings.__getitem__)
    print(f"slowest: {worst!r}, {timings[worst] / baseline:.1f}× the shop query")


if __name__ == "__main__":
    main()
