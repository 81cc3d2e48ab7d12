"""Fiche prediction learned from labelled texts: which ROME fiche a text's *title* names.

A linear classifier (scikit-learn's ``LinearSVC``, one against the rest) over character
n-grams of the title line and word n-grams of the body, trained on labelled offers (each with
its ROME fiche) **and on the referential itself** (every fiche title, appellation and
definition is an example of its fiche), so that fiches no offer names are predicted too.
Its decision values become probabilities by a softmax whose temperature is fitted on
held-out texts (:func:`fit_temperature`, the negative log-likelihood of the right fiche), and
each ROME fiche's group score gets ``weight x log(p / p_best)`` (probabilities floored at
``PROBABILITY_FLOOR``): the fiche the title names most likely keeps its score, the others lose
in proportion to how much less likely they are. On held-out offers, log-probabilities rank
fiches better than probabilities, which only lift the classifier's first choice.
``habilitant train`` fits it, chooses the weight on held-out offers and writes it beside the
learned item ranking (:mod:`habilitant.training`).

It is added *after* the structure posterior (:func:`habilitant.matching.fusion.fuse_evidence`):
it orders fiches (the fiche ranking of evaluations, ``suggest``'s fiche rows, the fiche whose
ticks the learned item ranking reads) but lends no statement support. Fed into the
posterior, it cost 2.7 points of items recall@10 on the dev offers and 4.4 points of concept
recall on narratives that open with a line of their own, for no fiche gained on the dev
offers (``scripts/bench_fiche_prediction.py``); after it, narratives are decided exactly as
without it.

The title is what the classifier reads best (held out, it finds the fiche of a text without
title one time in twenty): a text gets a prediction only when its first line is a title
(:func:`title_of`: a short line followed by more text, as offers are published). A narrative
told in one paragraph gets none, and is matched as before.

Only the ``kept_weights`` largest weights of each fiche are stored (the full matrix is
1,584 fiches x ~130,000 features); on the dev offers the accuracy of the pruned classifier
is that of the full one.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

TITLE_MAX_CHARS = 150
TEMPERATURES = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0)
PROBABILITY_FLOOR = 1e-6  # a fiche is never pushed down by more than weight x log(1e6)


@dataclass(frozen=True)
class ClassifierConfig:
    """How the classifier is fitted (stored with it, so that it reads texts the same way)."""

    c: float = 0.5  # LinearSVC's inverse regularisation
    body_weight: float = 0.5  # word features against title features
    max_body_chars: int = 3000
    word_features: int = 100_000
    min_df: int = 2
    kept_weights: int = 300  # per fiche, the largest |weight|s kept
    # The referential's own texts as examples (minutes of fitting for 1,584 fiches); only
    # tests of the training's mechanics on a few offers leave them out.
    referential_examples: bool = True


def title_of(text: str) -> str:
    """The first line of ``text`` when it is a title (short, and more text follows), else ""."""
    first, newline, rest = text.strip().partition("\n")
    first = first.strip()
    if newline and rest.strip() and len(first) <= TITLE_MAX_CHARS:
        return first
    return ""


def _vectorizers(config: ClassifierConfig, vocabularies: Sequence[Any] = (None, None)) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    titles = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        min_df=config.min_df,
        strip_accents="unicode",
        dtype=np.float32,
        vocabulary=vocabularies[0],
    )
    words = TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=config.min_df,
        max_features=None if vocabularies[1] is not None else config.word_features,
        strip_accents="unicode",
        dtype=np.float32,
        vocabulary=vocabularies[1],
    )
    return titles, words


@dataclass(frozen=True)
class FicheClassifier:
    """A fitted classifier: vocabularies, idf, pruned weights, calibration and weight."""

    fiches: tuple[str, ...]
    title_terms: tuple[str, ...]
    title_idf: np.ndarray
    word_terms: tuple[str, ...]
    word_idf: np.ndarray
    coef: sparse.csr_matrix  # fiches x (title features + word features)
    intercept: np.ndarray
    config: ClassifierConfig
    temperature: float = 1.0
    weight: float = 0.0  # a fiche's group score gets weight x log(p / p_best)

    @cached_property
    def vectorizers(self) -> tuple[Any, Any]:
        """The fitted title and word vectorizers, rebuilt once from the stored vocabularies
        (building them, and importing scikit-learn, takes seconds: :meth:`load` does it)."""
        title_vec, word_vec = _vectorizers(
            self.config,
            (
                {t: i for i, t in enumerate(self.title_terms)},
                {t: i for i, t in enumerate(self.word_terms)},
            ),
        )
        title_vec.idf_ = self.title_idf
        word_vec.idf_ = self.word_idf
        return title_vec, word_vec

    def _features(self, titles: Sequence[str], bodies: Sequence[str]) -> sparse.csr_matrix:
        title_vec, word_vec = self.vectorizers
        cut = [b[: self.config.max_body_chars] for b in bodies]
        return sparse.hstack(
            [title_vec.transform(titles), self.config.body_weight * word_vec.transform(cut)]
        ).tocsr()

    def decision(self, titles: Sequence[str], bodies: Sequence[str]) -> np.ndarray:
        """``(texts, fiches)`` decision values."""
        product = self._features(titles, bodies) @ self.coef.T
        return np.asarray(product.toarray(), dtype=np.float32) + self.intercept[None, :]

    def probabilities(self, titles: Sequence[str], bodies: Sequence[str]) -> np.ndarray:
        return softmax(self.decision(titles, bodies), self.temperature)

    def fiche_prior(self, text: str) -> np.ndarray | None:
        """Per fiche of :attr:`fiches`, what its group score gets for ``text`` (see
        :func:`log_prior`); None when it has no title line (or the weight is 0)."""
        title = title_of(text)
        if not title or not self.weight:
            return None
        return log_prior(self.probabilities([title], [text]), self.weight)[0]

    def with_calibration(self, temperature: float, weight: float) -> FicheClassifier:
        from dataclasses import replace

        return replace(self, temperature=float(temperature), weight=float(weight))

    # -- storage ---------------------------------------------------------------------------

    def save(self, folder: Path, stem: str) -> list[str]:
        """Write ``<stem>.npz`` (arrays) and ``<stem>.json`` (codes, vocabularies, config);
        returns the file names."""
        arrays = folder / f"{stem}.npz"
        with open(arrays, "wb") as handle:
            np.savez(
                handle,
                data=self.coef.data.astype(np.float32),
                indices=self.coef.indices.astype(np.int32),
                indptr=self.coef.indptr.astype(np.int64),
                intercept=self.intercept.astype(np.float32),
                title_idf=self.title_idf.astype(np.float32),
                word_idf=self.word_idf.astype(np.float32),
            )
        meta = {
            "fiches": list(self.fiches),
            "title_terms": list(self.title_terms),
            "word_terms": list(self.word_terms),
            "features": int(self.coef.shape[1]),
            "config": asdict(self.config),
            "temperature": self.temperature,
            "weight": self.weight,
        }
        text = json.dumps(meta, ensure_ascii=False, sort_keys=True)
        (folder / f"{stem}.json").write_text(text + "\n", encoding="utf-8")
        return [arrays.name, f"{stem}.json"]

    @classmethod
    def load(cls, folder: Path, stem: str) -> FicheClassifier:
        meta = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
        with np.load(folder / f"{stem}.npz") as arrays:
            coef = sparse.csr_matrix(
                (arrays["data"], arrays["indices"], arrays["indptr"]),
                shape=(len(meta["fiches"]), meta["features"]),
            )
            loaded = cls(
                fiches=tuple(meta["fiches"]),
                title_terms=tuple(meta["title_terms"]),
                title_idf=arrays["title_idf"].copy(),
                word_terms=tuple(meta["word_terms"]),
                word_idf=arrays["word_idf"].copy(),
                coef=coef,
                intercept=arrays["intercept"].copy(),
                config=ClassifierConfig(**meta["config"]),
                temperature=float(meta["temperature"]),
                weight=float(meta["weight"]),
            )
        loaded.vectorizers  # noqa: B018 -- built now, not on the first request
        return loaded


def softmax(values: np.ndarray, temperature: float) -> np.ndarray:
    scaled = values / np.float32(temperature)
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    out = np.exp(scaled)
    return (out / out.sum(axis=1, keepdims=True)).astype(np.float32)


def log_prior(probabilities: np.ndarray, weight: float) -> np.ndarray:
    """``weight x log(p / p_best)`` per row, ``p`` floored at :data:`PROBABILITY_FLOOR`:
    0 for the most likely fiche, negative for the others."""
    logs = np.log(np.maximum(probabilities, PROBABILITY_FLOOR))
    return (np.float32(weight) * (logs - logs.max(axis=1, keepdims=True))).astype(np.float32)


def fit_classifier(
    titles: Sequence[str],
    bodies: Sequence[str],
    labels: Sequence[str],
    config: ClassifierConfig | None = None,
) -> FicheClassifier:
    """Fit on labelled (title, body, fiche) examples; deterministic for the same inputs."""
    from sklearn.svm import LinearSVC

    config = config or ClassifierConfig()
    if len(set(labels)) < 2:
        raise ValueError("at least two fiches are needed to fit a classifier")
    title_vec, word_vec = _vectorizers(config)
    cut = [b[: config.max_body_chars] for b in bodies]
    features = sparse.hstack(
        [title_vec.fit_transform(titles), config.body_weight * word_vec.fit_transform(cut)]
    ).tocsr()
    with warnings.catch_warnings():
        # Many fiches with few examples each is this task, not a regression in disguise.
        warnings.filterwarnings("ignore", message="The number of unique classes is greater")
        model = LinearSVC(C=config.c, random_state=0).fit(features, list(labels))
    weights = np.atleast_2d(model.coef_).astype(np.float32)
    intercept = np.atleast_1d(model.intercept_).astype(np.float32)
    classes = [str(c) for c in model.classes_]
    if len(classes) == 2:  # one row for two classes: the second class against the first
        weights = np.vstack([-weights, weights])
        intercept = np.concatenate([-intercept, intercept])
    keep = min(config.kept_weights, weights.shape[1])
    if keep < weights.shape[1]:
        dropped = np.argpartition(-np.abs(weights), keep - 1, axis=1)[:, keep:]
        np.put_along_axis(weights, dropped, 0.0, axis=1)
    return FicheClassifier(
        fiches=tuple(classes),
        title_terms=tuple(sorted(title_vec.vocabulary_, key=title_vec.vocabulary_.get)),
        title_idf=title_vec.idf_.astype(np.float32),
        word_terms=tuple(sorted(word_vec.vocabulary_, key=word_vec.vocabulary_.get)),
        word_idf=word_vec.idf_.astype(np.float32),
        coef=sparse.csr_matrix(weights),
        intercept=intercept,
        config=config,
    )


def fit_temperature(decision: np.ndarray, gold: Sequence[int]) -> float:
    """The softmax temperature that gives held-out texts' right fiche (column ``gold``, -1
    when the classifier does not know it) the highest mean log-probability."""
    rows = [i for i, g in enumerate(gold) if g >= 0]
    if not rows:
        return 1.0
    columns = np.asarray([gold[i] for i in rows])

    def loss(temperature: float) -> float:
        p = softmax(decision[rows], temperature)[np.arange(len(rows)), columns]
        return float(-np.log(np.maximum(p, 1e-12)).mean())

    return min(TEMPERATURES, key=loss)
