"""The demo data set (seed 42, 2,000 vehicles): generated and prepared once into a cache directory, then reused."""

from __future__ import annotations

import logging
import tempfile
from importlib.metadata import version
from pathlib import Path

from store import versions
from store.prepared import VERSION

log = logging.getLogger(__name__)


def demo_directory(cache_dir: Path, seed: int, vehicles: int) -> Path:
    """One directory per seed, size, program version and prepared format: a new release prepares anew."""
    return cache_dir / f"demo-seed{seed}-vehicles{vehicles}-v{version('aftersales-graph')}-format{VERSION}"


def ensure_demo_data(cache_dir: Path, seed: int = 42, vehicles: int = 2000) -> Path:
    """The prepared demo directory; built on first use under the import lock, so that a second process
    starting at the same time waits for it and a crash leaves nothing that would be served."""
    target = demo_directory(cache_dir, seed, vehicles)
    if (target / versions.CURRENT).exists():
        return target
    # the generator and the import load only when the data set has to be made: not on every start
    from catalog import default_catalog
    from generator.command import write_delivery
    from preparation.pipeline import import_into

    with versions.writing(target) as writer:
        if writer.current() is not None:  # a concurrent start finished first
            return target
        log.info("preparing the demo data set (seed %s, %s vehicles) in %s", seed, vehicles, target)
        with tempfile.TemporaryDirectory(prefix="aftersales-demo-") as scratch:
            write_delivery(seed, vehicles, Path(scratch))
            import_into(writer, Path(scratch), default_catalog())
    return target
