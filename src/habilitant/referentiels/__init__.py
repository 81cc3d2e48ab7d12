"""Referential readers: one per source, all into the shared domain model.

Each reader registers itself in :data:`~habilitant.referentiels.registry.READERS` with a
name and a default path under the referentials root (``HABILITANT_REFERENTIELS``)::

    rome        rome-4.0/                                   ROME 4.0 CSV set
    rncp        rncp/export_fiches_RNCP_V4_1_extrait.xml    France Compétences XML (or .zip)
    rs          rncp/export_fiches_RS_V4_1_extrait.xml      Répertoire spécifique, same schema
    rncp-2021   rncp/blocs-2021/                            2021 bloc-title tables
    esco        esco-fr/                                    ESCO French labels + ESCO-ROME
    referens3   branches/referens3/                         RéFérens III

A branch's own referential is read with :func:`read_branche` (format in
``referentiels/FORMAT-branche.md``) and may be registered with :func:`register_branche`.
Only the standard library is imported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from habilitant.domain import Referentiel
from habilitant.errors import ReferentielError, UnknownCodeError
from habilitant.referentiels.registry import READERS, ReaderSpec, register_reader

# isort: off
# Importing a reader module registers it; this order is the order of ``available``.
from habilitant.referentiels import rome  # noqa: F401, E402
from habilitant.referentiels import rncp  # noqa: F401, E402
from habilitant.referentiels import rncp2021  # noqa: F401, E402
from habilitant.referentiels import esco  # noqa: F401, E402
from habilitant.referentiels import referens3  # noqa: F401, E402
from habilitant.referentiels.branche import read_branche, register_branche  # noqa: E402

# isort: on

__all__ = [
    "READERS",
    "ReaderSpec",
    "available_referentiels",
    "load_all",
    "load_referentiel",
    "read_branche",
    "register_branche",
    "register_reader",
    "reader_path",
]


def _spec(name: str) -> ReaderSpec:
    spec = READERS.get(name)
    if spec is None:
        raise UnknownCodeError(
            f"Le référentiel « {name} » est inconnu.",
            hint="Référentiels connus : " + ", ".join(sorted(READERS)) + ".",
        )
    return spec


def reader_path(name: str, root: Path) -> Path:
    """Where reader ``name`` looks under ``root`` (its default path)."""
    return Path(root) / _spec(name).default_path


def load_referentiel(name: str, root: Path) -> Referentiel:
    """Read referential ``name`` from its default path under ``root``."""
    spec = _spec(name)
    path = Path(root) / spec.default_path
    if not path.exists():
        raise ReferentielError(
            f"Les fichiers du référentiel « {name} » ({spec.title}) sont introuvables : "
            f"{path} n'existe pas.",
            hint="Indiquez le dossier des fichiers officiels (variable HABILITANT_REFERENTIELS "
            "ou option --referentiels) ou téléchargez-les : habilitant referentiels download",
        )
    return spec.read(path)


def available_referentiels(root: Path) -> list[str]:
    """Names of the registered referentials whose files exist under ``root``."""
    return [name for name, spec in READERS.items() if (Path(root) / spec.default_path).exists()]


def load_all(root: Path, names: Sequence[str] | None = None) -> list[Referentiel]:
    """Read ``names`` (default: every available referential) under ``root``."""
    wanted = list(names) if names is not None else available_referentiels(root)
    return [load_referentiel(name, root) for name in wanted]
