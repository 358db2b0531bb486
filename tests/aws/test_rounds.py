"""Round trips to the sources on the critical path, measured with every DynamoDB answer held back by the proxy:
requests sent together arrive together; a request that waited for an earlier answer arrives a delay later."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.api.conftest import graphql
from tests.aws.proxy import MotoProxy
from tests.aws.test_backends import FULL, counted, dynamodb  # noqa: F401  (fixtures)

DELAY = 0.25


def rounds(arrivals: list[tuple[float, str]]) -> int:
    """Waves of requests: a request arriving more than half a delay after its wave began starts the next one."""
    count, began = 0, float("-inf")
    for arrived, _ in sorted(arrivals):
        if arrived - began > DELAY / 2:
            count, began = count + 1, arrived
    return count


def test_every_source_keyed_by_vin_is_asked_in_the_first_round(
    counted: tuple[TestClient, MotoProxy], vins: list[str]  # noqa: F811
) -> None:
    client, proxy = counted
    proxy.delay("BatchGetItem", DELAY)
    try:
        for count in (1, 100):
            proxy.reset_counts()
            body = graphql(client, FULL, {"vins": vins[:count]})
            assert "errors" not in body, body
            # the vehicle master, the imported history, the recorded events' heads, contracts and campaigns at once
            assert rounds(proxy.arrivals()) == 1, (count, sorted(proxy.arrivals()))
    finally:
        proxy.delay("BatchGetItem", 0)
