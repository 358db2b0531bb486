"""The `aftersales` command line: generate, import and quote (one subcommand per job)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

Command = Callable[[argparse.Namespace], int]


def _generate(args: argparse.Namespace) -> int:
    from generator.command import run

    return run(args)


def _import(args: argparse.Namespace) -> int:
    from preparation.command import run

    return run(args)


def _quote(args: argparse.Namespace) -> int:
    from quote_command import run

    return run(args)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from access.api_keys import AccessConfigError
    from config import Config, ConfigError
    from logs import configure
    from server import create_app

    try:
        config = Config.from_env().with_overrides(data_dir=args.data, production=args.production or None)
        app = create_app(config)
    except (ConfigError, AccessConfigError) as exc:
        print(f"aftersales serve: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=configure(config.log_level),
        loop="auto",
        http="auto",
        ws="websockets-sansio",
        ws_max_size=config.events.ws_max_message_bytes,  # refused (1009) as the frame arrives, before buffering
    )
    return 0


def _init_aws(args: argparse.Namespace) -> int:
    import asyncio

    from botocore.exceptions import BotoCoreError, ClientError

    from config import Config, ConfigError
    from store.aws_settings import AwsUnavailable
    from store.provision import ensure_resources

    try:
        settings = Config.from_env().aws
        created = asyncio.run(ensure_resources(settings))
    except (ConfigError, AwsUnavailable, BotoCoreError, ClientError) as exc:
        print(f"aftersales init-aws: {exc}", file=sys.stderr)
        return 2
    print(f"created: {', '.join(created)}" if created else "nothing to create: every table and the bucket exist")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from http_api.executable_schema import build_schema

    print(str(build_schema()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aftersales", description="Aftersales Graph command line.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser("generate", help="write a synthetic source-system delivery (DOMAIN §7.5)")
    gen.add_argument("--seed", type=int, default=42, help="generator seed (taken mod 2^64)")
    gen.add_argument("--vehicles", type=int, default=2000, help="number of vehicles")
    gen.add_argument("--out", required=True, help="directory to write the JSON Lines files into")
    gen.set_defaults(handler=_generate)

    imp = sub.add_parser("import", help="validate, merge and prepare a raw delivery")
    imp.add_argument("source", metavar="SRC", help="raw delivery: a directory or s3://bucket/prefix")
    imp.add_argument(
        "--into", required=True, help="prepared data set directory (created if missing), or `dynamodb`"
    )
    imp.add_argument(
        "--workers", type=int, default=1, metavar="N",
        help="prepare the delivery in N shards of whole vehicles, one process each (default 1)",
    )  # fmt: skip
    imp.set_defaults(handler=_import)

    quote = sub.add_parser("quote", help="print the service quote for one vehicle of a prepared data set")
    quote.add_argument("--data", required=True, help="prepared data set directory")
    quote.add_argument("--vin", required=True)
    quote.add_argument("--date", required=True, help="quote date, YYYY-MM-DD")
    quote.add_argument("--odometer", required=True, type=int, help="odometer in the market's distance unit")
    quote.add_argument("--customer-group", default="RETAIL", choices=["RETAIL", "FLEET", "STAFF"])
    quote.add_argument("--recommended", nargs="*", default=[], metavar="CODE", help="recommended items to include")
    quote.add_argument("--statutory", action="store_true", help="include the market's statutory test")
    quote.add_argument("--json", action="store_true", help="print the quote as JSON (GraphQL ServiceQuote shape)")
    quote.set_defaults(handler=_quote)
    serve = sub.add_parser("serve", help="serve the GraphQL API (GraphiQL at /graphql in development)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--data", type=Path, help="prepared data set to serve (default: the demo data set)")
    serve.add_argument("--production", action="store_true", help="no GraphiQL, no introspection, no suggestions")
    serve.set_defaults(handler=_serve)

    init = sub.add_parser("init-aws", help="create the DynamoDB tables and the archive bucket if missing")
    init.set_defaults(handler=_init_aws)

    schema = sub.add_parser("schema", help="print the GraphQL schema (SDL); schema.graphql is this output")
    schema.set_defaults(handler=_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Command = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
