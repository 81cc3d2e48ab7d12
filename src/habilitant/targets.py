"""Targets of a coverage: a certification's blocs, a ROME fiche's macro-compétences, an
emploi-type's activités and compétences — each as blocs of statements in the referential's words.

A certification of the official export is judged on its competence lists; one known only by
its bloc titles (RNCP 2021 table) is judged on those titles, and the target says so. A ROME
fiche is covered through its compétences, grouped as ROME groups them (macro-compétences),
then its savoirs and savoir-être.
"""

from __future__ import annotations

from collections.abc import Iterator

from habilitant.catalog import Catalog, normalize_certification_code
from habilitant.domain import (
    Certification,
    EmploiType,
    Fiche,
    Target,
    TargetBloc,
    TargetItem,
)
from habilitant.errors import UnknownCodeError

TITLES_ONLY_NOTE = (
    "Cette certification n'est connue que par les intitulés de ses blocs (table RNCP 2021) : "
    "la couverture est jugée bloc par bloc, sur ces intitulés."
)
# Blocs of a fiche or an emploi-type that gather items by kind, in this order.
KIND_BLOCS = {
    "activite": ("activites", "Activités"),
    "competence": ("competences", "Compétences"),
    "savoir": ("savoirs", "Savoirs"),
    "savoir_etre": ("savoir-etre", "Savoir-être professionnels"),
}


def certification_notes(certification: Certification, catalog: Catalog) -> tuple[str, ...]:
    """What the user must know about a certification's status before trusting a coverage."""
    notes = []
    if not certification.actif:
        state = f" (état : {certification.etat})" if certification.etat else ""
        notes.append(f"La certification {certification.code} n'est plus active{state}.")
    for successor in certification.successors:
        known = catalog.certifications.get(successor.upper())
        name = f" « {known.intitule} »" if known else ""
        notes.append(f"Elle est remplacée par {successor}{name}.")
    if certification.depth == "bloc_titles":
        notes.append(TITLES_ONLY_NOTE)
    return tuple(notes)


def certification_target(certification: Certification, catalog: Catalog) -> Target:
    blocs = []
    for bloc in certification.blocs:
        ids = bloc.competence_ids or (f"{certification.referentiel}:{bloc.code}",)
        items = tuple(TargetItem(i, _libelle(catalog, i, bloc.libelle)) for i in ids)
        blocs.append(TargetBloc(bloc.code, bloc.libelle, items))
    return Target(
        code=certification.code,
        libelle=certification.intitule,
        referentiel=certification.referentiel,
        kind="certification",
        depth=certification.depth,
        blocs=tuple(blocs),
        niveau=certification.niveau,
        actif=certification.actif,
        successors=certification.successors,
        notes=certification_notes(certification, catalog),
    )


def fiche_target(fiche: Fiche, catalog: Catalog) -> Target:
    """ROME blocs: one per macro-compétence (its linked compétences), then savoirs, savoir-être."""
    macro_blocs: dict[str, tuple[str, list[TargetItem]]] = {}
    by_kind: dict[str, list[TargetItem]] = {}
    for link in fiche.items:
        competence = catalog.competences.get(link.competence_id)
        if competence is None:
            continue
        item = TargetItem(competence.id, competence.libelle)
        if competence.kind == "macro_competence":
            macro_blocs.setdefault(competence.code, (competence.libelle, []))[1].append(item)
            continue
        macro = next((p for p in competence.parents if p.kind == "macro_competence"), None)
        if competence.kind == "competence" and macro is not None:
            macro_blocs.setdefault(macro.code, (macro.libelle, []))[1].append(item)
        else:
            by_kind.setdefault(competence.kind, []).append(item)
    blocs = [
        TargetBloc(f"{fiche.code}-{code}", libelle, tuple(items))
        for code, (libelle, items) in macro_blocs.items()
    ]
    blocs.extend(_kind_blocs(fiche.code, by_kind))
    return Target(
        fiche.code, fiche.libelle, fiche.referentiel, "fiche", "competences", tuple(blocs)
    )


def emploi_type_target(emploi: EmploiType, catalog: Catalog) -> Target:
    by_kind: dict[str, list[TargetItem]] = {}
    for competence_id in emploi.activite_ids + emploi.competence_ids:
        competence = catalog.competences.get(competence_id)
        if competence is not None:
            item = TargetItem(competence.id, competence.libelle)
            by_kind.setdefault(competence.kind, []).append(item)
    blocs = tuple(_kind_blocs(emploi.code, by_kind))
    return Target(
        emploi.code, emploi.libelle, emploi.referentiel, "emploi_type", "competences", blocs
    )


def resolve_target(catalog: Catalog, code: str) -> Target:
    """The target named by ``code``: an RNCP/RS number, a ROME fiche or an emploi-type code."""
    cleaned = code.strip()
    if not cleaned:
        raise UnknownCodeError(
            "Aucune cible indiquée.",
            hint="Indiquez un numéro de certification (ex. RNCP37674), une fiche ROME (ex. "
            "J1501) ou un emploi-type d'un référentiel de branche.",
        )
    key = normalize_certification_code(cleaned)
    if key in catalog.certifications:
        return certification_target(catalog.certifications[key], catalog)
    if cleaned.upper() in catalog.fiches:
        return fiche_target(catalog.fiches[cleaned.upper()], catalog)
    if cleaned.upper() in catalog.emplois_types:
        return emploi_type_target(catalog.emplois_types[cleaned.upper()], catalog)
    if key.startswith(("RNCP", "RS")):
        raise UnknownCodeError(
            f"La certification {key} est inconnue des référentiels chargés.",
            hint="Vérifiez le numéro sur France compétences, ou chargez l'export RNCP qui la "
            "contient (habilitant referentiels download, puis habilitant index build).",
        )
    raise UnknownCodeError(
        f"La cible « {cleaned} » n'existe dans aucun référentiel chargé.",
        hint="Exemples : RNCP37674 (certification), J1501 (fiche ROME), un code d'emploi-type "
        "RéFérens (ex. D2D44). Voir : habilitant referentiels list",
    )


def all_targets(catalog: Catalog) -> Iterator[Target]:
    """Every certification, then every fiche with items (for suggestions)."""
    for certification in catalog.certifications.values():
        if certification.blocs:
            yield certification_target(certification, catalog)
    for fiche in catalog.fiches.values():
        if fiche.items:
            yield fiche_target(fiche, catalog)


def _kind_blocs(prefix: str, by_kind: dict[str, list[TargetItem]]) -> Iterator[TargetBloc]:
    for kind, (code, libelle) in KIND_BLOCS.items():
        if by_kind.get(kind):
            yield TargetBloc(f"{prefix}-{code}", libelle, tuple(by_kind[kind]))


def _libelle(catalog: Catalog, competence_id: str, default: str) -> str:
    competence = catalog.competences.get(competence_id)
    return competence.libelle if competence is not None else default
