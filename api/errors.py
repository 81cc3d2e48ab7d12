"""One mapping from errors to HTTP: a French ``detail`` for people, a stable ``code`` for
machines, a ``hint`` saying what to do. Bad input is a 4xx, never a 500; an unexpected error
is answered (500, no detail) and logged by its type only in :mod:`api.middleware`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from habilitant.errors import HabilitantError

_HTTP_MESSAGES = {
    404: ("Cette adresse n'existe pas.", "introuvable"),
    405: ("Méthode non autorisée pour cette adresse.", "methode_non_autorisee"),
    413: ("La requête est trop volumineuse.", "requete_trop_volumineuse"),
}


def error_response(status: int, detail: str, code: str, hint: str = "") -> JSONResponse:
    return JSONResponse(
        {"detail": detail, "code": code, "hint": hint},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _validation_message(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        kind = error.get("type", "")
        if kind == "json_invalid":
            return "Le corps de la requête n'est pas un JSON valide."
        if kind == "missing":
            problems.append(f"champ « {where} » manquant")
        elif kind == "extra_forbidden":
            problems.append(f"champ « {where} » inconnu")
        else:
            problems.append(f"champ « {where or 'corps'} » invalide")
    return "Requête invalide : " + "; ".join(problems) + "." if problems else "Requête invalide."


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HabilitantError)
    async def _habilitant(request: Request, exc: HabilitantError) -> JSONResponse:
        return error_response(exc.http_status, exc.message, exc.code, exc.hint)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(
            422,
            _validation_message(exc),
            "requete_invalide",
            "Voir le schéma attendu sur /docs.",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail, code = _HTTP_MESSAGES.get(exc.status_code, (str(exc.detail), "erreur_http"))
        return error_response(exc.status_code, detail, code)
