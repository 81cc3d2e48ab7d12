"""The models and index of one API process, loaded once, in the background.

The server answers at once: ``/health`` says 503 « en cours de chargement » until the encoder,
the index, the French model, the catalogue and the suggestion space are ready, then 200.
A loading failure (no index, wrong encoder) is kept and reported, never retried silently.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import time
from typing import TYPE_CHECKING

from habilitant.errors import HabilitantError, ServiceUnavailable

if TYPE_CHECKING:
    from habilitant.pipeline import Habilitant
    from habilitant.settings import Settings

log = logging.getLogger("habilitant.api")


class Engine:
    """Holds the pipeline once loaded; ``pipeline`` raises while it is not."""

    def __init__(self, settings: Settings, pipeline: Habilitant | None = None) -> None:
        self.settings = settings
        # More analyses at once than cores only adds waiting, memory and cache thrashing.
        self.slots = threading.BoundedSemaphore(settings.api_concurrency or os.cpu_count() or 1)
        self._pipeline = pipeline
        self._error: Exception | None = None
        self._ready = threading.Event()
        self.load_seconds: float | None = None
        if pipeline is not None:
            self._ready.set()

    def start(self) -> None:
        """Load in a daemon thread (returns at once)."""
        limit_malloc_arenas()
        if not self._ready.is_set():
            threading.Thread(target=self._load, name="habilitant-load", daemon=True).start()

    def _load(self) -> None:
        from habilitant.pipeline import Habilitant
        from habilitant.relations import neighbour_space

        tick = time.perf_counter()
        try:
            pipeline = Habilitant(self.settings)
            pipeline.analyse("J'ai fait la mise en rayon et l'encaissement.")  # warm every model
            # Built once, not per request.
            _ = pipeline.catalog.links, pipeline.suggestion_space, neighbour_space(pipeline)
            self._pipeline = pipeline
            self.load_seconds = round(time.perf_counter() - tick, 1)
            log.info("models and index loaded in %.1f s", self.load_seconds)
        except Exception as exc:  # reported by /health and every endpoint
            self._error = exc
            log.error("loading failed: %s: %s", type(exc).__name__, exc)  # paths, no personal data
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        return self._pipeline is not None

    @property
    def error(self) -> Exception | None:
        return self._error

    @property
    def pipeline(self) -> Habilitant:
        if self._pipeline is not None:
            return self._pipeline
        if self._error is not None:
            if isinstance(self._error, HabilitantError):  # a fresh error, same words
                raise type(self._error)(self._error.message, hint=self._error.hint)
            raise ServiceUnavailable(
                "Le service n'a pas pu charger ses modèles.",
                hint="Consultez les journaux du serveur, puis relancez habilitant serve.",
            )
        raise ServiceUnavailable(
            "Le service démarre : les modèles sont en cours de chargement.",
            hint="Réessayez dans quelques secondes.",
        )


def limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each thread that allocates its own heap arena: under concurrent requests the
    server's resident memory grows with the threadpool. Cap the arenas (no-op elsewhere)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_arena_max = -8
    libc.mallopt(m_arena_max, arenas)
