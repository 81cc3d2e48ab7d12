"""BM25 of the whole narrative against each group's describing texts.

A group's document gathers the texts that name or describe it: a ROME fiche's title, its
appellations and its definition; a certification's title and its activités visées; an
emploi-type's title. Scores are divided by the best score within each group set, or by
``SCALE_FLOOR`` when that is higher, so they lie in [0, 1] and mix with the dense evidence.

The floor is for short narratives. The best BM25 of a France Travail offer against the ROME
fiches is 28 to 210 (10th and 90th percentiles of the dev split; median 92). A three-line
narrative scores 13 to 30, and its best fiche is then the one that holds its rarest word:
« lits » gives « Gestionnaire de lits », « EHPAD » gives « Médecin coordonnateur ». Dividing
by the floor keeps such a thin match from weighing as much as an offer's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from habilitant.index_entries import IndexEntry
from habilitant.matching.lexical import LexicalIndex, stem_tokens
from habilitant.matching.structure import Structure

SCALE_FLOOR = 30.0  # BM25 units (k1 1.2, b 0.3 on the groups' documents)


@dataclass
class GroupLexicon:
    index: LexicalIndex
    group_sets: list[np.ndarray]

    @classmethod
    def build(
        cls, structure: Structure, entries: Sequence[IndexEntry], group_sets: list[np.ndarray]
    ) -> GroupLexicon:
        titles = structure.titles.tocsr()
        documents = [
            [
                token
                for column in titles[row].indices
                for token in stem_tokens(entries[column].libelle)
            ]
            for row in range(len(structure.groups))
        ]
        return cls(LexicalIndex.build(documents, k1=1.2, b=0.3), group_sets)

    def scores(self, text: str) -> np.ndarray:
        raw = self.index.scores(stem_tokens(text)).astype(np.float32)
        out = np.zeros_like(raw)
        for ids in self.group_sets:
            if ids.size:
                best = max(float(raw[ids].max()), SCALE_FLOOR)
                out[ids] = raw[ids] / best
        return out
