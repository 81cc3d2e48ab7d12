"""One mapping from errors to HTTP: a French ``detail`` for people, a stable ``code`` for
machines, a ``hint`` saying what to do. Bad input is a 4xx, never a 500; an unexpected error
is answered (500, no detail) and logged by its type only in :mod:`api.middleware`."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from habilitant.errors import HabilitantError

_HTTP_MESSAGES = {  # status: (detail, code, hint)
    # FastAPI's answer to a body it cannot read as JSON: bytes that are not UTF-8 (binary,
    # latin-1), JSON nested too deep for the parser.
    400: (
        "Le corps de la requête n'est pas lisible : un JSON encodé en UTF-8 est attendu.",
        "requete_invalide",
        "Voir le schéma attendu sur /docs.",
    ),
    404: (
        "Cette adresse n'existe pas.",
        "introuvable",
        "Les adresses du service sont listées sur /docs.",
    ),
    405: (
        "Méthode non autorisée pour cette adresse.",
        "methode_non_autorisee",
        "L'en-tête Allow de la réponse donne les méthodes acceptées.",
    ),
    408: (
        "Le corps de la requête n'est pas arrivé à temps.",
        "requete_trop_lente",
        "Renvoyez la requête d'un seul tenant.",
    ),
    413: (
        "La requête est trop volumineuse.",
        "requete_trop_volumineuse",
        "Raccourcissez le texte, ou découpez-le en plusieurs récits.",
    ),
}


def error_response(
    status: int,
    detail: str,
    code: str,
    hint: str = "",
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {"detail": detail, "code": code, "hint": hint},
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
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
        detail, code, hint = _HTTP_MESSAGES.get(
            exc.status_code, (str(exc.detail), "erreur_http", "")
        )
        return error_response(exc.status_code, detail, code, hint, headers=exc.headers)
