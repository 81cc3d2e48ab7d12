"""The ``habilitant`` command line (click). Each command parses options and calls one
library function; errors of the library become a French message and exit code 1."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from habilitant import __version__
from habilitant.cli.context import pipeline_of, read_input, settings_of
from habilitant.errors import HabilitantError
from habilitant.settings import get_settings


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
    "--encoder",
    help="Encodeur : multilingual-e5-small (défaut), embeddinggemma-300m ou un modèle "
    "sentence-transformers (voir habilitant encoder list).",
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
    from habilitant.reports.render import summary_text, to_json
    from habilitant.workspace import summary

    rows = summary(settings_of(ctx))
    click.echo(to_json(rows) if as_json else summary_text(rows))


@referentiels.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def referentiels_show(ctx: click.Context, code: str, as_json: bool) -> None:
    """Une certification et ses blocs, une fiche ROME et ses items, ou une compétence et ses
    proches dans les autres référentiels."""
    from habilitant.domain import Competence
    from habilitant.reports.render import show_json, show_text
    from habilitant.workspace import load_catalog, neighbours_of

    catalog = load_catalog(settings_of(ctx))
    item = catalog.lookup(code)
    found = None
    if isinstance(item, Competence):
        found = (neighbours_of(settings_of(ctx), [item.id]) or {}).get(item.id)
    click.echo(show_json(item, catalog, found) if as_json else show_text(item, catalog, found))


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

    settings = settings_of(ctx)
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
    "--remove-missing",
    is_flag=True,
    help="Accepter que l'index perde les référentiels absents du dossier ou non demandés.",
)
@click.option(
    "--index-type", type=click.Choice(["auto", "flat", "hnsw"]), default="auto", show_default=True
)
@click.pass_context
def index_build(
    ctx: click.Context, names: tuple[str, ...], force: bool, remove_missing: bool, index_type: str
) -> None:
    """Encoder tous les éléments des référentiels et installer l'index."""
    from habilitant.progress import TqdmProgress
    from habilitant.workspace import build

    with TqdmProgress("Encodage", unit="élément") as progress:
        report = build(
            settings_of(ctx),
            names or None,
            force=force,
            remove_missing=remove_missing,
            index_type=index_type,
            progress=progress,
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
    from habilitant.reports.render import hit_dict, hits_text, to_json
    from habilitant.workspace import search as run_search

    if text == "-":
        text = sys.stdin.read()
    result = run_search(
        settings_of(ctx), text, k=k, referentiels=names or None, kinds=kinds or None
    )
    if as_json:
        click.echo(to_json({"query": text, "hits": [hit_dict(h) for h in result.hits]}))
    else:
        click.echo(hits_text(result.hits))


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
    """Les compétences qu'un récit d'expérience permet d'affirmer, avec leurs preuves (en JSON,
    chacune avec ses liens officiels et ses proches dans les autres référentiels)."""
    from habilitant.relations import analysis_relations
    from habilitant.reports.render import analysis_dict, analysis_text, to_json

    narrative = read_input(text, file)
    pipeline = pipeline_of(ctx)
    result = pipeline.analyse(
        narrative, referentiels=names, certifications=certifications, fiches=fiches, kinds=kinds
    )
    if as_json:
        click.echo(to_json(analysis_dict(result, analysis_relations(pipeline, [result]))))
    else:
        click.echo(analysis_text(result))


@cli.command()
@click.argument("dataset", type=click.Path(path_type=Path))
@click.option(
    "--melo", type=click.Path(path_type=Path), help="Dossier MELO fra_q_fr_c_fr à évaluer aussi."
)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON au lieu du tableau.")
@click.option("--output", type=click.Path(path_type=Path), help="Écrire aussi le JSON ici.")
@click.option(
    "--cases",
    "per_case",
    is_flag=True,
    help="Récits : le détail de chaque récit (concepts manqués).",
)
@click.pass_context
def evaluate(
    ctx: click.Context,
    dataset: Path,
    melo: Path | None,
    as_json: bool,
    output: Path | None,
    per_case: bool,
) -> None:
    """Évaluer sur un jeu annoté (JSONL d'offres ou de récits) : habilitant, BM25 seul, dense
    seul."""
    from habilitant.evaluation.report import run_evaluation
    from habilitant.reports.render import to_json

    report, table = run_evaluation(settings_of(ctx), dataset, melo=melo, cases=per_case)
    click.echo(to_json(report) if as_json else table)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(to_json(report), encoding="utf-8")


def main() -> None:
    cli(prog_name="habilitant")


# Command groups in their own modules.
from habilitant.cli.encoder import encoder  # noqa: E402
from habilitant.cli.portfolio import portfolio  # noqa: E402
from habilitant.cli.service import enrich, serve  # noqa: E402
from habilitant.cli.train import train  # noqa: E402
from habilitant.cli.vae import coverage, suggest  # noqa: E402

for _command in (coverage, suggest, serve, enrich, portfolio, encoder, train):
    cli.add_command(_command)
