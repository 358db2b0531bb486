"""Who is let in, and when: credentials, the principal's rate, the requests in progress and the trusted documents;
each refusal a coded answer with its HTTP status, given before the request costs anything."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from access.api_keys import load_api_keys
from access.authenticate import Authenticator, Unauthenticated
from access.principal import LOCAL_ADMIN, Principal
from access.rate_limit import MemoryRateLimiter, RateLimiter
from access.trusted_documents import PersistedQueryError, TrustedDocuments, load_manifest
from config import AccessSettings
from http_api.errors import RequestError

BUSY_RETRY_SECONDS = 1
CHALLENGE = {"WWW-Authenticate": 'ApiKey realm="aftersales", Bearer realm="aftersales"'}


@dataclass
class Admission:
    authenticator: Authenticator
    rate_limiter: RateLimiter
    default_rate: float
    documents: TrustedDocuments
    max_concurrent: int
    free_text_over_get: bool = True
    """Off in production: GET is for persisted documents (which caches may keep), a free-text document is POSTed."""
    in_progress: int = 0

    def enter(self) -> None:
        """Counts a request in; refused with 503 when the process has as many in progress as it may."""
        if self.in_progress >= self.max_concurrent:
            raise RequestError(
                503, "SERVER_BUSY", f"The server has {self.max_concurrent} requests in progress; try again shortly.",
                {"Retry-After": str(BUSY_RETRY_SECONDS)},
            )  # fmt: skip
        self.in_progress += 1

    def leave(self) -> None:
        self.in_progress -= 1

    async def principal(self, authorization: str | None) -> Principal:
        """The request's principal, or 401 UNAUTHENTICATED."""
        try:
            return await self.authenticator.principal(authorization)
        except Unauthenticated as error:
            raise RequestError(401, "UNAUTHENTICATED", str(error), CHALLENGE) from None

    async def take_turn(self, principal: Principal) -> None:
        """One request of the principal's rate, or 429 RATE_LIMITED with the seconds until the next is admitted."""
        decision = await self.rate_limiter.take(principal.id, principal.rate_per_second or self.default_rate)
        if not decision.allowed:
            wait = max(1, math.ceil(decision.retry_after_seconds))
            raise RequestError(
                429, "RATE_LIMITED", f"Too many requests; the next is admitted in {wait} s.", {"Retry-After": str(wait)}
            )

    def document(self, query: str | None, extensions: Mapping[str, object] | None, method: str = "POST") -> str | None:
        if method == "GET" and query is not None and not self.free_text_over_get:
            raise RequestError(
                400, "PERSISTED_QUERY_REQUIRED",
                "Over GET this server runs only persisted documents (extensions.persistedQuery with the sha256Hash "
                "alone); send this document with POST.",
            )  # fmt: skip
        try:
            return self.documents.document(query, extensions)
        except PersistedQueryError as error:
            raise RequestError(error.status, error.code, error.message) from None


def build_admission(settings: AccessSettings, production: bool) -> Admission:
    """Reads the key file and the manifest (a server that cannot use them does not start); the key set of the token
    issuer is read when the server starts (`TokenVerifier.start`)."""
    keys = load_api_keys(settings.api_keys) if settings.api_keys is not None else None
    tokens = None
    if settings.jwt_issuer is not None and settings.jwt_audience is not None and settings.jwks is not None:
        from access.tokens import TokenVerifier, jwks_reader  # the JOSE library loads only where tokens are taken

        tokens = TokenVerifier(settings.jwt_issuer, settings.jwt_audience, jwks_reader(settings.jwks))
    anonymous = LOCAL_ADMIN if not production and not settings.configured else None
    manifest = load_manifest(settings.trusted_documents) if settings.trusted_documents is not None else None
    return Admission(
        Authenticator(keys, tokens, anonymous),
        MemoryRateLimiter(),
        settings.rate_limit,
        TrustedDocuments(manifest, settings.trusted_only),
        settings.max_concurrent_requests,
        free_text_over_get=not production,
    )
