"""DOMAIN §7.5.1: SplitMix64, FNV-1a 64, entity streams and the draw helpers, with the published test vectors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.prng import SplitMix64, fnv1a64, stream


class FixedOutputs(SplitMix64):
    """A generator whose raw outputs are given, to check what the helpers make of them."""

    def __init__(self, *outputs: int) -> None:
        super().__init__(0)
        self.outputs = list(outputs)

    def next(self) -> int:
        return self.outputs.pop(0)


def test_splitmix64_of_1234567_first_three_outputs_match_domain_vector() -> None:
    r = SplitMix64(1234567)
    assert [r.next() for _ in range(3)] == [6457827717110365317, 3203168211198807973, 9817491932198370423]


def test_splitmix64_of_42_first_three_outputs_match_domain_vector() -> None:
    r = SplitMix64(42)
    assert [r.next() for _ in range(3)] == [0xBDD732262FEB6E95, 0x28EFE333B266F103, 0x47526757130F9F52]


def test_fnv1a64_of_vehicle_key_matches_domain_vector() -> None:
    assert fnv1a64("vehicle:000001") == 0x25E4A48EC80C70E4


def test_stream_42_vehicle_000001_first_three_outputs_match_domain_vector() -> None:
    r = stream(42, "vehicle:000001")
    assert [r.next() for _ in range(3)] == [0xBD89266341973A4E, 0xFF1E4BAA1690710E, 0x7E5182EDC4C618EB]


def test_stream_seed_is_taken_mod_2_pow_64() -> None:
    a, b = stream(42, "vehicle:000001"), stream(42 + 2**64, "vehicle:000001")
    assert [a.next() for _ in range(3)] == [b.next() for _ in range(3)]


def test_next_int_of_one_consumes_an_output_and_returns_zero() -> None:
    # D3: a draw with one possible outcome is still made
    drawn, fresh = SplitMix64(42), SplitMix64(42)
    assert drawn.next_int(1) == 0
    fresh.next()
    assert drawn.next() == fresh.next()


def test_next_int_is_the_output_mod_n() -> None:
    assert FixedOutputs(17).next_int(5) == 2


def test_next_range_is_inclusive_on_both_ends() -> None:
    assert FixedOutputs(0).next_range(80, 120) == 80
    assert FixedOutputs(40).next_range(80, 120) == 120
    assert FixedOutputs(41).next_range(80, 120) == 80


@pytest.mark.parametrize(("r", "expected"), [(0, "a"), (1, "b"), (2, "b"), (3, "c"), (9, "c")])
def test_pick_weighted_returns_first_entry_whose_cumulative_weight_exceeds_the_draw(r: int, expected: str) -> None:
    choices = [{"value": "a", "weight": 1}, {"value": "b", "weight": 2}, {"value": "c", "weight": 7}]
    assert FixedOutputs(r).pick_weighted(choices) == expected


@given(st.integers(min_value=0, max_value=2**64 - 1), st.integers(min_value=1, max_value=10**6))
def test_next_int_stays_in_range(seed: int, n: int) -> None:
    assert 0 <= SplitMix64(seed).next_int(n) < n


@given(st.integers(min_value=0, max_value=2**64 - 1), st.text(max_size=30))
def test_stream_is_a_pure_function_of_seed_and_key(seed: int, key: str) -> None:
    a, b = stream(seed, key), stream(seed, key)
    assert [a.next() for _ in range(4)] == [b.next() for _ in range(4)]
