"""What the CLI and the API call: add an entry from a narrative, validate or reject a
statement, view a portfolio and its progression, export it, erase a person.

from habilitant.portfolio import PortfolioStore, add_entry
with PortfolioStore("data/portfolio.sqlite3") as store:
    added = add_entry(store, Habilitant(), person="P-0173", text=recit, certification="RNCP37674")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from habilitant.domain import Coverage, Evidence, Parent, Statement
from habilitant.errors import PortfolioError
from habilitant.inputs import validate_text
from habilitant.portfolio.progression import PortfolioView, progression
from habilitant.portfolio.records import (
    Entry,
    EntryDraft,
    Finding,
    StoredStatement,
    check_context,
    check_date,
    check_kind,
    check_person_id,
)
from habilitant.portfolio.store import PortfolioStore

if TYPE_CHECKING:
    from habilitant.catalog import Catalog
    from habilitant.neighbours import Neighbour
    from habilitant.pipeline import Habilitant

ExportFormat = Literal["json", "csv", "markdown"]
EXPORT_FORMATS: tuple[str, ...] = ("json", "csv", "markdown")


@dataclass(frozen=True)
class AddedEntry:
    """The entry as stored, and what the user must know about the analysis."""

    entry: Entry
    warnings: tuple[str, ...] = ()


def target_findings(coverage: Coverage, catalog: Catalog) -> list[Finding]:
    """A target's covered and partial competences as statements to store (source ``cible``):
    covered becomes *attested*, partial *to confirm*; the wording and place are the catalog's."""
    target = coverage.target
    fallback = (Parent("certification", target.code, target.libelle),)
    findings = []
    for bloc in coverage.blocs:
        for item in bloc.competences:
            if item.status == "missing":
                continue
            known = catalog.competences.get(item.competence_id)
            statement = Statement(
                competence_id=item.competence_id,
                code=known.code if known else item.competence_id.rsplit(":", 1)[-1],
                referentiel=known.referentiel if known else target.referentiel,
                libelle=item.libelle,
                kind=known.kind if known else "competence",
                decision="attested" if item.status == "covered" else "to_confirm",
                score=item.score,
                parents=known.parents if known else fallback,
                evidence=tuple(Evidence(q.start, q.end, q.text) for q in item.quotes),
            )
            findings.append(Finding(statement, "cible"))
    return findings


def add_entry(
    store: PortfolioStore,
    pipeline: Habilitant,
    *,
    person: str,
    text: str,
    date: str | dt.date | None = None,
    kind: str | None = None,
    consent: bool = False,
    context: str | None = None,
    certification: str | None = None,
) -> AddedEntry:
    """Analyse ``text`` and store it as one entry of ``person``'s portfolio. With a target
    (``certification``: RNCP/RS, ROME fiche, emploi-type), its covered and partial statements
    are stored too, so that the portfolio's coverage of it can be followed over time.
    The narrative and the quoted words are kept only with ``consent``."""
    person_id = check_person_id(person, new=True)
    day, entry_kind, note = check_date(date), check_kind(kind), check_context(context)
    text = validate_text(text, max_chars=pipeline.settings.max_text_chars)
    target = None
    if certification and certification.strip():
        from habilitant.targets import resolve_target

        target = resolve_target(pipeline.catalog, certification)  # unknown code: fail early
    ranking = pipeline.rank(text)  # once, for the analysis and the target's coverage
    analysis = pipeline.analyse(text, ranking=ranking)
    findings = [Finding(s, "analyse") for s in analysis.statements]
    warnings = list(analysis.warnings)
    code = target.code if target is not None else ""
    if target is not None:
        coverage = pipeline.coverage_rankings(target, [ranking])
        findings += target_findings(coverage, pipeline.catalog)
        warnings += [n for n in coverage.target.notes if n not in warnings]
    draft = EntryDraft(
        person_id=person_id,
        date=day,
        kind=entry_kind,
        findings=tuple(findings),
        consent=consent,
        narrative=text if consent else None,
        context=note,
        certification=code,
    )
    return AddedEntry(store.add_entry(draft), tuple(warnings))


def validate_statement(
    store: PortfolioStore, person: str, statement_id: int, *, accept: bool
) -> StoredStatement:
    """The counsellor validates (``accept``) or rejects one stored statement."""
    return store.set_validation(person, statement_id, "validated" if accept else "rejected")


def view(
    store: PortfolioStore,
    person: str,
    *,
    catalog: Catalog | None = None,
    certification: str | None = None,
) -> PortfolioView:
    """A person's portfolio and its progression; with ``certification`` (and the ``catalog``
    that knows it), the coverage of that target at each entry date."""
    portfolio = store.portfolio(person)
    target = None
    if certification and certification.strip():
        if catalog is None:
            raise ValueError("a catalog is needed to follow a certification")
        from habilitant.targets import resolve_target

        target = resolve_target(catalog, certification)
    return progression(portfolio, target)


def export(
    portfolio_view: PortfolioView,
    fmt: str = "json",
    neighbours: Mapping[str, Sequence[Neighbour]] | None = None,
) -> str:
    """The portfolio as JSON, CSV (one row per stored statement) or a Markdown synthesis (with
    ``neighbours``: each attested competence's computed RNCP and ESCO neighbours)."""
    from habilitant.reports import portfolio as reports

    def markdown(chosen: PortfolioView) -> str:
        return reports.portfolio_markdown(chosen, neighbours)

    renderers: dict[str, Callable[[PortfolioView], str]] = {
        "json": reports.portfolio_json,
        "csv": reports.portfolio_csv,
        "markdown": markdown,
    }
    if fmt not in renderers:
        raise PortfolioError(
            f"Format d'export inconnu : « {fmt} ».",
            hint="Formats possibles : " + ", ".join(EXPORT_FORMATS) + ".",
        )
    return renderers[fmt](portfolio_view)


def erase_person(store: PortfolioStore, person: str) -> int:
    """Erase everything about ``person`` (RGPD); return the number of entries erased."""
    return store.erase(person)
