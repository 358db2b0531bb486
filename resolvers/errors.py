"""Domain errors as GraphQL errors: a machine-readable `extensions.code` and a sentence for people."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from graphql import GraphQLError

from calculation.bounds import InputError
from calculation.vin import VinIssue


def domain_error(code: str, message: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


def vin_error(issue: VinIssue) -> GraphQLError:
    return domain_error(issue.code, issue.message)


def input_error(error: InputError) -> GraphQLError:
    return domain_error(error.code, error.message)


@contextmanager
def client_input() -> Iterator[None]:
    """Checks of the client's input inside raise InputError; it leaves as a coded GraphQL error."""
    try:
        yield
    except InputError as exc:
        raise input_error(exc) from None


def too_many_keys(count: int, limit: int) -> GraphQLError:
    return domain_error(
        "TOO_MANY_KEYS", f"{count} VINs were asked for at once; at most {limit} are allowed.", limit=limit
    )


def too_many_filter_values(name: str, count: int, limit: int) -> GraphQLError:
    return domain_error(
        "TOO_MANY_FILTER_VALUES",
        f"The filter's {name} list has {count} entries; at most {limit} are allowed.",
        field=name,
        limit=limit,
    )
