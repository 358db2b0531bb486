"""Media types read exactly as RFC 9110 writes them, and the answer's type negotiated from the Accept header."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from http_api.media import GRAPHQL_RESPONSE, JSON, MediaType, answer_type, is_json, parse, wants_page


def test_a_media_type_is_lower_cased_and_its_parameters_unquoted() -> None:
    assert parse('Application/JSON ; Charset="UTF-8";x="a\\"b"') == MediaType(
        "application", "json", {"charset": "UTF-8", "x": 'a"b'}
    )


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", 'application/json;charset="UTF-8"', "APPLICATION/JSON",
     "application/json; profile=x"],
)  # fmt: skip
def test_json_bodies(content_type: str) -> None:
    assert is_json(content_type)


@pytest.mark.parametrize(
    "content_type",
    [None, "", "text/plain, application/json", "application/json, text/plain", "text/plain; application/json",
     "application/jsonx", "application/json-seq", "application/graphql", "text/plain", "application/*", "*/*",
     "application/json; charset=utf-16", "application/json; charset=latin-1", "application/json;charset",
     'application/json; charset="utf-8', "application/ json", "application/json garbage", "multipart/form-data"],
)  # fmt: skip
def test_anything_else_is_not_a_json_body(content_type: str | None) -> None:
    assert not is_json(content_type)


@pytest.mark.parametrize(
    ("accept", "answer"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("application/json", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", JSON),
        (f"{GRAPHQL_RESPONSE};q=0, */*", JSON),
        ("application/json;q=0, */*", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}; charset=utf-8", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}; charset=iso-8859-1, application/json", JSON),
        ("text/html, application/xhtml+xml, */*;q=0.8", JSON),
        ('application/json; x="a,b", text/plain', JSON),
        ("text/plain", None),
        ("application/json;q=0", None),
        ("application/json;q=2", None),
        ("application/json;q=0.0001", None),
        ("garbage", None),
        ("*/json", None),
    ],
)
def test_the_answer_type_follows_the_clients_preference(accept: str | None, answer: str | None) -> None:
    assert answer_type(accept) == answer


@pytest.mark.parametrize(
    ("accept", "page"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        ("text/html", True),
        (None, False),
        ("*/*", False),
        ("application/json", False),
        ("application/json, text/html;q=0.5", False),
        ("text/html;q=0", False),
    ],
)
def test_a_page_is_for_browsers_that_ask_for_html(accept: str | None, page: bool) -> None:
    assert wants_page(accept) is page


@given(st.text(max_size=200))
def test_no_header_text_breaks_the_reading(text: str) -> None:
    is_json(text)
    assert answer_type(text) in (JSON, GRAPHQL_RESPONSE, None)
    wants_page(text)


@pytest.mark.parametrize(
    "header",
    ["a/a" + "; " * 5000 + "\x00", "a/a" + " ;" * 5000 + "\x00", "a/a," * 16384, "a/a;x=" + '"\\' * 30000, '"' * 65535],
)
def test_headers_built_to_make_matching_backtrack_are_read_in_one_pass(header: str) -> None:
    """Each would take hours if the patterns could split whitespace between repeats, or rescan the header per comma."""
    assert not is_json(header)
    assert answer_type(header) is None
