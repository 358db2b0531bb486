"""API keys and signed tokens for the access tests: a key file of the test's own, and an issuer with a key pair made
by the test and its JWKS."""

from __future__ import annotations

import datetime
import hashlib
import http.server
import ipaddress
import json
import ssl
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

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


class JwksServer:
    """The issuer's JWKS over https on loopback, with a certificate authority of the test's own: a process that
    trusts `ca_file` (SSL_CERT_FILE) fetches it as it would fetch a real issuer's."""

    def __init__(self, issuer: Issuer, directory: Path) -> None:
        self.issuer = issuer
        self.ca_file = directory / "ca.pem"
        self.fetches = 0
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256())
        )  # fmt: skip
        self.ca_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file = directory / "tls-key.pem"
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))  # fmt: skip
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(self.ca_file, key_file)
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                body = json.dumps(server.issuer.jwks()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.socket = tls.wrap_socket(self.http.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.http.server_address[1]}/.well-known/jwks.json"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def __enter__(self) -> JwksServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.shutdown()
        self.http.server_close()
