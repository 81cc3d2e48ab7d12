"""Security headers, a request-size limit, and logs that hold no personal data.

Logs carry a request id, the method, the path (never the query string: ``/search?q=`` holds
text), the status, the body size and the duration — never a narrative or a statement.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from habilitant.budget import time_budget

log = logging.getLogger("habilitant.api")

# No external source at all: scripts, styles and fonts are served by the application.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI (/docs) starts itself with an inline script; still nothing external.
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)
STATIC_PREFIXES = ("/static/", "/docs-static/")
HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"DENY",
    b"cross-origin-opener-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
}


class SecurityMiddleware:
    """Adds the headers above, refuses bodies over ``max_body_bytes`` with a 413 and bodies
    not received within ``body_read_seconds`` with a 408, gives each request its time budget
    (:mod:`habilitant.budget`, started when it gets a computing slot) and logs each request
    without its content."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        body_read_seconds: float = 20.0,
        analysis_seconds: float = 0.0,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_read_seconds = body_read_seconds
        self.analysis_seconds = analysis_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:12]
        tick = time.perf_counter()
        path: str = scope["path"]
        length = _content_length(scope)
        state = {"status": 0, "received": 0, "body_done": False}
        if length is not None and length > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            state["status"] = 413
            _log(request_id, scope, 413, length, tick)
            return

        read_until = time.monotonic() + self.body_read_seconds

        async def limited_receive() -> Message:
            if state["body_done"]:  # later reads wait for a disconnect: no deadline
                return await receive()
            try:
                message = await asyncio.wait_for(
                    receive(), timeout=max(0.0, read_until - time.monotonic())
                )
            except TimeoutError:  # a client trickling its body holds a connection: free it
                raise HTTPException(408) from None
            if message["type"] == "http.request":
                state["body_done"] = not message.get("more_body", False)
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.max_body_bytes:
                    # An HTTPException passes through FastAPI's body reading unchanged and
                    # becomes our French 413 (a body sent without Content-Length).
                    raise HTTPException(413)
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() not in HEADERS
                ]
                headers.extend(HEADERS.items())
                if not path.startswith(STATIC_PREFIXES) and not any(
                    k.lower() == b"cache-control" for k, _ in headers
                ):
                    headers.append((b"cache-control", b"no-store"))  # answers hold personal data
                csp = DOCS_CSP if path.startswith(("/docs", "/redoc")) else CSP
                headers.append((b"content-security-policy", csp.encode()))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            with time_budget(self.analysis_seconds):
                await self.app(scope, limited_receive, send_with_headers)
        except Exception as exc:  # a bug: answer 500 here, with our headers; log the type only
            log.error("%s internal error: %s", request_id, type(exc).__name__)
            if state["status"] == 0:
                response = error_response(
                    500,
                    "Erreur interne du service.",
                    "erreur_interne",
                    f"Réessayez ; si l'erreur persiste, signalez la requête {request_id}.",
                )
                await response(scope, receive, send_with_headers)
        finally:
            _log(request_id, scope, state["status"], length or state["received"], tick)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413,
            f"La requête dépasse la taille maximale acceptée ({self.max_body_bytes} octets).",
            "requete_trop_volumineuse",
            "Raccourcissez le texte, ou découpez-le en plusieurs récits.",
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def loggable(path: str) -> str:
    """The path as logged: percent-encoded, so that CR, LF or NUL cannot forge a log line."""
    return quote(path, safe="/:@!$&'()*+,;=-._~")


def _log(request_id: str, scope: Scope, status: int, size: int, tick: float) -> None:
    log.info(
        "%s %s %s %s %d o %.0f ms",
        request_id,
        loggable(str(scope.get("method", ""))),
        loggable(scope["path"]),
        status,
        size,
        1000 * (time.perf_counter() - tick),
    )
