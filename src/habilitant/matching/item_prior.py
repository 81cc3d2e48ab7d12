"""A learned item ranking: how often recruiters tick each ROME item, overall and within a fiche.

France Travail offers carry the ROME items the recruiter ticked. Counted over labelled
offers (``habilitant train``), they give two features per item:

* ``popular``: ``log(1 + ticks / smoothing)``, how often the item is ticked at all (0 for an
  item never ticked, so entries of other referentials are left where they are);
* ``in_fiche``: ``ticks in the fiche / (offers of the fiche + 1)``, under the fiche the
  matcher ranks first for the text.

The learned ranking is ``score + popular_weight * popular + fiche_weight * in_fiche``, the two
weights chosen by cross-validation by offer (:mod:`habilitant.training`). It orders items;
the per-activity decision of ``analyse`` keeps its own thresholds, calibrated on narratives.

Counts are kept by ROME code (``code_ogr``) and fiche code, so an index rebuilt with other
referentials maps them to its own positions (:meth:`ItemPrior.on_index`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PriorWeights:
    popular: float = 0.0
    in_fiche: float = 0.0
    smoothing: float = 0.01


@dataclass(frozen=True)
class TickCounts:
    """Ticks per item code, overall and per fiche, from labelled offers."""

    offers: int
    items: Mapping[str, int]  # item code -> offers that ticked it
    fiche_offers: Mapping[str, int]  # fiche code -> labelled offers of that fiche
    fiche_items: Mapping[str, Mapping[str, int]]  # fiche code -> item code -> ticks

    @classmethod
    def count(cls, labelled: Iterable[tuple[str | None, Sequence[str]]]) -> TickCounts:
        """From (fiche code, ticked item codes) per offer; offers without items are skipped."""
        items: Counter[str] = Counter()
        fiche_offers: Counter[str] = Counter()
        fiche_items: dict[str, Counter[str]] = {}
        offers = 0
        for fiche, codes in labelled:
            unique = set(codes)
            if not unique:
                continue
            offers += 1
            items.update(unique)
            if fiche:
                fiche_offers[fiche] += 1
                fiche_items.setdefault(fiche, Counter()).update(unique)
        return cls(
            offers, dict(items), dict(fiche_offers), {f: dict(c) for f, c in fiche_items.items()}
        )


@dataclass(frozen=True)
class ItemPrior:
    """:class:`TickCounts` and weights mapped onto one index's positions."""

    weights: PriorWeights
    popular: np.ndarray  # per index entry
    fiche_groups: np.ndarray  # structure group ids of the ROME fiches, in group order
    in_fiche: dict[int, tuple[np.ndarray, np.ndarray]]  # fiche group id -> (positions, values)

    @classmethod
    def on_index(
        cls,
        counts: TickCounts,
        weights: PriorWeights,
        item_positions: Mapping[str, int],
        fiche_groups: Mapping[str, int],
        size: int,
    ) -> ItemPrior:
        """``item_positions``: ROME item code -> index position; ``fiche_groups``: ROME fiche
        code -> structure group id; ``size``: the number of index entries."""
        popular = np.zeros(size, dtype=np.float32)
        for code, ticks in counts.items.items():
            position = item_positions.get(code)
            if position is not None:
                popular[position] = np.log1p(ticks / weights.smoothing)
        in_fiche = {}
        for fiche, ticked in counts.fiche_items.items():
            group = fiche_groups.get(fiche)
            if group is None:
                continue
            pairs = sorted(
                (item_positions[code], ticks)
                for code, ticks in ticked.items()
                if code in item_positions
            )
            if pairs:
                positions = np.array([p for p, _ in pairs], dtype=np.int64)
                values = np.array([t for _, t in pairs], dtype=np.float32)
                in_fiche[group] = (positions, values / (counts.fiche_offers[fiche] + 1))
        groups = np.array(sorted(fiche_groups.values()), dtype=np.int64)
        return cls(weights, popular, groups, in_fiche)

    def rank_scores(self, score: np.ndarray, group_scores: np.ndarray) -> np.ndarray:
        """The learned item ranking of one text from its matcher scores (per entry) and group
        scores (per group)."""
        out = score.astype(np.float32, copy=True)
        if self.weights.popular:
            out += np.float32(self.weights.popular) * self.popular
        if self.weights.in_fiche and self.fiche_groups.size:
            best = int(self.fiche_groups[np.argmax(group_scores[self.fiche_groups])])
            found = self.in_fiche.get(best)
            if found is not None:
                positions, values = found
                out[positions] += np.float32(self.weights.in_fiche) * values
        return out
