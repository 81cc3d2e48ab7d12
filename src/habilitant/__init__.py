"""habilitant: a person's account of their work, stated in the words of official referentials.

``import habilitant`` loads no torch, faiss or spaCy model and makes no network call;
heavy imports happen inside the functions that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "CompetenceIndex",
    "Habilitant",
    "HabilitantError",
    "Settings",
    "__version__",
    "build_index",
    "load_index",
    "load_referentiel",
]

_LAZY = {
    "CompetenceIndex": "habilitant.index",
    "Habilitant": "habilitant.pipeline",
    "build_index": "habilitant.index",
    "load_index": "habilitant.index",
    "load_referentiel": "habilitant.referentiels",
    "HabilitantError": "habilitant.errors",
    "Settings": "habilitant.settings",
}

if TYPE_CHECKING:
    from habilitant.errors import HabilitantError
    from habilitant.index import CompetenceIndex, build_index, load_index
    from habilitant.pipeline import Habilitant
    from habilitant.referentiels import load_referentiel
    from habilitant.settings import Settings


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'habilitant' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
