"""Library functions behind the commands: load referentials, build and open the index.

Each function takes :class:`~habilitant.settings.Settings` and returns data; the CLI and
the API only parse options and render results.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from habilitant.errors import IndexStateError, ReferentielError
from habilitant.settings import Settings

if TYPE_CHECKING:
    from habilitant.catalog import Catalog
    from habilitant.domain import Referentiel
    from habilitant.encoder import Encoder
    from habilitant.index import BuildReport, CompetenceIndex, ProgressCallback, SearchHit
    from habilitant.neighbours import Neighbour


def referentiels_root(settings: Settings) -> Path:
    root = Path(settings.referentiels)
    if not root.is_dir():
        raise ReferentielError(
            f"Le dossier des référentiels {root} n'existe pas.",
            hint="Indiquez où sont les fichiers officiels (HABILITANT_REFERENTIELS=/chemin) "
            "ou récupérez-les : habilitant referentiels download",
        )
    return root


def load_referentiels(settings: Settings, names: Sequence[str] | None = None) -> list[Referentiel]:
    """Every available referential under the configured root (or only ``names``)."""
    from habilitant.referentiels import available_referentiels, load_all

    root = referentiels_root(settings)
    if not names:
        names = available_referentiels(root)
        if not names:
            raise ReferentielError(
                f"Aucun fichier de référentiel reconnu dans {root}.",
                hint="Voir referentiels/README.md pour la disposition attendue des fichiers.",
            )
    return load_all(root, list(names))


def load_catalog(settings: Settings, names: Sequence[str] | None = None) -> Catalog:
    from habilitant.catalog import Catalog

    return Catalog.from_referentiels(load_referentiels(settings, names))


def load_target_catalog(settings: Settings, code: str) -> Catalog:
    """The catalog a target code can come from: only the RNCP/RS exports and 2021 tables for
    an RNCP/RS number (a fraction of a second), every referential otherwise (ROME fiche,
    emploi-type)."""
    from habilitant.catalog import is_certification_code
    from habilitant.referentiels import available_referentiels

    names = None
    if is_certification_code(code):
        available = available_referentiels(referentiels_root(settings))
        names = [n for n in available if n in ("rncp", "rs", "rncp-2021")] or None
    return load_catalog(settings, names)


def load_encoder_for(settings: Settings) -> Encoder:
    from habilitant.encoder import load_encoder

    return load_encoder(
        settings.encoder,
        models_dir=settings.models_dir,
        batch_size=settings.batch_size,
        precision=settings.precision,
        dimension=settings.encoder_dimension,
    )


def build(
    settings: Settings,
    names: Sequence[str] | None = None,
    *,
    force: bool = False,
    remove_missing: bool = False,
    index_type: str = "auto",
    progress: ProgressCallback | None = None,
) -> BuildReport:
    """Read the referentials, encode what the cache lacks, install the index atomically.

    A build that would leave out a referential the installed index holds (its folder is
    missing, or it was not named) is refused unless ``remove_missing``: the index in place
    is kept as it is."""
    from habilitant.calibration import calibration_for
    from habilitant.index import build_index

    referentiels = load_referentiels(settings, names)
    dropped = sorted(
        indexed_referentiels(settings.resolved_index_dir) - {r.name for r in referentiels}
    )
    if dropped and not remove_missing:
        raise IndexStateError(
            f"Cette construction retirerait de l'index le(s) référentiel(s) "
            f"{', '.join(dropped)} : leurs fichiers sont absents de "
            f"{referentiels_root(settings)} ou ils n'ont pas été demandés. L'index en place "
            "est conservé.",
            hint="Remettez leurs fichiers (habilitant referentiels download), ou relancez avec "
            "--remove-missing pour les retirer volontairement.",
        )
    encoder = load_encoder_for(settings)
    return build_index(
        referentiels,
        encoder,
        settings.resolved_index_dir,
        cache_dir=settings.models_dir / "cache",
        index_type=index_type,
        batch_size=settings.batch_size or 256,
        force=force,
        progress=progress,
        calibration=calibration_for(encoder.name, decision_file=settings.decision_file).as_dict(),
    )


def indexed_referentiels(index_dir: Path) -> set[str]:
    """The referentials of the index installed at ``index_dir`` (none when there is none)."""
    try:
        manifest = json.loads((Path(index_dir) / "manifest.json").read_text(encoding="utf-8"))
        return set(manifest.get("referentiels", {}))
    except (OSError, ValueError, AttributeError):
        return set()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_source_files(manifest: dict[str, Any], root: Path) -> None:
    """Refuse an index whose referential files have changed on disk since it was built."""
    for name, info in manifest.get("referentiels", {}).items():
        for source in info.get("sources", []):
            path = Path(source["path"])
            if not path.is_absolute():
                path = root / path
            if not path.is_file():
                continue  # files moved elsewhere: nothing to compare
            if path.stat().st_size != source.get("size") or _sha256(path) != source["sha256"]:
                raise IndexStateError(
                    f"Le fichier {path} du référentiel « {name} » a changé depuis la "
                    "construction de l'index.",
                    hint="Reconstruisez l'index : habilitant index build",
                )


def open_index(settings: Settings, encoder: Encoder | None = None) -> CompetenceIndex:
    """Load the configured index, refusing an encoder or referential mismatch."""
    from habilitant.index import load_index

    index = load_index(settings.resolved_index_dir, encoder=encoder)
    if Path(settings.referentiels).is_dir():
        check_source_files(index.manifest, Path(settings.referentiels))
    return index


def neighbours_of(
    settings: Settings, competence_ids: Sequence[str]
) -> dict[str, tuple[Neighbour, ...]] | None:
    """The computed neighbours of statements (:mod:`habilitant.neighbours`) from the
    installed index's vectors and calibration, without loading the encoder; None when no
    index is installed."""
    from habilitant.calibration import calibration_of_index
    from habilitant.index import MANIFEST
    from habilitant.neighbours import NeighbourSpace, neighbours

    if not (settings.resolved_index_dir / MANIFEST).is_file():
        return None
    index = open_index(settings)
    calibration = calibration_of_index(index.manifest, index.manifest["encoder"]["name"])
    return neighbours(NeighbourSpace.from_index(index), competence_ids, calibration.neighbours)


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    encode_ms: float
    search_ms: float


def search(
    settings: Settings,
    text: str,
    *,
    k: int = 10,
    referentiels: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    encoder: Encoder | None = None,
    index: CompetenceIndex | None = None,
) -> SearchResult:
    """The ``k`` referential items nearest to ``text``.

    By default only statements (compétences, savoirs, blocs, activités) are searched; pass
    ``kinds`` (e.g. ``["appellation", "fiche", "certification"]``) to search titles.
    """
    from habilitant.inputs import validate_text
    from habilitant.matching.structure import STATEMENT_KINDS

    text = validate_text(text, max_chars=settings.max_text_chars)
    encoder = encoder or load_encoder_for(settings)
    index = index or open_index(settings, encoder)
    tick = time.perf_counter()
    query = encoder.encode_queries([text])
    encoded = time.perf_counter()
    kinds = kinds or sorted(STATEMENT_KINDS)
    hits = index.search(query, k, referentiels=referentiels, kinds=kinds)[0]
    done = time.perf_counter()
    return SearchResult(hits, (encoded - tick) * 1000, (done - encoded) * 1000)


def summary(settings: Settings) -> list[dict[str, Any]]:
    """Sources, versions and counts of every available referential."""
    return [
        {
            "name": r.name,
            "title": r.title,
            "version": r.version,
            "counts": r.count(),
            "files": [s.path for s in r.sources],
        }
        for r in load_referentiels(settings)
    ]
