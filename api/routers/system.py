"""GET /health and GET /version."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api.deps import Pipeline
from api.routers.analyse import ERRORS
from api.schemas import HealthPublic, VersionPublic
from habilitant import __version__

router = APIRouter(tags=["service"])  # open: supervision probes carry no key
protected_router = APIRouter(tags=["service"])  # behind the API key when one is set


@router.get("/health", response_model=HealthPublic, responses={503: {"model": HealthPublic}})
async def health(request: Request) -> JSONResponse:
    """Prêt (200) seulement quand les modèles et l'index sont chargés ; 503 sinon.

    Answered on the event loop, never behind the analyses of the thread pool."""
    engine = request.app.state.engine
    if engine.ready:
        return JSONResponse({"status": "ready", "detail": ""})
    if engine.error is not None:  # the details (paths) are for the operator's logs, not here
        detail = "Échec du chargement des modèles ou de l'index : voir les journaux du serveur."
        return JSONResponse({"status": "failed", "detail": detail}, status_code=503)
    return JSONResponse(
        {"status": "loading", "detail": "Chargement des modèles en cours."}, status_code=503
    )


@router.head("/health", response_class=Response, responses={503: {"description": "Pas prêt."}})
async def health_head(request: Request) -> Response:
    """L'état du service, sans corps (sondes de supervision)."""
    response = await health(request)
    return Response(status_code=response.status_code)


@protected_router.get("/version", response_model=VersionPublic, responses=ERRORS)
def version(pipeline: Pipeline) -> dict:
    """Versions du service, de l'encodeur, de l'index et des référentiels."""
    manifest = pipeline.index.manifest
    return {
        "version": __version__,
        "encoder": manifest["encoder"]["name"],
        "encoder_dimension": int(manifest["encoder"]["dimension"]),
        "index_entries": int(manifest["count"]),
        "calibration": pipeline.calibration.as_dict(),
        "referentiels": {name: info["version"] for name, info in manifest["referentiels"].items()},
    }
