"""Evaluation on texts labelled with ROME 4.0 items (e.g. France Travail offers).

Three systems, run on ``text`` only, side by side on the same cases:

* ``habilitant``: the product's ranking (segments, hybrid evidence, structure);
* ``bm25``: BM25 of the whole text over all ROME compétences + savoirs (and fiche
  documents made of the fiche title and its appellations);
* ``dense``: the encoder alone, sentence max-pool: each item scored by its best sentence.

Items are ranked among all ROME compétences + savoirs (macro-compétences and savoir-être
included); fiches among all ROME fiches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from habilitant.evaluation.datasets import EvalCase
from habilitant.evaluation.metrics import accuracy_at_k, summarize
from habilitant.matching.lexical import LexicalIndex, stem_tokens

if TYPE_CHECKING:
    from habilitant.pipeline import Habilitant

ROME_ITEM_KINDS = ("competence", "macro_competence", "savoir_etre", "savoir")
SYSTEMS = ("habilitant", "bm25", "dense")
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+|\s[-•*]\s")


def split_sentences(text: str) -> list[str]:
    """A plain sentence split for the dense baseline (no spaCy: the baseline is naive)."""
    return [s.strip(" -•*\t") for s in _SENTENCE.split(text) if len(s.strip(" -•*\t")) > 2]


@dataclass
class RomeView:
    """Positions of ROME items and fiches in the index, for ranking."""

    item_positions: np.ndarray
    item_codes: list[str]
    fiche_codes: list[str]
    fiche_group_ids: np.ndarray  # structure group ids, aligned with fiche_codes
    fiche_title_positions: list[np.ndarray]  # index positions of title + appellations

    @classmethod
    def from_pipeline(cls, habilitant: Habilitant) -> RomeView:
        entries = habilitant.index.entries
        positions = [
            i
            for i, e in enumerate(entries)
            if e.referentiel == "rome" and e.kind in ROME_ITEM_KINDS
        ]
        structure = habilitant.matcher.structure
        fiche_ids = structure.group_ids("fiche", ["rome"])
        titles = structure.titles.tocsr()
        return cls(
            item_positions=np.array(positions, dtype=np.int64),
            item_codes=[entries[i].code for i in positions],
            fiche_codes=[structure.groups[g].code for g in fiche_ids],
            fiche_group_ids=fiche_ids,
            fiche_title_positions=[titles[g].indices for g in fiche_ids],
        )


def _top(codes: Sequence[str], scores: np.ndarray, k: int) -> list[str]:
    k = min(k, len(codes))
    top = np.argpartition(-scores, k - 1)[:k]
    return [codes[i] for i in top[np.argsort(-scores[top], kind="stable")]]


def rank_habilitant(
    h: Habilitant, view: RomeView, text: str, k: int, learned: bool = True
) -> tuple[list[str], list[str]]:
    ranking = h.rank(text, learned=learned)
    if ranking.fused is None:
        return [], []
    scores = h.item_scores(ranking) if learned else None
    if scores is None:
        scores = ranking.fused.score
    items = _top(view.item_codes, scores[view.item_positions], k)
    fiches = _top(view.fiche_codes, ranking.fused.group_scores[view.fiche_group_ids], k)
    return items, fiches


def rank_dense(h: Habilitant, view: RomeView, text: str, k: int) -> tuple[list[str], list[str]]:
    sentences = split_sentences(text) or [text]
    sims = h.encoder.encode_queries(sentences) @ h.matcher.vectors.T
    best = sims.max(axis=0)
    items = _top(view.item_codes, best[view.item_positions], k)
    fiche_scores = np.array(
        [best[p].max() if p.size else -1.0 for p in view.fiche_title_positions], dtype=np.float32
    )
    return items, _top(view.fiche_codes, fiche_scores, k)


@dataclass
class Bm25Baseline:
    items: LexicalIndex
    fiches: LexicalIndex

    @classmethod
    def build(cls, h: Habilitant, view: RomeView) -> Bm25Baseline:
        entries = h.index.entries
        items = LexicalIndex.build([stem_tokens(entries[i].libelle) for i in view.item_positions])
        fiche_docs = [
            [t for p in positions for t in stem_tokens(entries[p].libelle)]
            for positions in view.fiche_title_positions
        ]
        return cls(items, LexicalIndex.build(fiche_docs))

    def rank(self, view: RomeView, text: str, k: int) -> tuple[list[str], list[str]]:
        query = stem_tokens(text)
        items = _top(view.item_codes, self.items.scores(query), k)
        return items, _top(view.fiche_codes, self.fiches.scores(query), k)


def evaluate_offers(
    h: Habilitant, cases: Sequence[EvalCase], *, dataset: str = "", depth: int = 100
) -> dict[str, Any]:
    """Recall@5/10/20, RP@5, MRR on items; accuracy@1/@5 on fiches; for each system."""
    view = RomeView.from_pipeline(h)
    bm25 = Bm25Baseline.build(h, view)
    rankers = {
        "habilitant": lambda text: rank_habilitant(h, view, text, depth),
        **(
            {"habilitant, matcher only": lambda text: rank_habilitant(h, view, text, depth, False)}
            if h.item_prior is not None or h.fiche_classifier is not None
            else {}
        ),
        "bm25": lambda text: bm25.rank(view, text, depth),
        "dense": lambda text: rank_dense(h, view, text, depth),
    }
    known = known_labels(cases, view)
    systems: dict[str, Any] = {}
    for name, ranker in rankers.items():
        item_rankings: list[tuple[list[str], set[str]]] = []
        fiche_hits = {1: [], 5: []}  # type: dict[int, list[float]]
        for case in cases:
            items, fiches = ranker(case.offer_text)
            expected = known.items[case.id]
            if expected:
                item_rankings.append((items, expected))
            if case.rome_fiche in known.fiches:
                for k in fiche_hits:
                    fiche_hits[k].append(accuracy_at_k(fiches, case.rome_fiche, k))
        summary = summarize(item_rankings, ks=(5, 10, 20))
        # No case to average (no known label): null, never a 0 that reads as a score.
        scored = bool(summary.get("n"))
        result: dict[str, Any] = {
            key: round(float(value), 4) if scored else None
            for key, value in summary.items()
            if key != "n"
        }
        result["n_items"] = int(summary.get("n", len(item_rankings)))
        for k, hits in fiche_hits.items():
            result[f"fiche_acc@{k}"] = round(float(np.mean(hits)), 4) if hits else None
        result["n_fiches"] = len(fiche_hits[1])
        systems[name] = result
    return {"dataset": dataset, "n": len(cases), "systems": systems, "labels": known.summary()}


@dataclass(frozen=True)
class KnownLabels:
    """The labels of a dataset that the loaded ROME knows. An item or fiche code it lacks
    (another ROME version) cannot be ranked: it is left out of the metrics and counted,
    rather than counted as a miss."""

    items: dict[str, set[str]]  # case id -> expected item codes present in the index
    fiches: set[str]  # fiche codes present in the index
    expected_items: int
    unknown_items: tuple[str, ...]
    unknown_fiches: tuple[str, ...]

    def summary(self) -> dict[str, Any]:
        return {
            "expected_items": self.expected_items,
            "unknown_items": len(self.unknown_items),
            "unknown_fiches": len(self.unknown_fiches),
            "unknown_examples": list(self.unknown_items[:5] + self.unknown_fiches[:5]),
        }


def known_labels(cases: Sequence[EvalCase], view: RomeView) -> KnownLabels:
    item_codes, fiche_codes = set(view.item_codes), set(view.fiche_codes)
    items = {case.id: set(case.expected_codes) & item_codes for case in cases}
    unknown_items = sorted({c for case in cases for c in case.expected_codes} - item_codes)
    unknown_fiches = sorted({case.rome_fiche for case in cases if case.rome_fiche} - fiche_codes)
    return KnownLabels(
        items,
        fiche_codes,
        sum(len(case.expected_codes) for case in cases),
        tuple(unknown_items),
        tuple(unknown_fiches),
    )
