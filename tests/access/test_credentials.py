"""API key files and OIDC tokens, checked the way an attacker would try them: forged, expired, early, for another
audience, unsigned, signed with the public key as an HMAC secret, with invented key ids."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from access.api_keys import AccessConfigError, key_hash, load_api_keys
from access.authenticate import Authenticator, InvalidToken, Unauthenticated
from access.principal import LOCAL_ADMIN, Role
from access.tokens import LEEWAY_SECONDS, TokenVerifier, jwks_reader
from tests.access.credentials import AUDIENCE, ISSUER, Client, Issuer, JwksServer, key_file


def verifier(issuer: Issuer, **options: float) -> TokenVerifier:
    tokens = TokenVerifier(ISSUER, AUDIENCE, jwks_reader(str(issuer.jwks_path)), **options)
    asyncio.run(tokens.start())
    return tokens


def refused(tokens: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as refusal:
        asyncio.run(tokens.principal(token))
    return str(refusal.value).lower()


def test_a_key_file_gives_each_key_its_client_and_keys_rotate(tmp_path: Path) -> None:
    old, new = Client("shop-7", "old-key", "shop", ("VRN",), ("DE", "AT")), Client("shop-7", "new-key", "shop")
    keys = load_api_keys(key_file(tmp_path, [old, new, Client("p", "partner-key", "partner", rate=2.5)]))
    assert keys.principal("old-key") is not None and keys.principal("new-key") is not None
    principal = keys.principal("old-key")
    assert principal is not None and principal.id == "shop-7" and principal.role is Role.SHOP
    assert principal.scope.admits("VRN", "AT") and not principal.scope.admits("AUX", "DE")
    assert keys.principal("partner-key").rate_per_second == 2.5  # type: ignore[union-attr]
    assert keys.principal("old-key ") is None and keys.principal("") is None
    assert "old-key" not in (tmp_path / "api-keys.json").read_text(), "only hashes are stored"


@pytest.mark.parametrize(
    "entry, complaint",
    [
        ({"id": "a", "sha256": "x" * 64, "role": "shop", "brands": ["*"], "markets": ["*"]}, "sha256"),
        ({"id": "a", "sha256": "a" * 64, "role": "root", "brands": ["*"], "markets": ["*"]}, "role"),
        ({"id": "a", "sha256": "a" * 64, "role": "shop", "brands": [], "markets": ["*"]}, "brands"),
        ({"id": "a", "sha256": "a" * 64, "role": "shop", "brands": ["*"], "markets": "DE"}, "markets"),
        ({"id": "", "sha256": "a" * 64, "role": "shop", "brands": ["*"], "markets": ["*"]}, "id"),
        ({"id": "a", "sha256": "a" * 64, "role": "shop", "brands": ["*"], "markets": ["*"], "ratePerSecond": 0},
         "ratePerSecond"),
        ("not an object", "not an object"),
    ],
)  # fmt: skip
def test_a_key_file_with_a_mistake_stops_the_server_with_a_sentence(
    tmp_path: Path, entry: object, complaint: str
) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps([entry]))
    with pytest.raises(AccessConfigError, match=complaint):
        load_api_keys(path)


def test_the_same_key_twice_and_a_file_that_is_not_a_list_are_refused(tmp_path: Path) -> None:
    client = Client("a", "same", "shop")
    with pytest.raises(AccessConfigError, match="twice"):
        load_api_keys(key_file(tmp_path, [client, Client("b", "same", "admin")]))
    (tmp_path / "keys.json").write_text('{"id": "a"}')
    with pytest.raises(AccessConfigError, match="list"):
        load_api_keys(tmp_path / "keys.json")
    with pytest.raises(AccessConfigError, match="cannot be read"):
        load_api_keys(tmp_path / "missing.json")


def test_tokens_signed_rs256_and_es256_by_the_issuer_give_their_claims(tmp_path: Path) -> None:
    issuer = Issuer(tmp_path)
    tokens = verifier(issuer)
    for alg in ("RS256", "ES256"):
        principal = asyncio.run(tokens.principal(issuer.token("partner", ["VRN"], ["DE"], alg=alg)))
        assert principal.id == "partner-user" and principal.role is Role.PARTNER
        assert principal.scope.admits("VRN", "DE") and not principal.scope.admits("VRN", "AT")


def test_expired_early_and_foreign_tokens_are_refused(tmp_path: Path) -> None:
    issuer = Issuer(tmp_path)
    tokens = verifier(issuer)
    now = int(time.time())
    assert "expired" in refused(tokens, issuer.token("shop", exp=now - LEEWAY_SECONDS - 5))
    assert "not yet valid" in refused(tokens, issuer.token("shop", nbf=now + LEEWAY_SECONDS + 60))
    assert "audience" in refused(tokens, issuer.token("shop", aud="another-api"))
    assert "issuer" in refused(tokens, issuer.token("shop", iss="https://evil.example.test/"))
    assert "role" in refused(tokens, issuer.token("superuser"))
    claims = jwt.decode(issuer.token("shop"), options={"verify_signature": False})
    not_a_list = jwt.encode({**claims, "brands": "VRN"}, issuer.rsa, algorithm="RS256", headers={"kid": "rsa-1"})
    assert "brands" in refused(tokens, not_a_list)
    # within the clock skew a just-expired token still passes
    asyncio.run(tokens.principal(issuer.token("shop", exp=now - LEEWAY_SECONDS // 2)))


def test_a_token_without_exp_or_sub_is_refused(tmp_path: Path) -> None:
    issuer = Issuer(tmp_path)
    tokens = verifier(issuer)
    payload = {"iss": ISSUER, "aud": AUDIENCE, "role": "admin", "brands": ["*"], "markets": ["*"]}
    for missing in ({"sub": "x"}, {"exp": int(time.time()) + 60}):
        token = jwt.encode({**payload, **missing}, issuer.rsa, algorithm="RS256", headers={"kid": "rsa-1"})
        assert "missing" in refused(tokens, token) or "sub" in refused(tokens, token)


def part(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def unsigned(claims: dict[str, object], header: dict[str, object]) -> str:
    return f"{part(header)}.{part(claims)}."


def hs256(claims: dict[str, object], secret: bytes, kid: str) -> str:
    """Written out by hand: the JOSE library refuses to sign with a public key as the secret."""
    signed = f"{part({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{part(claims)}"
    mac = hmac.new(secret, signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def test_unsigned_hmac_and_forged_tokens_are_refused(tmp_path: Path) -> None:
    issuer = Issuer(tmp_path)
    tokens = verifier(issuer)
    claims = jwt.decode(issuer.token("admin"), options={"verify_signature": False})
    assert "algorithm" in refused(tokens, unsigned(claims, {"alg": "none", "kid": "rsa-1"}))
    # the classic confusion: the issuer's public key used as the HMAC secret
    public_pem = issuer.rsa.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    assert "algorithm" in refused(tokens, hs256(claims, public_pem, "rsa-1"))
    # signed by a key of the same kind that the issuer does not have
    (tmp_path / "stranger").mkdir()
    stranger = Issuer(tmp_path / "stranger")
    forged = jwt.encode(claims, stranger.rsa, algorithm="RS256", headers={"kid": "rsa-1"})
    assert "not valid" in refused(tokens, forged)
    # an RS256 header on the EC key's id
    mixed = jwt.encode(claims, issuer.rsa, algorithm="RS256", headers={"kid": "ec-1"})
    assert "not signed by a key of the issuer" in refused(tokens, mixed)
    assert "not a jwt" in refused(tokens, "not.a.token")
    assert "longer" in refused(tokens, "a" * 9000)


def test_an_unknown_key_id_refreshes_the_key_set_at_most_once_per_interval(tmp_path: Path) -> None:
    issuer = Issuer(tmp_path)
    reads = []
    read = jwks_reader(str(issuer.jwks_path))

    def counted() -> bytes:
        reads.append(1)
        return read()

    tokens = TokenVerifier(ISSUER, AUDIENCE, counted, refresh_interval=0.5)
    asyncio.run(tokens.start())
    # the issuer rotates: a new key appears in its key set
    (tmp_path / "rotated").mkdir()
    rotated = Issuer(tmp_path / "rotated")
    token = jwt.encode(
        jwt.decode(issuer.token("shop"), options={"verify_signature": False}), rotated.rsa, algorithm="RS256",
        headers={"kid": "rsa-2"},
    )  # fmt: skip
    keys = issuer.jwks()
    keys["keys"].append({**rotated.jwks()["keys"][0], "kid": "rsa-2"})
    issuer.jwks_path.write_text(json.dumps(keys))
    time.sleep(0.6)
    assert asyncio.run(tokens.principal(token)).role is Role.SHOP
    assert len(reads) == 2
    # invented key ids in a burst cost at most one more read
    for n in range(20):
        forged = jwt.encode({"sub": "x"}, rotated.rsa, algorithm="RS256", headers={"kid": f"invented-{n}"})
        refused(tokens, forged)
    assert len(reads) <= 3


def test_the_key_set_comes_from_an_https_url_or_a_file_never_plain_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issuer = Issuer(tmp_path)
    with JwksServer(issuer, tmp_path) as server:
        monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
        tokens = TokenVerifier(ISSUER, AUDIENCE, jwks_reader(server.url))
        asyncio.run(tokens.start())
        assert asyncio.run(tokens.principal(issuer.token("frontend"))).role is Role.FRONTEND
        assert server.fetches == 1
    with pytest.raises(AccessConfigError, match="https"):
        jwks_reader("http://127.0.0.1:1/jwks.json")


def test_an_untrusted_https_certificate_stops_the_start(tmp_path: Path) -> None:
    issuer = Issuer(tmp_path)
    with JwksServer(issuer, tmp_path) as server:
        tokens = TokenVerifier(ISSUER, AUDIENCE, jwks_reader(server.url))
        with pytest.raises(AccessConfigError, match="JWKS cannot be read"):
            asyncio.run(tokens.start())


def test_the_authorization_value_names_its_scheme(tmp_path: Path) -> None:
    keys = load_api_keys(key_file(tmp_path, [Client("a", "the-key", "shop")]))
    strict = Authenticator(keys, None, None)
    assert asyncio.run(strict.principal("ApiKey the-key")).id == "a"
    assert asyncio.run(strict.principal("apikey   the-key ")).id == "a"
    for value in (None, "", "the-key", "ApiKey", "Basic dGhlLWtleQ==", "Bearer x.y.z", "ApiKey wrong"):
        with pytest.raises(Unauthenticated):
            asyncio.run(strict.principal(value))
    development = Authenticator(None, None, LOCAL_ADMIN)
    assert asyncio.run(development.principal(None)) is LOCAL_ADMIN
    with pytest.raises(Unauthenticated):
        asyncio.run(development.principal("ApiKey anything"))


def test_a_key_is_looked_up_by_its_hash(tmp_path: Path) -> None:
    keys = load_api_keys(key_file(tmp_path, [Client("a", "the-key", "shop")]))
    assert set(keys.by_hash) == {key_hash("the-key")}



@pytest.fixture(scope="module")
def authenticator(tmp_path_factory: pytest.TempPathFactory) -> Authenticator:
    directory = tmp_path_factory.mktemp("authenticator")
    tokens = TokenVerifier(ISSUER, AUDIENCE, jwks_reader(str(Issuer(directory).jwks_path)))
    asyncio.run(tokens.start())
    return Authenticator(load_api_keys(key_file(directory, [Client("a", "the-key", "shop")])), tokens, None)


TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(
    st.text(max_size=300),
    st.builds(lambda s, c: f"{s} {c}", st.sampled_from(["ApiKey", "Bearer", "bearer", "APIKEY", "Basic"]),
              st.text(max_size=300)),
    st.builds(lambda parts: "Bearer " + ".".join(parts),
              st.lists(st.text(alphabet=TOKEN_ALPHABET, max_size=80), max_size=4)),
))  # fmt: skip
def test_whatever_the_authorization_value_it_is_the_one_key_or_unauthenticated(
    authenticator: Authenticator, value: str
) -> None:
    try:
        principal = asyncio.run(authenticator.principal(value))
    except Unauthenticated as refusal:
        assert str(refusal).endswith(".")
    else:
        assert value.split(None, 1)[1].strip() == "the-key" and principal.id == "a"
