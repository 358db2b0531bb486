"""Steady under load: both servers of `bench.peer` under the peer bench's load for minutes on end, in alternating
rounds; each server's resident memory after every round (growth against the first round, once caches are warm)
and its p99 latency, with the ratio against the peer's.

Run: .venv/bin/python -m bench.soak [--minutes 10] [--round-seconds 60] [--shape "one vehicle"] [--connections 16]
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.peer import (
    SERVERS,
    SHAPES,
    Result,
    check_answers,
    data_set,
    find_wrk,
    node_ready,
    request_body,
    run_wrk,
    start_servers,
    wrk_script,
)


def resident_mib(pid: int) -> float:
    """The process's resident set size, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/{pid}/status has no VmRSS")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10, help="minutes of load per server")
    parser.add_argument("--round-seconds", type=float, default=60)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="one vehicle")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--vehicles", type=int, default=2000)
    args = parser.parse_args()
    wrk = find_wrk()
    if not node_ready() or wrk is None:
        print("the soak run needs node and wrk", file=sys.stderr)
        return
    rounds = max(2, round(args.minutes * 60 / args.round_seconds))
    results: dict[str, list[Result]] = {server: [] for server in SERVERS}
    memory: dict[str, list[float]] = {server: [] for server in SERVERS}
    with tempfile.TemporaryDirectory() as name, ExitStack() as stack:
        tmp = Path(name)
        data, vins = data_set(tmp, args.vehicles)
        servers = start_servers(stack, tmp, data)
        body = request_body(args.shape, vins)
        check_answers({name: server.url for name, server in servers.items()}, args.shape, body)
        scripts = {server: wrk_script(tmp, server, args.shape, body) for server in SERVERS}
        print(f"{'round':>5} {'server':7} {'req/s':>9} {'p99 ms':>8} {'RSS MiB':>8} {'failed':>7}", flush=True)
        for round_ in range(rounds):
            for server in SERVERS if round_ % 2 == 0 else SERVERS[::-1]:
                result = run_wrk(wrk, servers[server].url, scripts[server], args.connections, args.round_seconds)
                results[server].append(result)
                memory[server].append(resident_mib(servers[server].pid))
                rate, _, p99, failed = result
                print(f"{round_ + 1:5d} {server:7} {rate:9.1f} {p99:8.1f} {memory[server][-1]:8.1f} {failed:7d}",
                      flush=True)  # fmt: skip
    print("$", shlex.join([".venv/bin/python", "-m", "bench.soak", *sys.argv[1:]]))
    print(f"{rounds} alternating rounds of {args.round_seconds:g} s per server, shape {args.shape!r}, "
          f"wrk -t1 -c{args.connections}; RSS growth: last round against the first")  # fmt: skip
    print(f"{'server':7} {'req/s':>9} {'p99 ms':>8} {'max p99':>8} {'RSS first':>10} {'RSS last':>9} {'growth':>7}")
    p99s: dict[str, float] = {}
    for server in SERVERS:
        runs, rss = results[server], memory[server]
        p99s[server] = statistics.median(r[2] for r in runs)
        growth = (rss[-1] - rss[0]) / rss[0] * 100
        print(f"{server:7} {statistics.median(r[0] for r in runs):9.1f} {p99s[server]:8.1f} "
              f"{max(r[2] for r in runs):8.1f} {rss[0]:10.1f} {rss[-1]:9.1f} {growth:6.1f}%")  # fmt: skip
    print(f"p99 us/peer (median over the rounds): {p99s['us'] / p99s['peer']:.2f}×")


if __name__ == "__main__":
    main()
