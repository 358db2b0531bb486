"""Set up the project's own virtual environment and run its everyday commands: serve and test, and for the AWS
deployment synth (the CloudFormation templates, offline) and bundle (the functions' code with its dependencies)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import venv
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"
# pytest's exit code when it collected no test: not a failure of the suite itself.
PYTEST_NO_TESTS = 5
# the Dockerfile's base image, in the storage the image test builds with (tests/test_image.py)
BASE_IMAGE = "docker.io/library/python:3.11-slim"
BUILDAH = ["buildah", "--storage-driver", "vfs"]
IMAGE_TEST = "tests/test_image.py"


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


def apt_install(package: str, needed_by: str) -> bool:
    """Install a Debian package where this is a Debian-like machine and we are root; else say who needs it."""
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env)
        return True
    print(f"{package} is not installed: {needed_by}", file=sys.stderr)
    return False


def ensure_redis_server() -> None:
    """The event-bus tests start a real redis-server; on a Debian-like machine as root it is installed here."""
    if not shutil.which("redis-server"):
        apt_install("redis-server", "the event-bus tests need it (apt-get install redis-server, brew install redis, …)")


def ensure_buildah() -> None:
    """The image test builds the Dockerfile with buildah, on the base image in buildah's local storage: both are
    made ready here (buildah by apt-get as root on a Debian-like machine). Where no registry can be reached,
    AFTERSALES_BASE_IMAGE_SCRIPT names a script that makes a stand-in for the base image."""
    if not shutil.which("buildah") and not apt_install("buildah", "the image test is skipped"):
        return
    if subprocess.run([*BUILDAH, "inspect", "--type", "image", BASE_IMAGE], capture_output=True).returncode == 0:
        return
    script = os.environ.get("AFTERSALES_BASE_IMAGE_SCRIPT")
    try:
        if script:
            subprocess.run(["sh", script], check=True, timeout=600)
        else:
            subprocess.run([*BUILDAH, "pull", BASE_IMAGE], check=True, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        print(f"the base image {BASE_IMAGE} could not be had ({error}): the image test is skipped", file=sys.stderr)


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
    # buildah, the base image and the build take minutes, mostly waiting on the disk: beside the rest of the suite
    image = None if sys.argv[2:] else start_image_test()
    try:
        for step in (("ruff", "check", "."), ("mypy",), ("lint-imports", "--no-cache")):
            if run(*step) != 0:
                return 1
        # the whole suite in one worker per core: most tests wait on servers they started, and CI has two cores
        code = run("pytest", *(sys.argv[2:] or ["-n", "auto", "--ignore", IMAGE_TEST]))
        code = 0 if code == PYTEST_NO_TESTS else code
        if image is not None:
            image_code = finish_image_test(*image)
            image = None
            code = code or image_code
        return code
    finally:
        if image is not None:
            os.killpg(image[0].pid, signal.SIGTERM)


def start_image_test() -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    log = tempfile.TemporaryFile()  # noqa: SIM115 -- closed in finish_image_test
    print("$ python3 tasks.py test-image (in the background)", flush=True)
    command = [sys.executable, str(ROOT / "tasks.py"), "test-image"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    return process, log


def finish_image_test(process: subprocess.Popen[bytes], log: IO[bytes]) -> int:
    code = process.wait()
    log.seek(0)
    print("$ python3 tasks.py test-image", flush=True)
    sys.stdout.buffer.write(log.read())
    sys.stdout.flush()
    log.close()
    return code


def test_image() -> int:
    """The image test alone, buildah and its base image made ready first (the test command runs it this way)."""
    ensure_venv("test")
    ensure_buildah()
    code = run("pytest", IMAGE_TEST)
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
    commands = {"test": test, "test-image": test_image, "serve": serve, "synth": synth, "bundle": bundle}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(f"usage: python3 tasks.py {{{'|'.join(commands)}}} [args…]", file=sys.stderr)
        return 2
    return commands[sys.argv[1]]()


if __name__ == "__main__":
    sys.exit(main())
