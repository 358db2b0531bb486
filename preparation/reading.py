"""Reads a JSON Lines stream line by line in bounded memory, keeping line numbers and turning unreadable lines
into errors with a reject code."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

from preparation.validation import DUPLICATE_JSON_KEY, INVALID_JSON, LINE_TOO_LONG, NESTING_TOO_DEEP

MAX_LINE_BYTES = 64 * 1024
"""A delivery line longer than this (without its line end) is rejected unread; real records are below 4 KiB."""
MAX_NESTING = 32
"""Arrays and objects inside each other; a record needs 3 (event → items → item)."""


@dataclass(frozen=True, slots=True)
class SourceLine:
    """Line `line` (1-based) of a file: a JSON object, or why it is not one (`code` and a phrase such as
    "is not UTF-8 text")."""

    line: int
    record: dict[str, Any] | None
    code: str = INVALID_JSON
    error: str | None = None


class LineError(ValueError):
    """A line that is no record: its reject code and a phrase that completes "Line N …"."""

    def __init__(self, code: str, phrase: str) -> None:
        super().__init__(phrase)
        self.code = code


def _no_constant(name: str) -> Any:
    raise LineError(INVALID_JSON, f"is not valid JSON ({name} is not a number)")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        names = [name for name, _ in pairs]
        repeated = next(name for number, name in enumerate(names) if name in names[:number])
        # JSON parsers disagree on which of two values wins: the line means different things to different readers
        raise LineError(DUPLICATE_JSON_KEY, f"has the key {repeated[:80]!r} more than once in one object")
    return record


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in `value`, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def parse(text: str) -> dict[str, Any]:
    """A JSON object with exact decimals (never binary floats), unique keys and at most MAX_NESTING levels;
    raises LineError otherwise."""
    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=_no_constant, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise LineError(INVALID_JSON, f"is not valid JSON ({exc.msg} at column {exc.colno})") from None
    except LineError:
        raise
    except ValueError:  # Python reads no whole number of more than 4,300 digits
        raise LineError(INVALID_JSON, "has a number too long to read") from None
    except RecursionError:
        raise LineError(NESTING_TOO_DEEP, f"nests arrays or objects more than {MAX_NESTING} levels deep") from None
    if not isinstance(value, dict):
        raise LineError(INVALID_JSON, f"is a JSON {type(value).__name__}, not an object")
    # counting brackets is quick and bounds the depth from above, so most lines need no walk
    if text.count("[") + text.count("{") > MAX_NESTING and _depth(value) > MAX_NESTING:
        raise LineError(NESTING_TOO_DEEP, f"nests arrays or objects more than {MAX_NESTING} levels deep")
    return value


def read_lines(
    stream: BinaryIO, progress: Callable[[int], object] | None = None, keep: Callable[[bytes], bool] | None = None
) -> Iterator[SourceLine]:
    """Every non-blank line of `stream` that `keep` (given the line's bytes) keeps; `progress` is told how many
    bytes each line took. A line longer than MAX_LINE_BYTES is skipped to its end in pieces, never held whole,
    and kept where a line without content would be (`keep(b"")`)."""
    number = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        size = len(raw)
        if size > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            size += _skip_line(stream)
            if progress is not None:
                progress(size)
            if keep is None or keep(b""):
                yield SourceLine(
                    number, None, LINE_TOO_LONG, f"is longer than {MAX_LINE_BYTES:,} bytes ({size:,} bytes)"
                )
            continue
        if progress is not None:
            progress(size)
        if not raw.strip() or (keep is not None and not keep(raw)):
            continue
        try:
            yield SourceLine(number, parse(raw.decode("utf-8")))
        except UnicodeDecodeError:
            yield SourceLine(number, None, INVALID_JSON, "is not UTF-8 text")
        except LineError as exc:
            yield SourceLine(number, None, exc.code, str(exc))


def _skip_line(stream: BinaryIO) -> int:
    """Reads on to the end of the current line; returns how many bytes that was."""
    skipped = 0
    while piece := stream.readline(MAX_LINE_BYTES):
        skipped += len(piece)
        if piece.endswith(b"\n"):
            break
    return skipped
