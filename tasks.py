"""Set up the project's own virtual environment and run its everyday commands: serve and test, and for the AWS
deployment synth (the CloudFormation templates, offline) and bundle (the functions' code with its dependencies)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"
# pytest's exit code when it collected no test: not a failure of the suite itself.
PYTEST_NO_TESTS = 5


def ensure_venv(extra: str) -> None:
    """Create .venv and install the project into it once per change of pyproject.toml."""
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    wanted = f"{extra}:{(ROOT / 'pyproject.toml').stat().st_mtime_ns}"
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f".[{extra}]" if extra else "."], check=True, cwd=ROOT)
    STAMP.write_text(wanted)


def run(*args: str) -> int:
    print("$", " ".join(args), flush=True)
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=ROOT).returncode


def ensure_redis_server() -> None:
    """The event-bus tests start a real redis-server; on a Debian-like machine as root it is installed here."""
    if shutil.which("redis-server"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], check=True, env=env)
    else:
        print("redis-server is not installed: the event-bus tests need it (apt-get install redis-server, "
              "brew install redis, …)", file=sys.stderr)  # fmt: skip


def ensure_http_audit() -> None:
    """The GraphQL over HTTP audit test runs the reference implementation's audit in node, installed here by npm."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        print("node and npm are not installed: the GraphQL over HTTP audit test is skipped", file=sys.stderr)
        return
    audit = ROOT / "tests" / "http_audit"
    installed = audit / "node_modules" / ".package-lock.json"
    if installed.exists() and installed.stat().st_mtime_ns >= (audit / "package-lock.json").stat().st_mtime_ns:
        return
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], check=True, cwd=audit)


def test() -> int:
    ensure_venv("test")
    ensure_redis_server()
    ensure_http_audit()
    for step in (("ruff", "check", "."), ("mypy",), ("lint-imports", "--no-cache")):
        if run(*step) != 0:
            return 1
    code = run("pytest", *sys.argv[2:])
    return 0 if code == PYTEST_NO_TESTS else code


def serve() -> int:
    ensure_venv("")
    return run("aftersales", "serve", *sys.argv[2:])


def synth() -> int:
    """The CDK app (infra/) written to infra/cdk.out, cdk-nag's AwsSolutions checks included; jsii runs it in node."""
    ensure_venv("infra")
    if shutil.which("node") is None:
        print("the CDK app runs in node (jsii): install Node.js 20 or newer", file=sys.stderr)
        return 1
    if not (ROOT / "build" / "lambda").is_dir():
        print("note: without `python3 tasks.py bundle` the functions' asset is the bare source, fine for checking "
              "the templates, not for deploying", file=sys.stderr)  # fmt: skip
    return run("python", "-m", "infra.app", *sys.argv[2:])


def bundle() -> int:
    """The functions' code for deployment: the project and its dependencies as arm64 Linux wheels, in build/lambda."""
    ensure_venv("infra")
    return run("python", "-m", "infra.bundle")


def main() -> int:
    commands = {"test": test, "serve": serve, "synth": synth, "bundle": bundle}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(f"usage: python3 tasks.py {{{'|'.join(commands)}}} [args…]", file=sys.stderr)
        return 2
    return commands[sys.argv[1]]()


if __name__ == "__main__":
    sys.exit(main())
