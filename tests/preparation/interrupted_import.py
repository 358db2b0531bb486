"""`aftersales import SRC --into DIR` that stops before its N-th step on disk and waits to be killed.

    python -m tests.preparation.interrupted_import N MARKER SRC DIR

A step is a call of one of STEPS (file and directory creation, fsync, rename, removal). Before step N the
process writes the step's name and argument to MARKER and sleeps; with N = 0 it runs to the end and writes
every step it took, one a line. The import itself runs unchanged.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cli

STEPS = ("mkdir", "fsync", "rename", "replace", "unlink", "rmdir")


def main() -> int:
    stop_at, marker, source, into = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    taken: list[str] = []

    def pausing(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any, **kwargs: Any) -> Any:
            taken.append(f"{name} {args[0]!r}")
            if len(taken) == stop_at:
                marker.write_text(taken[-1])
                time.sleep(600)  # until the test kills the process
            return original(*args, **kwargs)

        return step

    originals = {name: getattr(os, name) for name in STEPS}
    for name, original in originals.items():
        setattr(os, name, pausing(name, original))
    code = cli.main(["import", source, "--into", into])
    for name, original in originals.items():
        setattr(os, name, original)
    marker.write_text("\n".join(taken))
    return code


if __name__ == "__main__":
    sys.exit(main())
