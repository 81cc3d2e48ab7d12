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

from habilitant.batch.rows import BATCH_THREADS, ChunkResult, EnrichOptions, Rows, enrich_chunk
from habilitant.batch.table_io import Row
from habilitant.errors import ClusterError, HabilitantError

_WORKER_PIPELINES: dict[str, Any] = {}
WINDOW_PER_WORKER = 3


def worker_settings(settings: Any) -> str:
    """What a worker needs to rebuild the settings (never the API key). The encoder's
    precision is resolved here, on the client: "auto" on workers with other CPUs would
    compute differently."""
    from habilitant.encoder import resolved_precision

    data = settings.child_settings()
    data["precision"] = resolved_precision(settings.precision)
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


def _load_on_worker(settings_json: str) -> float:
    """Load the pipeline on this worker now; seconds taken."""
    import time

    tick = time.perf_counter()
    run_chunk(settings_json, EnrichOptions(), [])
    pipeline = _WORKER_PIPELINES[settings_json]
    pipeline.analyse("J'ai fait la mise en rayon et l'encaissement.")  # French model, caches
    return time.perf_counter() - tick


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def connect(scheduler: str | None, workers: int) -> tuple[Any, Any]:
    """(client, cluster or None)."""
    from dask.distributed import Client, LocalCluster

    cluster = None
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
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
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
    Returns facts about the cluster: workers, threads, load and compute seconds, peak RSS."""
    import time

    from dask.distributed import as_completed

    tick = time.perf_counter()
    client, cluster = connect(scheduler, workers)
    settings_json = worker_settings(settings)
    try:
        try:
            client.wait_for_workers(1 if scheduler else workers, timeout=120)
            client.run(_load_on_worker, settings_json)  # every worker loads the models, now
        except (OSError, TimeoutError) as exc:
            raise ClusterError(
                f"Les workers Dask n'ont pas démarré ou n'ont pas chargé les modèles : {exc}",
                hint="Vérifiez que chaque worker voit HABILITANT_REFERENTIELS et "
                "HABILITANT_MODELS_DIR (index construit) et dispose d'au moins 3 Go de mémoire.",
            ) from exc
        loaded = time.perf_counter()
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
            future = client.submit(run_chunk, settings_json, options, Rows(rows), pure=False)
            sizes[future.key] = (number, len(rows))
            pending.add(future)
            return True

        for _ in range(window):
            if not submit_next():
                break
        for future in pending:
            number, size = sizes.pop(future.key)
            try:
                result = future.result()
            except HabilitantError:
                raise
            except Exception as exc:  # a worker died: what is done stays checkpointed
                raise ClusterError(
                    f"Un worker Dask a échoué sur le lot {number} ({type(exc).__name__}).",
                    hint="Relancez la même commande : les lots terminés ne sont pas refaits.",
                ) from exc
            on_result(number, size, result)
            submit_next()
        peaks = client.run(_peak_rss_mb)
        return {
            "workers": len(info),
            "threads": threads,
            "load_s": round(loaded - tick, 1),
            "compute_s": round(time.perf_counter() - loaded, 1),
            "peak_rss_mb_per_worker": round(max(peaks.values()), 1),
        }
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
