"""Run chunks on a Dask cluster (dask.distributed): each worker loads the models and the index
once and keeps them for every chunk it receives.

Without a scheduler address, a local cluster of ``workers`` processes with one thread each is
started (and stopped at the end). Chunks are submitted through a bounded window so that a
million-row input never sits in memory at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from habilitant.batch.rows import BATCH_THREADS, ChunkResult, EnrichOptions, enrich_chunk
from habilitant.batch.table_io import Row
from habilitant.errors import HabilitantError

_WORKER_PIPELINES: dict[str, Any] = {}
WINDOW_PER_WORKER = 3


class ClusterError(HabilitantError):
    code = "cluster_indisponible"
    http_status = 503


def worker_settings(settings: Any) -> str:
    """What a worker needs to rebuild the settings (never the API key)."""
    fields = ("referentiels", "models_dir", "encoder", "index_dir", "max_text_chars")
    data = settings.model_dump(mode="json", include=set(fields) | {"precision", "batch_size"})
    return json.dumps(data, sort_keys=True)


def run_chunk(settings_json: str, options: EnrichOptions, rows: list[Row]) -> ChunkResult:
    """Executed on a worker: the pipeline is loaded on first use, then reused."""
    import torch

    torch.set_num_threads(BATCH_THREADS)
    pipeline = _WORKER_PIPELINES.get(settings_json)
    if pipeline is None:
        from habilitant.pipeline import Habilitant
        from habilitant.settings import get_settings

        pipeline = Habilitant(get_settings(**json.loads(settings_json)))
        _WORKER_PIPELINES.clear()
        _WORKER_PIPELINES[settings_json] = pipeline
    return enrich_chunk(pipeline, rows, options)


def connect(scheduler: str | None, workers: int) -> tuple[Any, Any]:
    """(client, cluster or None)."""
    from dask.distributed import Client, LocalCluster

    try:
        if scheduler:
            return Client(scheduler, timeout="30s"), None
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit=0,
            silence_logs=logging.ERROR,
        )
        return Client(cluster), cluster
    except OSError as exc:
        raise ClusterError(
            f"Impossible de joindre le cluster Dask {scheduler or '(local)'} : {exc}",
            hint="Vérifiez l'adresse tcp://HÔTE:8786 du scheduler et que les workers voient "
            "les mêmes référentiels et modèles (HABILITANT_REFERENTIELS, HABILITANT_MODELS_DIR).",
        ) from exc


def run_on_dask(
    chunks: Iterable[tuple[int, list[Row]]],
    settings: Any,
    options: EnrichOptions,
    *,
    scheduler: str | None,
    workers: int,
    on_result: Callable[[int, int, ChunkResult], None],
) -> dict[str, Any]:
    """Compute every chunk on the cluster; ``on_result(number, rows, result)`` as each ends.
    Returns facts about the cluster (workers, threads)."""
    from dask.distributed import as_completed

    client, cluster = connect(scheduler, workers)
    settings_json = worker_settings(settings)
    try:
        info = client.scheduler_info(n_workers=-1)["workers"]
        threads = sum(w.get("nthreads", 1) for w in info.values())
        window = max(2, WINDOW_PER_WORKER * max(1, len(info)))
        iterator: Iterator[tuple[int, list[Row]]] = iter(chunks)
        pending = as_completed()
        sizes: dict[str, tuple[int, int]] = {}

        def submit_next() -> bool:
            item = next(iterator, None)
            if item is None:
                return False
            number, rows = item
            future = client.submit(run_chunk, settings_json, options, rows, pure=False)
            sizes[future.key] = (number, len(rows))
            pending.add(future)
            return True

        for _ in range(window):
            if not submit_next():
                break
        for future in pending:
            number, size = sizes.pop(future.key)
            on_result(number, size, future.result())
            submit_next()
        return {"workers": len(info), "threads": threads}
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
