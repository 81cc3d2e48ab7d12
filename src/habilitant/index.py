"""The competence index: FAISS vectors + entries table + manifest, as one folder.

* ``index.faiss``: inner product on L2-normalised vectors (exact ``IndexFlatIP`` up to
  :data:`EXACT_LIMIT` vectors, HNSW beyond or on request);
* ``entries.parquet``: id, referentiel, kind, code, exact wording, parents;
* ``manifest.json``: encoder name + checksum, dimension, referential versions and
  checksums, library versions. Loading refuses a mismatch and says how to rebuild.

Builds are atomic: each build is written to its own folder under ``<index>.builds/`` and
``<index>`` is a symbolic link switched with one ``rename``; a build killed at any point
leaves the previous index loadable. Passage embeddings are cached on (encoder, text).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from habilitant.domain import Referentiel
from habilitant.encoder.cache import EmbeddingCache, text_key
from habilitant.errors import IndexStateError
from habilitant.index_entries import IndexEntry, collect_entries

if TYPE_CHECKING:
    from habilitant.encoder import Encoder

INDEX_FORMAT = 1
EXACT_LIMIT = 100_000
MANIFEST = "manifest.json"
ProgressCallback = Callable[[int, int], None]
REBUILD_HINT = "Reconstruisez l'index : habilitant index build"


@dataclass(frozen=True)
class SearchHit:
    entry: IndexEntry
    score: float
    rank: int


@dataclass(frozen=True)
class BuildReport:
    path: Path
    count: int
    encoded: int
    reused: int
    seconds: float
    up_to_date: bool = False
    encode_seconds: float = 0.0


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _library_versions() -> dict[str, str]:
    import faiss

    from habilitant import __version__

    versions = {"habilitant": __version__, "faiss": faiss.__version__, "numpy": np.__version__}
    for module in ("sentence_transformers", "torch"):
        try:
            versions[module] = __import__(module).__version__
        except ImportError:
            pass
    return versions


def _referentiel_manifest(referentiels: Sequence[Referentiel]) -> dict[str, Any]:
    return {
        r.name: {
            "title": r.title,
            "version": r.version,
            "sources": [{"path": s.path, "sha256": s.sha256, "size": s.size} for s in r.sources],
        }
        for r in referentiels
    }


def _encoder_manifest(encoder: Encoder) -> dict[str, Any]:
    return {
        "name": encoder.name,
        "checksum": encoder.checksum,
        "dimension": encoder.dimension,
        "normalized": True,
    }


@dataclass
class CompetenceIndex:
    """A loaded index. ``search`` takes query vectors already encoded."""

    path: Path
    manifest: dict[str, Any]
    entries: list[IndexEntry]
    faiss_index: Any
    _positions: dict[str, int] = field(default_factory=dict, repr=False)
    _selections: dict[tuple[Any, ...], np.ndarray] = field(default_factory=dict, repr=False)
    _matrix: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._positions = {entry.id: i for i, entry in enumerate(self.entries)}

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def dimension(self) -> int:
        return int(self.manifest["encoder"]["dimension"])

    def position(self, entry_id: str) -> int | None:
        return self._positions.get(entry_id)

    def entry(self, entry_id: str) -> IndexEntry | None:
        position = self._positions.get(entry_id)
        return None if position is None else self.entries[position]

    def vectors(self) -> np.ndarray:
        """All stored vectors (rows in entry order)."""
        return self.faiss_index.reconstruct_n(0, self.faiss_index.ntotal)

    def matrix(self) -> np.ndarray:
        """All vectors as one contiguous float32 matrix, reconstructed once and kept."""
        if self._matrix is None:
            self._matrix = np.ascontiguousarray(self.vectors(), dtype=np.float32)
        return self._matrix

    def selection(
        self, referentiels: Sequence[str] | None = None, kinds: Sequence[str] | None = None
    ) -> np.ndarray:
        """Positions of the entries of these referentials and kinds (cached)."""
        key = (tuple(sorted(set(referentiels or ()))), tuple(sorted(set(kinds or ()))))
        found = self._selections.get(key)
        if found is None:
            wanted_refs, wanted_kinds = set(key[0]), set(key[1])
            found = np.array(
                [
                    i
                    for i, e in enumerate(self.entries)
                    if (not wanted_refs or e.referentiel in wanted_refs)
                    and (not wanted_kinds or e.kind in wanted_kinds)
                ],
                dtype=np.int64,
            )
            if len(self._selections) >= 64:  # callers may pass anything: keep memory bounded
                self._selections.clear()
            self._selections[key] = found
        return found

    def search(
        self,
        query_vectors: np.ndarray,
        k: int = 10,
        *,
        referentiels: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list[list[SearchHit]]:
        """The ``k`` nearest entries of each query row, optionally filtered."""
        import faiss

        queries = np.ascontiguousarray(query_vectors, dtype=np.float32)
        if queries.ndim == 1:
            queries = queries[None, :]
        if not isinstance(self.faiss_index, faiss.IndexHNSW):
            return self._exact_search(queries, k, referentiels, kinds)
        params = None
        if referentiels or kinds:
            selected = self.selection(referentiels, kinds)
            if selected.size == 0:
                return [[] for _ in range(len(queries))]
            selector = faiss.IDSelectorBatch(selected)
            if isinstance(self.faiss_index, faiss.IndexHNSW):
                # faiss's bundled stubs lack SearchParametersHNSW; the class exists at run time.
                params = faiss.SearchParametersHNSW(sel=selector)  # type: ignore[attr-defined]
            else:
                params = faiss.SearchParameters(sel=selector)
        k = max(1, min(k, len(self.entries)))
        scores, ids = self.faiss_index.search(queries, k, params=params)
        return [
            [
                SearchHit(entry=self.entries[int(i)], score=float(s), rank=rank)
                for rank, (s, i) in enumerate(
                    ((s, i) for s, i in zip(row_s, row_i, strict=True) if i >= 0), start=1
                )
            ]
            for row_s, row_i in zip(scores, ids, strict=True)
        ]

    def _exact_search(
        self,
        queries: np.ndarray,
        k: int,
        referentiels: Sequence[str] | None,
        kinds: Sequence[str] | None,
    ) -> list[list[SearchHit]]:
        """Exact inner product as one BLAS product (a flat FAISS scan of a few queries runs
        on one thread; this is about twice as fast here)."""
        positions = self.selection(referentiels, kinds) if (referentiels or kinds) else None
        if positions is not None and positions.size == 0:
            return [[] for _ in range(len(queries))]
        # (N, d) @ (d, q) runs as a fast matrix-vector product; then one row per query.
        scores_all = np.ascontiguousarray((self.matrix() @ queries.T).T)
        subset = scores_all if positions is None else scores_all[:, positions]
        columns, scores = _top_k_rows(subset, max(1, k))
        out = []
        for row_columns, row_scores in zip(columns, scores, strict=True):
            found = row_columns if positions is None else positions[row_columns]
            out.append(
                [
                    SearchHit(entry=self.entries[int(i)], score=float(score), rank=rank)
                    for rank, (i, score) in enumerate(zip(found, row_scores, strict=True), 1)
                ]
            )
        return out


def _top_k_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` columns of each row, best first (ties keep index order)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(part_scores, order, axis=1)


def _make_faiss_index(vectors: np.ndarray, index_type: str) -> Any:
    import faiss

    dimension = vectors.shape[1]
    if index_type == "auto":
        index_type = "flat" if len(vectors) <= EXACT_LIMIT else "hnsw"
    index: faiss.Index
    if index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
    elif index_type == "flat":
        index = faiss.IndexFlatIP(dimension)
    else:
        raise ValueError(f"unknown index type {index_type!r} (flat, hnsw or auto)")
    index.add(vectors)
    return index


def _write_entries(entries: Sequence[IndexEntry], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "id": [e.id for e in entries],
            "referentiel": [e.referentiel for e in entries],
            "kind": [e.kind for e in entries],
            "code": [e.code for e in entries],
            "libelle": [e.libelle for e in entries],
            "parents": [e.parents_json() for e in entries],
        }
    )
    pq.write_table(table, path)


def _read_entries(path: Path) -> list[IndexEntry]:
    import pyarrow.parquet as pq

    columns = pq.read_table(path).to_pydict()
    return [
        IndexEntry(
            id=i, referentiel=r, kind=k, code=c, libelle=lib, parents=IndexEntry.parse_parents(p)
        )
        for i, r, k, c, lib, p in zip(
            columns["id"],
            columns["referentiel"],
            columns["kind"],
            columns["code"],
            columns["libelle"],
            columns["parents"],
            strict=True,
        )
    ]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _builds_dir(index_dir: Path) -> Path:
    return index_dir.parent / f"{index_dir.name}.builds"


def _swap_in(index_dir: Path, build_dir: Path) -> None:
    """Point ``index_dir`` (a symlink) at ``build_dir`` with one atomic rename."""
    if index_dir.exists() and not index_dir.is_symlink():
        # A plain folder from elsewhere: keep it as a build, then link.
        keep = _builds_dir(index_dir) / f"previous-{int(time.time())}"
        os.replace(index_dir, keep)
    link = index_dir.parent / f".{index_dir.name}.link-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(os.path.relpath(build_dir, index_dir.parent))
    os.replace(link, index_dir)
    _fsync_dir(index_dir.parent)


def _clean_old_builds(index_dir: Path) -> None:
    current = index_dir.resolve() if index_dir.is_symlink() else None
    builds = _builds_dir(index_dir)
    if not builds.is_dir():
        return
    for child in builds.iterdir():
        if current is not None and child.resolve() == current:
            continue
        shutil.rmtree(child, ignore_errors=True)


def entries_digest(entries: Sequence[IndexEntry]) -> str:
    """Checksum of what the index holds: ids, kinds, wordings and provenance."""
    digest = hashlib.sha256()
    for entry in entries:
        fields = (entry.id, entry.referentiel, entry.kind, entry.code, entry.libelle)
        digest.update("\x1f".join(fields).encode())
        digest.update(entry.parents_json().encode() + b"\x1e")
    return digest.hexdigest()


def _is_up_to_date(
    index_dir: Path,
    encoder: Encoder,
    referentiels: Sequence[Referentiel],
    index_type: str,
    digest: str,
    calibration: dict[str, Any] | None,
) -> int | None:
    try:
        manifest = read_manifest(index_dir)
    except IndexStateError:
        return None
    same = (
        manifest.get("format") == INDEX_FORMAT
        and manifest.get("encoder") == _encoder_manifest(encoder)
        and manifest.get("referentiels") == _referentiel_manifest(referentiels)
        and manifest.get("entries_sha256") == digest
        and index_type in ("auto", manifest.get("index_type"))
        and (calibration is None or manifest.get("calibration") == calibration)
    )
    return int(manifest["count"]) if same else None


def build_index(
    referentiels: Sequence[Referentiel],
    encoder: Encoder,
    index_dir: Path,
    *,
    cache_dir: Path,
    index_type: str = "auto",
    batch_size: int = 256,
    force: bool = False,
    progress: ProgressCallback | None = None,
    calibration: dict[str, Any] | None = None,
) -> BuildReport:
    """Encode every entry of ``referentiels`` and install the index at ``index_dir``.

    ``calibration`` (:meth:`habilitant.calibration.Calibration.as_dict`) is recorded in the
    manifest: the decision values this index is used with. A changed calibration rebuilds
    the index from the embedding cache (nothing is re-encoded)."""
    start = time.perf_counter()
    index_dir = Path(index_dir)
    entries = collect_entries(referentiels)
    digest = entries_digest(entries)
    if not force:
        count = _is_up_to_date(index_dir, encoder, referentiels, index_type, digest, calibration)
        if count is not None:
            return BuildReport(index_dir, count, 0, count, time.perf_counter() - start, True)

    if not entries:
        raise IndexStateError(
            "Aucun élément à indexer : les référentiels chargés sont vides.",
            hint="Vérifiez le dossier des référentiels (HABILITANT_REFERENTIELS).",
        )
    cache = EmbeddingCache(cache_dir, encoder.checksum, encoder.dimension)
    keys = [text_key(encoder.checksum, e.libelle) for e in entries]
    vectors, missing = cache.lookup(keys)
    encode_seconds = 0.0
    if progress:
        progress(len(entries) - len(missing), len(entries))
    # Encode unique missing texts, in chunks persisted as they complete (resumable).
    todo: dict[bytes, list[int]] = {}
    for position in missing:
        todo.setdefault(keys[position], []).append(position)
    unique = list(todo)
    done = len(entries) - len(missing)
    chunk = max(batch_size, 2048)
    for offset in range(0, len(unique), chunk):
        part = unique[offset : offset + chunk]
        texts = [entries[todo[key][0]].libelle for key in part]
        tick = time.perf_counter()
        encoded = np.asarray(encoder.encode_passages(texts), dtype=np.float32)
        encode_seconds += time.perf_counter() - tick
        cache.add(part, encoded)
        for key, vector in zip(part, encoded, strict=True):
            for position in todo[key]:
                vectors[position] = vector
                done += 1
        if progress:
            progress(done, len(entries))

    builds = _builds_dir(index_dir)
    builds.mkdir(parents=True, exist_ok=True)
    build_dir = builds / f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    build_dir.mkdir()
    import faiss

    faiss_index = _make_faiss_index(vectors, index_type)
    faiss.write_index(faiss_index, str(build_dir / "index.faiss"))
    _write_entries(entries, build_dir / "entries.parquet")
    manifest = {
        "format": INDEX_FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "encoder": _encoder_manifest(encoder),
        "calibration": calibration,
        "metric": "inner_product",
        "index_type": "hnsw" if isinstance(faiss_index, faiss.IndexHNSW) else "flat",
        "count": len(entries),
        "entries_sha256": digest,
        "referentiels": _referentiel_manifest(referentiels),
        "libraries": _library_versions(),
        "files": {
            name: _sha256_file(build_dir / name) for name in ("index.faiss", "entries.parquet")
        },
    }
    for name in ("index.faiss", "entries.parquet"):
        with open(build_dir / name, "rb") as handle:
            os.fsync(handle.fileno())
    with open(build_dir / MANIFEST, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_dir(build_dir)
    _swap_in(index_dir, build_dir)
    _clean_old_builds(index_dir)
    return BuildReport(
        index_dir,
        len(entries),
        len(unique),
        len(entries) - len(missing),
        time.perf_counter() - start,
        encode_seconds=encode_seconds,
    )


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = Path(index_dir) / MANIFEST
    if not path.is_file():
        raise IndexStateError(f"Aucun index trouvé dans {index_dir}.", hint=REBUILD_HINT)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexStateError(
            f"Le manifeste de l'index {path} est illisible ({exc}).", hint=REBUILD_HINT
        ) from exc
    if manifest.get("format") != INDEX_FORMAT:
        raise IndexStateError(
            f"L'index {index_dir} a le format {manifest.get('format')!r}, "
            f"cette version attend le format {INDEX_FORMAT}.",
            hint=REBUILD_HINT,
        )
    return manifest


def check_sources(manifest: dict[str, Any], current: Sequence[Referentiel]) -> None:
    """Refuse an index built from other referential files than ``current``."""
    built = manifest.get("referentiels", {})
    for referentiel in current:
        if referentiel.name not in built:
            continue
        old = {s["path"]: s["sha256"] for s in built[referentiel.name]["sources"]}
        new = {s.path: s.sha256 for s in referentiel.sources}
        if old != new:
            raise IndexStateError(
                f"L'index a été construit avec une autre version des fichiers du référentiel "
                f"« {referentiel.name} » ({built[referentiel.name].get('version')}, "
                f"actuel : {referentiel.version}).",
                hint=REBUILD_HINT,
            )


def load_index(index_dir: Path, *, encoder: Encoder | None = None) -> CompetenceIndex:
    """Load an index folder; refuse it if it was built with another encoder."""
    import faiss

    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if encoder is not None:
        built = manifest["encoder"]
        if built.get("checksum") != encoder.checksum or built.get("dimension") != (
            encoder.dimension
        ):
            raise IndexStateError(
                f"L'index {index_dir} a été construit avec l'encodeur « {built.get('name')} » "
                f"(empreinte {str(built.get('checksum'))[:12]}, dimension {built.get('dimension')})"
                f", différent de l'encodeur configuré « {encoder.name} » "
                f"(empreinte {encoder.checksum[:12]}, dimension {encoder.dimension}).",
                hint=REBUILD_HINT,
            )
    try:
        faiss_index = faiss.read_index(str(index_dir / "index.faiss"))
        entries = _read_entries(index_dir / "entries.parquet")
    except Exception as exc:  # faiss raises RuntimeError, pyarrow its own errors
        raise IndexStateError(
            f"Les fichiers de l'index {index_dir} sont illisibles ({exc}).", hint=REBUILD_HINT
        ) from exc
    if faiss_index.ntotal != len(entries) or len(entries) != manifest.get("count"):
        raise IndexStateError(
            f"L'index {index_dir} est incohérent ({faiss_index.ntotal} vecteurs, "
            f"{len(entries)} entrées, {manifest.get('count')} annoncées).",
            hint=REBUILD_HINT,
        )
    return CompetenceIndex(
        path=index_dir, manifest=manifest, entries=entries, faiss_index=faiss_index
    )
