"""Client input as messages echo it: a short prefix, so that a huge value never comes back whole."""

from __future__ import annotations

import re

ECHO_LIMIT = 40
MESSAGE_LIMIT = 400
_LONG_RUN = re.compile(rf"\S{{{ECHO_LIMIT + 1},}}")


def cut(text: str) -> str:
    """`text` itself when short, else its first ECHO_LIMIT characters and "…"."""
    return text if len(text) <= ECHO_LIMIT else text[:ECHO_LIMIT] + "…"


def quoted(value: object) -> str:
    """The cut text in quotes, control characters escaped (repr), as a message names a client's value."""
    return repr(cut(value if isinstance(value, str) else str(value)))


def shortened(message: str) -> str:
    """A message someone else wrote around the client's input (graphql-core's): every run of more than ECHO_LIMIT
    non-blank characters cut, and the whole at most MESSAGE_LIMIT characters."""
    short = _LONG_RUN.sub(lambda run: cut(run[0]), message)
    return short if len(short) <= MESSAGE_LIMIT else short[:MESSAGE_LIMIT] + "…"
