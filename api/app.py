"""The application factory: ``create_app(settings)``; models load once, in the background.

habilitant serve --host 127.0.0.1 --port 8000          # uvicorn, see habilitant.cli
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from api.deps import require_api_key
from api.engine import Engine
from api.errors import install_error_handlers
from api.middleware import SecurityMiddleware
from api.routers import analyse, coverage, overview, portfolio, referentiels, system
from api.schemas import NARRATIVE
from habilitant import __version__
from habilitant.settings import Settings, get_settings

if TYPE_CHECKING:
    from habilitant.pipeline import Habilitant

STATIC = Path(__file__).parent / "static"
DESCRIPTION = (
    "Traduire un récit d'expérience en compétences formulées dans les mots exacts des "
    "référentiels officiels (ROME 4.0, RNCP, RS, ESCO, RéFérens III), avec les preuves ; "
    "couverture d'une certification bloc par bloc (VAE) et certifications les plus proches."
)


def create_app(settings: Settings | None = None, *, pipeline: Habilitant | None = None) -> FastAPI:
    """The API and the page. ``pipeline`` lets tests share one loaded pipeline."""
    settings = settings or get_settings()
    engine = Engine(settings, pipeline)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine.start()
        yield

    app = FastAPIOffline(
        title="habilitant",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url="/docs-static",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    install_error_handlers(app)
    # The key is declared (and checked) only when one is configured: the schema says what
    # the service does.
    protected = [Depends(require_api_key)] if settings.api_key is not None else []
    for module in (analyse, coverage, overview, referentiels):
        app.include_router(module.router, dependencies=protected)
    app.include_router(portfolio.router, dependencies=protected)  # closes its store at shutdown
    app.include_router(system.protected_router, dependencies=protected)  # /version
    app.include_router(system.router)  # /health is open
    # FastAPI's documented way to extend the schema is to replace app.openapi.
    app.openapi = lambda: openapi_with_limits(app, settings)  # type: ignore[method-assign]
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key"],
        )
    app.add_middleware(
        SecurityMiddleware,
        max_body_bytes=settings.max_body_bytes,
        body_read_seconds=settings.body_read_seconds,
        analysis_seconds=settings.analysis_seconds,
    )
    return app


def openapi_with_limits(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """The OpenAPI schema, its narrative lengths set to this service's limit."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        _set_narrative_length(schema.get("components", {}), settings.max_text_chars)
        app.openapi_schema = schema
    return app.openapi_schema


def _set_narrative_length(node: Any, limit: int) -> None:
    """Every narrative field of the schema (see ``api.schemas.NARRATIVE``) gets ``limit``."""
    if isinstance(node, dict):
        if node.get("pattern") == NARRATIVE["pattern"] and "maxLength" in node:
            node["maxLength"] = limit
        for value in node.values():
            _set_narrative_length(value, limit)
    elif isinstance(node, list):
        for value in node:
            _set_narrative_length(value, limit)


def app_factory() -> FastAPI:
    """For ``uvicorn --factory api.app:app_factory`` (settings from the environment)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    return create_app()
