"""The GraphQL over HTTP reference audit (graphql-http's `serverAudits`, pinned in package.json) on real servers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.access.credentials import ADMIN, key_file
from tests.api.test_real_server import BIN, serve

AUDIT = Path(__file__).resolve().parent
NODE = shutil.which("node")
# the audits whose document asks for a type by introspection (`__type`), which production refuses by design
INTROSPECTING = {"2EA1", "28B9", "D6D5", "6A70"}
# a MAY: production runs only persisted documents over GET (a free-text document is refused, to be POSTed)
FREE_TEXT_GET = {"5A70"}

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed: the audit is the reference implementation's, written for node"
)


def audit(url: str, authorization: str | None = None) -> list[dict[str, Any]]:
    if not (AUDIT / "node_modules" / "graphql-http").is_dir():
        pytest.skip("graphql-http is not installed in tests/http_audit: `python3 tasks.py test` runs npm ci there")
    assert NODE is not None
    env = {**os.environ, **({"AUDIT_AUTHORIZATION": authorization} if authorization else {})}
    run = subprocess.run([NODE, "audit.mjs", url + "/graphql"], cwd=AUDIT, env=env, capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    results: list[dict[str, Any]] = json.loads(run.stdout)
    return results


def failing(results: list[dict[str, Any]]) -> dict[str, str]:
    return {r["id"]: f"{r['name']}: {r['reason']}" for r in results if r["status"] != "ok"}


def levels(results: list[dict[str, Any]]) -> tuple[int, int]:
    """How many audits are requirements (MUST) and how many recommendations (SHOULD and MAY)."""
    must = sum(r["name"].startswith("MUST ") for r in results)
    return must, len(results) - must


def server(prepared: Path, tmp_path: Path, *flags: str) -> Iterator[str]:
    command = [str(BIN / "aftersales"), "serve", *flags, "--data", str(prepared)]
    env = {"AFTERSALES_CACHE_DIR": str(tmp_path), "AFTERSALES_API_KEYS": str(key_file(tmp_path, [ADMIN]))}
    for url, _ in serve(command, env if "--production" in flags else env | {"AFTERSALES_API_KEYS": ""}):
        yield url


@pytest.fixture
def development(prepared: Path, tmp_path: Path) -> Iterator[str]:
    yield from server(prepared, tmp_path)


@pytest.fixture
def production(prepared: Path, tmp_path: Path) -> Iterator[str]:
    yield from server(prepared, tmp_path, "--production")


def test_the_development_server_passes_every_must_and_should(development: str) -> None:
    results = audit(development)
    assert levels(results) == (13, 48)
    assert failing(results) == {}


def test_production_passes_every_audit_but_those_that_introspect(production: str) -> None:
    results = audit(production, ADMIN.header["Authorization"])
    assert levels(results) == (13, 48)
    assert set(failing(results)) == INTROSPECTING | FREE_TEXT_GET, failing(results)
