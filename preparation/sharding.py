"""Which shard of an import a record belongs to: a stable hash of its VIN, so that every record of a vehicle
(its VMS and REG records, events, contracts and campaign assignments) is checked and merged in one shard."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import orjson

from preparation.reading import LineError, parse


def vin_of_line(raw: bytes) -> str | None:
    """The VIN a delivery line names, as the checks read it (upper-cased); None for a line without one.

    orjson reads nearly every line; a line it refuses that the import's own parser reads (a whole number of more
    than 64 bits, a lone surrogate) is read that way, so that the shard never depends on which parser is used."""
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            record = parse(raw.decode("utf-8"))
        except (UnicodeDecodeError, LineError):
            return None
    vin = record.get("vin") if isinstance(record, dict) else None
    return vin.upper() if isinstance(vin, str) else None


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard `index` of `count`; a line without a VIN (unreadable, too long, no `vin`) belongs to shard 0."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index} is not one of 0 … {self.count - 1}")

    def holds(self, vin: str | None) -> bool:
        # CRC-32, not hash(): the same in every process, on every machine and in every Python version
        return (0 if vin is None else zlib.crc32(vin.encode()) % self.count) == self.index

    def holds_line(self, raw: bytes) -> bool:
        return self.count == 1 or self.holds(vin_of_line(raw))


WHOLE = Shard(0, 1)
"""The whole delivery in one shard: the import without sharding."""
