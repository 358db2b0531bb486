"""`python -m moto.server`, its requests answered one at a time: moto checks a condition and then writes in two
steps, which its server's threads can interleave, so two concurrent transactions on one key could both succeed.
DynamoDB never lets them; the tests of concurrent recordings need a store that does not either."""

from __future__ import annotations

import sys
import threading
from typing import Any

from moto import server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

ONE_AT_A_TIME = threading.Lock()
answer = DomainDispatcherApplication.__call__


def serialized(self: DomainDispatcherApplication, environ: dict[str, Any], start_response: Any) -> Any:
    with ONE_AT_A_TIME:
        return answer(self, environ, start_response)


if __name__ == "__main__":
    DomainDispatcherApplication.__call__ = serialized  # type: ignore[method-assign]
    server.main(sys.argv[1:])
