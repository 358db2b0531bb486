"""Our server against its peer, Apollo Server 5 with DataLoader (`bench/peer/server.mjs`), on the same generated data
set and catalogue, the same schema subset and the same queries: requests per second and p50/p99 latency per query
shape, in alternating rounds, and the ratio us/peer.

Our server runs as in production: API key authentication, the rate limit (set high enough never to refuse) and cost
analysis on every request. The peer's npm packages are pinned in `bench/peer/package-lock.json` and installed here
by `npm ci`. Load comes from wrk (installed with apt-get where that is possible) or else from an asyncio client.

`--standard-path` serves our side without the execution fast path: every request through strawberry and graphql-core.

Run: .venv/bin/python -m bench.peer [--rounds 3] [--duration 10] [--connections 16] [--vehicles 2000] [--standard-path]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2

from catalog import default_catalog
from generator.command import write_delivery
from preparation.pipeline import import_delivery
from store.embedded import EmbeddedStore
from store.versions import served
from tests.access.credentials import ADMIN, key_file
from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[1]
PEER = ROOT / "bench" / "peer"
SELECTION = """brand { name } model { name } engine { code oilNorms { code issuer } } market { code currency }
  serviceEvents { date odometer items { code name } }"""
SHAPES = {
    "one vehicle": (f"query($vin: String!) {{ vehicle(vin: $vin) {{ {SELECTION} }} }}", 1),
    "100 vehicles": (f"query($vins: [String!]!) {{ vehicles(vins: $vins) {{ {SELECTION} }} }}", 100),
}
SERVERS = ("us", "peer")
LUA = """local file = io.open("{body}", "rb")
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
{headers}
"""

Result = tuple[float, float, float, int]
"""requests per second, p50 ms, p99 ms, failed requests"""


def node_ready() -> bool:
    """node and the pinned packages, installed by `npm ci` when missing or older than the lock file."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        print("node and npm are not installed: the peer cannot run (apt-get install nodejs npm)", file=sys.stderr)
        return False
    installed = PEER / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime_ns < (PEER / "package-lock.json").stat().st_mtime_ns:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], check=True, cwd=PEER)
    return True


def find_wrk() -> str | None:
    """wrk, installed with apt-get on a Debian-like machine as root; None where it cannot be had."""
    if (found := shutil.which("wrk")) is None and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    return found


@dataclass(frozen=True)
class Server:
    """A server the bench started: where it answers, and its process (whose memory the soak run watches)."""

    url: str
    pid: int


@contextmanager
def process(command: list[str], env: dict[str, str], url: str, headers: dict[str, str]) -> Iterator[Server]:
    """A server started for the bench, up once it answers a query; stopped (killed if need be) whatever happens."""
    started = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        for _ in range(600):
            if started.poll() is not None:
                raise RuntimeError(f"{shlex.join(command)} exited with {started.returncode}")
            try:
                if httpx2.post(url, json={"query": "{ __typename }"}, headers=headers, timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{shlex.join(command)} did not answer within a minute")
        yield Server(url, started.pid)
    finally:
        started.send_signal(signal.SIGTERM)
        try:
            started.wait(timeout=10)
        except subprocess.TimeoutExpired:
            started.kill()
            started.wait()


def milliseconds(text: str) -> float:
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(wrk: str, url: str, script: Path, connections: int, duration: float) -> Result:
    # a 100-vehicle request may take longer than wrk's default timeout of 2 s
    command = [wrk, "-t1", f"-c{connections}", f"-d{duration:g}s", "--timeout", "60s", "--latency"]
    out = subprocess.run([*command, "-s", str(script), url], check=True, capture_output=True, text=True).stdout
    percentile = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    if len(percentile) != 2:
        raise RuntimeError(f"wrk printed no latency distribution:\n{out}")
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return (
        float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)),  # type: ignore[union-attr]
        milliseconds(percentile["50"]),
        milliseconds(percentile["99"]),
        (int(failed.group(1)) if failed else 0) + (sum(map(int, errors.groups())) if errors else 0),
    )


async def run_httpx(url: str, body: bytes, headers: dict[str, str], connections: int, duration: float) -> Result:
    latencies: list[float] = []
    failed = 0
    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx2.AsyncClient(timeout=60, limits=limits, headers=headers) as client:
        stop = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal failed
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await client.post(url, content=body)
                latencies.append((time.perf_counter() - started) * 1000)
                failed += response.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return len(ordered) / elapsed, ordered[len(ordered) // 2], ordered[int(0.99 * (len(ordered) - 1))], failed


JSON = {"Content-Type": "application/json"}
HEADERS = {"us": {**ADMIN.header, **JSON}, "peer": JSON}


def start_servers(stack: ExitStack, tmp: Path, data: Path, fast_path: bool = True) -> dict[str, Server]:
    """Each server: ours in production mode with one admin API key and a rate limit that never
    refuses the bench, the peer under NODE_ENV=production."""
    ours, peers = free_port(), free_port()
    env = {
        "AFTERSALES_API_KEYS": str(key_file(tmp, [ADMIN])), "AFTERSALES_RATE_LIMIT": "1000000",
        "AFTERSALES_CACHE_DIR": str(tmp), "AFTERSALES_LOG_LEVEL": "WARNING",
        "AFTERSALES_FAST_PATH": "1" if fast_path else "0",
    }  # fmt: skip
    aftersales = str(Path(sys.executable).parent / "aftersales")
    us = [aftersales, "serve", "--production", "--data", str(data), "--port", str(ours)]
    peer = ["node", str(PEER / "server.mjs"), str(served(data)), str(peers)]
    return {
        "us": stack.enter_context(process(us, env, f"http://127.0.0.1:{ours}/graphql", HEADERS["us"])),
        "peer": stack.enter_context(process(peer, {"NODE_ENV": "production"}, f"http://127.0.0.1:{peers}/", JSON)),
    }


def data_set(tmp: Path, vehicles: int) -> tuple[Path, list[str]]:
    """The generated delivery (seed 42) prepared for both servers, and its VINs."""
    raw, data = tmp / "raw", tmp / "prepared"
    write_delivery(42, vehicles, raw)
    import_delivery(raw, data, default_catalog())
    return data, EmbeddedStore.load(data).vins()


def request_body(shape: str, vins: list[str]) -> bytes:
    query, count = SHAPES[shape]
    variables = {"vin": vins[0]} if count == 1 else {"vins": vins[:count]}
    return json.dumps({"query": query, "variables": variables}).encode()


def wrk_script(tmp: Path, server: str, shape: str, body: bytes) -> Path:
    script = tmp / f"{server}-{shape.replace(' ', '-')}.lua"
    (path := script.with_suffix(".json")).write_bytes(body)
    extra = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in HEADERS[server].items())
    script.write_text(LUA.format(body=path, headers=extra))
    return script


def check_answers(urls: dict[str, str], shape: str, body: bytes) -> None:
    """Both servers answer without errors, with the same data."""
    answers = {s: httpx2.post(urls[s], content=body, headers=HEADERS[s], timeout=60) for s in SERVERS}
    for server, answer in answers.items():
        assert answer.status_code == 200 and "errors" not in answer.json(), f"{shape}, {server}: {answer.text}"
    assert answers["us"].json()["data"] == answers["peer"].json()["data"], f"{shape}: the servers' data differ"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per round, server and shape")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--vehicles", type=int, default=2000)
    parser.add_argument("--standard-path", action="store_true", help="our server without the execution fast path")
    args = parser.parse_args()
    if not node_ready():
        return
    wrk = find_wrk()
    generator = (
        f"wrk -t1 -c{args.connections} -d{args.duration:g}s --latency"
        if wrk
        else f"asyncio + httpx2, {args.connections} connections, {args.duration:g} s (wrk could not be had)"
    )
    node = subprocess.run(["node", "--version"], check=True, capture_output=True, text=True).stdout.strip()
    results: dict[tuple[str, str], list[Result]] = {}
    with tempfile.TemporaryDirectory() as name, ExitStack() as stack:
        tmp = Path(name)
        data, vins = data_set(tmp, args.vehicles)
        urls = {name: server.url for name, server in start_servers(stack, tmp, data, not args.standard_path).items()}
        bodies = {shape: request_body(shape, vins) for shape in SHAPES}
        for shape, body in bodies.items():
            check_answers(urls, shape, body)

        def load(server: str, shape: str, duration: float) -> Result:
            if wrk is None:
                return asyncio.run(run_httpx(urls[server], bodies[shape], HEADERS[server], args.connections, duration))
            script = wrk_script(tmp, server, shape, bodies[shape])
            return run_wrk(wrk, urls[server], script, args.connections, duration)

        for shape in SHAPES:
            for server in SERVERS:  # warm-up (JIT, caches, connections), not counted
                load(server, shape, min(args.duration, 3))
        for round_ in range(args.rounds):
            for shape in SHAPES:
                for server in SERVERS if round_ % 2 == 0 else SERVERS[::-1]:
                    results.setdefault((shape, server), []).append(load(server, shape, args.duration))
    print("$", shlex.join([".venv/bin/python", "-m", "bench.peer", *sys.argv[1:]]))
    print(f"{os.cpu_count()} cores, client and both servers on this machine; {args.vehicles} vehicles (seed 42); "
          f"{args.rounds} alternating rounds; load: {generator}")  # fmt: skip
    path = "standard path (strawberry + graphql-core)" if args.standard_path else "fast path"
    print(f"us: production mode, API key, rate limit, cost analysis, {path}; "
          f"peer: Apollo Server 5 + DataLoader, node {node}")  # fmt: skip
    print("req/s, p50 and p99: the median over the rounds; failed: non-2xx answers and socket errors")
    print(f"{'shape':14} {'server':7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7}")
    for shape in SHAPES:
        rates: dict[str, float] = {}
        for server in SERVERS:
            runs = results[(shape, server)]
            rates[server] = statistics.median(r[0] for r in runs)
            p50, p99 = (statistics.median(r[i] for r in runs) for i in (1, 2))
            print(f"{shape:14} {server:7} {rates[server]:9.1f} {p50:8.1f} {p99:8.1f} {sum(r[3] for r in runs):7d}")
        print(f"{shape:14} {'us/peer':7} {rates['us'] / rates['peer']:9.2f}×")


if __name__ == "__main__":
    main()
