"""POST /overview: what the conseiller's page shows, from one reading of the narratives."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Pipeline
from api.routers.analyse import ERRORS
from api.schemas import OverviewPublic, OverviewRequest
from habilitant.relations import analysis_relations, coverage_neighbours
from habilitant.reports.coverage import coverage_dict, suggestions_dict
from habilitant.reports.render import analysis_dict
from habilitant.suggest import SuggestFilters

router = APIRouter(tags=["vae"])


@router.post("/overview", response_model=OverviewPublic, responses=ERRORS)
def overview(request: OverviewRequest, pipeline: Pipeline) -> dict:
    """Énoncés de chaque récit, couverture de la cible et certifications les plus proches, en
    une seule lecture des récits (ce que montre la page du conseiller)."""
    result = pipeline.overview(
        request.narratives(),
        referentiels=request.referentiels,
        target=request.certification,
        suggest_filters=SuggestFilters(limit=request.limit),
    )
    relations = analysis_relations(pipeline, result.analyses)
    coverage = None
    if result.coverage is not None:
        neighbours = (
            coverage_neighbours(pipeline, result.coverage) if request.include_markdown else None
        )
        coverage = coverage_dict(
            result.coverage, markdown=request.include_markdown, neighbours=neighbours
        )
    return {
        "analyses": [analysis_dict(a, relations) for a in result.analyses],
        "coverage": coverage,
        "suggestions": suggestions_dict(result.suggestions, result.warnings),
    }
