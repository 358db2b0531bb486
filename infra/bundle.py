"""Builds the functions' code asset: the project's wheel and every dependency, for Lambda's arm64 Linux."""

from __future__ import annotations

import compileall
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from infra.code import BUNDLE, ROOT
from infra.settings import LAMBDA_PYTHON


def build(target: Path = BUNDLE) -> bool:
    """Binary wheels only, for the runtime's platform and Python, whatever machine builds it. True when the bundle
    carries the runtime's bytecode: Lambda's file system is read-only, so without it every cold start compiles
    the modules it imports from source (a tenth of a second for this project's own)."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    with tempfile.TemporaryDirectory() as wheels:
        subprocess.run([*pip, "wheel", "--no-deps", "--wheel-dir", wheels, str(ROOT)], check=True)
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run(
            [
                *pip, "install", "--no-compile", "--target", str(target), "--platform", "manylinux2014_aarch64",
                "--implementation", "cp", "--python-version", LAMBDA_PYTHON, "--only-binary=:all:",
                *(str(w) for w in Path(wheels).glob("*.whl")),
            ],
            check=True,
        )  # fmt: skip
    # bytecode is only of use to the Python that wrote it
    runtime_python = f"{sys.version_info.major}.{sys.version_info.minor}" == LAMBDA_PYTHON
    return runtime_python and compileall.compile_dir(target, quiet=1, workers=0)


if __name__ == "__main__":
    if not build():
        print(f"no bytecode in the bundle: build it with Python {LAMBDA_PYTHON}, the functions' runtime, to have it")
    print(f"the functions' code: {BUNDLE}")
