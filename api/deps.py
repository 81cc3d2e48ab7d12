"""Dependencies: the loaded pipeline, the portfolio store, and the API key when one is set."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from habilitant.budget import current_budget
from habilitant.errors import Unauthorized
from habilitant.pipeline import Habilitant
from habilitant.portfolio.store import PortfolioStore

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def require_api_key(request: Request, key: Annotated[str | None, Depends(_api_key_header)]) -> None:
    """Every endpoint but /health and the page's files needs the key when one is set."""
    expected = request.app.state.settings.api_key
    if expected is None:
        return
    # Bytes, not str: a header is latin-1 and may hold any byte; the key may be non-ASCII.
    given = (key or "").encode("latin-1", "replace")
    if key is None or not hmac.compare_digest(given, expected.get_secret_value().encode()):
        raise Unauthorized(
            "Clé d'API absente ou invalide.",
            hint="Envoyez la clé configurée (HABILITANT_API_KEY) dans l'en-tête X-API-Key.",
        )


def get_pipeline(request: Request) -> Habilitant:
    """The loaded pipeline (503 while it loads)."""
    return request.app.state.engine.pipeline


def pipeline_slot(request: Request) -> Iterator[Habilitant]:
    """The loaded pipeline, once one of the process's computing slots is free."""
    engine = request.app.state.engine
    pipeline = engine.pipeline
    with engine.slots:
        budget = current_budget()
        if budget is not None:  # the time budget counts computing, not waiting for a slot
            budget.start()
        yield pipeline


Pipeline = Annotated[Habilitant, Depends(pipeline_slot)]


_portfolio_lock = threading.Lock()


def get_portfolio_store(request: Request) -> PortfolioStore:
    """The app's portfolio store, opened on first use (once per app; thread-safe)."""
    state = request.app.state
    store = getattr(state, "portfolio_store", None)
    if store is None:
        with _portfolio_lock:
            store = getattr(state, "portfolio_store", None)
            if store is None:
                store = PortfolioStore(state.settings.portfolio_db)
                state.portfolio_store = store
    return store


Portfolios = Annotated[PortfolioStore, Depends(get_portfolio_store)]
