"""Echoed input is cut to a short prefix: in our own sentences (`cut`, `quoted`) and in graphql-core's (`shortened`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bus.base import CursorError
from bus.memory import MemoryBus
from bus.redis_streams import parse_id
from calculation.echo import ECHO_LIMIT, MESSAGE_LIMIT, cut, quoted, shortened


def test_short_text_is_kept_and_long_text_cut_with_an_ellipsis() -> None:
    assert cut("WXVZZZB8ZME456992") == "WXVZZZB8ZME456992"
    assert cut("x" * ECHO_LIMIT) == "x" * ECHO_LIMIT
    assert cut("x" * 100_000) == "x" * ECHO_LIMIT + "…"


def test_quoted_escapes_control_characters_and_quotes_the_cut() -> None:
    assert quoted("a\x00b") == "'a\\x00b'"
    assert quoted("y" * 1000) == "'" + "y" * ECHO_LIMIT + "…'"
    assert quoted(12) == "'12'"


def test_shortened_cuts_every_long_run_and_the_whole() -> None:
    message = f"Cannot query field '{'z' * 5000}' on type 'Query'."
    assert shortened(message) == f"Cannot query field '{'z' * (ECHO_LIMIT - 1)}… on type 'Query'."
    spaced = "found: " + "a " * 10_000
    assert len(shortened(spaced)) == MESSAGE_LIMIT + 1 and shortened(spaced).endswith("…")
    assert shortened("Variable '$x' is never used.") == "Variable '$x' is never used."


@pytest.mark.parametrize("refuse", [MemoryBus().position, parse_id])
def test_a_huge_cursor_comes_back_as_a_short_prefix(refuse: Callable[[str], object]) -> None:
    with pytest.raises(CursorError) as raised:
        refuse("9" * 50 + "x" * 100_000)
    assert raised.value.code == "INVALID_CURSOR" and len(raised.value.message) < 120
