"""The habilitant HTTP API and the conseiller's page (FastAPI).

    from api import create_app
    app = create_app(settings)      # or: habilitant serve

Routers per resource (``api/routers``), dependencies in ``api/deps.py``, request/response
schemas named by role in ``api/schemas.py``; the domain never imports FastAPI or pydantic.
"""

from api.app import create_app

__all__ = ["create_app"]
