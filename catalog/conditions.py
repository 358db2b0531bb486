"""Evaluates the catalogue's small condition and value-expression language against a vehicle's facts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

Facts = Callable[[str], Any]
"""Resolves a fact name such as `engine.fuel` to its value."""


class ConditionError(ValueError):
    """A condition or value expression that the language does not define."""


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if op == "in":
        return actual in expected
    if op == "contains":
        return actual is not None and expected in actual
    if actual is None:
        return False
    if op == "gte":
        return bool(actual >= expected)
    if op == "lte":
        return bool(actual <= expected)
    if op == "gt":
        return bool(actual > expected)
    if op == "lt":
        return bool(actual < expected)
    raise ConditionError(f"unknown comparison operator {op!r}")


def holds(condition: Any, facts: Facts) -> bool:
    """True when `condition` holds for the vehicle described by `facts`."""
    if condition is True or condition is False:
        return condition
    if not isinstance(condition, Mapping):
        raise ConditionError(f"not a condition: {condition!r}")
    if "all" in condition:
        return all(holds(c, facts) for c in condition["all"])
    if "any" in condition:
        return any(holds(c, facts) for c in condition["any"])
    if "not" in condition:
        return not holds(condition["not"], facts)
    if "fact" in condition:
        ops = [k for k in condition if k != "fact"]
        if len(ops) != 1:
            raise ConditionError(f"a comparison needs exactly one operator: {condition!r}")
        return _compare(ops[0], facts(condition["fact"]), condition[ops[0]])
    raise ConditionError(f"not a condition: {condition!r}")


def value(expression: Any, facts: Facts) -> Any:
    """The value of a value expression: a literal, a fact, a lookup or the first matching case."""
    if not isinstance(expression, Mapping):
        return expression
    if "fact" in expression:
        return facts(expression["fact"])
    if "lookup" in expression:
        return expression["table"].get(facts(expression["lookup"]))
    if "firstMatch" in expression:
        for case in expression["firstMatch"]:
            if holds(case["when"], facts):
                return value(case["value"], facts)
        return None
    raise ConditionError(f"not a value expression: {expression!r}")


def fact_names(node: Any) -> set[str]:
    """Every fact a condition or value expression refers to (used to validate the catalogue)."""
    names: set[str] = set()
    if isinstance(node, Mapping):
        for key in ("fact", "lookup"):
            if isinstance(node.get(key), str):
                names.add(node[key])
        for child in node.values():
            names |= fact_names(child)
    elif isinstance(node, list):
        for child in node:
            names |= fact_names(child)
    return names


@cache
def attribute_name(field: str) -> str:
    """The record attribute behind a fact's field: `oilSpecFlex` → `oil_spec_flex`."""
    return "".join("_" + c.lower() if c.isupper() else c for c in field)


def record_facts(records: Mapping[str, object]) -> Facts:
    """Resolves `engine.powerKw`, `market.checkDigitMandatory` … against catalogue records by scope."""

    def resolve(name: str) -> Any:
        scope, _, field = name.partition(".")
        if scope not in records:
            raise KeyError(f"fact {name!r} names no known record")
        return getattr(records[scope], attribute_name(field))

    return resolve
