"""Fixtures of the event tests: real server processes on copies of the data set, and the bus tests' Redis."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from tests.api.test_real_server import BIN, serve
from tests.bus.conftest import redis_server, redis_url, stoppable_redis  # noqa: F401  (fixtures)

Server = Callable[..., AbstractContextManager[tuple[str, subprocess.Popen[bytes]]]]


@pytest.fixture
def server(prepared: Path, tmp_path: Path) -> Server:
    """Starts `aftersales serve` on its own copy of the data set, with extra environment."""

    @contextmanager
    def start(**env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
        data = tmp_path / f"data-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(prepared, data)
        yield from serve([str(BIN / "aftersales"), "serve", "--data", str(data)],
                         {"AFTERSALES_CACHE_DIR": str(tmp_path / "cache"), **env})  # fmt: skip

    return start
