"""Renderings of a portfolio: JSON (same field names as the API), CSV, readable text for the
terminal and a Markdown synthesis. Pure functions from a :class:`PortfolioView` to strings.

Without consent no quoted words exist: evidence is shown by its character offsets only.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from habilitant.labels import DECISION_LABELS
from habilitant.portfolio.progression import PortfolioView, ProgressPoint
from habilitant.portfolio.records import (
    ENTRY_KINDS,
    VALIDATION_LABELS,
    Entry,
    StoredEvidence,
    StoredStatement,
)
from habilitant.reports.coverage import DEPTH_LABELS, coverage_dict, next_steps
from habilitant.reports.links import synthesis_neighbours_line
from habilitant.reports.render import evidence_dicts, parent_dicts, statement_fields

if TYPE_CHECKING:
    from habilitant.neighbours import Neighbour

SOURCE_LABELS = {"analyse": "analyse du récit", "cible": "couverture de la cible"}


def _percent(ratio: float) -> str:
    return f"{round(100 * ratio)} %"


def _mark(s: StoredStatement) -> str:
    if s.validation == "rejected":
        return "✘"
    if s.validation == "validated":
        return "★"
    return "✔" if s.decision == "attested" else "◐"


def _evidence_text(e: StoredEvidence) -> str:
    if e.text is None:
        return f"(caractères {e.start}–{e.end}, extrait non conservé)"
    return f"« {e.text} » ({e.start}–{e.end})"


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


# --- JSON ---------------------------------------------------------------------------------


def statement_dict(s: StoredStatement) -> dict[str, Any]:
    return {
        "id": s.id,
        "entry_id": s.entry_id,
        **statement_fields(s),
        "source": s.source,
        "validation": s.validation,
        "validated_at": s.validated_at,
        "parents": parent_dicts(s.parents),
        "evidence": evidence_dicts(s.evidence),
    }


def entry_dict(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "date": entry.date.isoformat(),
        "kind": entry.kind,
        "context": entry.context,
        "consent": entry.consent,
        "narrative": entry.narrative,
        "certification": entry.certification,
        "created_at": entry.created_at,
        "statements": [statement_dict(s) for s in entry.statements],
    }


def point_dict(point: ProgressPoint) -> dict[str, Any]:
    coverage = point.coverage
    return {
        "date": point.date.isoformat(),
        "entries": point.entries,
        "attested": point.attested,
        "validated": point.validated,
        "to_confirm": point.to_confirm,
        "coverage_ratio": coverage.coverage_ratio if coverage else None,
        "blocs": [
            {"code": b.code, "libelle": b.libelle, "coverage_ratio": b.coverage_ratio}
            for b in (coverage.blocs if coverage else ())
        ],
    }


def portfolio_dict(view: PortfolioView) -> dict[str, Any]:
    """The ``habilitant portfolio show --json`` shape (and the API's)."""
    person = view.portfolio.person
    return {
        "person": {"id": person.id, "created_at": person.created_at},
        "entries": [entry_dict(e) for e in view.portfolio.entries],
        "progression": [point_dict(p) for p in view.points],
        "coverage": coverage_dict(view.coverage) if view.coverage else None,
    }


def portfolio_json(view: PortfolioView) -> str:
    return json.dumps(portfolio_dict(view), ensure_ascii=False, indent=2)


# --- CSV ----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "personne",
    "entree",
    "date",
    "nature",
    "enonce",
    "competence_id",
    "referentiel",
    "libelle",
    "kind",
    "decision",
    "score",
    "source",
    "validation",
    "preuves",
)


def portfolio_csv(view: PortfolioView) -> str:
    """One row per stored statement, oldest entry first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    person = view.portfolio.person.id
    for entry in view.portfolio.entries:
        for s in entry.statements:
            writer.writerow(
                [
                    person,
                    entry.id,
                    entry.date.isoformat(),
                    entry.kind,
                    s.id,
                    s.competence_id,
                    s.referentiel,
                    s.libelle,
                    s.kind,
                    s.decision,
                    f"{s.score:.4f}",
                    s.source,
                    s.validation,
                    " | ".join(_evidence_text(e) for e in s.evidence),
                ]
            )
    return out.getvalue()


# --- Text (terminal) ----------------------------------------------------------------------


def _span(view: PortfolioView) -> str:
    entries = view.portfolio.entries
    if not entries:
        return "aucune entrée"
    first, last = entries[0].date.isoformat(), entries[-1].date.isoformat()
    dates = f"le {first}" if first == last else f"du {first} au {last}"
    return f"{len(entries)} entrée(s), {dates}"


def _entry_heading(number: int, entry: Entry) -> str:
    kept = "récit conservé (consentement)" if entry.consent else "récit non conservé"
    target = f" · cible {entry.certification}" if entry.certification else ""
    kind = ENTRY_KINDS.get(entry.kind, entry.kind)
    return f"Entrée {number} (n° {entry.id}) — {entry.date.isoformat()} · {kind} · {kept}{target}"


def progression_lines(view: PortfolioView) -> list[str]:
    target = f"  couverture {view.target.code}" if view.target else ""
    lines = [f"date        entrées  attestées  validées  à confirmer{target}"]
    for p in view.points:
        ratio = f"  {_percent(p.coverage.coverage_ratio):>9}" if p.coverage else ""
        lines.append(
            f"{p.date.isoformat()}  {p.entries:>7}  {p.attested:>9}  {p.validated:>8}  "
            f"{p.to_confirm:>11}{ratio}"
        )
    return lines


def bloc_lines(view: PortfolioView) -> list[str]:
    """The target's blocs, one column per entry date."""
    if view.target is None or not view.points:
        return []
    lines = ["bloc".ljust(18) + "".join(f"{p.date.isoformat():>12}" for p in view.points)]
    for number, bloc in enumerate(view.target.blocs):
        ratios = [p.coverage.blocs[number].coverage_ratio for p in view.points if p.coverage]
        lines.append(bloc.code.ljust(18) + "".join(f"{_percent(r):>12}" for r in ratios))
    return lines


def portfolio_text(view: PortfolioView) -> str:
    """``habilitant portfolio show``: entries with numbered statements, then the progression."""
    lines = [f"Portfolio {view.portfolio.person.id} — {_span(view)}"]
    lines.append("★ validée · ✔ attestée · ◐ à confirmer · ✘ rejetée")
    for number, entry in enumerate(view.portfolio.entries, start=1):
        lines.append("\n" + _entry_heading(number, entry))
        if entry.context:
            lines.append(f"  Contexte : {entry.context}")
        if not entry.statements:
            lines.append("  Aucun énoncé.")
        for s in entry.statements:
            decision = DECISION_LABELS.get(s.decision, s.decision)
            lines.append(
                f"  [{s.id}] {_mark(s)} {s.libelle}  ({s.competence_id} · {decision} · "
                f"{s.score:.2f} · {VALIDATION_LABELS[s.validation]})"
            )
    lines += ["", "Progression des compétences attestées (cumul par date)"]
    lines += progression_lines(view)
    if view.target is not None:
        lines += ["", f"{view.target.code} — {view.target.libelle} : couverture par bloc"]
        lines += bloc_lines(view)
        lines += [f"⚠ {note}" for note in view.target.notes]
    return "\n".join(lines)


# --- Markdown -----------------------------------------------------------------------------


def _distinct(view: PortfolioView) -> dict[str, list[StoredStatement]]:
    out: dict[str, list[StoredStatement]] = {}
    for s in view.portfolio.statements():
        out.setdefault(s.competence_id, []).append(s)
    return out


def _dates(entries: dict[int, Entry], statements: list[StoredStatement]) -> str:
    return ", ".join(dict.fromkeys(entries[s.entry_id].date.isoformat() for s in statements))


def attested_and_to_confirm(
    view: PortfolioView,
) -> tuple[list[list[StoredStatement]], list[list[StoredStatement]]]:
    """Per competence, its statements not rejected: attested (validated by the counsellor
    or attested by an analysis), or to confirm."""
    attested, to_confirm = [], []
    for statements in _distinct(view).values():
        kept = [s for s in statements if s.validation != "rejected"]
        if not kept:
            continue
        if any(s.validation == "validated" or s.decision == "attested" for s in kept):
            attested.append(kept)
        else:
            to_confirm.append(kept)
    return attested, to_confirm


def attested_competence_ids(view: PortfolioView) -> list[str]:
    """The competences the portfolio attests (what its synthesis gives neighbours for)."""
    return [kept[0].competence_id for kept in attested_and_to_confirm(view)[0]]


def portfolio_markdown(
    view: PortfolioView, neighbours: Mapping[str, Sequence[Neighbour]] | None = None
) -> str:
    """A synthesis for the person and a colleague: what the portfolio attests (with, given
    ``neighbours``, one line per attested competence on its computed RNCP and ESCO
    neighbours), what remains to confirm, the progression and, with a target, its coverage
    and the next steps."""
    entries = {e.id: e for e in view.portfolio.entries}
    by_competence = _distinct(view)
    lines = [
        f"# Portfolio de compétences — {view.portfolio.person.id}",
        "",
        f"*{_span(view).capitalize()}. Énoncés repris mot pour mot des référentiels officiels ; "
        "★ : validé par le conseiller ou la conseillère.*",
        "",
        "## Compétences attestées",
        "",
    ]
    attested, to_confirm = attested_and_to_confirm(view)
    if not attested:
        lines.append("Aucune compétence attestée pour l'instant.")
    else:
        lines += ["| Compétence | Référentiel | Validée | Entrées |", "|---|---|---|---|"]
        attested.sort(key=lambda kept: not any(s.validation == "validated" for s in kept))
        for kept in attested:
            s = kept[0]
            star = "★" if any(k.validation == "validated" for k in kept) else ""
            lines.append(
                f"| {_cell(s.libelle)} | {s.referentiel} | {star} | {_dates(entries, kept)} |"
            )
        if neighbours is not None:
            lines += ["", "### Dans les autres référentiels", ""]
            for kept in attested:
                s = kept[0]
                line = synthesis_neighbours_line(neighbours.get(s.competence_id, ()))
                lines.append(f"- {s.libelle} — {line}")
    lines += ["", "## À confirmer en entretien", ""]
    if not to_confirm:
        lines.append("Rien à confirmer.")
    for kept in to_confirm:
        s = kept[0]
        lines.append(f"- {s.libelle} ({s.referentiel} — {_dates(entries, kept)})")
    rejected = sum(
        1 for st in by_competence.values() if all(s.validation == "rejected" for s in st)
    )
    if rejected:
        lines += ["", f"*{rejected} énoncé(s) écarté(s) par le conseiller ou la conseillère.*"]
    lines += ["", "## Progression", "", "```", *progression_lines(view), "```"]
    coverage = view.coverage
    if view.target is not None and coverage is not None:
        target = view.target
        lines += [
            "",
            f"## Couverture de {target.code} « {target.libelle} »",
            "",
            f"Couverture à la dernière date : **{_percent(coverage.coverage_ratio)}** "
            f"({DEPTH_LABELS.get(target.depth, target.depth)}).",
            "",
            "| Bloc | Intitulé | " + " | ".join(p.date.isoformat() for p in view.points) + " |",
            "|---|---|" + "---|" * len(view.points),
        ]
        for number, bloc in enumerate(target.blocs):
            ratios = [p.coverage.blocs[number].coverage_ratio for p in view.points if p.coverage]
            cells = " | ".join(_percent(r) for r in ratios)
            lines.append(f"| {bloc.code} | {_cell(bloc.libelle)} | {cells} |")
        lines += ["", "### Prochaines étapes", ""]
        lines += [f"- {step}" for step in next_steps(coverage)]
    lines += ["", "## Entrées", "", "| Date | Nature | Contexte | Énoncés | Récit |"]
    lines.append("|---|---|---|---|---|")
    for entry in view.portfolio.entries:
        narrative = "conservé" if entry.consent else "non conservé"
        lines.append(
            f"| {entry.date.isoformat()} | {ENTRY_KINDS.get(entry.kind, entry.kind)} | "
            f"{_cell(entry.context) or '—'} | {len(entry.statements)} | {narrative} |"
        )
    return "\n".join(lines) + "\n"
