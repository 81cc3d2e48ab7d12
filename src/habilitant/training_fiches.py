"""The fiche prediction of ``habilitant train``: fit, calibrate and weigh it on held-out offers.

The examples are the ROME referential's own texts (each fiche title and appellation is a
title of its fiche, each definition a body) plus the training offers (their title line and
their text). To choose the softmax temperature and the weight of the log-probabilities
against the matcher's fiche scores (fiche accuracy@1, then @5), a first classifier is fitted
*without the offers of one source* (the repository that gave the most offers with items; a
random fifth of those offers when the file names no sources) and scores that source's offers
with items, whose matcher fiche scores :func:`habilitant.training.rank_offers` computed.
Those held-out figures are the ones reported: random folds by offer flatter the classifier
(near-duplicate postings of one source fall on both sides). The classifier kept is then
fitted on every example.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from habilitant.matching.fiche_classifier import (
    ClassifierConfig,
    FicheClassifier,
    fit_classifier,
    fit_temperature,
    log_prior,
    softmax,
    title_of,
)

if TYPE_CHECKING:
    from habilitant.evaluation.datasets import EvalCase
    from habilitant.index_entries import IndexEntry
    from habilitant.training import RankedOffer

WEIGHTS = (0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
Examples = tuple[list[str], list[str], list[str]]  # titles, bodies, fiche codes
PARALLEL_FROM = 2000  # examples from which the two fits run in two processes


def referential_examples(entries: Sequence[IndexEntry]) -> Examples:
    """(title, body, fiche) for every ROME fiche title, appellation and definition indexed."""
    titles, bodies, labels = [], [], []
    for entry in entries:
        if entry.referentiel != "rome" or entry.kind not in ("fiche", "appellation", "description"):
            continue
        if entry.kind == "fiche":
            code = entry.code
        else:
            fiches = [p.code for p in entry.parents if p.kind == "fiche"]
            if not fiches:
                continue
            code = fiches[0]
        is_body = entry.kind == "description"
        titles.append("" if is_body else entry.libelle)
        bodies.append(entry.libelle if is_body else "")
        labels.append(code)
    return titles, bodies, labels


def offer_title(case: EvalCase) -> str:
    """The title the classifier reads in an offer, as it reads one at run time."""
    return title_of(case.offer_text)


def repository(source: str) -> str:
    """``owner/name`` of a training offer's ``source`` (``owner/name:path@commit``)."""
    return source.split(":", 1)[0]


def held_out_offers(
    cases: Sequence[EvalCase], offers: Sequence[RankedOffer], seed: int
) -> tuple[set[int], list[RankedOffer], str]:
    """The training-file positions left out of the first fit, the ranked offers scored with
    it, and how they were chosen: the offers of the repository (``owner/name`` of
    ``owner/name:path@commit``) that gave the most offers with items."""
    sources = Counter(repository(cases[o.case].source) for o in offers if cases[o.case].source)
    if len(sources) >= 2:
        name = max(sorted(sources), key=lambda s: sources[s])
        left_out = {n for n, c in enumerate(cases) if c.source and repository(c.source) == name}
        return left_out, [o for o in offers if o.case in left_out], f"source {name}"
    order = np.random.default_rng(seed).permutation(len(offers))
    chosen = [offers[i] for i in sorted(order[: max(1, len(offers) // 5)].tolist())]
    return {o.case for o in chosen}, chosen, "un cinquième des offres annotées, au hasard"


def fiche_accuracy(scores: np.ndarray, gold: Sequence[int]) -> dict[str, float]:
    """Accuracy@1 and @5 of ``(texts, fiches)`` scores against gold columns (-1: unknown)."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, :5]
    at1 = np.mean([order[i, 0] == g for i, g in enumerate(gold)]) if gold else 0.0
    at5 = np.mean([g in order[i] for i, g in enumerate(gold)]) if gold else 0.0
    return {"fiche_acc@1": round(float(at1), 4), "fiche_acc@5": round(float(at5), 4)}


def _examples(reference: Examples, cases: Sequence[EvalCase], positions: Sequence[int]) -> Examples:
    chosen = [cases[n] for n in positions]
    return (
        reference[0] + [offer_title(c) for c in chosen],
        reference[1] + [c.offer_text for c in chosen],
        reference[2] + [c.rome_fiche or "" for c in chosen],
    )


def _fit_both(
    first: Examples, final: Examples, config: ClassifierConfig
) -> tuple[FicheClassifier, FicheClassifier]:
    """The held-out classifier and the one kept. The second does not depend on the first's
    results, so with many examples it is fitted beside it, in a second process (liblinear
    uses one core; starting a process costs seconds, more than a few examples take)."""
    if len(final[0]) < PARALLEL_FROM:
        return fit_classifier(*first, config), fit_classifier(*final, config)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        kept = pool.submit(fit_classifier, *final, config)
        return fit_classifier(*first, config), kept.result()


def fit_fiche_prediction(
    entries: Sequence[IndexEntry],
    cases: Sequence[EvalCase],
    offers: Sequence[RankedOffer],
    fiche_codes: Sequence[str],
    *,
    seed: int = 0,
    config: ClassifierConfig | None = None,
    announce: Callable[[str], None] | None = None,
) -> tuple[FicheClassifier, dict[str, Any]]:
    """The calibrated, weighted classifier and its figures on the held-out offers
    (``announce`` is told of the two fits, the long step: minutes)."""
    say = announce or (lambda _message: None)
    from habilitant.training import sector

    config = config or ClassifierConfig()
    reference = referential_examples(entries) if config.referential_examples else ([], [], [])
    left_out, held, how = held_out_offers(cases, offers, seed)
    with_fiche = [n for n, c in enumerate(cases) if c.rome_fiche]
    inside = [n for n in with_fiche if n not in left_out]
    say(
        f"Prédiction de fiche : deux apprentissages en parallèle, sur "
        f"{len(reference[0]) + len(with_fiche)} exemples et sur "
        f"{len(reference[0]) + len(inside)} sans {how} ({len(held)} offres annotées tenues à "
        "l'écart), quelques minutes…"
    )
    first, final = _fit_both(
        _examples(reference, cases, inside), _examples(reference, cases, with_fiche), config
    )
    titles = [offer_title(cases[o.case]) for o in held]
    decision = first.decision(titles, [cases[o.case].offer_text for o in held])
    column = {code: i for i, code in enumerate(first.fiches)}
    temperature = fit_temperature(decision, [column.get(o.fiche, -1) for o in held])
    probabilities = softmax(decision, temperature)
    on_view = np.array([column.get(code, -1) for code in fiche_codes])
    prior = log_prior(probabilities, 1.0)  # per unit of weight
    prior[[not t for t in titles]] = 0.0  # no title line: no prediction at run time
    learned = np.where(on_view >= 0, prior[:, np.maximum(on_view, 0)], 0.0)
    alone = np.where(on_view >= 0, probabilities[:, np.maximum(on_view, 0)], -1.0)
    matcher = np.stack([o.fiche_scores for o in held]) if held else np.zeros((0, len(on_view)))
    view_column = {code: i for i, code in enumerate(fiche_codes)}
    gold = [view_column.get(o.fiche, -1) for o in held]
    grid = [(w, fiche_accuracy(matcher + w * learned, gold)) for w in WEIGHTS]
    weight, best = max(grid, key=lambda pair: (pair[1]["fiche_acc@1"], pair[1]["fiche_acc@5"]))

    def per_sector(name: str) -> dict[str, Any]:
        rows = [i for i, o in enumerate(held) if sector(o.fiche) == name]
        part = [gold[i] for i in rows]
        return {
            "n": len(rows),
            "matcher": fiche_accuracy(matcher[rows], part),
            "learned": fiche_accuracy(matcher[rows] + weight * learned[rows], part),
        }

    report = {
        "held_out": how,
        "n": len(held),
        "with_title": sum(bool(t) for t in titles),
        "temperature": temperature,
        "weight": weight,
        "objective": "fiche_acc@1, then fiche_acc@5, on held-out offers",
        "matcher": fiche_accuracy(matcher, gold),
        "classifier": fiche_accuracy(alone, gold),
        "learned": best,
        "per_sector": {name: per_sector(name) for name in ("data/IT (M18xx)", "other fiches")},
        "grid": [{"weight": w, **m} for w, m in grid],
    }
    return final.with_calibration(temperature, weight), report
