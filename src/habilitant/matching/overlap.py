"""Lexical evidence as the share of an item's words that a segment contains.

For item ``i`` and segment ``s`` (stemmed, stop words removed)::

    overlap[s, i] = sum(idf(t) for t in terms(i) & terms(s)) / sum(idf(t) for t in terms(i))

Unlike BM25 this is bounded by 1 and reads as "how much of the referential's wording the
person used", which mixes well with a cosine. One sparse product per narrative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse


@dataclass
class TermOverlap:
    vocabulary: dict[str, int]
    item_weights: sparse.csr_matrix  # items x terms, rows sum to 1 (idf-weighted)

    @classmethod
    def build(cls, items_tokens: Sequence[Sequence[str]]) -> TermOverlap:
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for row, item_tokens in enumerate(items_tokens):
            for term in set(item_tokens):
                rows.append(row)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
        shape = (len(items_tokens), max(1, len(vocabulary)))
        presence = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape
        )
        document_frequency = np.asarray(presence.sum(axis=0)).ravel()
        idf = np.log1p(len(items_tokens) / np.maximum(document_frequency, 1.0)).astype(np.float32)
        weighted = presence.multiply(idf[None, :]).tocsr()
        totals = np.asarray(weighted.sum(axis=1)).ravel()
        totals[totals == 0] = 1.0
        weighted = sparse.diags(1.0 / totals).dot(weighted).astype(np.float32).tocsr()
        return cls(vocabulary, weighted)

    @cached_property
    def term_items(self) -> sparse.csr_matrix:
        """``terms x items``: the transpose, converted once (scipy would convert it in every
        product, about 9 ms)."""
        return self.item_weights.T.tocsr()

    def sparse_matrix(self, segments_tokens: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """``(segments, items)`` overlap in [0, 1], as a sparse matrix."""
        rows: list[int] = []
        cols: list[int] = []
        for row, tokens in enumerate(segments_tokens):
            for term in set(tokens):
                column = self.vocabulary.get(term)
                if column is not None:
                    rows.append(row)
                    cols.append(column)
        query = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(segments_tokens), self.item_weights.shape[1]),
        )
        return (query @ self.term_items).tocsr()

    def matrix(self, segments_tokens: Sequence[Sequence[str]]) -> np.ndarray:
        """``(segments, items)`` overlap in [0, 1]."""
        return np.asarray(self.sparse_matrix(segments_tokens).toarray(), dtype=np.float32)
