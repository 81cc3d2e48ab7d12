"""POST /analyse: competence statements of one narrative, with their evidence."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Pipeline
from api.schemas import AnalyseRequest, AnalysisPublic, ErrorPublic
from habilitant.relations import analysis_relations
from habilitant.reports.render import analysis_dict

router = APIRouter(tags=["analyse"])
# Every status a request can get besides its 200 (401 only when a key is configured, 408 and
# 413 from the body limits, 503 while loading or past the time budget): all documented.
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorPublic} for status in (400, 401, 404, 408, 413, 422, 503)
}


@router.post("/analyse", response_model=AnalysisPublic, responses=ERRORS)
def analyse(request: AnalyseRequest, pipeline: Pipeline) -> dict:
    """Les compétences qu'un récit permet d'affirmer, dans les mots exacts des référentiels,
    chacune avec ses liens officiels et ses proches dans les autres référentiels."""
    result = pipeline.analyse(
        request.text,
        referentiels=request.referentiels,
        certifications=request.certifications(),
        fiches=request.fiches,
        kinds=request.kinds,
    )
    return analysis_dict(result, analysis_relations(pipeline, [result]))
