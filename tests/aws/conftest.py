"""Fixtures for tests against a real AWS-compatible endpoint: moto in server mode, a counting proxy, a clean env."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.aws.moto_server import MotoServer
from tests.aws.proxy import MotoProxy

REGION = "eu-central-1"
LOOPBACK = "127.0.0.1,localhost"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """One moto process for the whole session; `aws_env` wipes its state before each test."""
    with MotoServer() as server:
        yield server


@pytest.fixture
def stoppable_moto() -> Iterator[MotoServer]:
    """A moto process of the test's own, which the test may `stop()` to make the endpoint go away."""
    with MotoServer() as server:
        yield server


@pytest.fixture
def moto_proxy(moto_server: MotoServer) -> Iterator[MotoProxy]:
    """A counting, fault-injecting proxy in front of the session's moto, with fresh counts."""
    with MotoProxy(moto_server.url) as proxy:
        yield proxy


def point_botocore_at(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, endpoint_url: str) -> None:
    # every AWS_* variable of the developer's shell (profiles, AWS_ENDPOINT_URL_DYNAMODB, retry modes, checksum
    # settings, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS …) would change what botocore does; none must leak in
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    missing = tmp_path / "no-aws-config"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_CONFIG_FILE": str(missing / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(missing / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    # an HTTP proxy of the machine must not sit between botocore and the loopback endpoint
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, ",".join(filter(None, [os.environ.get(name), LOOPBACK])))


@pytest.fixture
def aws_env(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> MotoServer:
    """botocore's environment pointed at the session's moto, whose state is wiped first; gives the server."""
    moto_server.reset()
    point_botocore_at(monkeypatch, tmp_path, moto_server.url)
    return moto_server


@pytest.fixture
def aws_env_via_proxy(aws_env: MotoServer, moto_proxy: MotoProxy, monkeypatch: pytest.MonkeyPatch) -> MotoProxy:
    """As `aws_env`, but AWS_ENDPOINT_URL is the proxy, so every call of the code under test is counted."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_proxy.url)
    return moto_proxy
