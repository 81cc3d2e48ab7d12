"""Hybrid, structure-aware matching of narrative segments against the whole index.

Built once from a loaded :class:`~habilitant.index.CompetenceIndex` (vectors, entries), it
holds the lexical overlap matrix and the structure; ``match`` is then a few dense and sparse
products per narrative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from habilitant.index import CompetenceIndex
from habilitant.index_entries import IndexEntry
from habilitant.matching.activities import StatementSpace
from habilitant.matching.fusion import Fused, MatchingConfig, best_evidence, fuse_evidence
from habilitant.matching.group_lexical import GroupLexicon
from habilitant.matching.lexical import stem_tokens
from habilitant.matching.overlap import TermOverlap
from habilitant.matching.role_names import RoleNames
from habilitant.matching.structure import Structure
from habilitant.text import fold


@dataclass
class Matcher:
    entries: list[IndexEntry]
    vectors: np.ndarray  # entries x dimension, L2-normalised
    overlap: TermOverlap
    structure: Structure
    group_sets: list[np.ndarray]
    group_lexicon: GroupLexicon
    role_names: RoleNames
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
            vectors=index.matrix(),
            overlap=TermOverlap.build([stem_tokens(e.libelle) for e in entries]),
            structure=structure,
            group_sets=group_sets,
            group_lexicon=GroupLexicon.build(structure, entries, group_sets),
            role_names=RoleNames.build(structure, entries),
            config=config or MatchingConfig(),
        )

    def dense(self, segment_vectors: np.ndarray) -> np.ndarray:
        """``(rows, entries)`` cosines. torch's float32 product gives the same values as
        numpy's here in about half the time (its kernel suits a few rows against 99k)."""
        import torch

        rows = torch.from_numpy(np.ascontiguousarray(segment_vectors, dtype=np.float32))
        with torch.inference_mode():
            return torch.mm(rows, self._vectors_tensor.T).numpy()

    @cached_property
    def _vectors_tensor(self) -> Any:
        import torch

        return torch.from_numpy(np.ascontiguousarray(self.vectors, dtype=np.float32))

    @cached_property
    def statement_space(self) -> StatementSpace:
        """Per entry: a number for its referential, one for its wording within it (entries
        worded alike, a ROME item under two codes, are stated once), and whether it is a
        savoir."""
        names: dict[str, int] = {}
        keys: dict[tuple[str, str], int] = {}
        return StatementSpace(
            np.array([names.setdefault(e.referentiel, len(names)) for e in self.entries]),
            np.array(
                [keys.setdefault((e.referentiel, fold(e.libelle)), len(keys)) for e in self.entries]
            ),
            np.array([e.kind == "savoir" for e in self.entries], dtype=bool),
        )

    @cached_property
    def statement_mean(self) -> np.ndarray:
        """Mean vector of the statements: a row's mean cosine is one dot product with it."""
        return self.vectors[self.structure.statement_mask].mean(axis=0)

    def offsets(self, vectors: np.ndarray) -> np.ndarray:
        """Each row's mean similarity with the statements: what centring subtracts."""
        return vectors.astype(np.float32, copy=False) @ self.statement_mean

    def centred(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Raw and centred ``(rows, entries)`` similarities (see :func:`fusion.centre`)."""
        raw = self.dense(vectors)
        return raw, raw - self.offsets(vectors)[:, None]

    def name_overlap(self, text: str) -> np.ndarray:
        """Share of each entry's words found anywhere in ``text`` (names of fiches...)."""
        return self.overlap.matrix([stem_tokens(text)])[0]

    def lexical(self, segment_texts: Sequence[str]) -> np.ndarray:
        return self.overlap.matrix([stem_tokens(t) for t in segment_texts])

    def match(
        self,
        segment_texts: Sequence[str],
        segment_vectors: np.ndarray,
        config: MatchingConfig | None = None,
        text: str = "",
        roles: Sequence[str] = (),
    ) -> tuple[Fused, np.ndarray]:
        """Fused per-entry results and the raw dense ``(segments, entries)`` similarities."""
        text = text or " ".join(segment_texts)
        rows = list(range(len(segment_texts)))
        results, dense, _, _ = self.match_experiences(
            segment_texts, segment_vectors, [rows], [text], config, [roles]
        )
        return results[0], dense

    def match_experiences(
        self,
        segment_texts: Sequence[str],
        segment_vectors: np.ndarray,
        experiences: Sequence[Sequence[int]],
        texts: Sequence[str],
        config: MatchingConfig | None = None,
        roles: Sequence[Sequence[str]] | None = None,
        leads: Sequence[Sequence[str]] | None = None,
        group_prior: np.ndarray | None = None,
    ) -> tuple[list[Fused], np.ndarray, np.ndarray, Any]:
        """:meth:`match` for each experience (its segments' rows, its text, the job titles
        it names, and texts whose opening words may name it), with the dense product and the
        lexical overlap computed once for all segments. ``best_segment`` is a position within
        the experience's rows. Returns the raw dense similarities and each segment's
        :meth:`offsets` and the sparse lexical overlap too. ``group_prior`` (per group, the
        learned fiche prediction for the whole text) is added to every experience's group
        scores."""
        config = config or self.config
        vectors = segment_vectors.astype(np.float32, copy=False)
        if config.dense_scale != 1.0:  # the encoder's cosines brought to the calibrated spread
            vectors = vectors * np.float32(config.dense_scale)
        dense = self.dense(vectors)
        offsets = self.offsets(vectors)
        lexical = self.overlap.sparse_matrix([stem_tokens(t) for t in segment_texts])
        results = []
        roles = roles if roles is not None else [()] * len(experiences)
        leads = leads if leads is not None else [()] * len(experiences)
        for rows, text, named, lead in zip(experiences, texts, roles, leads, strict=True):
            evidence, best = best_evidence(dense, offsets, lexical, config.lexical_weight, rows)
            results.append(
                fuse_evidence(
                    evidence,
                    best,
                    self.structure,
                    config,
                    self.group_sets,
                    self.group_lexicon.scores(text),
                    self.name_overlap(text) if config.name_weight else None,
                    self.role_names.scores(named, lead),
                    group_prior,
                )
            )
        return results, dense, offsets, lexical
