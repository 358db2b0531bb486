"""Domain errors as GraphQL errors: a machine-readable `extensions.code` and a sentence for people."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from calculation.quote import QuoteInputError
from calculation.vin import VinIssue


def domain_error(code: str, message: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


def vin_error(issue: VinIssue) -> GraphQLError:
    return domain_error(issue.code, issue.message)


def quote_input_error(error: QuoteInputError) -> GraphQLError:
    return domain_error(error.code, error.message)


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
