"""The quote archive: immutable, content-addressed JSON documents in S3, or in a local directory when embedded."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Protocol

from store.aws import AwsSettings, AwsUnavailable, guarded

ARCHIVE_ID = re.compile(r"^[0-9a-f]{64}$")
PREFIX = "quotes/"


def archive_id(document: bytes) -> str:
    """The id of a document: the SHA-256 of its bytes, so the same quote is archived once under one key."""
    return hashlib.sha256(document).hexdigest()


class QuoteArchive(Protocol):
    async def put(self, document: bytes) -> str: ...

    async def get(self, quote_id: str) -> bytes | None: ...


class DirectoryArchive:
    """The archive in a local directory (the embedded backend's stand-in for S3)."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def put(self, document: bytes) -> str:
        quote_id = archive_id(document)
        path = self._directory / PREFIX / f"{quote_id}.json"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            scratch = path.with_suffix(".partial")
            scratch.write_bytes(document)
            scratch.replace(path)  # whole or not at all
        return quote_id

    async def get(self, quote_id: str) -> bytes | None:
        path = self._directory / PREFIX / f"{quote_id}.json"
        return path.read_bytes() if ARCHIVE_ID.match(quote_id) and path.exists() else None


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
