"""Neighbours of a statement in the other referentials: computed, always « proche », never an
equivalence nor an official link (those are :mod:`habilitant.links`).

For a statement of the index (row ``q``) and a statement ``c`` of another referential::

    score(q, c) = (v_q - m) · (v_c - m) + lexical_weight * words(q, c)

``v`` are the index's stored vectors (L2-normalised passages) and ``m`` the mean vector of the
texts of their family (every indexed statement; for occupations, every title and
appellation). Taking ``m`` away removes the direction all the referentials' texts share
(multilingual-e5-small gives two unrelated statements a cosine near 0.9): unrelated pairs then
score near 0, whatever the referentials. ``words(q, c)`` is the harmonic mean of the share of
``c``'s words found in ``q`` — the matcher's lexical score
(:class:`~habilitant.matching.overlap.TermOverlap`: stemmed, idf-weighted) — and the share of
``q``'s words found in ``c``: symmetric, and a one-word item does not match every statement
that uses its word.

A neighbour is kept at or above ``NeighbourConfig.floor``. The floor and the lexical weight
are decision values of the encoder's calibration (``calibrations/<encoder>.json``, section
``neighbours``), set by ``scripts/calibrate_neighbours.py`` on the official ESCO ↔ ROME
crosswalk: the weight that makes an appellation's official ESCO occupation its nearest most
often, the floor that one random pair in 1,000 reaches. The cost is one matrix product over
the stored vectors and two sparse products for all the statements of an analysis (about
5 ms a statement on two cores).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np

from habilitant.domain import Parent
from habilitant.index_entries import IndexEntry

if TYPE_CHECKING:
    from scipy import sparse

    from habilitant.index import CompetenceIndex
    from habilitant.matching.matcher import Matcher
    from habilitant.matching.overlap import TermOverlap

NEIGHBOUR_LABEL: Literal["proche"] = "proche"
# The statements a neighbour can be: what a person can be credited with, in any referential
# (matching.structure.STATEMENT_KINDS).
NEIGHBOUR_KINDS = frozenset(
    {"competence", "macro_competence", "savoir_etre", "savoir", "bloc", "activite"}
)
# What names an occupation: a fiche's title and its appellations (ESCO: preferred and
# alternative labels), grouped by the fiche's code.
OCCUPATION_KINDS = frozenset({"fiche", "appellation"})
# Texts are centred on the mean of their family: statements; names (of occupations,
# certifications, emplois-types); descriptions.
FAMILIES = ("statement", "name", "description")


def _family(kind: str) -> int:
    if kind in NEIGHBOUR_KINDS:
        return 0
    return 2 if kind == "description" else 1


@dataclass(frozen=True)
class NeighbourConfig:
    """How neighbours are scored and which are shown (the ``neighbours`` section of a
    calibration). The defaults are multilingual-e5-small's calibration."""

    floor: float = 0.118
    lexical_weight: float = 0.15
    per_referentiel: int = 3  # neighbours kept in each other referential
    max_parents: int = 3  # places given with a neighbour (its bloc, certification, fiches)


@dataclass(frozen=True)
class Neighbour:
    """A statement of another referential close to a given one: computed, « proche »."""

    competence_id: str
    referentiel: str
    kind: str
    code: str
    libelle: str
    score: float
    parents: tuple[Parent, ...] = ()
    label: Literal["proche"] = NEIGHBOUR_LABEL


@dataclass(frozen=True, eq=False)
class NeighbourSpace:
    """What scoring needs, built once per index: vectors, the statements' mean and each
    entry's product with it, the lexical overlap and each referential's statements."""

    entries: Sequence[IndexEntry]
    vectors: np.ndarray  # entries x dimension, L2-normalised, float32
    offsets: np.ndarray  # v · m per entry, m the mean of the entry's family
    centres: np.ndarray  # m · m per entry
    overlap: TermOverlap
    candidates: Mapping[str, np.ndarray]  # referentiel -> positions of its statements
    positions: Mapping[str, int] = field(repr=False)

    @classmethod
    def build(
        cls,
        entries: Sequence[IndexEntry],
        vectors: np.ndarray,
        overlap: TermOverlap | None = None,
    ) -> NeighbourSpace:
        """From an index's entries and stored vectors; ``overlap`` is the matcher's when
        there is one (built here otherwise, about a second for the full index)."""
        if overlap is None:
            from habilitant.matching.lexical import stem_tokens
            from habilitant.matching.overlap import TermOverlap

            overlap = TermOverlap.build([stem_tokens(e.libelle) for e in entries])
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        family = np.array([_family(e.kind) for e in entries], dtype=np.int64)
        offsets = np.zeros(len(entries), dtype=np.float32)
        centres = np.zeros(len(FAMILIES), dtype=np.float32)
        for number in range(len(FAMILIES)):
            members = family == number
            if members.any():
                mean = vectors[members].mean(axis=0).astype(np.float32)
                offsets[members] = vectors[members] @ mean
                centres[number] = mean @ mean
        by_referentiel: dict[str, list[int]] = {}
        for position, entry in enumerate(entries):
            if entry.kind in NEIGHBOUR_KINDS:
                by_referentiel.setdefault(entry.referentiel, []).append(position)
        return cls(
            entries=entries,
            vectors=vectors,
            offsets=offsets,
            centres=centres[family],
            overlap=overlap,
            candidates={r: np.array(p, dtype=np.int64) for r, p in by_referentiel.items()},
            positions={e.id: i for i, e in enumerate(entries)},
        )

    @classmethod
    def from_matcher(cls, matcher: Matcher) -> NeighbourSpace:
        return cls.build(matcher.entries, matcher.vectors, matcher.overlap)

    @classmethod
    def from_index(cls, index: CompetenceIndex) -> NeighbourSpace:
        return cls.build(index.entries, index.matrix())

    def position(self, entry_id: str) -> int | None:
        return self.positions.get(entry_id)

    def positions_of(self, referentiel: str, kinds: frozenset[str]) -> np.ndarray:
        """Positions of the entries of ``referentiel`` of these kinds (not cached)."""
        return np.array(
            [
                i
                for i, e in enumerate(self.entries)
                if e.referentiel == referentiel and e.kind in kinds
            ],
            dtype=np.int64,
        )

    def scores(
        self,
        rows: Sequence[int] | np.ndarray,
        lexical_weight: float,
        columns: np.ndarray | None = None,
    ) -> np.ndarray:
        """``(rows, columns)`` scores of entries ``rows`` against entries ``columns`` (every
        entry by default), as the module's docstring defines them."""
        row_positions = np.asarray(rows, dtype=np.int64)
        if columns is None:
            columns = np.arange(len(self.entries), dtype=np.int64)
        if row_positions.size == 0 or columns.size == 0:
            return np.zeros((row_positions.size, columns.size), dtype=np.float32)
        queries = self.vectors[row_positions]
        block = self.vectors if columns.size == len(self.entries) else self.vectors[columns]
        # (N, d) @ (d, q): a fast matrix-vector product for a few rows against many.
        scores: np.ndarray = np.ascontiguousarray((block @ queries.T).T, dtype=np.float32)
        scores -= self.offsets[row_positions][:, None]
        scores -= self.offsets[columns][None, :]
        scores += self.centres[columns][None, :]  # pairs are scored within one family
        if lexical_weight:
            scores += np.float32(lexical_weight) * self.lexical(row_positions, columns)
        return scores

    def lexical(self, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """``(rows, columns)`` word overlap in [0, 1]: the harmonic mean of the share of the
        column entry's words found in the row's wording and the share of the row's words
        found in the column's (idf-weighted, stemmed). The harmonic mean keeps a one-word
        item (« Organiser ») from matching every statement that uses its word."""
        from habilitant.matching.lexical import stem_tokens

        tokens = [stem_tokens(self.entries[int(r)].libelle) for r in rows]
        forward = self.overlap.sparse_matrix(tokens)
        backward = self.overlap.item_weights[rows] @ self._presence
        if columns.size < len(self.entries):
            forward, backward = forward[:, columns], backward[:, columns]
        forward, backward = forward.toarray(), backward.toarray()
        total = forward + backward
        shared = total > 0
        out = np.zeros_like(forward, dtype=np.float32)
        out[shared] = 2.0 * forward[shared] * backward[shared] / total[shared]
        return out

    @cached_property
    def _presence(self) -> sparse.csr_matrix:
        """``terms x entries``: 1 where the entry has the term (built on first use)."""
        presence = self.overlap.term_items.copy()
        presence.data[:] = 1.0
        return presence


def _top(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` columns of each row, best first (ties in column order)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    values = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -values), axis=1)
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(values, order, axis=1)


def neighbours(
    space: NeighbourSpace,
    competence_ids: Sequence[str],
    config: NeighbourConfig | None = None,
    referentiels: Sequence[str] | None = None,
) -> dict[str, tuple[Neighbour, ...]]:
    """The neighbours of each statement (an index entry id) in every other referential (or
    only ``referentiels``): at most ``per_referentiel`` in each, at or above the floor, best
    first within a referential, referentials in index order. An id the index does not hold
    is left out of the answer."""
    config = config or NeighbourConfig()
    known = [(i, p) for i in dict.fromkeys(competence_ids) if (p := space.position(i)) is not None]
    if not known or config.per_referentiel < 1:
        return {i: () for i, _ in known}
    rows = [p for _, p in known]
    scores = space.scores(rows, config.lexical_weight)
    found: dict[str, list[Neighbour]] = {i: [] for i, _ in known}
    for referentiel, positions in space.candidates.items():
        if referentiels is not None and referentiel not in referentiels:
            continue
        columns, values = _top(scores[:, positions], config.per_referentiel)
        for (entry_id, row), row_columns, row_values in zip(known, columns, values, strict=True):
            if space.entries[row].referentiel == referentiel:
                continue
            for column, value in zip(row_columns, row_values, strict=True):
                if value < config.floor:
                    break
                entry = space.entries[int(positions[column])]
                found[entry_id].append(
                    Neighbour(
                        competence_id=entry.id,
                        referentiel=entry.referentiel,
                        kind=entry.kind,
                        code=entry.code,
                        libelle=entry.libelle,
                        score=round(float(value), 4),
                        parents=entry.parents[: config.max_parents],
                    )
                )
    return {entry_id: tuple(items) for entry_id, items in found.items()}


def best_by_code(scores: np.ndarray, codes: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Columns grouped by code (an occupation's title and its appellations): the distinct
    codes, in first-seen order, and each row's best score per code."""
    distinct = list(dict.fromkeys(codes))
    number = {code: n for n, code in enumerate(distinct)}
    group = np.array([number[c] for c in codes], dtype=np.int64)
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(group[order]) != 0])
    if scores.shape[1] == 0:
        return distinct, np.zeros((scores.shape[0], 0), dtype=scores.dtype)
    return distinct, np.maximum.reduceat(scores[:, order], starts, axis=1)


def nearest_occupations(
    space: NeighbourSpace,
    rows: Sequence[int],
    referentiel: str,
    k: int,
    lexical_weight: float,
    columns: np.ndarray | None = None,
) -> list[list[tuple[str, float]]]:
    """For each row (an index entry: a ROME appellation...), the ``k`` nearest occupations of
    ``referentiel`` (an occupation scores the best of its title and appellations), as
    ``(code, score)`` best first. ``columns`` may pass the occupation entries once."""
    if columns is None:
        columns = space.positions_of(referentiel, OCCUPATION_KINDS)
    codes = [space.entries[int(c)].code for c in columns]
    distinct, grouped = best_by_code(space.scores(rows, lexical_weight, columns), codes)
    if not distinct:
        return [[] for _ in rows]
    top, values = _top(grouped, k)
    return [
        [(distinct[int(c)], float(v)) for c, v in zip(row_top, row_values, strict=True)]
        for row_top, row_values in zip(top, values, strict=True)
    ]
