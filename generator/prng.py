"""SplitMix64 pseudo-random streams keyed by entity, with the draw helpers of DOMAIN §7.5.1."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from itertools import accumulate
from typing import Any

MASK64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
FNV_OFFSET_BASIS = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3


def fnv1a64(text: str) -> int:
    """FNV-1a 64-bit hash over the UTF-8 bytes of `text`."""
    h = FNV_OFFSET_BASIS
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * FNV_PRIME) & MASK64
    return h


class SplitMix64:
    """SplitMix64 generator; all arithmetic mod 2^64."""

    __slots__ = ("state",)

    def __init__(self, seed: int) -> None:
        self.state = seed & MASK64

    def next(self) -> int:
        self.state = (self.state + GOLDEN_GAMMA) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * MIX1) & MASK64
        z = ((z ^ (z >> 27)) * MIX2) & MASK64
        return z ^ (z >> 31)

    def next_int(self, n: int) -> int:
        """0 ≤ result < n; one output is consumed even when n = 1 (D3), the modulo bias is accepted."""
        return self.next() % n

    def next_range(self, lo: int, hi: int) -> int:
        """lo ≤ result ≤ hi."""
        return lo + self.next_int(hi - lo + 1)

    def pick_weighted(self, choices: Sequence[Mapping[str, Any]]) -> Any:
        """The `value` of the first `{value, weight}` entry whose cumulative weight exceeds the draw."""
        cumulative = list(accumulate(int(c["weight"]) for c in choices))
        return choices[bisect_right(cumulative, self.next_int(cumulative[-1]))]["value"]


def stream(seed: int, key: str) -> SplitMix64:
    """The independent stream of one entity: SplitMix64(SplitMix64(seed XOR fnv1a64(key)).next())."""
    return SplitMix64(SplitMix64((seed & MASK64) ^ fnv1a64(key)).next())
