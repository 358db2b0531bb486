"""`aftersales import SRC --into DIR`: exit codes, summary, missing files, idempotence and later deliveries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from preparation import summary
from tests.preparation.deliveries import (
    DE_VIN,
    ch_vehicle,
    contract,
    de_vehicle,
    deliver,
    dms,
    dss,
    events,
    import_delivery,
    imported,
    item,
    prepared_file,
    read_jsonl,
    rejects,
    snapshot,
)


def table_rows(output: str) -> dict[str, list[str]]:
    rows = {}
    for line in output.splitlines():
        cells = line.split()
        if cells and (cells[0].endswith(".jsonl") or cells[0] == "total"):
            rows[cells[0]] = cells[1:]
    return rows


def test_summary_counts_read_accepted_merged_and_rejected_per_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imported(
        tmp_path,
        vehicles=[de_vehicle(), de_vehicle(sourceSystem="REG", market=...), de_vehicle(vin="WXV")],
        events=[
            dss("DSS-1", "2023-03-10", 15000),
            dms("RO000001", "2023-03-11", 15020),
            dms("RO000002", "2024-03-11", 30020),
            "garbage",
        ],
        contracts=[contract()],
    )
    rows = table_rows(capsys.readouterr().out)
    assert rows["vehicles.jsonl"] == ["3", "2", "1", "1"]  # REG folded into VMS, bad VIN rejected
    assert rows["service_events.jsonl"] == ["4", "3", "1", "1"]  # one DMS copy merged, one line not JSON
    assert rows["contracts.jsonl"] == ["1", "1", "0", "0"]
    assert rows["campaign_vehicles.jsonl"] == ["-", "-", "-", "-"]  # not delivered
    assert rows["total"] == ["8", "6", "2", "2"]


def test_exit_code_is_0_even_with_rejects(tmp_path: Path) -> None:
    source = deliver(tmp_path / "delivery", vehicles=["not json"], events=[dss("DSS-1", "2023-03-10", 15000)])
    assert import_delivery(source, tmp_path / "prepared") == 0
    assert len(rejects(tmp_path / "prepared")) == 2


def test_one_bad_record_never_stops_the_others(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[dss("DSS-1", "2023-03-10", 15000), dss("DSS-2", "2024-03-10", -1), dss("DSS-3", "2025-03-10", 45000)],
    )
    assert [e["eventId"] for e in events(into)] == ["DSS-1", "DSS-3"]


def test_missing_files_are_allowed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    into = imported(tmp_path, vehicles=[de_vehicle()])
    assert [v["vin"] for v in read_jsonl(prepared_file(into, "vehicles.jsonl"))] == [DE_VIN]
    assert read_jsonl(prepared_file(into, "service_events.jsonl")) == []
    assert rejects(into) == []
    assert table_rows(capsys.readouterr().out)["service_events.jsonl"] == ["-", "-", "-", "-"]


def test_empty_delivery_directory_imports_nothing(tmp_path: Path) -> None:
    into = imported(tmp_path)
    assert read_jsonl(prepared_file(into, "vehicles.jsonl")) == []
    assert prepared_file(into, "manifest.json").is_file()


def test_missing_delivery_directory_is_exit_code_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert import_delivery(tmp_path / "nowhere", tmp_path / "prepared") == 2
    assert "nowhere" in capsys.readouterr().err
    assert not (tmp_path / "prepared").exists()


def test_refuses_to_write_into_the_delivery_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = deliver(tmp_path / "delivery", vehicles=[de_vehicle()])
    assert import_delivery(source, source) == 2
    assert "delivery directory" in capsys.readouterr().err


def test_refuses_a_non_empty_directory_that_is_not_a_prepared_data_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    source = deliver(tmp_path / "delivery", vehicles=[de_vehicle()])
    assert import_delivery(source, tmp_path / "other") == 2
    assert "neither empty nor a prepared data set" in capsys.readouterr().err


def test_damaged_stored_records_are_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    into = imported(tmp_path, vehicles=[de_vehicle()])
    prepared_file(into, "raw/vehicles.jsonl").write_text("{broken\n")
    assert import_delivery(tmp_path / "delivery", into) == 2
    assert "raw/vehicles.jsonl does not match the record count and SHA-256" in capsys.readouterr().err


def test_reimporting_the_same_delivery_changes_no_byte(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle(), ch_vehicle(), de_vehicle(sourceSystem="REG", handoverDate="2022-04-01")],
        events=[
            dss("DSS-1", "2023-03-10", 15000),
            dms("RO000001", "2023-03-10", 15020, item("Oelwechsel"), invoiceTotal=312.4),
            dss("DSS-2", "2024-03-10", 1500),
            "not json",
        ],
        contracts=[contract()],
    )
    before = snapshot(into)
    assert import_delivery(tmp_path / "delivery", into) == 0
    assert snapshot(into) == before


def test_a_later_delivery_for_the_same_keys_updates_them(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle(usage="PRIVATE")],
        events=[dss("DSS-1", "2023-03-10", 15000), dms("RO000001", "2023-06-01", 19000)],
        contracts=[contract(status="ACTIVE")],
    )
    later = deliver(
        tmp_path / "later",
        vehicles=[de_vehicle(usage="TAXI")],
        events=[dss("DSS-1", "2023-03-10", 15500), dms("RO000001", "2023-06-01", 19000, item("OP-BRAKE_FLUID"))],
        contracts=[contract(status="CANCELLED")],
    )
    assert import_delivery(later, into) == 0
    assert read_jsonl(prepared_file(into, "vehicles.jsonl"))[0]["usage"] == "TAXI"
    assert [(e["eventId"], e["odometer"]) for e in events(into)] == [("DSS-1", 15500), ("DMS-RO000001", 19000)]
    assert [i["itemCode"] for i in events(into)[1]["items"]] == ["BRAKE_FLUID"]
    assert read_jsonl(prepared_file(into, "contracts.jsonl"))[0]["status"] == "CANCELLED"


def test_a_later_delivery_adds_to_what_is_kept(tmp_path: Path) -> None:
    into = imported(tmp_path, vehicles=[de_vehicle()], events=[dss("DSS-1", "2023-03-10", 15000)])
    later = deliver(tmp_path / "later", vehicles=[ch_vehicle()], events=[dss("DSS-2", "2024-03-10", 30000)])
    assert import_delivery(later, into) == 0
    assert len(read_jsonl(prepared_file(into, "vehicles.jsonl"))) == 2
    assert [e["eventId"] for e in events(into)] == ["DSS-1", "DSS-2"]


def test_a_rejected_update_keeps_the_stored_record(tmp_path: Path) -> None:
    into = imported(tmp_path, vehicles=[de_vehicle()], events=[dss("DSS-1", "2023-03-10", 15000)])
    later = deliver(tmp_path / "later", vehicles=[de_vehicle(market="US")], events=[dss("DSS-1", "2023-03-10", -3)])
    assert import_delivery(later, into) == 0
    assert [r["code"] for r in rejects(into)] == ["MARKET_NOT_FOR_MODEL", "NEGATIVE_ODOMETER"]
    assert read_jsonl(prepared_file(into, "vehicles.jsonl"))[0]["market"] == "DE"
    assert events(into)[0]["odometer"] == 15000


def test_rejects_file_lists_only_the_last_import(tmp_path: Path) -> None:
    into = imported(tmp_path, vehicles=[de_vehicle(), "not json"])
    assert import_delivery(deliver(tmp_path / "clean", vehicles=[de_vehicle()]), into) == 0
    assert rejects(into) == []


def test_no_progress_bar_when_stdout_is_not_a_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert summary.progress_bar(100).disable
    imported(tmp_path, vehicles=[de_vehicle()])
    output = capsys.readouterr()
    assert "import:" not in output.out and "import:" not in output.err


def test_refuses_a_directory_of_the_older_single_version_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text('{"format": "aftersales-prepared", "version": 1}')
    source = deliver(tmp_path / "delivery", vehicles=[de_vehicle()])
    assert import_delivery(source, tmp_path / "old") == 2
    assert "older format" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "old").iterdir()) == ["manifest.json"]


def test_two_imports_into_one_directory_at_once_both_land(tmp_path: Path) -> None:
    into = tmp_path / "prepared"
    assert import_delivery(deliver(tmp_path / "vehicles", vehicles=[de_vehicle(), ch_vehicle()]), into) == 0
    sources = [
        deliver(tmp_path / f"events-{n}", events=[dss(f"DSS-{n}-{k}", "2023-03-10", 15000 + k) for k in range(200)])
        for n in range(2)
    ]
    command = [str(Path(sys.executable).parent / "aftersales"), "import"]
    processes = [subprocess.Popen([*command, str(s), "--into", str(into)], stdout=subprocess.DEVNULL) for s in sources]
    assert [p.wait(timeout=60) for p in processes] == [0, 0]
    assert len(events(into)) == 400  # the second import waited for the first and merged into its version
