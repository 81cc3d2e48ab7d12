"""Coverage and suggestion reports: JSON (same field names as the API), CSV, readable text and a
Markdown synthesis a colleague can read. Pure functions from domain objects to strings."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from habilitant.domain import CompetenceCoverage, Coverage, Quote, Suggestion
from habilitant.labels import STATUS_LABELS, SUGGESTION_KIND_LABELS
from habilitant.reports.links import synthesis_neighbours_line

if TYPE_CHECKING:
    from habilitant.neighbours import Neighbour

STATUS_MARKS = {"covered": "✔", "partial": "◐", "missing": "✘"}
DEPTH_LABELS = {
    "competences": "jugée sur les compétences de chaque bloc",
    "bloc_titles": "jugée sur les intitulés des blocs (liste des compétences non publiée)",
}


def _quotes(quotes: Sequence[Quote]) -> list[dict[str, Any]]:
    return [
        {"start": q.start, "end": q.end, "text": q.text, "narrative": q.narrative} for q in quotes
    ]


def _competence(c: CompetenceCoverage) -> dict[str, Any]:
    return {
        "competence_id": c.competence_id,
        "libelle": c.libelle,
        "status": c.status,
        "score": c.score,
        "evidence": _quotes(c.quotes),
    }


def coverage_dict(
    coverage: Coverage,
    *,
    markdown: bool = False,
    neighbours: Mapping[str, Sequence[Neighbour]] | None = None,
) -> dict[str, Any]:
    """The ``habilitant coverage --json`` shape; with ``markdown``, the API's ``markdown``
    field too (:func:`coverage_markdown`, with the covered competences' ``neighbours``)."""
    target = coverage.target
    data = {
        "target": {
            "code": target.code,
            "libelle": target.libelle,
            "referentiel": target.referentiel,
            "kind": target.kind,
            "niveau": target.niveau,
            "actif": target.actif,
            "successors": list(target.successors),
        },
        "coverage_ratio": coverage.coverage_ratio,
        "depth": target.depth,
        "narratives": coverage.narratives,
        "blocs": [
            {
                "code": b.code,
                "libelle": b.libelle,
                "coverage_ratio": b.coverage_ratio,
                "ready_for_vae": b.ready_for_vae,
                "competences": [_competence(c) for c in b.competences],
            }
            for b in coverage.blocs
        ],
        "gaps": [
            {"competence_id": g.competence_id, "libelle": g.libelle, "bloc": b.code}
            for b in coverage.blocs
            for g in b.competences
            if g.status == "missing"
        ],
        "warnings": list(coverage.warnings),
    }
    if markdown:
        data["markdown"] = coverage_markdown(coverage, neighbours)
    return data


def coverage_csv(coverage: Coverage) -> str:
    """One row per statement of the target: bloc, statement, status, score, evidence."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "cible",
            "bloc",
            "bloc_libelle",
            "bloc_taux",
            "bloc_pret_vae",
            "competence_id",
            "libelle",
            "statut",
            "score",
            "preuves",
        ]
    )
    for bloc in coverage.blocs:
        for c in bloc.competences:
            writer.writerow(
                [
                    coverage.target.code,
                    bloc.code,
                    bloc.libelle,
                    f"{bloc.coverage_ratio:.4f}",
                    "oui" if bloc.ready_for_vae else "non",
                    c.competence_id,
                    c.libelle,
                    c.status,
                    f"{c.score:.4f}",
                    " | ".join(_quote_text(q, coverage.narratives) for q in c.quotes),
                ]
            )
    return out.getvalue()


def _quote_text(quote: Quote, narratives: int, markdown: bool = False) -> str:
    where = f"récit {quote.narrative + 1}, " if narratives > 1 else ""
    text = _markdown_escape(quote.text) if markdown else quote.text
    return f"« {text} » ({where}{quote.start}–{quote.end})"


def _markdown_escape(text: str) -> str:
    """A person's words, inert in Markdown: one line, no markup, no HTML."""
    text = " ".join(text.split())
    for char in "\\`*_{}[]<>#|!":
        text = text.replace(char, "\\" + char)
    return text


def _percent(ratio: float) -> str:
    return f"{round(100 * ratio)} %"


def coverage_text(coverage: Coverage) -> str:
    """Readable French output of a coverage (terminal)."""
    target = coverage.target
    lines = [f"⚠ {w}" for w in coverage.warnings]
    lines.append(f"{target.code} — {target.libelle}")
    lines.append(
        f"Couverture globale : {_percent(coverage.coverage_ratio)} "
        f"({DEPTH_LABELS.get(target.depth, target.depth)})"
    )
    for bloc in coverage.blocs:
        ready = " — prêt pour une VAE partielle" if bloc.ready_for_vae else ""
        lines.append(f"\n{bloc.code} {bloc.libelle} : {_percent(bloc.coverage_ratio)}{ready}")
        for c in bloc.competences:
            label = STATUS_LABELS[c.status]
            lines.append(f"  {STATUS_MARKS[c.status]} {c.libelle}  [{label}]")
            for quote in c.quotes:
                lines.append(f"      {_quote_text(quote, coverage.narratives)}")
    return "\n".join(lines)


def coverage_markdown(
    coverage: Coverage, neighbours: Mapping[str, Sequence[Neighbour]] | None = None
) -> str:
    """A synthesis for a colleague: competences in the referential's words, evidence, gaps,
    and the next steps the data supports. With ``neighbours`` (by competence id), each
    covered competence gets one line with its RNCP and ESCO neighbours (« proche »)."""
    target = coverage.target
    level = f", niveau {target.niveau}" if target.niveau else ""
    lines = [
        f"# Synthèse de couverture — {target.code} « {target.libelle} »",
        "",
        f"*Référentiel : {target.referentiel}{level}. Couverture globale : "
        f"**{_percent(coverage.coverage_ratio)}**, {DEPTH_LABELS.get(target.depth, '')}. "
        f"Récits analysés : {coverage.narratives}.*",
        "",
    ]
    if coverage.warnings:
        lines += ["> " + w for w in coverage.warnings] + [""]
    lines += ["| Bloc | Intitulé | Couverture | VAE partielle |", "|---|---|---|---|"]
    for bloc in coverage.blocs:
        ready = "prêt" if bloc.ready_for_vae else "—"
        libelle = bloc.libelle.replace("|", "/")
        lines.append(f"| {bloc.code} | {libelle} | {_percent(bloc.coverage_ratio)} | {ready} |")
    lines += ["", "## Compétences étayées par le récit (couvertes ou partielles)", ""]
    covered = [(b, c) for b in coverage.blocs for c in b.competences if c.status != "missing"]
    if not covered:
        lines.append("Aucune compétence de la cible n'est étayée par le récit.")
    for bloc, c in covered:
        status = "couverte" if c.status == "covered" else "partielle, à étayer"
        lines.append(f"- **{c.libelle}** ({status} — bloc {bloc.code})")
        for quote in c.quotes:
            lines.append(f"  - {_quote_text(quote, coverage.narratives, markdown=True)}")
        if neighbours is not None and c.status == "covered":
            lines.append(f"  - {synthesis_neighbours_line(neighbours.get(c.competence_id, ()))}")
    lines += ["", "## Écarts à la cible", ""]
    if not coverage.gaps:
        lines.append("Aucun écart : chaque énoncé de la cible est au moins partiellement étayé.")
    for bloc in coverage.blocs:
        missing = [c for c in bloc.competences if c.status == "missing"]
        if missing:
            lines.append(f"- {bloc.code} « {bloc.libelle} » :")
            lines.extend(f"  - {c.libelle}" for c in missing)
    lines += ["", "## Prochaines étapes", ""]
    lines.extend(f"- {step}" for step in next_steps(coverage))
    lines += [
        "",
        "*Énoncés repris mot pour mot du référentiel officiel ; statuts calculés par habilitant "
        "à partir des récits, à valider avec la personne.*",
    ]
    return "\n".join(lines) + "\n"


def next_steps(coverage: Coverage) -> list[str]:
    """Steps the coverage supports, worded neutrally (no provider, no training offer)."""
    steps = []
    target = coverage.target
    if not target.actif and target.successors:
        steps.append(
            "Vérifier la certification qui remplace celle-ci ("
            + ", ".join(target.successors)
            + ") et refaire la comparaison avec elle."
        )
    ready = [b for b in coverage.blocs if b.ready_for_vae]
    if ready:
        steps.append(
            "Blocs pouvant faire l'objet d'une demande de VAE partielle : "
            + ", ".join(b.code for b in ready)
            + "."
        )
    partial = [c for b in coverage.blocs for c in b.competences if c.status == "partial"]
    if partial:
        steps.append(
            f"Recueillir des exemples précis ou des attestations pour {len(partial)} "
            "compétence(s) partiellement étayée(s), lors d'un prochain entretien."
        )
    empty = [b for b in coverage.blocs if b.coverage_ratio == 0]
    if empty:
        steps.append(
            "Blocs sans aucun élément dans le récit (à explorer en entretien, ou à acquérir) : "
            + ", ".join(b.code for b in empty)
            + "."
        )
    if not steps:
        steps.append("Compléter le récit : les éléments actuels ne permettent pas de conclure.")
    return steps


def suggestions_dict(suggestions: Sequence[Suggestion], warnings: Sequence[str] = ()) -> dict:
    """The ``habilitant suggest --json`` shape."""
    return {
        "suggestions": [
            {
                "code": s.code,
                "libelle": s.libelle,
                "kind": s.kind,
                "referentiel": s.referentiel,
                "niveau": s.niveau,
                "actif": s.actif,
                "coverage_ratio": s.coverage_ratio,
                "score": s.score,
                "certification": s.certification,
                "why": s.why,
                "evidence": _quotes(s.evidence),
            }
            for s in suggestions
        ],
        "warnings": list(warnings),
    }


def suggestions_text(suggestions: Sequence[Suggestion], warnings: Sequence[str] = ()) -> str:
    lines = [f"⚠ {w}" for w in warnings]
    if not suggestions:
        lines.append("Aucune certification ni fiche n'est étayée par ce récit.")
    kind = None
    rank_in_kind = 0
    for s in suggestions:
        if s.kind != kind:
            kind, rank_in_kind = s.kind, 0
            lines.append(f"\n== {SUGGESTION_KIND_LABELS.get(kind, kind)} ==")
        rank_in_kind += 1
        level = f", niveau {s.niveau}" if s.niveau else ""
        status = "" if s.actif else ", inactive"
        lines.append(
            f"{rank_in_kind:>2}. {s.code} {s.libelle} ({s.referentiel}{level}{status}) — "
            f"{_percent(s.coverage_ratio)}"
        )
        lines.append(f"    {s.why}")
        for quote in s.evidence:
            lines.append(f"    « {quote.text} »")
    return "\n".join(lines).lstrip("\n")
