"""The local import in shards: `aftersales import SRC --into DIR --workers N` prepares N shards of the delivery
in N processes and combines them into one version, the same bytes as the import in one process."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from catalog import Catalog
from preparation.pipeline import import_delivery, prepare_shard, prepare_version
from preparation.sharding import Shard
from preparation.summary import FileCounts
from preparation.writing import SharedKey, combine
from store import versions


def import_with_workers(source: Path, into: Path, catalog: Catalog, workers: int) -> dict[str, FileCounts]:
    """`pipeline.import_delivery` with the delivery prepared in `workers` processes: only this process writes
    (a worker returns its part), so a killed import leaves the old version served, as ever."""
    if workers == 1:
        return import_delivery(source, into, catalog)
    with versions.writing(into) as writer:
        counts, files = prepare_in_processes(source, writer.current(), catalog, workers)
        writer.publish(files)
        return counts


def prepare_in_processes(
    source: Path, previous: Path | None, catalog: Catalog, workers: int
) -> tuple[dict[str, FileCounts], dict[str, bytes]]:
    """The counts and files of `prepare_version`, prepared in `workers` shards at once: the first in this process
    (which has its modules loaded while the others start), each other one in a process of its own."""
    # spawn, not fork: a forked worker would inherit the import lock's descriptor (and hold the lock after a
    # SIGKILL of the import) and a copy of whatever threads the parent runs
    context = multiprocessing.get_context("spawn")
    shards = [Shard(index, workers) for index in range(workers)]
    with ProcessPoolExecutor(workers - 1, mp_context=context) as pool:
        others = [pool.submit(prepare_shard, source, previous, catalog, shard) for shard in shards[1:]]
        parts = [prepare_shard(source, previous, catalog, shards[0]), *(other.result() for other in others)]
    try:
        return combine(parts)
    except SharedKey:
        # records of two vehicles with one DSS event id or contract id: only the whole delivery decides (rare)
        return prepare_version(source, previous, catalog)
