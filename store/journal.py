"""An append-only journal of JSON lines that survives crashes: every append is on disk before it returns.

A line counts once its newline is on disk. A crash (of the process or the machine) can leave the last line torn:
cut short, or, after a power loss on some file systems, garbage. Such a line was never acknowledged, so at start
the journal sets it aside in `<journal>.torn`, logs a warning and keeps every line before it. Damage anywhere
else is not a crash's doing: the journal refuses to open, naming the line, so that nothing is lost silently.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from store import prepared
from store.prepared import PreparedDataError

log = logging.getLogger(__name__)
TORN_SUFFIX = ".torn"


def torn_path(path: Path) -> Path:
    return path.with_name(path.name + TORN_SUFFIX)


def read_journal(path: Path) -> Iterator[tuple[int, Any]]:
    """The entries of a journal (line number, parsed JSON), a torn last line set aside first; nothing for a
    journal that does not exist. Raises PreparedDataError for a line other than the last that is not JSON."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    lines = data.split(b"\n")
    tail = lines.pop()  # what follows the last newline: empty unless the last line is torn
    entries = []
    for number, line in enumerate(lines, start=1):
        try:
            entries.append((number, json.loads(line)))
        except ValueError as exc:
            if number < len(lines) or tail:
                raise PreparedDataError(
                    f"{path} line {number} is damaged ({exc}); the journal is left as it is: repair or remove "
                    "that line to start"
                ) from None
            tail = line + b"\n"  # the last line, complete but not JSON: garbage a crash left
    if tail:
        _set_aside(path, data, len(data) - len(tail), len(entries) + 1)
    yield from entries


def _set_aside(path: Path, data: bytes, keep: int, number: int) -> None:
    torn = torn_path(path)
    with torn.open("ab") as out:
        out.write(data[keep:].rstrip(b"\n") + b"\n")
        out.flush()
        os.fsync(out.fileno())
    with path.open("r+b") as journal:
        journal.truncate(keep)
        os.fsync(journal.fileno())
    log.warning(
        "%s: line %s was cut short by a crash (never acknowledged): its %s bytes are set aside in %s, "
        "the %s lines before it are kept", path, number, len(data) - keep, torn, number - 1,
    )  # fmt: skip


def append_entry(path: Path, entry: Mapping[str, Any]) -> None:
    """Writes one line and fsyncs it before returning; on failure nothing of it is left in the file, so that the
    next line starts clean. Not thread-safe: the caller appends one line at a time."""
    created = not path.exists()
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if created:  # the new file's directory entry must be durable too
            _fsync_directory(path.parent)
        size = os.fstat(descriptor).st_size
        line = memoryview(prepared.dumps(entry).encode() + b"\n")
        try:
            while line:
                line = line[os.write(descriptor, line) :]
            os.fsync(descriptor)
        except OSError:
            os.ftruncate(descriptor, size)
            raise
    finally:
        os.close(descriptor)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
