"""The per-file import counts, the summary table printed after an import, and the progress bar."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NoReturn

from tqdm import tqdm


@dataclass
class FileCounts:
    """Lines read = accepted + rejected; `merged` counts accepted records folded into another source's
    record (DMS into DSS, REG into VMS)."""

    delivered: bool
    read: int = 0
    accepted: int = 0
    merged: int = 0
    rejected: int = 0


COLUMNS = ("read", "accepted", "merged", "rejected")


def table(counts: Mapping[str, FileCounts]) -> str:
    """A plain-text table, one row per delivery file and a total."""
    total = FileCounts(delivered=True)
    rows: list[tuple[str, ...]] = []
    for name, c in counts.items():
        if c.delivered:
            rows.append((name, *(str(getattr(c, column)) for column in COLUMNS)))
        else:
            rows.append((name, "-", "-", "-", "-"))
        for column in COLUMNS:
            setattr(total, column, getattr(total, column) + getattr(c, column))
    rows.append(("total", *(str(getattr(total, column)) for column in COLUMNS)))
    header = ("file", *COLUMNS)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        cells = [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join([row[0].ljust(widths[0]), *cells])

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows[:-1]), rule, line(rows[-1])])


def progress_bar(total_bytes: int, shown: bool = True) -> tqdm[NoReturn]:
    """Shown only if `shown`, on a terminal and only once the work has taken more than a second."""
    return tqdm(
        total=total_bytes, unit="B", unit_scale=True, desc="import", delay=1, leave=False,
        file=sys.stdout, disable=not (shown and sys.stdout.isatty()),
    )  # fmt: skip
