"""The versioned layout of a prepared data-set directory: each import writes a new version beside the served one
and switches to it in one atomic rename, so that a reader never sees a mix and a crash leaves the old set served.

    DIR/current                 the served version's name (`000007`), replaced by rename
    DIR/versions/000007/…       one complete prepared data set (`store.prepared`), manifest written last
    DIR/recorded_events.jsonl   outside the versions: events recorded through the API survive re-imports
    DIR/import.lock             held while an import writes, so that two imports never interleave
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from store.prepared import MANIFEST, PreparedDataError, manifest

CURRENT = "current"
VERSIONS = "versions"
LOCK = "import.lock"
PARTIAL = ".partial"
"""Suffix of what an import is still writing or removing; any such leftover of a crashed import goes next time."""
VERSION_NAME = re.compile(r"\d{6,}")


def served(top: Path) -> Path:
    """The version directory `top/current` names; PreparedDataError if there is none."""
    hint = f"run `aftersales import SRC --into {top}` to create one"
    if not top.is_dir():
        raise PreparedDataError(f"{top} is not a prepared data set: no such directory ({hint})")
    try:
        name = (top / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if (top / MANIFEST).exists() and top.parent.name == VERSIONS:
            raise PreparedDataError(
                f"{top} is one version of the data set {top.parent.parent}: name that directory instead"
            ) from None
        if (top / MANIFEST).exists():
            raise PreparedDataError(
                f"{top} holds a prepared data set of an older format (one directory, no versions); "
                f"re-import the deliveries into a new directory"
            ) from None
        raise PreparedDataError(f"{top} is not a prepared data set: it has no {CURRENT!r} version ({hint})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PreparedDataError(f"{top / CURRENT} cannot be read: {exc}") from None
    version = top / VERSIONS / name
    if not VERSION_NAME.fullmatch(name) or not version.is_dir():
        raise PreparedDataError(f"{top / CURRENT} names the version {name!r}, which {top / VERSIONS} does not hold")
    return version


def is_data_set(top: Path) -> bool:
    """Whether `top` is (or an interrupted first import began) a versioned prepared data set."""
    return any((top / name).exists() for name in (CURRENT, VERSIONS, LOCK))


class DataSetWriter:
    """Writes new versions of one data-set directory; exists only while its import lock is held."""

    def __init__(self, top: Path) -> None:
        self.top = top

    def current(self) -> Path | None:
        """The served version, or None before the first import."""
        return served(self.top) if (self.top / CURRENT).exists() else None

    def publish(self, files: Mapping[str, bytes]) -> Path:
        """Writes `files` (relative path → content) and a manifest as a new version, makes it durable, and
        switches `current` to it; the previous version stays for readers that are still loading it.
        A version equal to the served one byte for byte is not written again."""
        content = {**files, MANIFEST: manifest(files)}
        current = self.current()
        if current is not None and _holds(current, content):
            return current
        versions = self.top / VERSIONS
        if not versions.is_dir():
            versions.mkdir()
            _fsync_directory(self.top)
        name = f"{max(_numbered(versions), default=0) + 1:06d}"
        draft = versions / (name + PARTIAL)
        _write_tree(draft, content)
        os.rename(draft, versions / name)
        _fsync_directory(versions)
        pointer = self.top / (CURRENT + PARTIAL)
        _write_file(pointer, name.encode() + b"\n")
        os.replace(pointer, self.top / CURRENT)
        _fsync_directory(self.top)
        _remove_all_but(versions, {name} | ({current.name} if current is not None else set()))
        return versions / name


@contextmanager
def writing(top: Path) -> Iterator[DataSetWriter]:
    """Holds `top`'s import lock (waiting for another import to finish) and first removes what a crashed
    import left: unfinished versions, and versions written but never switched to."""
    new = not top.exists()
    top.mkdir(parents=True, exist_ok=True)
    if new:
        _fsync_directory(top.parent)
    with (top / LOCK).open("ab") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released by the kernel when the process ends, however it ends
        writer = DataSetWriter(top)
        _remove_leftovers(writer)
        yield writer


def _remove_leftovers(writer: DataSetWriter) -> None:
    (writer.top / (CURRENT + PARTIAL)).unlink(missing_ok=True)
    versions = writer.top / VERSIONS
    if not versions.is_dir():
        return
    current = writer.current()
    keep = {current.name} if current is not None else set()
    older = [n for n in _numbered(versions) if current is not None and n < int(current.name)]
    if older:
        keep.add(f"{max(older):06d}")
    _remove_all_but(versions, keep)


def _numbered(versions: Path) -> list[int]:
    if not versions.is_dir():
        return []
    return [int(p.name) for p in versions.iterdir() if VERSION_NAME.fullmatch(p.name)]


def _remove_all_but(versions: Path, keep: set[str]) -> None:
    for path in sorted(versions.iterdir()):
        if path.name in keep:
            continue
        if VERSION_NAME.fullmatch(path.name):
            # renamed first, so that a crash half-way through leaves a leftover, never a damaged version
            doomed = path.with_name(path.name + PARTIAL)
            os.rename(path, doomed)
            path = doomed
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    _fsync_directory(versions)


def _holds(version: Path, content: Mapping[str, bytes]) -> bool:
    try:
        return all((version / name).read_bytes() == data for name, data in content.items())
    except OSError:
        return False


def _write_tree(root: Path, content: Mapping[str, bytes]) -> None:
    """Every file fsynced, the manifest last, then every directory, deepest first."""
    root.mkdir()
    for name in sorted(content, key=lambda n: n == MANIFEST):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_file(path, content[name])
    for directory in sorted({(root / name).parent for name in content}, key=lambda p: len(p.parts), reverse=True):
        _fsync_directory(directory)
    _fsync_directory(root.parent)


def _write_file(path: Path, data: bytes) -> None:
    with path.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _fsync_directory(path: Path) -> None:
    """Makes the directory's entries (new, renamed or removed files) durable."""
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
