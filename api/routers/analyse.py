"""POST /analyse: competence statements of one narrative, with their evidence."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Pipeline
from api.schemas import AnalyseRequest, AnalysisPublic, ErrorPublic
from habilitant.render import analysis_dict

router = APIRouter(tags=["analyse"])
ERRORS = {
    400: {"model": ErrorPublic},
    404: {"model": ErrorPublic},
    413: {"model": ErrorPublic},
    422: {"model": ErrorPublic},
}


@router.post("/analyse", response_model=AnalysisPublic, responses=ERRORS)
def analyse(request: AnalyseRequest, pipeline: Pipeline) -> dict:
    """Les compétences qu'un récit permet d'affirmer, dans les mots exacts des référentiels."""
    result = pipeline.analyse(
        request.text,
        referentiels=request.referentiels,
        certifications=request.certifications(),
        fiches=request.fiches,
        kinds=request.kinds,
    )
    return analysis_dict(result)
