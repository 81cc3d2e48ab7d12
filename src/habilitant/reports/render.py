"""Plain-text and JSON renderings of referentials and search results (no I/O here)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from habilitant.domain import (
    Analysis,
    Certification,
    Competence,
    EmploiType,
    Evidence,
    Fiche,
    Parent,
    Statement,
)
from habilitant.labels import DECISION_LABELS, referentiel_label
from habilitant.links import links_for
from habilitant.reports.links import link_dicts, links_text, neighbour_dicts, neighbours_text

if TYPE_CHECKING:
    from habilitant.catalog import Catalog
    from habilitant.index import SearchHit
    from habilitant.neighbours import Neighbour
    from habilitant.portfolio.records import StoredEvidence
    from habilitant.relations import StatementRelations

_COUNT_LABELS = {
    "certifications": "certifications",
    "blocs": "blocs",
    "fiches": "fiches",
    "emplois_types": "emplois-types",
    "kind:competence": "compétences",
    "kind:macro_competence": "macro-compétences",
    "kind:savoir_etre": "savoir-être",
    "kind:savoir": "savoirs",
    "kind:bloc": "intitulés de blocs",
    "kind:activite": "activités",
}


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def summary_text(rows: list[dict[str, Any]]) -> str:
    lines = []
    for row in rows:
        counts = row["counts"]
        competences = rome_summary_counts(counts)["competences"]
        parts = [
            f"{counts[key]:,} {label}".replace(",", " ")
            for key, label in _COUNT_LABELS.items()
            if counts.get(key) and key not in _COMPETENCE_KEYS
        ]
        if competences:
            detail = ", ".join(
                f"{counts[key]:,} {_COUNT_LABELS[key]}".replace(",", " ")
                for key in _COMPETENCE_KEYS[1:]
                if counts.get(key)
            )
            total = f"{competences:,} compétences".replace(",", " ")
            structural = sum(
                1
                for key in ("certifications", "blocs", "fiches", "emplois_types")
                if counts.get(key)
            )
            parts.insert(structural, f"{total} (dont {detail})" if detail else total)
        lines.append(f"{row['name']:<10} {row['title']} — version {row['version']}")
        lines.append("           " + ", ".join(parts))
    return "\n".join(lines)


_COMPETENCE_KEYS = ("kind:competence", "kind:macro_competence", "kind:savoir_etre")


def rome_summary_counts(counts: dict[str, int]) -> dict[str, int]:
    """ROME counts as the publisher states them: compétences include macro and savoir-être."""
    return {
        "fiches": counts.get("fiches", 0),
        "competences": sum(
            counts.get(k, 0)
            for k in ("kind:competence", "kind:macro_competence", "kind:savoir_etre")
        ),
        "savoirs": counts.get("kind:savoir", 0),
    }


def _parents_text(competence: Competence) -> str:
    return "; ".join(f"{p.kind} {p.code} « {p.libelle} »" for p in competence.parents[:4])


def show_text(
    item: Certification | Fiche | Competence | EmploiType,
    catalog: Catalog,
    neighbours: Sequence[Neighbour] | None = None,
) -> str:
    """An item as ``referentiels show`` prints it; a competence with its ``neighbours`` in
    the other referentials (None: they could not be computed)."""
    if isinstance(item, Certification):
        state = "active" if item.actif else "inactive"
        lines = [
            f"{item.code} — {item.intitule}",
            f"Niveau {item.niveau or '?'} · {item.etat or 'état inconnu'} · {state}"
            + (f" · remplacée par {', '.join(item.successors)}" if item.successors else ""),
        ]
        lines += links_text(item, links_for(item, catalog))
        if item.depth == "bloc_titles":
            lines.append("(intitulés de blocs seulement : pas de liste de compétences)")
        for bloc in item.blocs:
            lines.append(f"\n  {bloc.code} — {bloc.libelle}")
            for competence_id in bloc.competence_ids:
                competence = catalog.competences.get(competence_id)
                if competence is not None:
                    lines.append(f"    • {competence.libelle}")
        return "\n".join(lines)
    if isinstance(item, Fiche):
        lines = (
            [f"{item.code} — {item.libelle}", item.definition]
            if item.definition
            else [f"{item.code} — {item.libelle}"]
        )
        for fiche_item in item.items:
            competence = catalog.competences.get(fiche_item.competence_id)
            if competence is None:
                continue
            flag = f" [{fiche_item.coeur_metier}]" if fiche_item.coeur_metier else ""
            lines.append(f"  • ({competence.kind}) {competence.libelle}{flag}")
        links = links_text(item, links_for(item, catalog))
        return "\n".join([*lines, "", *links] if links else lines)
    if isinstance(item, EmploiType):
        lines = [f"{item.code} — {item.libelle} ({item.famille})"]
        for competence_id in item.activite_ids + item.competence_ids:
            competence = catalog.competences.get(competence_id)
            if competence is not None:
                lines.append(f"  • ({competence.kind}) {competence.libelle}")
        return "\n".join(lines)
    lines = [f"{item.id} ({item.kind}) — {item.libelle}", f"  {_parents_text(item)}", ""]
    return "\n".join([*lines, *neighbours_text(neighbours)])


def show_dict(
    item: Certification | Fiche | Competence | EmploiType,
    catalog: Catalog,
    neighbours: Sequence[Neighbour] | None = None,
) -> dict[str, Any]:
    """A certification, fiche, competence or emploi-type as JSON: the same for ``habilitant
    referentiels show --json`` and the API (``/certifications/…``, ``/fiches/…``,
    ``/competences/…``). A certification carries its blocs' competences and its notes
    (inactive, replaced, titles only); a fiche's items carry their wording and kind; both
    carry their official ``links`` (:mod:`habilitant.links`); a competence carries its
    computed ``neighbours`` when they are given (:mod:`habilitant.neighbours`)."""
    from habilitant.targets import certification_notes

    data = asdict(item)
    if isinstance(item, Certification):
        for bloc in data["blocs"]:
            bloc["competences"] = [
                {"competence_id": cid, "libelle": catalog.competences[cid].libelle}
                for cid in bloc["competence_ids"]
                if cid in catalog.competences
            ]
        data["notes"] = list(certification_notes(item, catalog))
    if isinstance(item, Fiche):
        for entry in data["items"]:
            competence = catalog.competences.get(entry["competence_id"])
            if competence is not None:
                entry.update(libelle=competence.libelle, kind=competence.kind)
    if isinstance(item, Certification | Fiche):
        data["links"] = link_dicts(links_for(item, catalog))
    if isinstance(item, Competence) and neighbours is not None:
        data["neighbours"] = neighbour_dicts(neighbours)
    return data


def show_json(
    item: Certification | Fiche | Competence | EmploiType,
    catalog: Catalog,
    neighbours: Sequence[Neighbour] | None = None,
) -> str:
    return to_json(show_dict(item, catalog, neighbours))


def hit_dict(hit: SearchHit) -> dict[str, Any]:
    entry = hit.entry
    return {
        "rank": hit.rank,
        "score": round(hit.score, 4),
        "competence_id": entry.id,
        "code": entry.code,
        "referentiel": entry.referentiel,
        "kind": entry.kind,
        "libelle": entry.libelle,
        "parents": [{"kind": p.kind, "code": p.code, "libelle": p.libelle} for p in entry.parents],
    }


def hits_text(hits: list[SearchHit]) -> str:
    if not hits:
        return "Aucun résultat."
    lines = []
    for hit in hits:
        entry = hit.entry
        lines.append(f"{hit.rank:>2}. {hit.score:.3f}  {entry.libelle}")
        where = f"{entry.referentiel} · {entry.kind} · {entry.id}"
        parents = [p for p in entry.parents if p.kind != "fiche"][:2]
        fiches = [p for p in entry.parents if p.kind == "fiche"]
        for parent in parents:
            where += f" · {parent.kind} {parent.code} « {parent.libelle} »"
        if fiches:
            more = f" (+{len(fiches) - 2})" if len(fiches) > 2 else ""
            where += " · fiches " + ", ".join(p.code for p in fiches[:2]) + more
        lines.append(f"             {where}")
    return "\n".join(lines)


def parent_dicts(parents: Sequence[Parent]) -> list[dict[str, str]]:
    """Parents as in every JSON answer (CLI, API, batch, portfolio)."""
    return [{"kind": p.kind, "code": p.code, "libelle": p.libelle} for p in parents]


def evidence_dicts(evidence: Sequence[Evidence | StoredEvidence]) -> list[dict[str, Any]]:
    """Evidence spans as in every JSON answer (CLI, API, batch, portfolio)."""
    return [{"start": e.start, "end": e.end, "text": e.text} for e in evidence]


def statement_fields(statement: Any) -> dict[str, Any]:
    """The fields every JSON statement starts with (analyse, API, portfolio), from a
    :class:`~habilitant.domain.Statement` or a stored one."""
    return {
        "competence_id": statement.competence_id,
        "code": statement.code,
        "referentiel": statement.referentiel,
        "libelle": statement.libelle,
        "kind": statement.kind,
        "decision": statement.decision,
        "score": statement.score,
    }


def analysis_dict(
    analysis: Analysis, relations: Mapping[str, StatementRelations] | None = None
) -> dict[str, Any]:
    """The ``habilitant analyse --json`` shape (same field names in the API). Each statement
    carries its official ``links`` and computed ``neighbours``
    (:func:`habilitant.relations.relations`; empty lists for a statement not given)."""
    relations = relations or {}
    return {
        "statements": [
            _statement_dict(s, relations.get(s.competence_id)) for s in analysis.statements
        ],
        "segments": [
            {
                "start": seg.start,
                "end": seg.end,
                "text": seg.text,
                "experience": seg.experience,
                "context": asdict(seg.context),
            }
            for seg in analysis.segments
        ],
        "warnings": list(analysis.warnings),
    }


def _statement_dict(statement: Statement, found: StatementRelations | None) -> dict[str, Any]:
    return {
        **statement_fields(statement),
        "parents": parent_dicts(statement.parents),
        "evidence": evidence_dicts(statement.evidence),
        "links": link_dicts(found.links) if found else [],
        "neighbours": neighbour_dicts(found.neighbours) if found else [],
    }


def analysis_text(analysis: Analysis) -> str:
    """Readable French output of an analysis."""
    lines = [f"⚠ {w}" for w in analysis.warnings]
    if not analysis.statements:
        lines.append(
            "Aucune compétence ne peut être affirmée à partir de ce texte "
            "(les éléments trouvés sont trop faibles ou absents)."
        )
        return "\n".join(lines)
    current = None
    for statement in analysis.statements:
        if statement.referentiel != current:
            current = statement.referentiel
            title = referentiel_label(current)
            lines.append(f"\n== {title} ==")
        decision = DECISION_LABELS.get(statement.decision, statement.decision)
        lines.append(f"• {statement.libelle}  [{decision}, {statement.score:.2f}]")
        where = ", ".join(f"{p.kind} {p.code}" for p in statement.parents[:3])
        lines.append(f"    {statement.competence_id}" + (f" · {where}" if where else ""))
        for evidence in statement.evidence:
            lines.append(f"    « {evidence.text} » ({evidence.start}–{evidence.end})")
    return "\n".join(lines).lstrip("\n")
