"""What the AWS backends are configured with, and their one error type; importing it does not load the AWS SDK."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AwsSettings:
    """Where and how to reach AWS. Region, endpoint and credentials come from botocore's standard chain
    (AWS_DEFAULT_REGION, AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID …, profiles, instance roles), never from our files."""

    table_prefix: str = "aftersales-"
    bucket: str = "aftersales-archive"
    call_timeout_seconds: float = 2.0
    """Connect and read timeout of one HTTP call."""
    deadline_seconds: float = 5.0
    """Longest a whole batch read may take, retries of unprocessed keys included."""
    pool_size: int = 32
    """HTTP connections per client; a request fans out to several tables at once."""


class AwsUnavailable(Exception):
    """An AWS call that failed or timed out; `detail` is for the log only, never for clients."""

    def __init__(self, resource: str, detail: str) -> None:
        super().__init__(f"{resource}: {detail}")
        self.resource = resource
        self.detail = detail
