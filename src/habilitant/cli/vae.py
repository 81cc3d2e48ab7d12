"""``habilitant coverage`` and ``habilitant suggest``: VAE coverage of a target, bloc by bloc,
and the certifications, blocs and fiches closest to an experience."""

from __future__ import annotations

from pathlib import Path

import click

from habilitant.cli.context import emit, pipeline_of, read_input


def read_narratives(texts: tuple[str, ...], files: tuple[Path, ...]) -> list[str]:
    """Narratives of one person: texts given as arguments, then files (one per interview)."""
    from habilitant.errors import InputError
    from habilitant.inputs import read_text_file

    narratives = [read_input(t, None) for t in texts] + [read_text_file(f) for f in files]
    if not narratives:
        raise InputError(
            "Aucun récit fourni.",
            hint="Exemple : habilitant coverage --certification RNCP37674 --file recit.txt "
            "(répétez --file pour plusieurs entretiens).",
        )
    return narratives


@click.command()
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
    from habilitant.relations import coverage_neighbours
    from habilitant.reports.coverage import (
        coverage_csv,
        coverage_dict,
        coverage_markdown,
        coverage_text,
    )
    from habilitant.reports.render import to_json

    if chart is not None:
        from habilitant.reports.charts import chart_format

        chart_format(chart)  # a wrong extension fails before the analysis
    narratives = read_narratives(texts, files)
    pipeline = pipeline_of(ctx)
    result = pipeline.coverage(target, narratives)
    renderers = {
        "json": lambda c: to_json(coverage_dict(c)),
        "markdown": lambda c: coverage_markdown(c, coverage_neighbours(pipeline, c)),
        "csv": coverage_csv,
    }
    report = renderers.get(fmt or "", coverage_text)(result)
    emit(report, output)
    if chart is not None:
        from habilitant.reports.charts import write_coverage_chart

        click.echo(f"Graphique écrit : {write_coverage_chart(result, chart)}", err=True)


@click.command()
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
@click.option(
    "-k",
    "--limit",
    type=click.IntRange(1, 50),
    default=10,
    show_default=True,
    help="Suggestions par type.",
)
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
    from habilitant.reports.coverage import suggestions_dict, suggestions_text
    from habilitant.reports.render import to_json
    from habilitant.suggest import SUGGESTION_KINDS, SuggestFilters

    filters = SuggestFilters(
        kinds=kinds or SUGGESTION_KINDS,
        niveaux=levels,
        actif_only=active_only,
        referentiels=names,
        limit=limit,
    )
    found, warnings = pipeline_of(ctx).suggest(read_narratives(texts, files), filters)
    if as_json:
        click.echo(to_json(suggestions_dict(found, warnings)))
    else:
        click.echo(suggestions_text(found, warnings))
