"""Index: round trip, incremental rebuild, manifest refusal, crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from habilitant.domain import Competence, Parent, Referentiel, SourceFile
from habilitant.errors import IndexStateError
from habilitant.index import build_index, load_index, read_manifest
from habilitant.workspace import check_source_files
from tests.fakes import HashingEncoder

WORDINGS = [
    "Réaliser des soins d'hygiène corporelle",
    "Encaisser le montant d'une vente",
    "Préparer les repas des résidents",
    "Conduire un chariot élévateur",
    "Développer une application web",
    "Rédiger un contrat de travail",
]


def make_referentiel(wordings: list[str] = WORDINGS, sha: str = "a" * 64) -> Referentiel:
    bloc = Parent(kind="bloc", code="TEST01BC01", libelle="Bloc de test")
    return Referentiel(
        name="test",
        title="Référentiel de test",
        version="1",
        sources=(SourceFile(path="test.csv", sha256=sha, size=1),),
        competences=tuple(
            Competence(
                id=f"test:{i}",
                referentiel="test",
                code=str(i),
                libelle=w,
                kind="competence",
                parents=(bloc,),
            )
            for i, w in enumerate(wordings, start=1)
        ),
    )


def test_index_round_trip_finds_exact_wording_with_provenance(tmp_path: Path) -> None:
    encoder = HashingEncoder()
    report = build_index([make_referentiel()], encoder, tmp_path / "index", cache_dir=tmp_path)
    assert report.count == len(WORDINGS) and report.encoded == len(WORDINGS)
    index = load_index(tmp_path / "index", encoder=encoder)
    hits = index.search(encoder.encode_queries(["encaisser une vente"]), 3)[0]
    assert hits[0].entry.libelle == "Encaisser le montant d'une vente"
    assert hits[0].entry.parents[0].code == "TEST01BC01"
    assert hits[0].score > hits[1].score
    manifest = read_manifest(tmp_path / "index")
    assert manifest["encoder"]["checksum"] == encoder.checksum
    assert manifest["referentiels"]["test"]["sources"][0]["sha256"] == "a" * 64
    assert manifest["index_type"] == "flat"


def test_index_search_filters_by_kind_and_referentiel(tmp_path: Path) -> None:
    encoder = HashingEncoder()
    build_index([make_referentiel()], encoder, tmp_path / "index", cache_dir=tmp_path)
    index = load_index(tmp_path / "index")
    query = encoder.encode_queries(["soins d'hygiène"])
    assert index.search(query, 5, kinds=["savoir"]) == [[]]
    assert all(
        h.entry.referentiel == "test" for h in index.search(query, 5, referentiels=["test"])[0]
    )


def test_index_rebuild_reuses_cache_and_reencodes_only_changes(tmp_path: Path) -> None:
    encoder = HashingEncoder()
    build_index([make_referentiel()], encoder, tmp_path / "index", cache_dir=tmp_path)
    again = build_index([make_referentiel()], encoder, tmp_path / "index", cache_dir=tmp_path)
    assert again.up_to_date and again.encoded == 0
    forced = build_index(
        [make_referentiel()], encoder, tmp_path / "index", cache_dir=tmp_path, force=True
    )
    assert not forced.up_to_date and forced.encoded == 0 and forced.reused == len(WORDINGS)
    changed = [*WORDINGS[:-1], "Gérer la paie des salariés"]
    report = build_index(
        [make_referentiel(changed, sha="b" * 64)], encoder, tmp_path / "index", cache_dir=tmp_path
    )
    assert report.encoded == 1 and report.reused == len(WORDINGS) - 1
    # Only the current build is kept.
    assert len(list((tmp_path / "index.builds").iterdir())) == 1


def test_index_load_refuses_other_encoder_and_says_how_to_rebuild(tmp_path: Path) -> None:
    build_index([make_referentiel()], HashingEncoder(), tmp_path / "index", cache_dir=tmp_path)
    with pytest.raises(IndexStateError) as error:
        load_index(tmp_path / "index", encoder=HashingEncoder(32, name="other"))
    assert "habilitant index build" in str(error.value)
    assert "other" in str(error.value)


def test_index_load_refuses_missing_or_corrupt_manifest(tmp_path: Path) -> None:
    with pytest.raises(IndexStateError, match="Aucun index"):
        load_index(tmp_path / "nothing")
    build_index([make_referentiel()], HashingEncoder(), tmp_path / "index", cache_dir=tmp_path)
    manifest = tmp_path / "index" / "manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "format": 999}))
    with pytest.raises(IndexStateError, match="format"):
        load_index(tmp_path / "index")
    manifest.write_text("{not json")
    with pytest.raises(IndexStateError, match="illisible"):
        load_index(tmp_path / "index")


def test_index_refuses_changed_referential_files(tmp_path: Path) -> None:
    source = tmp_path / "test.csv"
    source.write_text("v1")
    import hashlib

    sha = hashlib.sha256(b"v1").hexdigest()
    referentiel = make_referentiel(sha=sha)
    referentiel = Referentiel(
        name="test",
        title="t",
        version="1",
        sources=(SourceFile(path="test.csv", sha256=sha, size=2),),
        competences=referentiel.competences,
    )
    build_index([referentiel], HashingEncoder(), tmp_path / "index", cache_dir=tmp_path)
    manifest = read_manifest(tmp_path / "index")
    check_source_files(manifest, tmp_path)  # unchanged: accepted
    source.write_text("v2")
    with pytest.raises(IndexStateError, match="a changé"):
        check_source_files(manifest, tmp_path)


CRASH_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path[:0] = [{repo!r}, {src!r}]
    from tests.fakes import HashingEncoder
    from tests.test_index import make_referentiel
    from habilitant.index import build_index
    words = ["Compétence numéro %d à encoder lentement" % i for i in range(4000)]
    build_index([make_referentiel(words, sha="c" * 64)], HashingEncoder(delay=0.0005),
                Path({index!r}), cache_dir=Path({cache!r}), batch_size=64, force=True)
    """
)


def test_index_build_killed_at_any_point_leaves_previous_index_loadable(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parent.parent
    encoder = HashingEncoder()
    index_dir = tmp_path / "index"
    build_index([make_referentiel()], encoder, index_dir, cache_dir=tmp_path / "cache")
    script = CRASH_SCRIPT.format(
        repo=str(repo), src=str(repo / "src"), index=str(index_dir), cache=str(tmp_path / "cache")
    )
    killed = 0
    for delay in (0.3, 0.8, 1.5, 2.5, 3.5):
        process = subprocess.Popen([sys.executable, "-c", script])
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed += 1
        process.wait()
        index = load_index(index_dir, encoder=encoder)
        # Either the previous index or a complete new one, never a broken one.
        assert len(index) in (len(WORDINGS), 4000)
        assert index.faiss_index.ntotal == len(index)
    assert killed >= 3


def test_index_hnsw_is_available_for_large_referentials(tmp_path: Path) -> None:
    encoder = HashingEncoder()
    words = [f"Compétence numéro {i} de la liste" for i in range(300)] + WORDINGS
    build_index(
        [make_referentiel(words)],
        encoder,
        tmp_path / "index",
        cache_dir=tmp_path,
        index_type="hnsw",
    )
    index = load_index(tmp_path / "index", encoder=encoder)
    assert read_manifest(tmp_path / "index")["index_type"] == "hnsw"
    hits = index.search(encoder.encode_queries(["Encaisser le montant d'une vente"]), 3)[0]
    assert hits[0].entry.libelle == "Encaisser le montant d'une vente"
    filtered = index.search(encoder.encode_queries(["vente"]), 3, kinds=["competence"])[0]
    assert filtered and all(h.entry.kind == "competence" for h in filtered)


def test_embedding_cache_keeps_keys_ending_with_zero_bytes(tmp_path: Path) -> None:
    from habilitant.encoder.cache import EmbeddingCache

    keys = [bytes(31) + b"\x01", b"\x01" + bytes(31), bytes(32)]
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    EmbeddingCache(tmp_path, "enc", 4).add(keys, vectors)
    found, missing = EmbeddingCache(tmp_path, "enc", 4).lookup(keys)
    assert missing == []
    assert np.array_equal(found, vectors)


class _InterruptedEncoder(HashingEncoder):
    """Stops (as a kill or Ctrl-C would) at its ``stop_at``-th call."""

    def __init__(self, stop_at: int) -> None:
        super().__init__()
        self.stop_at = stop_at

    def encode_passages(self, texts):  # type: ignore[no-untyped-def]
        if self.calls + 1 == self.stop_at:
            raise KeyboardInterrupt
        return super().encode_passages(texts)


def test_an_interrupted_build_resumes_where_it_stopped(tmp_path: Path) -> None:
    """Chunks are persisted as they complete: a build stopped in its third chunk re-encodes
    neither of the first two when started again, and reports its progress from there."""
    wordings = [f"Compétence numéro {i} : {w}" for i in range(2500) for w in WORDINGS[:2]]
    referentiel = make_referentiel(wordings)
    with pytest.raises(KeyboardInterrupt):
        build_index(
            [referentiel], _InterruptedEncoder(3), tmp_path / "index", cache_dir=tmp_path / "c"
        )
    assert not (tmp_path / "index").exists()
    seen: list[tuple[int, int]] = []
    report = build_index(
        [referentiel],
        HashingEncoder(),
        tmp_path / "index",
        cache_dir=tmp_path / "c",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert report.reused == 2 * 2048 and report.encoded == len(wordings) - 2 * 2048
    assert seen[0] == (2 * 2048, len(wordings)) and seen[-1] == (len(wordings), len(wordings))
    assert len(load_index(tmp_path / "index")) == len(wordings)
