"""The demo data set (seed 42, 2,000 vehicles): generated and prepared once into a cache directory, then reused."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

from catalog import default_catalog
from generator.command import write_delivery
from preparation.command import import_delivery
from store.prepared import MANIFEST, VERSION

log = logging.getLogger(__name__)


def demo_directory(cache_dir: Path, seed: int, vehicles: int) -> Path:
    """One directory per seed, size, program version and prepared format: a new release prepares anew."""
    return cache_dir / f"demo-seed{seed}-vehicles{vehicles}-v{version('aftersales-graph')}-format{VERSION}"


def ensure_demo_data(cache_dir: Path, seed: int = 42, vehicles: int = 2000) -> Path:
    """The prepared demo directory; built on first use in a scratch folder and moved into place whole,
    so that a crash or a second process starting at the same time never leaves a half-written data set."""
    target = demo_directory(cache_dir, seed, vehicles)
    if (target / MANIFEST).exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    log.info("preparing the demo data set (seed %s, %s vehicles) in %s", seed, vehicles, target)
    scratch = Path(tempfile.mkdtemp(prefix=".demo-", dir=cache_dir))
    try:
        write_delivery(seed, vehicles, scratch / "raw")
        import_delivery(scratch / "raw", scratch / "prepared", default_catalog())
        try:
            os.rename(scratch / "prepared", target)
        except OSError:
            if not (target / MANIFEST).exists():  # not a concurrent start that finished first
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target
