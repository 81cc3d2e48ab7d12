"""The learned item ranking: counts, scores, cross-validation, artifact checks (no model)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from habilitant.errors import IndexStateError
from habilitant.matching.fiche_classifier import ClassifierConfig, fit_classifier
from habilitant.matching.item_prior import ItemPrior, PriorWeights, TickCounts
from habilitant.training import (
    ARTIFACT_FORMAT,
    CLASSIFIER,
    COUNTS,
    MANIFEST,
    RankedOffer,
    artifact_dir,
    cross_validate,
    load_fiche_classifier,
    load_item_prior,
)

ITEMS = [f"{n}" for n in range(200)]
FICHES = ["A1101", "M1805", "J1501"]


def test_ticks_are_counted_once_per_offer_and_per_fiche() -> None:
    counts = TickCounts.count(
        [
            ("J1501", ["1", "2", "2"]),
            ("J1501", ["2"]),
            ("M1805", ["3"]),
            ("A1101", []),
            (None, ["1"]),
        ]
    )
    assert counts.offers == 4  # the offer without items is skipped
    assert counts.items == {"1": 2, "2": 2, "3": 1}
    assert counts.fiche_offers == {"J1501": 2, "M1805": 1}
    assert counts.fiche_items["J1501"] == {"1": 1, "2": 2}


def test_the_learned_score_adds_popularity_and_the_first_fiches_ticks() -> None:
    counts = TickCounts(3, {"a": 3, "b": 1}, {"F1": 3, "F2": 1}, {"F1": {"a": 3}, "F2": {"b": 1}})
    prior = ItemPrior.on_index(
        counts,
        PriorWeights(popular=0.1, in_fiche=1.0),
        {"a": 0, "b": 1, "c": 2},
        {"F1": 3, "F2": 4},
        6,
    )
    score = np.zeros(6, dtype=np.float32)
    groups = np.array([0, 0, 0, 0.2, 0.5, 0], dtype=np.float32)  # F2 ranked first
    out = prior.rank_scores(score, groups)
    assert out[0] == pytest.approx(0.1 * np.log1p(3 / 0.01))
    assert out[1] == pytest.approx(0.1 * np.log1p(1 / 0.01) + 1.0 * 1 / (1 + 1))
    assert out[2] == 0 and out[5] == 0  # never ticked / not an item: unchanged
    assert np.array_equal(score, np.zeros(6))  # the matcher's scores are not modified


@dataclass
class _View:
    item_codes: list[str] = field(default_factory=lambda: list(ITEMS))
    fiche_codes: list[str] = field(default_factory=lambda: list(FICHES))


def _offers(seed: int = 3) -> list[RankedOffer]:
    """Each fiche has 5 items recruiters tick; the matcher ranks them only loosely."""
    rng = np.random.default_rng(seed)
    offers = []
    for n in range(60):
        fiche = FICHES[n % 3]
        base = 10 * (n % 3)
        gold = frozenset(str(base + k) for k in rng.choice(5, size=3, replace=False))
        items = rng.normal(0, 1, size=len(ITEMS)).astype(np.float32)
        fiches = np.array([1.0 if f == fiche else 0.0 for f in FICHES], dtype=np.float32)
        offers.append(RankedOffer(fiche, gold, items * 0.1, fiches))
    return offers


def test_cross_validation_is_deterministic_and_learns_the_ticks() -> None:
    offers, view = _offers(), _View()
    weights, report = cross_validate(offers, view, folds=5, seed=0)
    again, report_again = cross_validate(offers, view, folds=5, seed=0)
    assert (weights, report) == (again, report_again)
    assert weights.in_fiche > 0 or weights.popular > 0
    assert report["learned"]["recall@10"] > report["matcher"]["recall@10"] + 0.3
    assert report["matcher"]["n"] == report["learned"]["n"] == 60
    sectors = report["per_sector"]
    assert sectors["data/IT (M18xx)"]["learned"]["n"] == 20
    assert sectors["other fiches"]["learned"]["n"] == 40


def _index(tmp_path: Path, checksum: str = "c" * 64, rome: str = "460") -> SimpleNamespace:
    entries = [
        SimpleNamespace(referentiel="rome", kind="competence", code="1"),
        SimpleNamespace(referentiel="rome", kind="savoir", code="2"),
        SimpleNamespace(referentiel="esco", kind="competence", code="1"),
    ]
    manifest = {
        "encoder": {"name": "e", "checksum": checksum},
        "referentiels": {"rome": {"version": rome}},
    }
    return SimpleNamespace(path=tmp_path / "index", manifest=manifest, entries=entries)


class _Structure:
    groups = [SimpleNamespace(code="J1501"), SimpleNamespace(code="K1302")]

    def group_ids(self, kind: str, referentiels: list[str]) -> np.ndarray:
        return np.array([0, 1])


def _write_artifact(tmp_path: Path, **changes: object) -> Path:
    import hashlib

    folder = artifact_dir(tmp_path / "index")
    folder.mkdir(parents=True)
    counts = json.dumps(
        {
            "offers": 2,
            "items": {"1": 2},
            "fiche_offers": {"J1501": 2},
            "fiche_items": {"J1501": {"1": 2}},
        }
    )
    (folder / COUNTS).write_text(counts)
    classifier = fit_classifier(
        ["Serveur", "Serveuse", "Aide-soignant", "Aide-soignante"],
        ["service des plats", "prise de commande", "toilette", "soins"],
        ["G1803", "G1803", "J1501", "J1501"],
        ClassifierConfig(min_df=1),
    ).with_calibration(0.5, 0.1)
    names = [COUNTS, *classifier.save(folder, CLASSIFIER)]
    manifest = {
        "format": ARTIFACT_FORMAT,
        "weights": {"popular": 0.01, "in_fiche": 0.2, "smoothing": 0.01},
        "encoder": {"name": "e", "checksum": "c" * 64},
        "rome_version": "460",
        "files": {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in names},
        **changes,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest))
    return folder


def test_an_artifact_is_found_beside_its_index_and_mapped_onto_it(tmp_path: Path) -> None:
    assert artifact_dir(tmp_path / "index") == tmp_path / "item-prior"
    assert artifact_dir(tmp_path / "mon-dossier") == tmp_path / "mon-dossier-item-prior"
    assert (
        artifact_dir(tmp_path / "index-embeddinggemma-300m").name
        == "item-prior-embeddinggemma-300m"
    )
    assert load_item_prior(_index(tmp_path), _Structure()) is None  # none trained: as before
    _write_artifact(tmp_path)
    prior = load_item_prior(_index(tmp_path), _Structure())
    assert prior is not None and prior.weights == PriorWeights(0.01, 0.2)
    assert prior.popular[0] > 0 and prior.popular[2] == 0  # ROME item "1", not ESCO's "1"
    assert prior.in_fiche[0][0].tolist() == [0]
    classifier = load_fiche_classifier(_index(tmp_path))
    assert classifier is not None and classifier.weight == 0.1
    assert classifier.fiches == ("G1803", "J1501")


@pytest.mark.parametrize(
    ("index_changes", "artifact_changes", "message"),
    [
        ({"checksum": "d" * 64}, {}, "appris avec l'encodeur"),
        ({"rome": "461"}, {}, "appris sur le ROME 460"),
        ({}, {"files": {COUNTS: "0" * 64}}, "a été modifié"),
        ({}, {"format": 9}, "format 9"),
        ({}, {"format": 1}, "format 1 au lieu de 2"),  # trained before the fiche prediction
        ({}, {"files": {COUNTS: "0" * 64, f"{CLASSIFIER}.npz": "1" * 64}}, ".npz a été modifié"),
    ],
)
def test_a_mismatched_artifact_is_refused_with_the_command_to_rebuild(
    tmp_path: Path, index_changes: dict, artifact_changes: dict, message: str
) -> None:
    _write_artifact(tmp_path, **artifact_changes)
    with pytest.raises(IndexStateError) as caught:
        load_item_prior(_index(tmp_path, **index_changes), _Structure())
    assert message in str(caught.value) and "habilitant train" in str(caught.value)
    with pytest.raises(IndexStateError, match="habilitant train"):
        load_fiche_classifier(_index(tmp_path, **index_changes))
