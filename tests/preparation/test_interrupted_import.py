"""An import killed (SIGKILL, a real process) before any of its steps on disk leaves the old data set served
whole, or the new one; never a mix. The next import then runs as if nothing had happened."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from store import EmbeddedStore, PreparedDataError, versions
from tests.api.test_real_server import BIN, ROOT, serve
from tests.preparation.deliveries import (
    CH_VIN,
    GB_VIN,
    ch_vehicle,
    de_vehicle,
    deliver,
    dms,
    dss,
    gb_vehicle,
    import_delivery,
    snapshot,
)

# a later delivery adds vehicles *and* their history, and updates the first vehicle's: a mix would show
EARLIEST = {"vehicles": [de_vehicle(usage="FLEET")]}
FIRST = {"vehicles": [de_vehicle()], "events": [dss("DSS-1", "2023-03-10", 15000)]}
LATER = {
    "vehicles": [de_vehicle(usage="TAXI"), ch_vehicle(), gb_vehicle()],
    "events": [
        dms("RO000001", "2023-03-11", 15020),
        dss("DSS-2", "2024-03-10", 30000),
        dss("DSS-CH", "2024-01-10", 12000, vin=CH_VIN),
        dss("DSS-GB", "2025-06-10", 8000, vin=GB_VIN),
    ],
}


def interrupted(step: int, source: Path, into: Path, marker: Path) -> str:
    """Runs the import until it is about to take `step`, kills it there; returns what the step was."""
    command = [sys.executable, "-m", "tests.preparation.interrupted_import", str(step), str(marker), str(source)]
    process = subprocess.Popen([*command, str(into)], cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() or not marker.read_text():
            assert process.poll() is None, f"the import ended before step {step}"
            assert time.monotonic() < deadline, f"the import did not reach step {step}"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    return marker.read_text()


def steps_of(source: Path, into: Path, marker: Path) -> list[str]:
    """The steps a whole import takes (run to the end, nothing killed)."""
    command = [sys.executable, "-m", "tests.preparation.interrupted_import", "0", str(marker), str(source)]
    subprocess.run([*command, str(into)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return marker.read_text().splitlines()


def served_files(into: Path) -> dict[str, bytes]:
    return snapshot(versions.served(into))


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The deliveries, the data set after the first (a second version, so that the next import removes one),
    and after the later one too (imported without interruption)."""
    root = tmp_path_factory.mktemp("deliveries")
    first, later = deliver(root / "first", **FIRST), deliver(root / "later", **LATER)
    assert import_delivery(deliver(root / "earliest", **EARLIEST), root / "old") == 0
    assert import_delivery(first, root / "old") == 0
    assert len(list((root / "old" / versions.VERSIONS).iterdir())) == 2
    shutil.copytree(root / "old", root / "new")
    assert import_delivery(later, root / "new") == 0
    assert served_files(root / "old") != served_files(root / "new")
    assert import_delivery(first, root / "first-only") == 0
    return {"first": first, "later": later, "old": root / "old", "new": root / "new", "first-only": root / "first-only"}


@pytest.fixture(scope="module")
def steps(deliveries: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The steps of the later delivery's import into the data set of the first."""
    into = tmp_path_factory.mktemp("count") / "data"
    shutil.copytree(deliveries["old"], into)
    taken = steps_of(deliveries["later"], into, into.parent / "marker")
    assert served_files(into) == served_files(deliveries["new"])
    assert len(taken) > 10  # files, fsyncs and renames of a whole version
    return taken


def assert_clean(into: Path) -> None:
    """Nothing of the interrupted import is left: the served version and at most the one before it."""
    names = sorted(p.name for p in (into / versions.VERSIONS).iterdir())
    assert all(versions.VERSION_NAME.fullmatch(n) for n in names) and len(names) <= 2, names
    assert sorted(p.name for p in into.iterdir()) == sorted([versions.CURRENT, versions.VERSIONS, versions.LOCK])


def test_a_re_import_killed_at_any_step_leaves_the_old_or_the_new_set_and_the_next_import_completes(
    deliveries: dict[str, Path], steps: list[str], tmp_path: Path
) -> None:
    old, new = served_files(deliveries["old"]), served_files(deliveries["new"])
    seen = set()
    for step in range(1, len(steps) + 1):
        into = tmp_path / f"data-{step}"
        shutil.copytree(deliveries["old"], into)
        what = interrupted(step, deliveries["later"], into, tmp_path / f"marker-{step}")
        left = served_files(into)
        assert left in (old, new), f"killed before step {step} ({what}): a mixed data set"
        seen.add("old" if left == old else "new")
        store = EmbeddedStore.load(into)  # the manifest's counts and hashes hold
        assert len(store.vins()) == (1 if left == old else 3)
        assert import_delivery(deliveries["later"], into) == 0, f"after a kill before step {step} ({what})"
        assert served_files(into) == new
        assert_clean(into)
    assert seen == {"old", "new"}  # the kills fell on both sides of the switch


def test_a_first_import_killed_at_any_step_leaves_nothing_served_or_the_whole_set(
    deliveries: dict[str, Path], tmp_path: Path
) -> None:
    count = len(steps_of(deliveries["first"], tmp_path / "count", tmp_path / "marker-count"))
    old = served_files(deliveries["first-only"])
    for step in range(1, count + 1):
        into = tmp_path / f"data-{step}"
        what = interrupted(step, deliveries["first"], into, tmp_path / f"marker-{step}")
        try:
            assert served_files(into) == old, f"killed before step {step} ({what}): a partial data set"
        except PreparedDataError as refused:
            assert "no 'current' version" in str(refused) or "no such directory" in str(refused)
        assert import_delivery(deliveries["first"], into) == 0, f"after a kill before step {step} ({what})"
        assert served_files(into) == old
        assert_clean(into)


def vehicles_served(url: str) -> int:
    with urllib.request.urlopen(url + "/readyz", timeout=5) as response:
        count: int = json.loads(response.read())["vehicles"]
        return count


def test_the_server_started_after_a_killed_import_serves_the_set_the_pointer_names(
    deliveries: dict[str, Path], steps: list[str], tmp_path: Path
) -> None:
    pointer = versions.CURRENT + versions.PARTIAL
    (switch,) = [n for n, step in enumerate(steps, start=1) if step.startswith("replace") and pointer in step]
    for step, vehicles in ((switch, 1), (switch + 1, 3), (len(steps), 3)):
        into = tmp_path / f"data-{step}"
        shutil.copytree(deliveries["old"], into)
        interrupted(step, deliveries["later"], into, tmp_path / f"marker-{step}")
        env = {"AFTERSALES_CACHE_DIR": str(tmp_path / "cache")}
        with contextlib.contextmanager(serve)([str(BIN / "aftersales"), "serve", "--data", str(into)], env) as (url, _):
            assert vehicles_served(url) == vehicles, f"the server after a kill before step {step}"


def test_the_server_refuses_to_start_on_a_damaged_set_rather_than_serve_part_of_it(
    deliveries: dict[str, Path], tmp_path: Path
) -> None:
    into = tmp_path / "data"
    shutil.copytree(deliveries["new"], into)
    events = versions.served(into) / "service_events.jsonl"
    events.write_bytes(events.read_bytes().split(b"\n", 1)[1])  # one event lost
    command = [str(BIN / "aftersales"), "serve", "--data", str(into), "--port", "0"]
    env = {**os.environ, "AFTERSALES_CACHE_DIR": str(tmp_path / "cache")}
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert finished.returncode != 0
    assert b"service_events.jsonl does not match the record count and SHA-256" in finished.stderr


@pytest.mark.parametrize(("workers", "attempts"), [(1, 8), (2, 4)])
def test_a_re_import_of_a_generated_delivery_killed_after_random_delays_never_leaves_a_mix(
    raw_delivery: Path, tmp_path: Path, workers: int, attempts: int
) -> None:
    """Kills that fall between the steps the other tests stop at: inside the reading, the merge (in the shards'
    processes too), the writing."""
    first = tmp_path / "first"
    first.mkdir()
    lines = (raw_delivery / "vehicles.jsonl").read_text().splitlines(keepends=True)
    (first / "vehicles.jsonl").write_text("".join(lines[:60]))  # the later delivery adds 60 vehicles and all events
    old, new = tmp_path / "old", tmp_path / "new"
    assert import_delivery(first, old) == 0
    shutil.copytree(old, new)
    command = [str(BIN / "aftersales"), "import", str(raw_delivery), "--workers", str(workers), "--into"]
    started = time.monotonic()
    subprocess.run([*command, str(new)], check=True, stdout=subprocess.DEVNULL)
    duration = time.monotonic() - started  # start-up included, as in the runs that are killed
    expected = {"old": served_files(old), "new": served_files(new)}
    delays = random.Random(7)
    for attempt in range(attempts):
        into = tmp_path / f"data-{attempt}"
        shutil.copytree(old, into)
        process = subprocess.Popen([*command, str(into)], stdout=subprocess.DEVNULL)
        time.sleep(delays.uniform(0.5, 1.1) * duration)  # the second half of a run: reading, merging, writing
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        left = served_files(into)
        assert left in expected.values(), f"killed after attempt {attempt}'s delay: a mixed data set"
        assert len(EmbeddedStore.load(into).vins()) == (60 if left == expected["old"] else 120)
        assert import_delivery(raw_delivery, into) == 0
        assert served_files(into) == expected["new"]
        assert_clean(into)
