"""The ``habilitant`` command line (click). Each command parses options and calls one
library function; errors of the library become a French message and exit code 1."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from habilitant import __version__
from habilitant.errors import HabilitantError
from habilitant.settings import Settings, get_settings


class _Group(click.Group):
    """Turns library errors into a clear message and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HabilitantError as exc:
            click.echo(f"Erreur : {exc.message}", err=True)
            if exc.hint:
                click.echo(exc.hint, err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrompu.", err=True)
            ctx.exit(130)


def _settings(ctx: click.Context) -> Settings:
    return ctx.find_object(Settings) or get_settings()


_PIPELINES: dict[str, Any] = {}


def _habilitant(ctx: click.Context) -> Any:
    """The pipeline for these settings, loaded once per process (models take seconds)."""
    from habilitant.pipeline import Habilitant

    settings = _settings(ctx)
    key = settings.model_dump_json()
    if key not in _PIPELINES:
        _PIPELINES.clear()
        _PIPELINES[key] = Habilitant(settings)
    return _PIPELINES[key]


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="habilitant")
@click.option(
    "--referentiels",
    "referentiels_dir",
    type=click.Path(path_type=Path),
    help="Dossier des fichiers officiels (sinon HABILITANT_REFERENTIELS).",
)
@click.option("--models-dir", type=click.Path(path_type=Path), help="Dossier des modèles.")
@click.option(
    "--encoder", help="Encodeur : multilingual-e5-small ou un modèle sentence-transformers."
)
@click.pass_context
def cli(
    ctx: click.Context, referentiels_dir: Path | None, models_dir: Path | None, encoder: str | None
) -> None:
    """habilitant : traduire un récit d'expérience dans les mots des référentiels officiels."""
    ctx.obj = get_settings(referentiels=referentiels_dir, models_dir=models_dir, encoder=encoder)


@cli.group()
def referentiels() -> None:
    """Référentiels officiels : lister, afficher, télécharger."""


@referentiels.command("list")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def referentiels_list(ctx: click.Context, as_json: bool) -> None:
    """Sources, versions et effectifs des référentiels disponibles."""
    from habilitant.render import summary_text, to_json
    from habilitant.workspace import summary

    rows = summary(_settings(ctx))
    click.echo(to_json(rows) if as_json else summary_text(rows))


@referentiels.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def referentiels_show(ctx: click.Context, code: str, as_json: bool) -> None:
    """Une certification et ses blocs, une fiche ROME et ses items, ou une compétence."""
    from habilitant.render import show_json, show_text
    from habilitant.workspace import load_catalog

    catalog = load_catalog(_settings(ctx))
    item = catalog.lookup(code)
    click.echo(show_json(item, catalog) if as_json else show_text(item, catalog))


@referentiels.command("download")
@click.option(
    "--dest", type=click.Path(path_type=Path), help="Dossier de destination (sinon le réglage)."
)
@click.option("--base-url", help="Miroir (même arborescence) au lieu des sites des producteurs.")
@click.option("--only", multiple=True, help="Seulement ces référentiels (rome, rncp...).")
@click.pass_context
def referentiels_download(
    ctx: click.Context, dest: Path | None, base_url: str | None, only: tuple[str, ...]
) -> None:
    """Télécharger les fichiers officiels et noter version et empreinte."""
    from habilitant.download import download_referentiels

    settings = _settings(ctx)
    records = download_referentiels(
        dest or Path(settings.referentiels),
        base_url=base_url,
        only=only or None,
        log=lambda message: click.echo(message, err=True),
    )
    for record in records:
        click.echo(f"{record.name:<10} {record.path}  sha256 {record.sha256[:16]}…")


@cli.group()
def index() -> None:
    """Index des compétences (FAISS)."""


@index.command("build")
@click.option("--referentiel", "names", multiple=True, help="Seulement ces référentiels.")
@click.option("--force", is_flag=True, help="Reconstruire même si l'index est à jour.")
@click.option(
    "--index-type", type=click.Choice(["auto", "flat", "hnsw"]), default="auto", show_default=True
)
@click.pass_context
def index_build(ctx: click.Context, names: tuple[str, ...], force: bool, index_type: str) -> None:
    """Encoder tous les éléments des référentiels et installer l'index."""
    from habilitant.progress import TqdmProgress
    from habilitant.workspace import build

    with TqdmProgress("Encodage", unit="élément") as progress:
        report = build(
            _settings(ctx), names or None, force=force, index_type=index_type, progress=progress
        )
    state = "déjà à jour" if report.up_to_date else "construit"
    click.echo(
        f"Index {state} : {_n(report.count)} éléments ({_n(report.encoded)} textes encodés, "
        f"{_n(report.reused)} repris du cache) en {report.seconds:.1f} s → {report.path}"
    )


def _n(number: int) -> str:
    """French thousands separator: 97 754."""
    return f"{number:,}".replace(",", "\u202f")


@cli.command()
@click.argument("text")
@click.option("-k", "--k", "k", default=10, show_default=True, help="Nombre de résultats.")
@click.option("--referentiel", "names", multiple=True, help="Filtrer par référentiel.")
@click.option("--kind", "kinds", multiple=True, help="Filtrer par nature (competence, savoir...).")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def search(
    ctx: click.Context,
    text: str,
    k: int,
    names: tuple[str, ...],
    kinds: tuple[str, ...],
    as_json: bool,
) -> None:
    """Les éléments de référentiel les plus proches d'un texte."""
    from habilitant.render import hit_dict, hits_text, to_json
    from habilitant.workspace import search as run_search

    if text == "-":
        text = sys.stdin.read()
    result = run_search(_settings(ctx), text, k=k, referentiels=names or None, kinds=kinds or None)
    if as_json:
        click.echo(to_json({"query": text, "hits": [hit_dict(h) for h in result.hits]}))
    else:
        click.echo(hits_text(result.hits))


def _read_input(text: str | None, file: Path | None) -> str:
    from habilitant.errors import InputError
    from habilitant.inputs import decode_bytes, read_text_file

    if file is not None and text is not None:
        raise InputError("Donnez soit un texte, soit --file, pas les deux.")
    if file is not None:
        return read_text_file(file)
    if text is None:
        raise InputError(
            "Aucun texte fourni.",
            hint='Exemple : habilitant analyse "J\'ai fait des remplacements en EHPAD…" '
            "(ou --file recit.txt, ou - pour l'entrée standard).",
        )
    if text == "-":
        return decode_bytes(sys.stdin.buffer.read(), source="L'entrée standard")
    return text


@cli.command()
@click.argument("text", required=False)
@click.option(
    "--file", "file", type=click.Path(path_type=Path), help="Lire le récit dans un fichier."
)
@click.option("--referentiel", "names", multiple=True, help="Seulement ces référentiels.")
@click.option(
    "--certification", "certifications", multiple=True, help="Seulement cette certification."
)
@click.option("--fiche", "fiches", multiple=True, help="Seulement cette fiche ROME.")
@click.option("--kind", "kinds", multiple=True, help="Seulement ces natures (competence, savoir…).")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def analyse(
    ctx: click.Context,
    text: str | None,
    file: Path | None,
    names: tuple[str, ...],
    certifications: tuple[str, ...],
    fiches: tuple[str, ...],
    kinds: tuple[str, ...],
    as_json: bool,
) -> None:
    """Les compétences qu'un récit d'expérience permet d'affirmer, avec leurs preuves."""
    from habilitant.render import analysis_dict, analysis_text, to_json

    narrative = _read_input(text, file)
    result = _habilitant(ctx).analyse(
        narrative, referentiels=names, certifications=certifications, fiches=fiches, kinds=kinds
    )
    click.echo(to_json(analysis_dict(result)) if as_json else analysis_text(result))


def _read_narratives(texts: tuple[str, ...], files: tuple[Path, ...]) -> list[str]:
    """Narratives of one person: texts given as arguments, then files (one per interview)."""
    from habilitant.errors import InputError
    from habilitant.inputs import read_text_file

    narratives = [_read_input(t, None) for t in texts] + [read_text_file(f) for f in files]
    if not narratives:
        raise InputError(
            "Aucun récit fourni.",
            hint="Exemple : habilitant coverage --certification RNCP37674 --file recit.txt "
            "(répétez --file pour plusieurs entretiens).",
        )
    return narratives


@cli.command()
@click.argument("texts", nargs=-1)
@click.option(
    "--certification",
    "--target",
    "target",
    required=True,
    help="Cible : numéro RNCP/RS (RNCP37674), fiche ROME (J1501) ou emploi-type.",
)
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Récit dans un fichier (répétable : un fichier par entretien).",
)
@click.option("--json", "fmt", flag_value="json", help="Sortie JSON.")
@click.option("--markdown", "fmt", flag_value="markdown", help="Synthèse Markdown.")
@click.option("--csv", "fmt", flag_value="csv", help="Une ligne CSV par énoncé.")
@click.option("--chart", type=click.Path(path_type=Path), help="Graphique par bloc (.png, .svg).")
@click.option("--output", type=click.Path(path_type=Path), help="Écrire le rapport ici.")
@click.pass_context
def coverage(
    ctx: click.Context,
    texts: tuple[str, ...],
    target: str,
    files: tuple[Path, ...],
    fmt: str | None,
    chart: Path | None,
    output: Path | None,
) -> None:
    """Couverture d'une certification, bloc par bloc, par un ou plusieurs récits."""
    from habilitant.render import to_json
    from habilitant.reports import coverage_csv, coverage_dict, coverage_markdown, coverage_text

    narratives = _read_narratives(texts, files)
    result = _habilitant(ctx).coverage(target, narratives)
    renderers = {
        "json": lambda c: to_json(coverage_dict(c)),
        "markdown": coverage_markdown,
        "csv": coverage_csv,
    }
    report = renderers.get(fmt or "", coverage_text)(result)
    _emit(report, output)
    if chart is not None:
        from habilitant.charts import write_coverage_chart

        click.echo(f"Graphique écrit : {write_coverage_chart(result, chart)}", err=True)


@cli.command()
@click.argument("texts", nargs=-1)
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Récit dans un fichier (répétable).",
)
@click.option("--level", "--niveau", "levels", multiple=True, help="Niveau (3 à 8), répétable.")
@click.option("--active-only", is_flag=True, help="Seulement les certifications actives.")
@click.option("--referentiel", "names", multiple=True, help="Seulement ces référentiels.")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(["certification", "bloc", "fiche"]),
    help="Seulement ces types de suggestions.",
)
@click.option("-k", "--limit", default=10, show_default=True, help="Suggestions par type.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def suggest(
    ctx: click.Context,
    texts: tuple[str, ...],
    files: tuple[Path, ...],
    levels: tuple[str, ...],
    active_only: bool,
    names: tuple[str, ...],
    kinds: tuple[str, ...],
    limit: int,
    as_json: bool,
) -> None:
    """Certifications, blocs et fiches métiers les plus proches de l'expérience."""
    from habilitant.render import to_json
    from habilitant.reports import suggestions_dict, suggestions_text
    from habilitant.suggest import SUGGESTION_KINDS, SuggestFilters

    filters = SuggestFilters(
        kinds=kinds or SUGGESTION_KINDS,
        niveaux=levels,
        actif_only=active_only,
        referentiels=names,
        limit=limit,
    )
    found, warnings = _habilitant(ctx).suggest(_read_narratives(texts, files), filters)
    if as_json:
        click.echo(to_json(suggestions_dict(found, warnings)))
    else:
        click.echo(suggestions_text(found, warnings))


@cli.command()
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

    settings = _settings(ctx)
    # Workers are separate processes: they read their settings from the environment.
    os.environ["HABILITANT_REFERENTIELS"] = str(settings.referentiels)
    os.environ["HABILITANT_MODELS_DIR"] = str(settings.models_dir)
    os.environ["HABILITANT_ENCODER"] = settings.encoder
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


@cli.command()
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
            _settings(ctx),
            source,
            output,
            text_column=text_column,
            id_column=id_column,
            options=EnrichOptions(tuple(names), certification),
            engine=engine,  # type: ignore[arg-type]
            scheduler=scheduler,
            workers=workers,
            chunk_rows=chunk_rows,
            restart=restart,
            progress=progress,
            load_pipeline=lambda: _habilitant(ctx),
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


def _emit(report: str, output: Path | None) -> None:
    if output is None:
        click.echo(report.rstrip("\n"))
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report, encoding="utf-8")
    click.echo(f"Rapport écrit : {output}", err=True)


@cli.command()
@click.argument("dataset", type=click.Path(path_type=Path))
@click.option(
    "--melo", type=click.Path(path_type=Path), help="Dossier MELO fra_q_fr_c_fr à évaluer aussi."
)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON au lieu du tableau.")
@click.option("--output", type=click.Path(path_type=Path), help="Écrire aussi le JSON ici.")
@click.pass_context
def evaluate(
    ctx: click.Context, dataset: Path, melo: Path | None, as_json: bool, output: Path | None
) -> None:
    """Évaluer sur un jeu annoté (JSONL) : habilitant, BM25 seul, dense seul."""
    from habilitant.evaluation.report import run_evaluation
    from habilitant.render import to_json

    report, table = run_evaluation(_settings(ctx), dataset, melo=melo)
    click.echo(to_json(report) if as_json else table)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(to_json(report), encoding="utf-8")


def main() -> None:
    cli(prog_name="habilitant")


from habilitant.cli_portfolio import portfolio  # noqa: E402  (it uses the helpers above)

cli.add_command(portfolio)
