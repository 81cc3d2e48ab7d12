"""``habilitant portfolio``: a person's portfolio across interviews (add, show, validate,
export, erase). Each command parses options and calls one function of
:mod:`habilitant.portfolio`; errors become a French message and exit code 1 (see ``cli``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from habilitant.cli.context import emit, pipeline_of, read_input, settings_of

if TYPE_CHECKING:
    from habilitant.portfolio import PortfolioStore, PortfolioView


def _db_path(ctx: click.Context) -> Path:
    explicit = ctx.find_root().meta.get("portfolio_db")
    return Path(explicit) if explicit else Path(settings_of(ctx).portfolio_db)


def _store(ctx: click.Context) -> PortfolioStore:
    """The store, opened once per command and closed when it ends."""
    from habilitant.portfolio import PortfolioStore

    store = PortfolioStore(_db_path(ctx))
    ctx.call_on_close(store.close)
    return store


def _view(ctx: click.Context, person: str, certification: str | None) -> PortfolioView:
    from habilitant.portfolio import view

    store = _store(ctx)
    if not certification:
        return view(store, person)
    store.portfolio(person)  # an unknown person fails before the referentials load
    return view(store, person, catalog=_catalog(ctx, certification), certification=certification)


def _catalog(ctx: click.Context, certification: str) -> Any:
    """Only the referentials the target can come from (RNCP codes: a fraction of a second)."""
    from habilitant.workspace import load_target_catalog

    return load_target_catalog(settings_of(ctx), certification)


@click.group()
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    help="Base des portfolios (sinon HABILITANT_PORTFOLIO_DB, défaut data/portfolio.sqlite3).",
)
@click.pass_context
def portfolio(ctx: click.Context, db: Path | None) -> None:
    """Portfolios de compétences qui s'enrichissent d'un entretien à l'autre."""
    if db is not None:
        ctx.find_root().meta["portfolio_db"] = db


@portfolio.command("add")
@click.option("--person", required=True, help="Identifiant pseudonyme (ex. P-2024-0173).")
@click.option(
    "--file",
    "file",
    required=True,
    type=click.Path(path_type=Path),
    help="Le récit (texte UTF-8) ; - pour l'entrée standard.",
)
@click.option("--date", help="Date de l'entrée, AAAA-MM-JJ (défaut : aujourd'hui).")
@click.option(
    "--kind",
    default="entretien",
    show_default=True,
    help="entretien, contrat, formation, immersion, bénévolat, stage, alternance, "
    "service_civique, autre.",
)
@click.option("--context", help="Contexte en une phrase (ex. « CDD de 6 mois en EHPAD »).")
@click.option(
    "--consent",
    is_flag=True,
    help="La personne consent à la conservation de son récit et des extraits cités.",
)
@click.option(
    "--certification",
    "--target",
    "certification",
    help="Cible suivie (RNCP37674, J1501…) : ses énoncés couverts sont enregistrés aussi.",
)
@click.pass_context
def portfolio_add(
    ctx: click.Context,
    person: str,
    file: Path,
    date: str | None,
    kind: str,
    context: str | None,
    consent: bool,
    certification: str | None,
) -> None:
    """Analyser un récit et l'ajouter au portfolio d'une personne."""
    from habilitant.portfolio import add_entry
    from habilitant.portfolio.records import check_date, check_kind, check_person_id

    # Refuse bad options before the models load (seconds).
    check_person_id(person, new=True)
    check_date(date)
    check_kind(kind)
    text = read_input("-", None) if str(file) == "-" else read_input(None, file)
    added = add_entry(
        _store(ctx),
        pipeline_of(ctx),
        person=person,
        text=text,
        date=date,
        kind=kind,
        consent=consent,
        context=context,
        certification=certification,
    )
    for warning in added.warnings:
        click.echo(f"⚠ {warning}", err=True)
    entry = added.entry
    attested = sum(1 for s in entry.statements if s.decision == "attested")
    kept = "récit et extraits conservés" if entry.consent else "récit non conservé (sans --consent)"
    click.echo(
        f"Entrée n° {entry.id} du {entry.date.isoformat()} ajoutée au portfolio de "
        f"{entry.person_id} : {len(entry.statements)} énoncé(s) dont {attested} attesté(s) ; "
        f"{kept}."
    )
    click.echo(f"Pour les examiner : habilitant portfolio show {entry.person_id}")


@portfolio.command("show")
@click.argument("person")
@click.option(
    "--certification", "--target", "certification", help="Cible dont suivre la couverture."
)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
@click.pass_context
def portfolio_show(
    ctx: click.Context, person: str, certification: str | None, as_json: bool
) -> None:
    """Les entrées, les énoncés (numérotés) et la progression d'une personne."""
    from habilitant.portfolio import export
    from habilitant.reports.portfolio import portfolio_text

    result = _view(ctx, person, certification)
    click.echo(export(result, "json") if as_json else portfolio_text(result))


@portfolio.command("validate")
@click.argument("person")
@click.argument("statement_id", type=int)
@click.option("--accept/--reject", "accept", default=None, help="Valider ou rejeter l'énoncé.")
@click.pass_context
def portfolio_validate(
    ctx: click.Context, person: str, statement_id: int, accept: bool | None
) -> None:
    """Valider (--accept) ou rejeter (--reject) un énoncé du portfolio."""
    from habilitant.errors import PortfolioError
    from habilitant.portfolio import validate_statement

    if accept is None:
        raise PortfolioError(
            "Indiquez --accept pour valider l'énoncé ou --reject pour le rejeter.",
            hint=f"Exemple : habilitant portfolio validate {person} {statement_id} --accept",
        )
    statement = validate_statement(_store(ctx), person, statement_id, accept=accept)
    state = "validé" if accept else "rejeté"
    click.echo(f"Énoncé n° {statement.id} {state} : {statement.libelle}")


@portfolio.command("export")
@click.argument("person")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "markdown"]),
    default="json",
    show_default=True,
)
@click.option(
    "--certification", "--target", "certification", help="Cible dont suivre la couverture."
)
@click.option("--output", type=click.Path(path_type=Path), help="Écrire l'export ici.")
@click.pass_context
def portfolio_export(
    ctx: click.Context, person: str, fmt: str, certification: str | None, output: Path | None
) -> None:
    """Exporter un portfolio : JSON, CSV (un énoncé par ligne) ou synthèse Markdown (avec, pour
    chaque compétence attestée, ses proches RNCP et ESCO)."""
    from habilitant.portfolio import export

    portfolio_view = _view(ctx, person, certification)
    neighbours = None
    if fmt == "markdown":
        from habilitant.relations import statements_neighbours
        from habilitant.reports.portfolio import attested_competence_ids

        ids = attested_competence_ids(portfolio_view)
        neighbours = statements_neighbours(pipeline_of(ctx), ids) if ids else {}
    emit(export(portfolio_view, fmt, neighbours), output)


@portfolio.command("erase")
@click.argument("person")
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
@click.pass_context
def portfolio_erase(ctx: click.Context, person: str, yes: bool) -> None:
    """Effacer tout ce qui concerne une personne (droit à l'effacement, RGPD)."""
    from habilitant.portfolio import erase_person
    from habilitant.portfolio.records import check_person_id

    store = _store(ctx)
    if not store.has_person(check_person_id(person)):
        # Already erased, or an erasure interrupted before its scrub: scrub again.
        erase_person(store, person)
        click.echo(
            f"Aucune donnée sur {person} : rien à effacer. La base a été compactée et son "
            "journal vidé : elle ne garde aucune trace d'un effacement précédent."
        )
        return
    if not yes:
        click.confirm(
            f"Effacer définitivement le portfolio de {person} (entrées, énoncés, récits) ?",
            abort=True,
        )
    count = erase_person(store, person)
    click.echo(
        f"Portfolio de {person} effacé : {count} entrée(s) ; la base a été compactée "
        "et son journal vidé."
    )
