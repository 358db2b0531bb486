"""The demo data set: prepared once, by one of several processes starting at once, and never half."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from demo import demo_directory, ensure_demo_data
from store import EmbeddedStore, versions
from tests.api.test_real_server import ROOT

VEHICLES = 100
PREPARE = f"""
import sys
from pathlib import Path
from demo import ensure_demo_data
print(ensure_demo_data(Path(sys.argv[1]), 7, {VEHICLES}))
"""
# stops for good where the complete version is about to be renamed into place: the data set is written, not served
PAUSED = (
    """
import os, sys, time
os.rename = lambda *args: (print("paused", flush=True), time.sleep(600))
"""
    + PREPARE
)


def preparing(cache: Path, script: str = PREPARE) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", script, str(cache)], cwd=ROOT, stdout=subprocess.PIPE)


def test_two_processes_starting_at_once_prepare_one_data_set(tmp_path: Path) -> None:
    processes = [preparing(tmp_path), preparing(tmp_path)]
    outputs = [p.communicate(timeout=120)[0].decode().strip() for p in processes]
    assert [p.returncode for p in processes] == [0, 0]
    target = demo_directory(tmp_path, 7, VEHICLES)
    assert outputs == [str(target), str(target)]
    assert [p.name for p in (target / versions.VERSIONS).iterdir()] == ["000001"]  # the second waited, then used it
    assert len(EmbeddedStore.load(target).vins()) == VEHICLES


def test_a_start_killed_while_preparing_leaves_nothing_served_and_the_next_start_prepares(tmp_path: Path) -> None:
    process = preparing(tmp_path, PAUSED)
    assert process.stdout is not None and process.stdout.readline() == b"paused\n"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    target = demo_directory(tmp_path, 7, VEHICLES)
    assert [p.name for p in (target / versions.VERSIONS).iterdir()] == ["000001.partial"]
    assert not (target / versions.CURRENT).exists()
    assert ensure_demo_data(tmp_path, 7, VEHICLES) == target
    assert len(EmbeddedStore.load(target).vins()) == VEHICLES
