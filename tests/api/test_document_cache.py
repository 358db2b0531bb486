"""Parsing and validation are cached per query text, and the caches actually hit."""

from __future__ import annotations

import asyncio
from typing import Any

import graphql
import pytest

from http_api.executable_schema import build_schema


def test_a_repeated_query_is_parsed_and_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"parse": 0, "validate": 0}
    real_parse, real_validate = graphql.parse, graphql.validate

    def parse(*args: Any, **kwargs: Any) -> Any:
        calls["parse"] += 1
        return real_parse(*args, **kwargs)

    def validate(*args: Any, **kwargs: Any) -> Any:
        calls["validate"] += 1
        return real_validate(*args, **kwargs)

    monkeypatch.setattr("http_api.document_cache.parse", parse)
    monkeypatch.setattr("http_api.document_cache.validate", validate)
    schema = build_schema()

    async def run() -> None:
        for _ in range(3):
            result = await schema.execute("{ __typename }")
            assert result.data == {"__typename": "Query"}
        result = await schema.execute("{ nope }")
        assert result.errors and result.errors[0].extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}
        await schema.execute("{ nope }")

    asyncio.run(run())
    assert calls == {"parse": 2, "validate": 2}


def test_limit_errors_are_cached_too(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = build_schema()

    async def run() -> list[Any]:
        query = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
        return [(await schema.execute(query)).errors for _ in range(2)]

    first, second = asyncio.run(run())
    assert first and second
    assert [e.extensions["code"] for e in first] == [e.extensions["code"] for e in second] == ["TOO_MANY_ALIASES"]
