"""``enrich``: a table of narratives in, one row per statement out (and coverage per bloc with
a target), resumable, on one process or on a Dask cluster."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from habilitant.batch.checkpoint import Checkpoint, output_paths
from habilitant.batch.rows import ChunkResult, EnrichOptions, enrich_chunk
from habilitant.batch.table_io import Row, count_rows, fingerprint, read_rows, table_format
from habilitant.encoder import resolved_precision
from habilitant.errors import InputError, UnknownCodeError
from habilitant.settings import Settings

if TYPE_CHECKING:
    from habilitant.pipeline import Habilitant

Engine = Literal["local", "dask"]


def _check_options(settings: Settings, options: EnrichOptions) -> dict[str, Any]:
    """The index manifest, after checking that the referentials and the target exist."""
    from habilitant.index import read_manifest

    manifest = read_manifest(settings.resolved_index_dir)
    known = set(manifest.get("referentiels", {}))
    unknown = sorted(set(options.referentiels) - known)
    if unknown:
        raise UnknownCodeError(
            f"Référentiel(s) absent(s) de l'index : {', '.join(unknown)}.",
            hint=f"Référentiels indexés : {', '.join(sorted(known))}.",
        )
    if options.certification:
        from habilitant.targets import resolve_target
        from habilitant.workspace import load_target_catalog

        # Checked before any row is read; the pipeline loads its own catalog later.
        resolve_target(load_target_catalog(settings, options.certification), options.certification)
    return manifest


def _load(settings: Settings) -> Habilitant:
    from habilitant.pipeline import Habilitant

    return Habilitant(settings)


@dataclass(frozen=True)
class EnrichReport:
    rows: int
    statements: int
    coverage: int
    errors: int
    skipped_chunks: int
    seconds: float
    outputs: dict[str, str]
    engine: str
    cluster: dict[str, Any] = field(default_factory=dict)
    already_done: bool = False


def enrich(
    settings: Settings,
    source: Path,
    output: Path,
    *,
    text_column: str,
    id_column: str,
    options: EnrichOptions | None = None,
    engine: Engine = "local",
    scheduler: str | None = None,
    workers: int = 2,
    chunk_rows: int = 64,
    restart: bool = False,
    progress: Callable[[int, int], None] | None = None,
    load_pipeline: Callable[[], Habilitant] | None = None,
) -> EnrichReport:
    """Enrich ``source`` into ``output`` (formats from the extensions).

    ``load_pipeline`` gives the local engine an already loaded pipeline (it is called only
    when there is work left); Dask workers always load their own."""
    source, output = Path(source), Path(output)
    options = options or EnrichOptions()
    table_format(output)
    if source.resolve() == output.resolve():
        raise InputError("La sortie doit être un autre fichier que l'entrée.")
    if chunk_rows < 1:
        raise InputError("La taille des lots doit être au moins 1.")
    index_manifest = _check_options(settings, options)  # unknown codes fail before any work
    tick = time.perf_counter()
    total = count_rows(source, text_column=text_column, id_column=id_column)
    checkpoint = Checkpoint(
        output,
        {
            "input_sha256": fingerprint(source),
            "text_column": text_column,
            "id_column": id_column,
            "referentiels": list(options.referentiels),
            "certification": options.certification,
            "chunk_rows": chunk_rows,
            # Same models and index, same numbers: a resume never mixes two computations.
            "index_sha256": index_manifest.get("entries_sha256"),
            "encoder_sha256": index_manifest.get("encoder", {}).get("checksum"),
            "precision": resolved_precision(settings.precision),
            "max_text_chars": settings.max_text_chars,
        },
    )
    paths = {name: str(path) for name, path in output_paths(output).items()}
    if not restart and checkpoint.finished():
        return EnrichReport(total, 0, 0, 0, 0, 0.0, paths, engine, already_done=True)
    done = checkpoint.open(restart=restart)
    progressed = {"rows": 0}

    def record(number: int, size: int, result: ChunkResult) -> None:
        checkpoint.save(number, result)
        progressed["rows"] += size
        if progress is not None:
            progress(progressed["rows"], total)

    def pending() -> Iterator[tuple[int, list[Row]]]:
        chunks = read_rows(
            source, text_column=text_column, id_column=id_column, chunk_rows=chunk_rows
        )
        for number, rows in enumerate(chunks):
            if number in done:
                progressed["rows"] += len(rows)
                if progress is not None:
                    progress(progressed["rows"], total)
                continue
            yield number, rows

    cluster: dict[str, Any] = {}
    if engine == "dask":
        from habilitant.batch.dask_engine import run_on_dask

        cluster = run_on_dask(
            pending(), settings, options, scheduler=scheduler, workers=workers, on_result=record
        )
    else:
        from habilitant.batch.rows import batch_threads

        pipeline = None
        with batch_threads():
            for number, rows in pending():
                if pipeline is None:
                    pipeline = (load_pipeline or (lambda: _load(settings)))()
                record(number, len(rows), enrich_chunk(pipeline, rows, options))
    counts = checkpoint.assemble()
    return EnrichReport(
        rows=total,
        statements=counts["statements"],
        coverage=counts["coverage"],
        errors=counts["errors"],
        skipped_chunks=len(done),
        seconds=round(time.perf_counter() - tick, 1),
        outputs={k: v for k, v in paths.items() if k != "coverage" or options.certification},
        engine=engine,
        cluster=cluster,
    )
