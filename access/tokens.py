"""OIDC bearer tokens: RS256 or ES256 JWTs checked against the issuer's JWKS (PyJWT does the cryptography)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt

from access.api_keys import MAX_ID_CHARS, AccessConfigError
from access.authenticate import InvalidToken
from access.principal import Principal, Role, Scope

log = logging.getLogger("aftersales")
ALGORITHMS = ("RS256", "ES256")
"""Asymmetric only: `none` and the HMAC algorithms (whose key is a shared secret) are refused."""
LEEWAY_SECONDS = 30
REFRESH_INTERVAL_SECONDS = 10.0
"""At most one JWKS fetch per interval for unknown key ids: a stream of tokens with invented ids costs the issuer
one fetch per interval; a key the issuer has just added is found within the interval."""
FETCH_TIMEOUT_SECONDS = 5.0
MAX_JWKS_BYTES = 1024 * 1024
MAX_TOKEN_BYTES = 8 * 1024
VERIFIED_CACHE = 10_000
"""Tokens verified recently, so that a client's repeated requests cost one signature check per token."""


def jwks_reader(source: str) -> Callable[[], bytes]:
    """Reads the key set from an https URL or a file, the same way at start-up and at every refresh."""
    if source.startswith("https://"):

        def fetch() -> bytes:
            with urllib.request.urlopen(source, timeout=FETCH_TIMEOUT_SECONDS) as answer:
                data: bytes = answer.read(MAX_JWKS_BYTES + 1)
            if len(data) > MAX_JWKS_BYTES:
                raise ValueError(f"the JWKS at {source} is larger than {MAX_JWKS_BYTES} bytes")
            return data

        return fetch
    if "://" in source:
        raise AccessConfigError(f"AFTERSALES_JWKS={source!r}: give an https URL or a file path")
    path = Path(source)
    return path.read_bytes


def signing_keys(data: bytes) -> dict[str, jwt.PyJWK]:
    """The key set's usable keys by id; keys for other algorithms (HMAC among them) are left out."""
    keys = jwt.PyJWKSet.from_json(data.decode()).keys
    return {key.key_id: key for key in keys if key.key_id and key.algorithm_name in ALGORITHMS}


def _claims_principal(claims: dict[str, Any]) -> Principal:
    subject, role = claims.get("sub"), claims.get("role")
    if not isinstance(subject, str) or not 0 < len(subject) <= MAX_ID_CHARS:
        raise InvalidToken("the token's sub claim is missing or not a short string")
    if role not in set(Role):
        raise InvalidToken(f"the token's role claim must be one of {', '.join(Role)}")
    lists = [claims.get(name) for name in ("brands", "markets")]
    for name, values in zip(("brands", "markets"), lists, strict=True):
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InvalidToken(f"the token's {name} claim must be a list of codes")
    return Principal(subject, Role(role), Scope.of(lists[0], lists[1]))  # type: ignore[arg-type]


class TokenVerifier:
    """Checks signature, `iss`, `aud`, `exp` and `nbf` (with a small clock skew); refreshes the key set when a
    token names a key id it does not know, at most once per interval."""

    def __init__(self, issuer: str, audience: str, read_jwks: Callable[[], bytes],
                 refresh_interval: float = REFRESH_INTERVAL_SECONDS) -> None:  # fmt: skip
        self.issuer = issuer
        self.refresh_interval = refresh_interval
        self.audience = audience
        self._read = read_jwks
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._refresh = asyncio.Lock()
        self._verified: OrderedDict[bytes, tuple[Principal, float]] = OrderedDict()
        """By the token's digest: a cache of ten thousand 8 KB tokens would hold 80 MB."""

    async def start(self) -> None:
        """Reads the key set once at start-up; a server that cannot read it does not start."""
        try:
            self._keys = signing_keys(await asyncio.to_thread(self._read))
        except Exception as error:
            raise AccessConfigError(f"the JWKS cannot be read: {error}") from None
        self._fetched_at = time.monotonic()

    async def principal(self, token: str) -> Principal:
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidToken(f"the token is longer than {MAX_TOKEN_BYTES} bytes")
        digest = hashlib.sha256(token.encode()).digest()
        cached = self._verified.get(digest)
        if cached is not None and time.time() < cached[1]:
            self._verified.move_to_end(digest)
            return cached[0]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise InvalidToken("the token is not a JWT") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALGORITHMS:
            raise InvalidToken(f"the token's algorithm must be one of {', '.join(ALGORITHMS)}")
        key = await self._key(kid) if isinstance(kid, str) else None
        if key is None or key.algorithm_name != algorithm:
            raise InvalidToken("the token is not signed by a key of the issuer")
        try:
            claims = jwt.decode(
                token, key, algorithms=[algorithm], audience=self.audience, issuer=self.issuer,
                leeway=LEEWAY_SECONDS, options={"require": ["exp", "iss", "aud", "sub"]},
            )  # fmt: skip
        except jwt.InvalidTokenError as error:
            raise InvalidToken(f"the token is not valid: {error}") from None
        principal = _claims_principal(claims)
        self._remember(digest, principal, float(claims["exp"]) + LEEWAY_SECONDS)
        return principal

    def _remember(self, digest: bytes, principal: Principal, until: float) -> None:
        self._verified[digest] = (principal, until)
        if len(self._verified) > VERIFIED_CACHE:
            self._verified.popitem(last=False)

    async def _key(self, kid: str) -> jwt.PyJWK | None:
        if kid in self._keys:
            return self._keys[kid]
        async with self._refresh:
            if kid not in self._keys and time.monotonic() - self._fetched_at >= self.refresh_interval:
                self._fetched_at = time.monotonic()
                try:
                    self._keys = signing_keys(await asyncio.to_thread(self._read))
                except Exception as error:  # keep the keys known: a JWKS endpoint that fails revokes nothing
                    log.warning("the JWKS could not be refreshed: %s", error)
        return self._keys.get(kid)
