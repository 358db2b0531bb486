"""The quote archive in an S3 bucket (the production form of store.archive)."""

from __future__ import annotations

from typing import Any

from store.archive import ARCHIVE_ID, PREFIX, archive_id
from store.aws import guarded
from store.aws_settings import AwsSettings, AwsUnavailable


class S3Archive:
    """The archive in an S3 bucket; a key is written once (If-None-Match) and never changed."""

    def __init__(self, client: Any, settings: AwsSettings) -> None:
        self._client = client
        self._bucket = settings.bucket

    async def put(self, document: bytes) -> str:
        quote_id = archive_id(document)
        key = f"{PREFIX}{quote_id}.json"
        try:
            await guarded(
                self._bucket,
                self._client.put_object(
                    Bucket=self._bucket, Key=key, Body=document, ContentType="application/json", IfNoneMatch="*"
                ),
            )
        except AwsUnavailable as exc:
            if "PreconditionFailed" not in exc.detail:  # the same document is archived already: done
                raise
        return quote_id

    async def get(self, quote_id: str) -> bytes | None:
        if not ARCHIVE_ID.match(quote_id):
            return None
        try:
            response = await guarded(
                self._bucket, self._client.get_object(Bucket=self._bucket, Key=f"{PREFIX}{quote_id}.json")
            )
        except AwsUnavailable as exc:
            if "NoSuchKey" in exc.detail:
                return None
            raise
        async with response["Body"] as body:
            data: bytes = await body.read()
            return data
