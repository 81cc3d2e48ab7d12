"""Read the referentials: list, certification, fiche, competence, search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import Pipeline
from api.routers.analyse import ERRORS
from api.schemas import NARRATIVE, LabelsPublic
from habilitant.errors import UnknownCodeError
from habilitant.labels import all_labels, referentiel_label
from habilitant.relations import competence_neighbours
from habilitant.reports.render import hit_dict, show_dict

router = APIRouter(tags=["référentiels"])


@router.get("/referentiels")
def referentiels(pipeline: Pipeline) -> list[dict[str, Any]]:
    """Référentiels chargés : nom, nom court, titre, version, effectifs."""
    return [
        {
            "name": r.name,
            "label": referentiel_label(r.name, r.title),
            "title": r.title,
            "version": r.version,
            "counts": r.count(),
        }
        for r in pipeline.catalog.referentiels
    ]


@router.get("/labels", response_model=LabelsPublic)
def labels() -> dict[str, dict[str, str]]:
    """Les mots affichés pour les codes : décisions, statuts, types de suggestion, noms
    courts des référentiels (la page les prend ici)."""
    return all_labels()


@router.get("/certifications/{code}", responses=ERRORS)
def certification(code: str, pipeline: Pipeline) -> dict[str, Any]:
    """Une certification, ses blocs et leurs compétences ; son état et ses successeurs."""
    catalog = pipeline.catalog
    return show_dict(catalog.certification(code), catalog)


@router.get("/fiches/{code}", responses=ERRORS)
def fiche(code: str, pipeline: Pipeline) -> dict[str, Any]:
    """Une fiche métier ROME, ses appellations et ses compétences et savoirs."""
    catalog = pipeline.catalog
    return show_dict(catalog.fiche(code), catalog)


@router.get("/competences/{competence_id}", responses=ERRORS)
def competence(competence_id: str, pipeline: Pipeline) -> dict[str, Any]:
    """Une compétence : libellé exact, nature, place dans son référentiel, et ses proches
    dans les autres référentiels (calculés, jamais une équivalence)."""
    catalog = pipeline.catalog
    item = catalog.competence(competence_id)
    return show_dict(item, catalog, competence_neighbours(pipeline, item.id))


@router.get("/search", responses=ERRORS)
def search(
    pipeline: Pipeline,
    q: Annotated[
        str,
        Query(description="Texte à rapprocher des référentiels.", json_schema_extra=NARRATIVE),
    ],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    referentiel: Annotated[list[str] | None, Query()] = None,
    kind: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    """Les énoncés des référentiels les plus proches d'un texte (recherche dense)."""
    from habilitant.index_entries import ENTRY_KINDS
    from habilitant.workspace import search as search_index

    known = set(pipeline.referentiel_order)
    for values, allowed, label in (
        (referentiel, known, "Référentiel(s)"),
        (kind, set(ENTRY_KINDS), "Nature(s)"),
    ):
        unknown = sorted(set(values or ()) - allowed)
        if unknown:
            raise UnknownCodeError(
                f"{label} inconnu(s) : {', '.join(unknown)}.",
                hint="Valeurs possibles : " + ", ".join(sorted(allowed)) + ".",
            )

    result = search_index(
        pipeline.settings,
        q,
        k=k,
        referentiels=referentiel,
        kinds=kind,
        encoder=pipeline.encoder,
        index=pipeline.index,
    )
    return {"hits": [hit_dict(hit) for hit in result.hits]}
