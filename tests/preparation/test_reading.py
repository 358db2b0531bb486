"""Lines the import cannot take whole: too long, too deep, keys twice. Each is a reject with its line, never the
end of the import, and a huge line is never held in memory."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

import pytest

from preparation.reading import MAX_LINE_BYTES, MAX_NESTING, read_lines
from tests.preparation.deliveries import (
    DE_VIN,
    de_vehicle,
    dss,
    events,
    imported,
    prepared_file,
    read_jsonl,
    rejects,
)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_a_10_mb_line_is_rejected_and_the_lines_after_it_are_imported(tmp_path: Path) -> None:
    huge = json.dumps({"eventId": "DSS-HUGE", "note": "x" * 10_000_000})
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[dss("DSS-1", "2023-03-10", 15000), huge, dss("DSS-2", "2024-03-10", 30000)],
    )
    assert [(r["file"], r["line"], r["key"], r["code"]) for r in rejects(into)] == [
        ("service_events.jsonl", 2, None, "LINE_TOO_LONG")
    ]
    assert "10,000,0" in rejects(into)[0]["message"]
    assert [e["eventId"] for e in events(into)] == ["DSS-1", "DSS-2"]


def test_a_huge_line_is_read_in_pieces_never_whole() -> None:
    stream = io.BytesIO(b'{"a": "' + b"x" * 20_000_000 + b'"}\n{"b": 1}\n')
    tracemalloc.start()
    try:
        lines = list(read_lines(stream))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(line.line, line.code, line.record) for line in lines] == [
        (1, "LINE_TOO_LONG", None),
        (2, "INVALID_JSON", {"b": 1}),
    ]
    assert peak < 1_000_000  # the 20 MB line went through 64 KiB at a time


def test_a_line_of_exactly_the_limit_is_read() -> None:
    record = b'{"a": "' + b"x" * (MAX_LINE_BYTES - 10) + b'"}'
    assert len(record) == MAX_LINE_BYTES - 1
    (line,) = read_lines(io.BytesIO(record + b" \n"))
    assert line.record is not None and line.error is None
    (line,) = read_lines(io.BytesIO(record + b"  \n"))
    assert line.code == "LINE_TOO_LONG"


def test_a_long_last_line_without_a_line_end_is_rejected() -> None:
    lines = list(read_lines(io.BytesIO(b'{"a": 1}\n' + b" " * (3 * MAX_LINE_BYTES))))
    assert [(line.line, line.code) for line in lines] == [(1, "INVALID_JSON"), (2, "LINE_TOO_LONG")]


def test_a_hundred_thousand_brackets_are_a_reject_not_a_crash(tmp_path: Path) -> None:
    into = imported(tmp_path, vehicles=["[" * 100_000, "[" * 30_000, de_vehicle()])
    assert [(r["line"], r["code"]) for r in rejects(into)] == [(1, "LINE_TOO_LONG"), (2, "NESTING_TOO_DEEP")]
    assert [v["vin"] for v in read_jsonl(prepared_file(into, "vehicles.jsonl"))] == [DE_VIN]


@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 500, 5_000, 30_000])
def test_nesting_deeper_than_the_limit_is_rejected(tmp_path: Path, depth: int) -> None:
    line = json.dumps(de_vehicle(equipmentCodes=["SRX6"]))[:-1] + ', "extra": ' + nested(depth - 1) + "}"
    into = imported(tmp_path, vehicles=[line])
    (reject,) = rejects(into)
    assert (reject["line"], reject["code"]) == (1, "NESTING_TOO_DEEP")
    assert f"more than {MAX_NESTING} levels" in reject["message"]


def test_nesting_up_to_the_limit_is_read() -> None:
    (line,) = read_lines(io.BytesIO(('{"a": ' + nested(MAX_NESTING - 1) + "}\n").encode()))
    assert line.record is not None


def test_many_small_objects_side_by_side_are_not_deep() -> None:
    (line,) = read_lines(io.BytesIO(json.dumps({"items": [{"n": n} for n in range(1000)]}).encode() + b"\n"))
    assert line.record is not None


@pytest.mark.parametrize(
    "line",
    [
        '{"vin": "WXVZZZB8ZNW012345", "vin": "TXNZZZS1ZSK257787"}',
        json.dumps(dss("DSS-2", "2024-03-10", 30000))[:-1] + ', "odometer": 3}',
        json.dumps(dss("DSS-2", "2024-03-10", 30000)).replace(
            '"performed": true', '"performed": true, "performed": false'
        ),
    ],
)
def test_a_key_twice_in_one_object_is_rejected(tmp_path: Path, line: str) -> None:
    into = imported(tmp_path, vehicles=[de_vehicle()], events=[dss("DSS-1", "2023-03-10", 15000), line])
    (reject,) = rejects(into)
    assert (reject["file"], reject["line"], reject["code"]) == ("service_events.jsonl", 2, "DUPLICATE_JSON_KEY")
    assert "more than once" in reject["message"]
    assert [e["eventId"] for e in events(into)] == ["DSS-1"]


def test_a_number_of_ten_thousand_digits_is_a_reject(tmp_path: Path) -> None:
    line = json.dumps(dss("DSS-2", "2024-03-10", 30000)).replace("30000", "9" * 10_000)
    into = imported(tmp_path, vehicles=[de_vehicle()], events=[line, dss("DSS-1", "2023-03-10", 15000)])
    assert [(r["line"], r["code"]) for r in rejects(into)] == [(1, "INVALID_JSON")]
    assert "number too long" in rejects(into)[0]["message"]
    assert [e["eventId"] for e in events(into)] == ["DSS-1"]
