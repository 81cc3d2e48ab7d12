"""Hybrid, structure-aware matching of narrative segments against the whole index.

Built once from a loaded :class:`~habilitant.index.CompetenceIndex` (vectors, entries), it
holds the lexical overlap matrix and the structure; ``match`` is then a few dense and sparse
products per narrative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from habilitant.index import CompetenceIndex
from habilitant.index_entries import IndexEntry
from habilitant.matching.fusion import Fused, MatchingConfig, fuse
from habilitant.matching.lexical import stem_tokens
from habilitant.matching.overlap import TermOverlap
from habilitant.matching.structure import Structure


@dataclass
class Matcher:
    entries: list[IndexEntry]
    vectors: np.ndarray  # entries x dimension, L2-normalised
    overlap: TermOverlap
    structure: Structure
    group_sets: list[np.ndarray]
    config: MatchingConfig

    @classmethod
    def from_index(cls, index: CompetenceIndex, config: MatchingConfig | None = None) -> Matcher:
        entries = index.entries
        structure = Structure.from_entries(entries)
        keys = sorted({(g.referentiel, g.kind) for g in structure.groups})
        group_sets = [
            np.array(
                [i for i, g in enumerate(structure.groups) if (g.referentiel, g.kind) == key],
                dtype=np.int64,
            )
            for key in keys
        ]
        return cls(
            entries=entries,
            vectors=np.ascontiguousarray(index.vectors(), dtype=np.float32),
            overlap=TermOverlap.build([stem_tokens(e.libelle) for e in entries]),
            structure=structure,
            group_sets=group_sets,
            config=config or MatchingConfig(),
        )

    def dense(self, segment_vectors: np.ndarray) -> np.ndarray:
        return segment_vectors.astype(np.float32, copy=False) @ self.vectors.T

    def lexical(self, segment_texts: Sequence[str]) -> np.ndarray:
        return self.overlap.matrix([stem_tokens(t) for t in segment_texts])

    def match(
        self,
        segment_texts: Sequence[str],
        segment_vectors: np.ndarray,
        config: MatchingConfig | None = None,
    ) -> tuple[Fused, np.ndarray]:
        """Fused per-entry results and the dense ``(segments, entries)`` similarities."""
        dense = self.dense(segment_vectors)
        lexical = self.lexical(segment_texts)
        fused = fuse(dense, lexical, self.structure, config or self.config, self.group_sets)
        return fused, dense
