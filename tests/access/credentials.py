"""API keys and signed tokens for the access tests: a key file of the test's own, and an issuer with a key pair made
by the test and its JWKS."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from config import AccessSettings, Config

ADMIN_KEY = "admin-key-0123456789abcdef"
ISSUER = "https://issuer.example.test/"
AUDIENCE = "aftersales-graph"


@dataclass(frozen=True)
class Client:
    id: str
    key: str
    role: str
    brands: tuple[str, ...] = ("*",)
    markets: tuple[str, ...] = ("*",)
    rate: float | None = None

    def entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": self.id, "sha256": hashlib.sha256(self.key.encode()).hexdigest(), "role": self.role,
            "brands": list(self.brands), "markets": list(self.markets),
        }  # fmt: skip
        if self.rate is not None:
            entry["ratePerSecond"] = self.rate
        return entry

    @property
    def header(self) -> dict[str, str]:
        return {"Authorization": f"ApiKey {self.key}"}


ADMIN = Client("admin", ADMIN_KEY, "admin")


def key_file(directory: Path, clients: list[Client]) -> Path:
    path = directory / "api-keys.json"
    path.write_text(json.dumps([c.entry() for c in clients]))
    return path


def with_keys(config: Config, directory: Path, clients: list[Client], **settings: Any) -> Config:
    access = replace(config.access, api_keys=key_file(directory, clients), **settings)
    return replace(config, access=access)


class Issuer:
    """An OIDC issuer of the test's own: an RSA and an EC key, published as a JWKS file."""

    def __init__(self, directory: Path) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.jwks_path = directory / "jwks.json"
        self.publish()

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key, alg in (("rsa-1", self.rsa, "RS256"), ("ec-1", self.ec, "ES256")):
            algorithm = jwt.get_algorithm_by_name(alg)
            jwk = json.loads(algorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": alg})
        return {"keys": keys}

    def publish(self) -> None:
        self.jwks_path.write_text(json.dumps(self.jwks()))

    def token(self, role: str, brands: list[str] | None = None, markets: list[str] | None = None,
              alg: str = "RS256", **claims: Any) -> str:  # fmt: skip
        now = int(time.time())
        payload = {
            "iss": ISSUER, "aud": AUDIENCE, "sub": f"{role}-user", "iat": now, "exp": now + 300, "role": role,
            "brands": brands or ["*"], "markets": markets or ["*"], **claims,
        }  # fmt: skip
        key, kid = (self.rsa, "rsa-1") if alg == "RS256" else (self.ec, "ec-1")
        return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})

    def settings(self, access: AccessSettings) -> AccessSettings:
        return replace(access, jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwks=str(self.jwks_path))
