"""Reads a JSON Lines file line by line, keeping line numbers and turning unreadable lines into errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class SourceLine:
    """Line `line` (1-based) of a file: a JSON object, or why it is not one (a phrase such as "is not UTF-8 text")."""

    line: int
    record: dict[str, Any] | None
    error: str | None = None


def _no_constant(name: str) -> Any:
    raise ValueError(f"is not valid JSON ({name} is not a number)")


def parse(text: str) -> dict[str, Any]:
    """A JSON object with exact decimals (never binary floats); raises ValueError otherwise."""
    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"is not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(value, dict):
        raise ValueError(f"is a JSON {type(value).__name__}, not an object")
    return value


def read_lines(path: Path, progress: Callable[[int], object] | None = None) -> Iterator[SourceLine]:
    """Every non-blank line of `path`; `progress` is told how many bytes each line took."""
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if progress is not None:
                progress(len(raw))
            if not raw.strip():
                continue
            try:
                yield SourceLine(number, parse(raw.decode("utf-8")))
            except UnicodeDecodeError:
                yield SourceLine(number, None, "is not UTF-8 text")
            except ValueError as exc:
                yield SourceLine(number, None, str(exc))
