"""``habilitant train`` through the real pipeline: deterministic on a small fixed set of real
labelled offers (read from ../shared at run time), its manifest, and the ranking it changes;
the artifact ``make test`` trains on the whole training file beats the matcher on the dev
offers, and its fiche prediction reads a title line and nothing else."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from habilitant.matching.fiche_classifier import ClassifierConfig
from habilitant.pipeline import Habilitant
from habilitant.training import CLASSIFIER, COUNTS, MANIFEST, train

# The small set's fiche prediction leaves out the referential's 14,700 examples (minutes of
# fitting); the artifact trained by ``make test`` has them (tests below).
OFFERS_ONLY = ClassifierConfig(min_df=1, referential_examples=False)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def small_set(shared_dir: Path, tmp_path_factory) -> Path:
    """The first 24 offers of the training file that carry the recruiter's items."""
    source = shared_dir / "eval" / "offres-ft-train.jsonl"
    chosen = []
    with open(source, encoding="utf-8") as handle:
        for line in handle:
            if json.loads(line).get("expected_items"):
                chosen.append(line)
            if len(chosen) == 24:
                break
    path = tmp_path_factory.mktemp("train") / "small.jsonl"
    path.write_text("".join(chosen), encoding="utf-8")
    return path


def _pipeline_beside(habilitant, folder: Path, learned: bool) -> Habilitant:
    """The session's pipeline with its index placed (by path) in ``folder``, so that
    training writes its artifact there and never over the repository's."""
    index = dataclasses.replace(habilitant.index, path=folder / "index")
    return Habilitant(
        habilitant.settings,
        encoder=habilitant.encoder,
        index=index,
        nlp=habilitant.nlp,
        learned=learned,
    )


def test_training_on_a_small_fixed_set_is_deterministic(habilitant, small_set, tmp_path) -> None:
    first, second = (
        train(
            _pipeline_beside(habilitant, tmp_path / name, False),
            small_set,
            folds=3,
            classifier_config=OFFERS_ONLY,
        )
        for name in ("a", "b")
    )
    assert first.weights == second.weights and first.cv == second.cv
    assert first.fiches == second.fiches
    for name in (COUNTS, f"{CLASSIFIER}.npz", f"{CLASSIFIER}.json"):
        assert (first.path / name).read_bytes() == (second.path / name).read_bytes()
    manifest = json.loads((first.path / MANIFEST).read_text())
    assert manifest["training"] == {
        "file": "small.jsonl",
        "sha256": hashlib.sha256(small_set.read_bytes()).hexdigest(),
        "offers": 24,
        "labelled_offers": 24,
    }
    assert manifest["rome_version"] == "460"
    assert manifest["encoder"]["checksum"] == habilitant.index.manifest["encoder"]["checksum"]
    assert manifest["cross_validation"]["folds"] == 3
    fiches = manifest["fiche_prediction"]
    assert fiches["n"] == 4 and "hasard" in fiches["held_out"]  # one source: a fifth, at random
    assert fiches["config"]["referential_examples"] is False
    assert set(manifest["files"]) == {COUNTS, f"{CLASSIFIER}.npz", f"{CLASSIFIER}.json"}
    assert {"numpy", "habilitant"} <= set(manifest["libraries"])
    # The pipeline beside that index loads it and ranks with it.
    h = _pipeline_beside(habilitant, tmp_path / "a", True)
    assert h.item_prior is not None and h.fiche_classifier is not None
    ranking = h.rank("Serveur en salle : prise de commande et service des plats.")
    learned = h.item_scores(ranking)
    if first.weights.popular or first.weights.in_fiche:
        assert not np.array_equal(learned, ranking.fused.score)


def test_the_trained_ranking_beats_the_matcher_on_the_dev_offers(habilitant, shared_dir) -> None:
    from habilitant.evaluation.datasets import load_eval_cases
    from habilitant.evaluation.offers import evaluate_offers

    assert habilitant.item_prior is not None, "make test trains it: make trained"
    report = evaluate_offers(
        habilitant, load_eval_cases(shared_dir / "eval" / "offres-ft-2025-dev.jsonl")
    )
    learned = report["systems"]["habilitant"]
    matcher = report["systems"]["habilitant, matcher only"]
    assert learned["recall@10"] > matcher["recall@10"] + 0.05
    assert learned["mrr"] > matcher["mrr"] + 0.05
    assert learned["fiche_acc@1"] >= matcher["fiche_acc@1"]
    assert learned["fiche_acc@5"] >= matcher["fiche_acc@5"]


def test_the_fiche_prediction_reads_a_title_line_and_nothing_else(habilitant) -> None:
    classifier = habilitant.fiche_classifier
    assert classifier is not None and classifier.weight > 0, "make test trains it"
    assert len(classifier.fiches) > 1500  # the referential's fiches, not only the offers'
    fiches = habilitant.matcher.structure.group_ids("fiche", ["rome"])
    offer = "Data engineer H/F\nVous construirez nos pipelines de données sur Spark et Airflow."
    prior = habilitant.group_prior(offer)
    assert prior is not None and prior[fiches].max() == 0.0 and prior.min() < 0
    best = habilitant.matcher.structure.groups[int(fiches[np.argmax(prior[fiches])])]
    assert best.code.startswith("M18")  # the data/IT fiches of ROME 4.0
    with_prediction = habilitant.rank(offer).fused
    without = habilitant.rank(offer, learned=False).fused
    # It orders fiches and lends no statement support: posterior and scores are the matcher's.
    assert np.array_equal(with_prediction.group_posterior, without.group_posterior)
    assert np.array_equal(with_prediction.score, without.score)
    learned, plain = with_prediction.group_scores, without.group_scores
    finite = np.isfinite(plain)
    assert np.array_equal(finite, np.isfinite(learned))
    difference = (learned - plain)[finite]
    assert np.allclose(difference, prior[finite], atol=1e-5)  # added to the groups, no more
    narrative = "J'ai été serveuse deux ans : je prenais les commandes et je servais les plats."
    assert habilitant.group_prior(narrative) is None  # one paragraph: no title, no prediction
    titled = "Serveuse\n" + narrative  # a title line: a prediction, the same statements
    assert habilitant.group_prior(titled) is not None
    plain_pipeline = _pipeline_beside(habilitant, Path(habilitant.index.path).parent, False)
    ours = [(s.competence_id, s.decision) for s in habilitant.analyse(titled).statements]
    assert ours == [
        (s.competence_id, s.decision) for s in plain_pipeline.analyse(titled).statements
    ]


def test_narratives_are_decided_without_the_learned_ranking(habilitant) -> None:
    text = "J'ai été serveuse deux ans : je prenais les commandes et je servais les plats."
    plain = _pipeline_beside(habilitant, Path(habilitant.index.path).parent, False)
    ours = [(s.competence_id, s.decision) for s in habilitant.analyse(text).statements]
    assert ours == [(s.competence_id, s.decision) for s in plain.analyse(text).statements]
