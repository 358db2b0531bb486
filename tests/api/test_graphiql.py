"""GraphiQL is served by us, offline: the page names no external host and every asset matches its pinned hash."""

from __future__ import annotations

import base64
import hashlib
import json
import re

from starlette.testclient import TestClient

import graphiql

ASSET = re.compile(r'<(?:script|link)[^>]*?(?:src|href)="([^"]+)"[^>]*?integrity="([^"]+)"', re.S)


def page(client: TestClient) -> str:
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    return response.text


def test_the_page_references_no_external_host(client: TestClient) -> None:
    html = page(client)
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/static/graphiql/") or url.startswith("data:"), url
    assert "unpkg" not in html and "cdn" not in html.lower() and "https://" not in html and "http://" not in html


def test_every_asset_is_served_and_matches_its_integrity_hash(client: TestClient) -> None:
    manifest = {f["file"]: f for f in json.loads((graphiql.ASSETS / "MANIFEST.json").read_text())["files"]}
    referenced = ASSET.findall(page(client))
    assert {url.rsplit("/", 1)[1] for url, _ in referenced} == set(manifest)
    for url, integrity in referenced:
        response = client.get(url)
        assert response.status_code == 200
        digest = "sha384-" + base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert digest == integrity == manifest[url.rsplit("/", 1)[1]]["integrity"]


def test_json_requests_still_get_graphql(client: TestClient) -> None:
    response = client.get("/graphql", params={"query": "{ brands { code } }"}, headers={"accept": "application/json"})
    assert response.json()["data"]["brands"][0] == {"code": "VRN"}
