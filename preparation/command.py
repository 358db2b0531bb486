"""`aftersales import SRC --into DIR`: the command line of the import (preparation.pipeline), local or on AWS."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from catalog import default_catalog
from preparation import summary
from preparation.workers import import_with_workers
from store import prepared, versions
from store.prepared import PreparedDataError

USAGE_ERROR = 2


def run(args: argparse.Namespace) -> int:
    if args.workers < 1 or (args.workers > 1 and args.into == "dynamodb"):
        print(
            f"aftersales import: --workers must be at least 1, got {args.workers}" if args.workers < 1 else
            "aftersales import: --workers is for an import into a directory; on AWS the import runs in shards "
            "as Lambda functions (docs/aws.md)",
            file=sys.stderr,
        )  # fmt: skip
        return USAGE_ERROR
    if args.into == "dynamodb" or str(args.source).startswith("s3://"):
        return _run_on_aws(args)
    source, into = Path(args.source), Path(args.into)
    problem = _unusable(source, into)
    if problem is not None:
        print(f"aftersales import: {problem}", file=sys.stderr)
        return USAGE_ERROR
    try:
        counts = import_with_workers(source, into, default_catalog(), args.workers)
    except PreparedDataError as exc:
        print(f"aftersales import: {exc}", file=sys.stderr)
        return USAGE_ERROR
    print(summary.table(counts))
    print(f"rejects: {versions.served(into) / prepared.REJECTS}")
    return 0


def _run_on_aws(args: argparse.Namespace) -> int:
    """SRC in S3 and/or the DynamoDB target; AWS settings from the environment (see the README)."""
    import asyncio
    import tempfile

    from config import Config, ConfigError
    from preparation.aws_import import download_delivery, import_into_dynamodb
    from store.aws_settings import AwsUnavailable

    try:
        settings = Config.from_env().aws
        if args.into == "dynamodb":
            counts, notes = asyncio.run(import_into_dynamodb(str(args.source), settings, default_catalog()))
        else:
            with tempfile.TemporaryDirectory(prefix="aftersales-delivery-") as scratch:
                asyncio.run(download_delivery(str(args.source), settings, Path(scratch)))
                args.source = scratch
                return run(args)
    except (ConfigError, AwsUnavailable, PreparedDataError, ValueError) as exc:
        print(f"aftersales import: {exc}", file=sys.stderr)
        return USAGE_ERROR
    print(summary.table(counts))
    print("\n".join(notes))
    return 0


def _unusable(source: Path, into: Path) -> str | None:
    if not source.is_dir():
        return f"the delivery directory {source} does not exist or is not a directory"
    if into.exists() and not into.is_dir():
        return f"--into {into} is not a directory"
    if into.exists() and into.resolve() == source.resolve():
        return "--into must not be the delivery directory: the prepared files would overwrite the delivery"
    if (into / prepared.MANIFEST).exists() and not versions.is_data_set(into):
        return (
            f"--into {into} holds a prepared data set of an older format (one directory, no versions); "
            "import into a new directory"
        )
    if into.is_dir() and any(into.iterdir()) and not versions.is_data_set(into):
        return f"--into {into} is neither empty nor a prepared data set; refusing to write into it"
    return None
