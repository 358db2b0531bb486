"""The quote archive: immutable, content-addressed JSON documents; here its local-directory form (see s3_archive)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Protocol

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
