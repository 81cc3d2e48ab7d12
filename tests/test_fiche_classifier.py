"""The learned fiche prediction: titles, fitting, calibration, storage, held-out choice
(no model, no index)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from habilitant.evaluation.datasets import EvalCase
from habilitant.matching.fiche_classifier import (
    ClassifierConfig,
    FicheClassifier,
    fit_classifier,
    fit_temperature,
    softmax,
    title_of,
)
from habilitant.training import RankedOffer
from habilitant.training_fiches import (
    fit_fiche_prediction,
    held_out_offers,
    referential_examples,
)

TINY = ClassifierConfig(min_df=1, kept_weights=50)
TITLES = [
    "Serveur en salle",
    "Serveuse de restaurant",
    "Chef de rang",
    "Aide-soignant de nuit",
    "Aide-soignante en EHPAD",
    "Auxiliaire de soins",
    "Boulanger",
    "Boulangère pâtissière",
    "Ouvrier boulanger",
]
BODIES = [
    "prise de commande, service des plats en salle",
    "service à table, encaissement",
    "dressage des tables, service",
    "toilette des patients, surveillance la nuit",
    "soins d'hygiène, repas des résidents",
    "aide à la toilette, transmissions",
    "pétrissage, cuisson du pain au four",
    "viennoiseries, pain, four",
    "façonnage des baguettes",
]
LABELS = ["G1803"] * 3 + ["J1501"] * 3 + ["D1102"] * 3


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Serveur H/F\nNous recherchons un serveur.", "Serveur H/F"),
        ("  Serveur\n\n  service en salle ", "Serveur"),
        ("J'ai été serveuse deux ans, je servais les plats.", ""),  # one paragraph: no title
        ("Serveur\n   ", ""),  # nothing follows
        ("x" * 151 + "\nsuite", ""),  # too long to be a title
    ],
)
def test_a_title_is_a_short_first_line_followed_by_more_text(text: str, title: str) -> None:
    assert title_of(text) == title


def test_the_classifier_finds_the_fiche_a_title_names_and_is_deterministic() -> None:
    model = fit_classifier(TITLES, BODIES, LABELS, TINY)
    again = fit_classifier(TITLES, BODIES, LABELS, TINY)
    queries = (["Serveuse", "Aide soignante", "Boulanger"], ["", "", ""])
    decision = model.decision(*queries)
    assert np.array_equal(decision, again.decision(*queries))
    assert [model.fiches[i] for i in decision.argmax(axis=1)] == ["G1803", "J1501", "D1102"]
    probabilities = model.probabilities(*queries)
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_only_the_largest_weights_of_each_fiche_are_kept() -> None:
    model = fit_classifier(TITLES, BODIES, LABELS, ClassifierConfig(min_df=1, kept_weights=7))
    assert model.coef.shape[0] == 3
    assert np.diff(model.coef.indptr).max() <= 7


def test_two_fiches_give_two_opposite_rows() -> None:
    model = fit_classifier(TITLES[:6], BODIES[:6], LABELS[:6], TINY)
    assert model.fiches == ("G1803", "J1501")
    decision = model.decision(["Serveur", "Aide-soignant"], ["", ""])
    assert decision[0].argmax() == 0 and decision[1].argmax() == 1


def test_a_stored_classifier_reads_texts_as_the_fitted_one(tmp_path: Path) -> None:
    model = fit_classifier(TITLES, BODIES, LABELS, TINY).with_calibration(0.5, 0.1)
    names = model.save(tmp_path, "fiche-classifier")
    assert sorted(names) == ["fiche-classifier.json", "fiche-classifier.npz"]
    loaded = FicheClassifier.load(tmp_path, "fiche-classifier")
    text = "Aide-soignante\nJ'ai fait la toilette des résidents."
    assert loaded.fiches == model.fiches and loaded.config == model.config
    assert np.allclose(loaded.fiche_prior(text), model.fiche_prior(text))
    prior = loaded.fiche_prior(text)
    assert prior is not None and loaded.fiches[int(prior.argmax())] == "J1501"
    assert prior.max() == 0.0 and (prior[prior < 0] >= 0.1 * np.log(1e-6)).all()
    probabilities = loaded.probabilities(["Aide-soignante"], [text])[0]
    ratios = np.log(probabilities / probabilities.max())
    assert np.allclose(prior, 0.1 * ratios, atol=1e-5)  # weight x log(p / p_best)
    assert loaded.fiche_prior("J'ai fait la toilette des résidents.") is None  # no title line
    assert model.with_calibration(0.5, 0.0).fiche_prior(text) is None  # weight 0: nothing


def test_the_temperature_fits_how_sure_the_decisions_deserve_to_be() -> None:
    decision = np.array([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]], dtype=np.float32)
    assert fit_temperature(decision, [0, 1, 2]) == 0.05  # always right: as sharp as allowed
    wrong = fit_temperature(decision, [1, 2, 0])  # always wrong: as flat as allowed
    assert wrong == 2.0
    assert fit_temperature(decision, [-1, -1, -1]) == 1.0  # nothing known: unchanged
    assert np.allclose(softmax(decision, 1.0).sum(axis=1), 1.0)


def _case(n: int, source: str) -> EvalCase:
    return EvalCase(
        id=str(n),
        title=TITLES[n % 9],
        text=f"{TITLES[n % 9]}\n{BODIES[n % 9]}",
        rome_fiche=LABELS[n % 9],
        expected_codes=("1",),
        source=source,
    )


def _ranked(cases: list[EvalCase], fiches: list[str]) -> list[RankedOffer]:
    """The matcher ranks every offer's fiche second: the classifier can only help."""
    out = []
    for n, case in enumerate(cases):
        scores = np.array([0.1, 0.2, 0.3], dtype=np.float32)
        right = fiches.index(case.rome_fiche or "")
        scores[right], scores[2 if right != 2 else 1] = 0.25, 0.3
        out.append(RankedOffer(case.rome_fiche or "", frozenset({"1"}), scores, scores, n))
    return out


def test_offers_are_held_out_by_source_when_the_file_names_sources() -> None:
    cases = [_case(n, "o/a:x.json@1" if n < 6 else "o/a:y.json@2") for n in range(12)]
    cases += [_case(n, "o/b:z.json@3") for n in range(12, 18)]
    offers = _ranked(cases, ["G1803", "J1501", "D1102"])
    left_out, held, how = held_out_offers(cases, offers, seed=0)
    assert how == "source o/a" and left_out == set(range(12))  # one repository, two files
    assert [o.case for o in held] == list(range(12))
    unnamed = [_case(n, "") for n in range(18)]
    left_out, held, how = held_out_offers(unnamed, _ranked(unnamed, ["G1803", "J1501", "D1102"]), 0)
    assert len(held) == 3 and left_out == {o.case for o in held} and "hasard" in how


def _entry(kind: str, code: str, libelle: str, fiche: str = "") -> SimpleNamespace:
    parents = (SimpleNamespace(kind="fiche", code=fiche),) if fiche else ()
    return SimpleNamespace(
        referentiel="rome", kind=kind, code=code, libelle=libelle, parents=parents
    )


def test_the_fiche_prediction_is_weighed_on_held_out_offers() -> None:
    entries = [
        _entry("fiche", "G1803", "Service en restauration"),
        _entry("appellation", "1", "Garçon de café", "G1803"),
        _entry("fiche", "J1501", "Soins d'hygiène, de confort du patient"),
        _entry("description", "2", "Réalise les soins d'hygiène des patients", "J1501"),
        _entry("fiche", "D1102", "Boulangerie - viennoiserie"),
        _entry("competence", "3", "Pétrir la pâte", "D1102"),  # not an example
    ]
    assert referential_examples(entries)[2] == ["G1803", "G1803", "J1501", "J1501", "D1102"]
    cases = [_case(n, "a" if n % 2 else "b") for n in range(36)]
    fiches = ["G1803", "J1501", "D1102"]
    offers = _ranked(cases, fiches)
    model, report = fit_fiche_prediction(entries, cases, offers, fiches, seed=0)
    again, report_again = fit_fiche_prediction(entries, cases, offers, fiches, seed=0)
    assert report == report_again and np.array_equal(model.intercept, again.intercept)
    assert report["matcher"]["fiche_acc@1"] == 0.0  # the matcher is always second
    assert report["learned"]["fiche_acc@1"] == 1.0 and report["weight"] > 0
    assert report["held_out"] == "source a" and report["n"] == 18
    assert model.weight == report["weight"] and model.temperature == report["temperature"]
    assert set(model.fiches) == set(fiches)


def test_the_two_fits_give_the_same_classifiers_in_one_process_or_two(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import habilitant.training_fiches as training_fiches

    examples = (TITLES, BODIES, LABELS)
    held = (TITLES[1:], BODIES[1:], LABELS[1:])
    alone = training_fiches._fit_both(held, examples, TINY)
    monkeypatch.setattr(training_fiches, "PARALLEL_FROM", 0)  # as with the real examples
    beside = training_fiches._fit_both(held, examples, TINY)
    for one, two in zip(alone, beside, strict=True):
        assert one.fiches == two.fiches and one.title_terms == two.title_terms
        assert (one.coef != two.coef).nnz == 0 and np.array_equal(one.intercept, two.intercept)
