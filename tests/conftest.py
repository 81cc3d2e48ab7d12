"""Shared fixtures: where the real official files are (``../shared`` beside the repo)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _shared_dir() -> Path:
    return Path(os.environ.get("HABILITANT_SHARED", REPO_ROOT.parent / "shared")).resolve()


# Fixtures that load the real files of ../shared, the built index or the real models: a test
# that uses one (even through another fixture) is an integration test, whatever its module.
INTEGRATION_FIXTURES = frozenset(
    {
        "shared_dir",
        "referentiels_dir",
        "settings",
        "built_index",
        "habilitant",
        "catalog",
        "api_app",
        "api_client",
        "nlp",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = _shared_dir()
    if not (path / "referentiels").is_dir():
        pytest.fail(
            f"Real data not found at {path}: put the shared/ folder beside the repository "
            "or set HABILITANT_SHARED."
        )
    return path


@pytest.fixture(scope="session")
def referentiels_dir(shared_dir: Path) -> Path:
    return shared_dir / "referentiels"


@pytest.fixture(scope="session")
def settings(referentiels_dir: Path):
    """Settings on the real files, with the repository's models folder (built by make install)."""
    from habilitant.settings import get_settings

    return get_settings(referentiels=referentiels_dir, models_dir=REPO_ROOT / "models")


@pytest.fixture(scope="session")
def built_index(settings):
    """The full index over every referential of ../shared (built once; incremental)."""
    from habilitant.workspace import build

    return build(settings)


@pytest.fixture(scope="session")
def habilitant(settings, built_index):
    """One pipeline for the whole test session: the real encoder, index and spaCy model."""
    from habilitant.pipeline import Habilitant

    return Habilitant(settings)


@pytest.fixture(scope="session")
def catalog(settings):
    """Every referential of ../shared, loaded once (no index needed)."""
    from habilitant.workspace import load_catalog

    return load_catalog(settings)


@pytest.fixture(scope="session")
def api_app(settings, habilitant):
    """The real application (routers, middleware, page) around the session's pipeline."""
    from api import create_app

    return create_app(settings, pipeline=habilitant)


@pytest.fixture(scope="session")
def api_client(api_app):
    from fastapi.testclient import TestClient

    with TestClient(api_app) as client:
        yield client


@contextmanager
def live_server(app: Any, **config: Any) -> Iterator[str]:
    """A real uvicorn server for ``app`` on a free loopback port, in a thread; its base URL."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options = {"host": "127.0.0.1", "port": port, "log_level": "warning", **config}
    instance = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(timeout=10)
