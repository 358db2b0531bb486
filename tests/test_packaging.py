"""The wheel holds every module of the checkout: the one list in pyproject.toml misses nothing."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the test suite, the benchmarks, the developer's entry point and the deployment (infra/, deployed by CDK)
NOT_SHIPPED = {"tests", "bench", "tasks", "infra"}


def setuptools_table() -> dict[str, object]:
    table: dict[str, object] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return table


def test_every_top_level_package_is_in_the_wheel() -> None:
    patterns = setuptools_table()["packages"]["find"]["include"]  # type: ignore[index]
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - NOT_SHIPPED
    assert packages, "no package found at the top of the checkout"
    assert {p for p in packages if not any(fnmatch(p, pattern) for pattern in patterns)} == set()


def test_every_top_level_module_is_in_the_wheel() -> None:
    modules = {path.stem for path in ROOT.glob("*.py")} - NOT_SHIPPED
    assert set(setuptools_table()["py-modules"]) == modules  # type: ignore[call-overload]
