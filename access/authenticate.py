"""From the credentials a request carries to its principal: one check for HTTP and the WebSocket alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from access.api_keys import ApiKeys
from access.principal import Principal

SCHEMES = "ApiKey <key> or Bearer <token>"


class Unauthenticated(Exception):
    """No credentials where they are needed, or credentials that do not check out; the sentence is for the client."""


class InvalidToken(Exception):
    """Why a bearer token is refused, in a sentence that names no secret."""


class BearerTokens(Protocol):
    """The token issuer's check (`access.tokens`, loaded only where an issuer is configured)."""

    async def start(self) -> None: ...

    async def principal(self, token: str) -> Principal: ...


@dataclass(frozen=True)
class Authenticator:
    keys: ApiKeys | None
    tokens: BearerTokens | None
    anonymous: Principal | None
    """Who a request without credentials is: the local administrator in development with nothing configured,
    nobody otherwise."""

    async def principal(self, authorization: str | None) -> Principal:
        """The principal of an `Authorization` value (a header, or the entry of a WebSocket's connection_init)."""
        if authorization is None or not authorization.strip():
            if self.anonymous is not None:
                return self.anonymous
            raise Unauthenticated(f"This server needs credentials: send the header Authorization: {SCHEMES}.")
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() == "apikey" and credential:
            principal = self.keys.principal(credential) if self.keys is not None else None
            if principal is None:
                raise Unauthenticated("The API key is not valid.")
            return principal
        if scheme.lower() == "bearer" and credential:
            if self.tokens is None:
                raise Unauthenticated("This server takes no bearer tokens; send an API key.")
            try:
                return await self.tokens.principal(credential)
            except InvalidToken as error:
                raise Unauthenticated(f"The bearer token is refused: {error}.") from None
        raise Unauthenticated(f"The Authorization value must be {SCHEMES}.")
