"""`aftersales import --workers N`: the delivery prepared in N shards of whole vehicles, in N processes, gives
the bytes of the import in one process, rejects and merges into an earlier version included."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import cli
from catalog import default_catalog
from preparation.pipeline import prepare_shard, prepare_version
from preparation.sharding import Shard, vin_of_line
from preparation.writing import combine
from store import versions
from tests.preparation.deliveries import (
    CH_VIN,
    DE_VIN,
    GB_VIN,
    ch_vehicle,
    de_vehicle,
    deliver,
    dss,
    gb_vehicle,
    rejects,
    snapshot,
)
from tests.preparation.deliveries import import_delivery as import_in_one_process


def import_with(workers: int, source: Path, into: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(["import", str(source), "--into", str(into), "--workers", str(workers)]) == 0
    return capsys.readouterr().out.replace(str(into), "DIR")


@pytest.fixture(scope="module")
def later_delivery(raw_delivery: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A data set of the generated delivery's first 60 vehicles (all events and contracts delivered, so the rest
    are rejects), and the whole delivery again with lines that are rejects of every kind."""
    root = tmp_path_factory.mktemp("sharded")
    first = root / "first"
    shutil.copytree(raw_delivery, first)
    vehicles = (raw_delivery / "vehicles.jsonl").read_text().splitlines(keepends=True)
    (first / "vehicles.jsonl").write_text("".join(vehicles[:60]))
    base = root / "base"
    assert import_in_one_process(first, base) == 0
    later = root / "later"
    shutil.copytree(raw_delivery, later)
    with (later / "vehicles.jsonl").open("a") as out:
        out.write(f"not json\n{vehicles[3]}{'x' * 70_000}\n\n")  # unreadable, a repeated key, too long
    with (later / "service_events.jsonl").open("a") as out:
        out.write(json.dumps(dss("DSS-NOBODY", "2024-01-10", 1000, vin="WXVZZZB8ZME000001")) + "\n")
    return base, later


def test_two_workers_write_the_bytes_of_one(
    later_delivery: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, later = later_delivery
    served, summaries = {}, {}
    for workers in (1, 2):
        into = tmp_path / f"workers-{workers}"
        shutil.copytree(base, into)
        summaries[workers] = import_with(workers, later, into, capsys)
        served[workers] = snapshot(versions.served(into))
    assert served[2] == served[1]
    assert summaries[2] == summaries[1]
    codes = [r["code"] for r in rejects(tmp_path / "workers-2")]
    assert codes == ["INVALID_JSON", "DUPLICATE_KEY", "LINE_TOO_LONG", "VEHICLE_NOT_FOUND"]
    assert len(served[1]["vehicles.jsonl"].splitlines()) == 120


def test_any_number_of_shards_combines_to_the_unsharded_version(later_delivery: tuple[Path, Path]) -> None:
    base, later = later_delivery
    previous, catalog = versions.served(base), default_catalog()
    whole = prepare_version(later, previous, catalog)
    for count in (3, 7):
        assert combine([prepare_shard(later, previous, catalog, Shard(i, count)) for i in range(count)]) == whole


def test_every_record_of_a_vehicle_is_in_one_shard_and_every_vehicle_in_one(raw_delivery: Path) -> None:
    parts = [prepare_shard(raw_delivery, None, default_catalog(), Shard(index, 2)) for index in range(2)]
    held = [{key[0] for key, _ in part.lines["vehicles.jsonl"]} for part in parts]
    assert held[0] and held[1] and not held[0] & held[1] and len(held[0] | held[1]) == 120
    for part, vins in zip(parts, held, strict=True):
        for name in ("service_events.jsonl", "contracts.jsonl", "campaign_vehicles.jsonl"):
            assert {json.loads(line)["vin"] for _, line in part.lines[name]} <= vins
        assert part.rejects == []


def test_the_vin_of_a_line_is_read_as_the_checks_read_it() -> None:
    assert vin_of_line(b'{"vin": "wxvzzzb8znw012345", "odometer": 1}\n') == DE_VIN
    # a whole number of more than 64 bits, which orjson refuses: read by the import's own parser
    assert vin_of_line(b'{"vin": "WXVZZZB8ZNW012345", "extra": 123456789012345678901234567890}') == DE_VIN
    assert vin_of_line(b"not json") is None and vin_of_line(b'{"vin": 7}') is None and vin_of_line(b"[1]") is None


def test_a_key_two_vehicles_of_two_shards_share_is_decided_as_in_one_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vins = [DE_VIN, CH_VIN, GB_VIN]
    other = next(v for v in vins[1:] if Shard(0, 2).holds(v) != Shard(0, 2).holds(DE_VIN))
    source = deliver(
        tmp_path / "delivery",
        vehicles=[de_vehicle(), ch_vehicle(), gb_vehicle()],
        events=[dss("DSS-1", "2024-03-10", 30000), dss("DSS-1", "2025-06-10", 8000, vin=other)],
    )
    outputs = {w: import_with(w, source, tmp_path / f"workers-{w}", capsys) for w in (1, 2)}
    assert outputs[2] == outputs[1]
    assert snapshot(versions.served(tmp_path / "workers-2")) == snapshot(versions.served(tmp_path / "workers-1"))
    assert [r["code"] for r in rejects(tmp_path / "workers-2")] == ["DUPLICATE_KEY"]


def test_workers_must_be_at_least_one_and_only_for_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = deliver(tmp_path / "delivery", vehicles=[de_vehicle()])
    assert cli.main(["import", str(source), "--into", str(tmp_path / "data"), "--workers", "0"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err
    assert cli.main(["import", str(source), "--into", "dynamodb", "--workers", "2"]) == 2
    assert "on AWS the import runs in shards as Lambda functions" in capsys.readouterr().err
