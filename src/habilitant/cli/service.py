"""``habilitant serve`` (the API and the page) and ``habilitant enrich`` (batch)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from habilitant.cli.context import pipeline_of, settings_of

if TYPE_CHECKING:
    from habilitant.batch.runner import Engine


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute.")
@click.option("--port", default=8000, show_default=True, help="Port.")
@click.option(
    "--workers", default=1, show_default=True, help="Processus (chacun charge les modèles)."
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int) -> None:
    """L'API HTTP et la page des conseillers (http://HOTE:PORT/)."""
    import logging
    import os

    import uvicorn

    settings = settings_of(ctx)
    # Workers are separate processes: they rebuild these settings from the environment.
    os.environ.update(settings.child_environment(with_secrets=True))
    if workers > 1:  # share the cores between the processes instead of oversubscribing them
        threads = max(1, (os.cpu_count() or 1) // workers)
        for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ.setdefault(variable, str(threads))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"habilitant : http://{host}:{port}/ (API documentée sur /docs)", err=True)
    uvicorn.run(
        "api.app:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # its lines hold query strings; ours hold ids, sizes and timings
        log_level="info",
    )


@click.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("output", type=click.Path(path_type=Path))
@click.option("--text-column", required=True, help="Colonne des récits.")
@click.option("--id-column", required=True, help="Colonne des identifiants (reportés en sortie).")
@click.option("--certification", help="Cible : couverture par bloc en plus des énoncés.")
@click.option("--referentiel", "names", multiple=True, help="Seulement ces référentiels.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--scheduler", help="Scheduler Dask (tcp://HÔTE:8786) ; sinon cluster local.")
@click.option("--workers", default=2, show_default=True, help="Workers du cluster Dask local.")
@click.option("--chunk-rows", default=64, show_default=True, help="Lignes par lot (reprise).")
@click.option("--restart", is_flag=True, help="Ignorer un traitement interrompu et repartir.")
@click.pass_context
def enrich(
    ctx: click.Context,
    source: Path,
    output: Path,
    text_column: str,
    id_column: str,
    certification: str | None,
    names: tuple[str, ...],
    engine: str,
    scheduler: str | None,
    workers: int,
    chunk_rows: int,
    restart: bool,
) -> None:
    """Enrichir un fichier de récits (CSV, Parquet, JSONL) : une ligne par énoncé."""
    from habilitant.batch import EnrichOptions
    from habilitant.batch import enrich as enrich_table
    from habilitant.progress import TqdmProgress

    with TqdmProgress("Enrichissement", unit="récits") as progress:
        report = enrich_table(
            settings_of(ctx),
            source,
            output,
            text_column=text_column,
            id_column=id_column,
            options=EnrichOptions(tuple(names), certification),
            engine=cast("Engine", engine),  # click.Choice has checked the value
            scheduler=scheduler,
            workers=workers,
            chunk_rows=chunk_rows,
            restart=restart,
            progress=progress,
            load_pipeline=lambda: pipeline_of(ctx),
        )
    if report.already_done:
        click.echo(f"Déjà fait : {output} correspond à ce fichier et à ces options.", err=True)
        return
    resumed = f", {report.skipped_chunks} lot(s) repris" if report.skipped_chunks else ""
    click.echo(
        f"{report.rows} récits en {report.seconds} s{resumed} : {report.statements} énoncés, "
        f"{report.errors} ligne(s) en erreur.",
        err=True,
    )
    for name, path in report.outputs.items():
        click.echo(f"  {name} : {path}", err=True)
