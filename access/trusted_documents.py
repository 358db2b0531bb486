"""Trusted documents: a manifest of the operations clients were built with (Apollo's persisted query manifest), and
automatic persisted queries (APQ) registered by clients unless only trusted documents are served."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

from access.api_keys import AccessConfigError

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
REGISTERED_DOCUMENTS = 10_000
"""Documents registered by clients (APQ) kept per process; a forgotten one is registered again by its client."""


class PersistedQueryError(Exception):
    """A persisted-query request the server cannot serve: HTTP status, code and a sentence for the client."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def document_hash(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


@dataclass(frozen=True)
class Manifest:
    by_id: Mapping[str, str]
    """The operations' bodies by their ids (what clients send as sha256Hash)."""
    hashes: frozenset[str]
    """SHA-256 of every body, so that a free-text document that is in the list is recognised as trusted."""


def load_manifest(path: Path) -> Manifest:
    try:
        manifest = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise AccessConfigError(f"the trusted-document manifest {path} cannot be read: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT or manifest.get("version") != 1:
        raise AccessConfigError(f"{path} is not an {MANIFEST_FORMAT} of version 1")
    operations = manifest.get("operations")
    if not isinstance(operations, list):
        raise AccessConfigError(f"{path}: operations must be a list")
    by_id: dict[str, str] = {}
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict) or not all(
            isinstance(operation.get(name), str) for name in ("id", "name", "type", "body")
        ):
            raise AccessConfigError(f"{path}, operation {index + 1}: id, name, type and body must be strings")
        by_id[operation["id"]] = operation["body"]
    return Manifest(by_id, frozenset(document_hash(body) for body in by_id.values()))


class TrustedDocuments:
    """Turns what a request sends (a document, a persisted-query id, or both) into the document to run."""

    def __init__(self, manifest: Manifest | None, trusted_only: bool) -> None:
        self.manifest = manifest or Manifest({}, frozenset())
        self.trusted_only = trusted_only
        self._registered: OrderedDict[str, str] = OrderedDict()

    def document(self, query: str | None, extensions: Mapping[str, object] | None) -> str | None:
        """The document to run; None when the request names none (the caller says what is missing)."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if query is not None and self.trusted_only and document_hash(query) not in self.manifest.hashes:
                raise PersistedQueryError(
                    403, "PERSISTED_QUERY_NOT_IN_LIST",
                    "This server runs only its trusted documents; send the document's id as "
                    "extensions.persistedQuery.sha256Hash.",
                )  # fmt: skip
            return query
        wanted = self._id(persisted)
        if query is None:
            return self._known(wanted)
        mismatch = PersistedQueryError(400, "BAD_REQUEST", "persistedQuery.sha256Hash is not the id of this query.")
        if wanted in self.manifest.by_id:
            if self.manifest.by_id[wanted] != query:
                raise mismatch
            return query
        if document_hash(query) != wanted:
            raise mismatch
        if self.trusted_only:
            if wanted in self.manifest.hashes:
                return query
            raise PersistedQueryError(
                403, "PERSISTED_QUERY_NOT_IN_LIST", "This server runs only its trusted documents; this one is not."
            )
        self._register(wanted, query)
        return query

    @staticmethod
    def _id(persisted: object) -> str:
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise PersistedQueryError(400, "BAD_REQUEST", "extensions.persistedQuery must be {version: 1, sha256Hash}.")
        wanted = persisted.get("sha256Hash")
        if not isinstance(wanted, str) or not 0 < len(wanted) <= 128:
            raise PersistedQueryError(400, "BAD_REQUEST", "persistedQuery.sha256Hash must be a document id.")
        return wanted

    def _known(self, wanted: str) -> str:
        body = self.manifest.by_id.get(wanted) or (None if self.trusted_only else self._registered.get(wanted))
        if body is None:
            # the message is the one APQ clients look for before they send the document with its hash
            raise PersistedQueryError(404, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
        if wanted in self._registered:
            self._registered.move_to_end(wanted)
        return body

    def _register(self, wanted: str, query: str) -> None:
        self._registered[wanted] = query
        self._registered.move_to_end(wanted)
        if len(self._registered) > REGISTERED_DOCUMENTS:
            self._registered.popitem(last=False)
