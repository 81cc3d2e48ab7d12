"""Referential readers: one per source, all into the shared domain model.

Each reader registers itself in :data:`~habilitant.referentiels.registry.READERS` with a
name and a default path under the referentials root (``HABILITANT_REFERENTIELS``)::

    rome        rome-4.0/                                   ROME 4.0 CSV set
    rncp        rncp/export_fiches_RNCP_V4_1_extrait.xml    France Compétences XML (or .zip)
    rs          rncp/export_fiches_RS_V4_1_extrait.xml      Répertoire spécifique, same schema
    rncp-2021   rncp/blocs-2021/                            2021 bloc-title tables
    esco        esco-fr/                                    ESCO French labels + ESCO-ROME
    referens3   branches/referens3/                         RéFérens III

A branch's own referential is **declared by its folder**: ``branches/<name>/`` under the
referentials root, holding a ``referentiel.yaml`` (or ``.yml``, ``.json``, ``.csv``; format in
``referentiels/FORMAT-branche.md``), is the referential ``<name>`` for every command (``index
build``, ``serve``, ``analyse``, ``coverage``…), with nothing to register in Python.
:func:`read_branche` reads such a file anywhere; :func:`register_branche` still names one
found at another path, for the current process only. Only the standard library is imported
here.
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
from habilitant.referentiels.branche import (  # noqa: E402
    FILE_NAMES as BRANCH_FILES,
    read_branche,
    register_branche,
)

# isort: on

__all__ = [
    "READERS",
    "ReaderSpec",
    "available_referentiels",
    "declared_branches",
    "load_all",
    "load_referentiel",
    "read_branche",
    "register_branche",
    "register_reader",
    "reader_path",
]


BRANCHES_DIR = "branches"


def declared_branches(root: Path) -> dict[str, Path]:
    """Branch referentials declared under ``root``: each folder ``branches/<name>/`` holding a
    branch file (``referentiel.yaml``…) that no registered reader already reads."""
    folder = Path(root) / BRANCHES_DIR
    if not folder.is_dir():
        return {}
    taken = {(Path(root) / spec.default_path).resolve() for spec in READERS.values()}
    return {
        sub.name: sub
        for sub in sorted(folder.iterdir())
        if sub.is_dir()
        and sub.name not in READERS
        and sub.resolve() not in taken
        and any((sub / name).is_file() for name in BRANCH_FILES)
    }


def _spec(name: str, root: Path) -> ReaderSpec:
    spec = READERS.get(name)
    if spec is not None:
        return spec
    branches = declared_branches(root)
    if name in branches:
        return ReaderSpec(
            name=name,
            default_path=f"{BRANCHES_DIR}/{name}",
            title=f"Référentiel de branche « {name} »",
            read=lambda path: read_branche(path, name),
        )
    known = sorted(set(READERS) | set(branches))
    raise UnknownCodeError(
        f"Le référentiel « {name} » est inconnu.",
        hint="Référentiels connus : " + ", ".join(known) + " (un référentiel de branche se "
        f"déclare par un dossier {BRANCHES_DIR}/<nom>/ contenant un referentiel.yaml).",
    )


def reader_path(name: str, root: Path) -> Path:
    """Where reader ``name`` looks under ``root`` (its default path)."""
    return Path(root) / _spec(name, root).default_path


def load_referentiel(name: str, root: Path) -> Referentiel:
    """Read referential ``name`` from its default path under ``root``."""
    spec = _spec(name, root)
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
    """Names of the registered referentials whose files exist under ``root``, then the branch
    referentials declared there (see :func:`declared_branches`)."""
    registered = [n for n, spec in READERS.items() if (Path(root) / spec.default_path).exists()]
    return registered + list(declared_branches(root))


def load_all(root: Path, names: Sequence[str] | None = None) -> list[Referentiel]:
    """Read ``names`` (default: every available referential) under ``root``."""
    wanted = list(names) if names is not None else available_referentiels(root)
    return [load_referentiel(name, root) for name in wanted]
