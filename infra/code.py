"""The code the functions run: the dependency bundle when it was built, otherwise the bare checkout."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from infra.settings import LAMBDA_PYTHON

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "build" / "lambda"
"""Written by `python3 tasks.py bundle`: the project and its dependencies, built for Lambda's arm64 Linux."""
NOT_CODE = [
    ".*", "**/__pycache__", "*.egg-info", "build", "dist", "var", "out", "tests", "bench", "docs", "infra",
    "**/node_modules", "Dockerfile", "*.md",
]  # fmt: skip
# SnapStart serves Python 3.12 and later; the CDK's list of runtimes that support it lags behind
RUNTIME = lambda_.Runtime(f"python{LAMBDA_PYTHON}", lambda_.RuntimeFamily.PYTHON, supports_snap_start=True)


def function_code() -> lambda_.Code:
    """Synthesis never installs anything, so that it works offline: without the bundle the asset is the source
    alone, enough to check the templates but not to run (`tasks.py synth` says so)."""
    if BUNDLE.is_dir():
        return lambda_.Code.from_asset(str(BUNDLE))
    return lambda_.Code.from_asset(str(ROOT), exclude=NOT_CODE)
