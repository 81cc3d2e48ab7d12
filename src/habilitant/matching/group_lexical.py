"""BM25 of the whole narrative against each group's describing texts.

A group's document gathers the texts that name or describe it: a ROME fiche's title, its
appellations and its definition; a certification's title and its activités visées; an
emploi-type's title. Scores are divided by the best score within each group set, so they
lie in [0, 1] and mix with the dense evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from habilitant.index_entries import IndexEntry
from habilitant.matching.lexical import LexicalIndex, stem_tokens
from habilitant.matching.structure import Structure


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
                best = float(raw[ids].max())
                if best > 0:
                    out[ids] = raw[ids] / best
        return out
