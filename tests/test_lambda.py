"""`server.lambda_handler` on real API Gateway HTTP API (payload 2.0) events, in a fresh process as on a cold Lambda:
the same answers, limits, authentication and errors as `aftersales serve`, the data set loaded once."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.access.credentials import ADMIN, key_file
from tests.api.test_real_server import ROOT

VIN = "WXVZZZB8ZME456992"
# every event through one cold process; what the handler returns, one JSON line per event
RUNNER = """
import json, sys
import server
for line in sys.stdin:
    print(json.dumps(server.lambda_handler(json.loads(line), None)), flush=True)
"""


def event(method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
          query: str = "", base64_body: bool = False) -> dict[str, Any]:  # fmt: skip
    """An HTTP API event as API Gateway sends it (payload format 2.0)."""
    text = None if body is None else base64.b64encode(body).decode() if base64_body else body.decode()
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
        "headers": {"host": "abc123.execute-api.eu-central-1.amazonaws.com", "user-agent": "test",
                    **({"content-type": "application/json"} if body is not None else {}), **(headers or {})},
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-central-1.amazonaws.com", "domainPrefix": "abc123",
            "requestId": "req-1", "routeKey": "$default", "stage": "$default",
            "time": "03/Dec/2026:14:00:00 +0000", "timeEpoch": 1796306400000,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7",
                     "userAgent": "test"},
        },
        "body": text, "isBase64Encoded": base64_body,
    }  # fmt: skip


def graphql_event(query: str, **options: Any) -> dict[str, Any]:
    return event("POST", "/graphql", json.dumps({"query": query}).encode(), **options)


def printed(events: list[dict[str, Any]], env: dict[str, str],
            runner: str = RUNNER) -> tuple[list[dict[str, Any]], str]:  # fmt: skip
    """Every JSON line the process printed on stdout (answers and embedded-metric lines), and its stderr."""
    run = subprocess.run([sys.executable, "-c", runner], input="".join(json.dumps(e) + "\n" for e in events),
                         capture_output=True, text=True, cwd=ROOT, env={**os.environ, **env}, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()], run.stderr


def handle(events: list[dict[str, Any]], env: dict[str, str]) -> tuple[list[dict[str, Any]], str]:
    """What the handler answered to each event, and the log."""
    lines, log = printed(events, env)
    return [line for line in lines if "_aws" not in line], log


def body_of(answer: dict[str, Any]) -> Any:
    text = base64.b64decode(answer["body"]) if answer.get("isBase64Encoded") else answer["body"].encode()
    return json.loads(text)


def test_events_are_answered_as_the_server_answers_requests(prepared: Path, tmp_path: Path) -> None:
    env = {"AFTERSALES_DATA": str(prepared), "AFTERSALES_CACHE_DIR": str(tmp_path), "AFTERSALES_PRODUCTION": "true",
           "AFTERSALES_API_KEYS": str(key_file(tmp_path, [ADMIN]))}  # fmt: skip
    vehicle = f'{{ vehicle(vin: "{VIN}") {{ vin brand {{ code }} }} }}'
    answers, log = handle([
        graphql_event(vehicle, headers=ADMIN.header),
        graphql_event(vehicle),
        event("POST", "/graphql", json.dumps({"query": vehicle}).encode(), ADMIN.header, base64_body=True),
        graphql_event('{ vehicle(vin: "WXVZZZB8ZNW01234O") { vin } }', headers=ADMIN.header),
        graphql_event("{ __schema { types { name } } }", headers=ADMIN.header),
        event("POST", "/graphql", b'{"query": "' + b"x" * 300_000 + b'"}', ADMIN.header),
        event("GET", "/healthz"),
        event("GET", "/graphql", None, ADMIN.header, query="query=%7B__typename%7D"),
    ], env)  # fmt: skip
    statuses = [a["statusCode"] for a in answers]
    assert statuses == [200, 401, 200, 200, 200, 413, 200, 400]
    found = {"data": {"vehicle": {"vin": VIN, "brand": {"code": "VRN"}}}}
    assert body_of(answers[0]) == body_of(answers[2]) == found
    codes = [[e["extensions"]["code"] for e in body_of(a).get("errors", [])] for a in answers]
    assert codes[1] == ["UNAUTHENTICATED"] and codes[3] == ["INVALID_VIN_FORMAT"]
    assert set(codes[4]) == {"INTROSPECTION_DISABLED"} and codes[5] == ["QUERY_TOO_LARGE"]
    assert codes[7] == ["PERSISTED_QUERY_REQUIRED"]
    assert all(a["headers"]["x-content-type-options"] == "nosniff" and "x-request-id" in a["headers"] for a in answers)
    assert log.count("serving ") == 1, "the data set is loaded once per process, not per event"
    assert "Traceback" not in log
