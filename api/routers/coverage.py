"""POST /coverage and POST /suggest: VAE coverage of a target, and the closest targets."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Pipeline
from api.routers.analyse import ERRORS
from api.schemas import CoverageReportPublic, CoverageRequest, SuggestionsPublic, SuggestRequest
from habilitant.relations import coverage_neighbours
from habilitant.reports.coverage import coverage_dict, suggestions_dict
from habilitant.suggest import SUGGESTION_KINDS, SuggestFilters

router = APIRouter(tags=["vae"])


@router.post("/coverage", response_model=CoverageReportPublic, responses=ERRORS)
def coverage(request: CoverageRequest, pipeline: Pipeline) -> dict:
    """Couverture d'une cible, bloc par bloc : couvert, partiel, manquant, avec les preuves."""
    result = pipeline.coverage(request.certification, request.narratives())
    neighbours = coverage_neighbours(pipeline, result) if request.include_markdown else None
    return coverage_dict(result, markdown=request.include_markdown, neighbours=neighbours)


@router.post("/suggest", response_model=SuggestionsPublic, responses=ERRORS)
def suggest(request: SuggestRequest, pipeline: Pipeline) -> dict:
    """Certifications, blocs et fiches métiers les plus couverts par l'expérience."""
    filters = SuggestFilters(
        kinds=tuple(request.kinds) or SUGGESTION_KINDS,
        niveaux=tuple(request.niveaux),
        actif_only=request.actif_only,
        referentiels=tuple(request.referentiels),
        limit=request.limit,
    )
    found, warnings = pipeline.suggest(request.narratives(), filters)
    return suggestions_dict(found, warnings)
