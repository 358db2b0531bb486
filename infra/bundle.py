"""Builds the functions' code asset: the project's wheel and every dependency, for Lambda's arm64 Linux."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from infra.code import BUNDLE, ROOT
from infra.settings import LAMBDA_PYTHON


def build(target: Path = BUNDLE) -> None:
    """Binary wheels only, for the runtime's platform and Python, whatever machine builds it."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    with tempfile.TemporaryDirectory() as wheels:
        subprocess.run([*pip, "wheel", "--no-deps", "--wheel-dir", wheels, str(ROOT)], check=True)
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run(
            [
                *pip, "install", "--target", str(target), "--platform", "manylinux2014_aarch64",
                "--implementation", "cp", "--python-version", LAMBDA_PYTHON, "--only-binary=:all:",
                *(str(w) for w in Path(wheels).glob("*.whl")),
            ],
            check=True,
        )  # fmt: skip


if __name__ == "__main__":
    build()
    print(f"the functions' code: {BUNDLE}")
