"""The CDK app: `python -m infra.app` writes the CloudFormation templates to infra/cdk.out, offline, with the
AwsSolutions checks of cdk-nag applied (an unacknowledged finding fails the synthesis)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aws_cdk import App, Aspects, Environment, Stack
from aws_cdk.cx_api import SynthesisMessageLevel
from cdk_nag import AwsSolutionsChecks

from infra.settings import Settings
from infra.stack import AftersalesStack

OUT = Path(__file__).resolve().parent / "cdk.out"
FEATURE_FLAGS = {
    # server access logs granted by bucket policy, not by the legacy ACL: every bucket keeps ACLs disabled
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
}


def build(outdir: Path = OUT, context: dict[str, str] | None = None) -> tuple[App, Stack]:
    app = App(outdir=str(outdir), context=FEATURE_FLAGS | (context or {}))
    settings = Settings.from_context(app.node.try_get_context)
    # the region must be known: the load balancer's log delivery and the zones depend on it; the account need not
    env = Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=settings.region)
    stack = AftersalesStack(app, f"aftersales-{settings.stage}", settings, env=env)
    Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return app, stack


def main(arguments: list[str]) -> int:
    """Context may also be given as arguments, `stage=test apiProvisionedConcurrency=5`, as with `cdk -c`."""
    app, _ = build(context=dict(argument.split("=", 1) for argument in arguments))
    assembly = app.synth()
    errors = [m for s in assembly.stacks for m in s.messages if m.level == SynthesisMessageLevel.ERROR]
    for message in errors:
        print(f"{message.id}: {message.entry.data}", file=sys.stderr)
    print(f"templates in {assembly.directory}: {', '.join(s.template_file for s in assembly.stacks)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
