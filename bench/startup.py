"""Cold start: seconds from process start to the first successful GraphQL response, against a bare uvicorn app;
and for the Lambda entry point, from process start to the first API Gateway event answered (import included).

The demo data set is prepared, and the project's bytecode compiled, once before the timed runs: as on every start
after the first, and as the image and the Lambda bundle ship them.
Run: .venv/bin/python -m bench.startup [--runs 5] [--data PREPARED_DIR]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[1]
BARE_APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"data":{"ok":true}}'})
"""
QUERY = json.dumps({"query": '{ vehicle(vin: "WXVZZZB8ZME456992") { vin engine { oilNorms { code } } } }'}).encode()


def first_response(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """Seconds until a POST to /graphql answers 200 with data."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, "--port", str(port)], env={**os.environ, **env}, cwd=cwd,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while True:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/graphql", data=QUERY, headers={"content-type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200 and json.loads(response.read()).get("data"):
                        return time.perf_counter() - started
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"{command} exited with {process.returncode}") from None
                time.sleep(0.005)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


LAMBDA_EVENT = {
    "version": "2.0", "routeKey": "$default", "rawPath": "/graphql", "rawQueryString": "",
    "headers": {"content-type": "application/json", "host": "api.example"}, "body": QUERY.decode(),
    "isBase64Encoded": False,
    "requestContext": {
        "http": {"method": "POST", "path": "/graphql", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7",
                 "userAgent": "bench"},
        "requestId": "bench", "routeKey": "$default", "stage": "$default",
    },
}  # fmt: skip
LAMBDA = f"""
import json, time
started = time.perf_counter()
import server
answer = server.lambda_handler({LAMBDA_EVENT!r}, None)
assert answer["statusCode"] == 200 and json.loads(answer["body"])["data"], answer
print(time.perf_counter() - started)
"""


def first_event(env: dict[str, str]) -> float:
    """Seconds from process start to the first event answered, as a cold Lambda process spends them."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", LAMBDA], env={**os.environ, **env}, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", type=Path, help="prepared data set (default: the demo data set in a temp cache)")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    # a process started with PYTHONDONTWRITEBYTECODE would compile every module of ours from source, every time
    compileall.compile_dir(ROOT, quiet=1, rx=re.compile(r"/(\.venv|node_modules|cdk\.out|\.git)/"))
    with tempfile.TemporaryDirectory() as tmp:
        env = {"AFTERSALES_CACHE_DIR": tmp}
        if args.data:
            env["AFTERSALES_DATA"] = str(args.data)
        else:
            from demo import ensure_demo_data

            started = time.perf_counter()
            ensure_demo_data(Path(tmp))
            print(f"first start only: preparing the demo data set took {time.perf_counter() - started:.1f} s")
        (Path(tmp) / "bare.py").write_text(BARE_APP)
        ours, bare, lambdas = [], [], []
        for _ in range(args.runs):  # alternate, so that machine noise hits all alike
            ours.append(first_response([str(bin_dir / "aftersales"), "serve"], env, ROOT))
            bare.append(first_response([sys.executable, "-m", "uvicorn", "bare:app"], {}, Path(tmp)))
            lambdas.append(first_event(env))
    print(f"{'':36} {'median':>8} {'min':>8} {'max':>8}")
    for name, runs in (("aftersales serve (2,000 vehicles)", ours), ("bare uvicorn app (baseline)", bare),
                       ("lambda_handler, first event (cold)", lambdas)):  # fmt: skip
        print(f"{name:36} {statistics.median(runs):8.3f} {min(runs):8.3f} {max(runs):8.3f}  s")
    print(f"ratio (median): {statistics.median(ours) / statistics.median(bare):.2f}× the bare app")


if __name__ == "__main__":
    main()
