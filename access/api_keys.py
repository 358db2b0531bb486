"""API keys: a file of clients, each key stored only as its SHA-256 (several per client, so that keys rotate)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from access.principal import Principal, Role, Scope

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
MAX_ID_CHARS = 200


class AccessConfigError(ValueError):
    """A key file, trusted-document manifest or token setting the server cannot use: it does not start."""


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ApiKeys:
    by_hash: dict[str, Principal]

    def principal(self, key: str) -> Principal | None:
        """The client of a key. Looked up by the key's hash: the stored hashes reveal no key, and the time a look-up
        takes depends on the hash, not on how much of a key an attacker guessed right."""
        return self.by_hash.get(key_hash(key))


def _strings(entry: dict[str, Any], name: str, where: str) -> list[str]:
    value = entry.get(name)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise AccessConfigError(f"{where}: {name} must be a non-empty list of codes (\"*\" for all)")
    return value


def _principal(entry: object, where: str) -> tuple[str, Principal]:
    if not isinstance(entry, dict):
        raise AccessConfigError(f"{where} is not an object")
    client_id, digest, role = entry.get("id"), entry.get("sha256"), entry.get("role")
    if not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_ID_CHARS:
        raise AccessConfigError(f"{where}: id must be a string of 1 to {MAX_ID_CHARS} characters")
    if not isinstance(digest, str) or not SHA256_HEX.fullmatch(digest.lower()):
        raise AccessConfigError(f"{where}: sha256 must be the 64 hex digits of the key's SHA-256")
    if role not in set(Role):
        raise AccessConfigError(f"{where}: role must be one of {', '.join(Role)}")
    rate = entry.get("ratePerSecond")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0):
        raise AccessConfigError(f"{where}: ratePerSecond must be a positive number")
    scope = Scope.of(_strings(entry, "brands", where), _strings(entry, "markets", where))
    return digest.lower(), Principal(client_id, Role(role), scope, None if rate is None else float(rate))


def load_api_keys(path: Path) -> ApiKeys:
    try:
        entries = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise AccessConfigError(f"the API key file {path} cannot be read: {error}") from None
    if not isinstance(entries, list):
        raise AccessConfigError(f"the API key file {path} must hold a JSON list of clients")
    by_hash: dict[str, Principal] = {}
    for index, entry in enumerate(entries):
        digest, principal = _principal(entry, f"{path}, entry {index + 1}")
        if digest in by_hash:
            raise AccessConfigError(f"{path}, entry {index + 1}: the same key is listed twice")
        by_hash[digest] = principal
    return ApiKeys(by_hash)
