"""Dependencies: the loaded pipeline, the portfolio store, and the API key when one is set."""

from __future__ import annotations

import hmac
import threading
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from habilitant.errors import HabilitantError
from habilitant.pipeline import Habilitant
from habilitant.portfolio.store import PortfolioStore

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


class Unauthorized(HabilitantError):
    code = "cle_api_requise"
    http_status = 401


def require_api_key(request: Request, key: Annotated[str | None, Depends(_api_key_header)]) -> None:
    """Every endpoint but /health and the page's files needs the key when one is set."""
    expected = request.app.state.settings.api_key
    if expected is None:
        return
    if key is None or not hmac.compare_digest(key, expected.get_secret_value()):
        raise Unauthorized(
            "Clé d'API absente ou invalide.",
            hint="Envoyez la clé configurée (HABILITANT_API_KEY) dans l'en-tête X-API-Key.",
        )


def get_pipeline(request: Request) -> Habilitant:
    return request.app.state.engine.pipeline


Pipeline = Annotated[Habilitant, Depends(get_pipeline)]


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
