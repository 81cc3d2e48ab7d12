"""/portfolio: a person's portfolio across interviews (add an entry, show with the progression,
validate a statement, export, erase).

Every endpoint is a POST whose JSON body names the person: a pseudonymous id is still personal
data, and URLs end up in access logs, proxies and browser histories; bodies do not.
The store is opened once per app (``api.deps.get_portfolio_store``) and closed at shutdown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from api.deps import Pipeline, Portfolios, get_pipeline
from api.routers.analyse import ERRORS
from api.schemas import (
    PortfolioEntryAddedPublic,
    PortfolioEntryRequest,
    PortfolioErasedPublic,
    PortfolioEraseRequest,
    PortfolioExportRequest,
    PortfolioPublic,
    PortfolioRequest,
    StatementValidationRequest,
    StoredStatementPublic,
)
from habilitant.portfolio import add_entry, erase_person, export, view
from habilitant.portfolio.progression import PortfolioView
from habilitant.portfolio.records import check_person_id
from habilitant.relations import statements_neighbours
from habilitant.reports.portfolio import (
    attested_competence_ids,
    entry_dict,
    portfolio_dict,
    statement_dict,
)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    store = getattr(app.state, "portfolio_store", None)
    if store is not None:
        app.state.portfolio_store = None
        store.close()


router = APIRouter(prefix="/portfolio", tags=["portfolio"], lifespan=_lifespan)
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
}
EXTENSIONS = {"json": "json", "csv": "csv", "markdown": "md"}


def _view(request: Request, store: Portfolios, body: PortfolioRequest) -> PortfolioView:
    if not body.certification:
        return view(store, body.person)  # no model needed
    store.portfolio(body.person)  # an unknown person is a 404 even while models load
    catalog = get_pipeline(request).catalog
    return view(store, body.person, catalog=catalog, certification=body.certification)


@router.post("/entries", response_model=PortfolioEntryAddedPublic, responses=ERRORS)
def add(body: PortfolioEntryRequest, store: Portfolios, pipeline: Pipeline) -> dict[str, Any]:
    """Analyser un récit et l'ajouter, daté, au portfolio de la personne (créé au besoin).
    Sans consentement, seuls les énoncés et les positions des preuves sont conservés."""
    added = add_entry(
        store,
        pipeline,
        person=body.person,
        text=body.text,
        date=body.date,
        kind=body.kind,
        consent=body.consent,
        context=body.context,
        certification=body.certification,
    )
    return {
        "person": added.entry.person_id,
        "entry": entry_dict(added.entry),
        "warnings": list(added.warnings),
    }


@router.post("/show", response_model=PortfolioPublic, responses=ERRORS)
def show(body: PortfolioRequest, request: Request, store: Portfolios) -> dict[str, Any]:
    """Les entrées, les énoncés et la progression ; avec une cible, sa couverture à chaque
    date d'entrée."""
    return portfolio_dict(_view(request, store, body))


@router.post("/validate", response_model=StoredStatementPublic, responses=ERRORS)
def validate(body: StatementValidationRequest, store: Portfolios) -> dict[str, Any]:
    """Valider ou rejeter un énoncé (``pending`` annule la décision)."""
    return statement_dict(store.set_validation(body.person, body.statement_id, body.validation))


@router.post(
    "/export",
    responses={**ERRORS, 200: {"content": {m.split(";")[0]: {} for m in MEDIA_TYPES.values()}}},
)
def export_portfolio(body: PortfolioExportRequest, request: Request, store: Portfolios) -> Response:
    """Le portfolio en JSON, en CSV (un énoncé par ligne) ou en synthèse Markdown (avec, pour
    chaque compétence attestée, ses proches RNCP et ESCO, calculés)."""
    portfolio_view = _view(request, store, body)
    neighbours = None
    if body.format == "markdown":
        ids = attested_competence_ids(portfolio_view)
        neighbours = statements_neighbours(get_pipeline(request), ids) if ids else {}
    content = export(portfolio_view, body.format, neighbours)
    person = check_person_id(body.person)  # stripped and checked: safe in a header
    filename = f"portfolio-{person}.{EXTENSIONS[body.format]}"
    return Response(
        content,
        media_type=MEDIA_TYPES[body.format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/erase", response_model=PortfolioErasedPublic, responses=ERRORS)
def erase(body: PortfolioEraseRequest, store: Portfolios) -> dict[str, Any]:
    """Effacer tout ce qui concerne la personne (RGPD) : entrées, énoncés, récits ; la base
    est ensuite compactée et son journal vidé."""
    return {"person": body.person.strip(), "entries_erased": erase_person(store, body.person)}
