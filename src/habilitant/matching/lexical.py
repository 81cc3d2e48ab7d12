"""Okapi BM25 over short referential texts, on sparse postings.

Used on its own (the "BM25 alone" baseline) and as the lexical part of the hybrid
matcher. Documents and queries are token lists; :func:`stem_tokens` (folded words,
stop words removed, light stems) is the default analyser, :func:`lemma_tokens` the
spaCy alternative.

Per document ``d`` and query term ``t`` (counted as often as it occurs in the query)::

    score(d) = sum_t idf(t) * tf(t, d) * (k1 + 1) / (tf(t, d) + k1 * (1 - b + b * |d| / avgdl))

Two ``idf`` variants:

* ``"lucene"`` (default): ``log(1 + (N - n + 0.5) / (n + 0.5))``, always positive;
* ``"okapi"``: ``log((N - n + 0.5) / (n + 0.5))`` with negative values replaced by
  ``epsilon`` times the mean idf, exactly as ``rank_bm25.BM25Okapi`` (used by the
  MELO benchmark's BM25 baselines).

The term weights are computed once at build time and stored as a CSR matrix of
postings (one row per vocabulary term), so scoring a query costs one slice-and-add per
distinct query term.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from scipy import sparse

from habilitant.matching.stem import stem_all
from habilitant.text import tokens

if TYPE_CHECKING:
    from spacy.language import Language

IdfVariant = Literal["lucene", "okapi"]


def stem_tokens(text: str) -> list[str]:
    """Default analyser: :func:`habilitant.text.tokens` then the light French stemmer."""
    return stem_all(tokens(text))


def lemma_tokens(
    texts: Iterable[str], nlp: Language | None = None, *, batch_size: int = 256
) -> list[list[str]]:
    """spaCy lemmas, folded, without stop words, punctuation or spaces.

    ``nlp`` defaults to the cached pipeline of :func:`habilitant.narrative.load_nlp`
    (``fr_core_news_md`` without parser and NER).
    """
    if nlp is None:
        from habilitant.narrative import load_nlp

        nlp = load_nlp()
    result: list[list[str]] = []
    for doc in nlp.pipe((text.lower() for text in texts), batch_size=batch_size):
        words: list[str] = []
        for token in doc:
            if token.is_punct or token.is_space or token.is_stop:
                continue
            words.extend(tokens(token.lemma_ or token.text))
        result.append(words)
    return result


@dataclass(frozen=True, eq=False)
class LexicalIndex:
    """BM25 postings over a fixed list of documents (row ``i`` = document ``i``)."""

    vocabulary: dict[str, int]
    postings: sparse.csr_matrix  # terms x documents, BM25 weight of each (term, document)
    idf: np.ndarray  # float64, one per vocabulary term
    doc_lengths: np.ndarray  # int32, tokens per document
    k1: float
    b: float
    idf_variant: IdfVariant

    @classmethod
    def build(
        cls,
        docs_tokens: Sequence[Sequence[str]],
        *,
        k1: float = 1.2,
        b: float = 0.75,
        idf: IdfVariant = "lucene",
        epsilon: float = 0.25,
    ) -> LexicalIndex:
        """Index ``docs_tokens`` (one token list per document; an empty list is allowed)."""
        if not docs_tokens:
            raise ValueError("cannot build a lexical index over zero documents")
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for doc_id, doc in enumerate(docs_tokens):
            for token in doc:
                rows.append(vocabulary.setdefault(token, len(vocabulary)))
                cols.append(doc_id)
        n_docs = len(docs_tokens)
        ones = np.ones(len(rows), dtype=np.float64)
        tf = sparse.csr_matrix(
            (ones, (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
            shape=(len(vocabulary), n_docs),
        )
        tf.sum_duplicates()
        doc_lengths = np.array([len(doc) for doc in docs_tokens], dtype=np.int32)
        avgdl = float(doc_lengths.mean()) or 1.0
        doc_freq = np.diff(tf.indptr).astype(np.float64)
        idf_values = _idf(doc_freq, n_docs, idf, epsilon)
        # BM25 weight of each stored (term, document) pair.
        norm = k1 * (1.0 - b + b * doc_lengths / avgdl)
        data = tf.data
        weights = data * (k1 + 1.0) / (data + norm[tf.indices])
        weights *= np.repeat(idf_values, np.diff(tf.indptr))
        postings = sparse.csr_matrix(
            (weights.astype(np.float32), tf.indices.astype(np.int32), tf.indptr),
            shape=tf.shape,
        )
        return cls(vocabulary, postings, idf_values, doc_lengths, k1, b, idf)

    @property
    def n_docs(self) -> int:
        return int(self.postings.shape[1])

    def _query_terms(self, query_tokens: Iterable[str]) -> list[tuple[int, int]]:
        counts = Counter(query_tokens)
        return [(self.vocabulary[t], c) for t, c in counts.items() if t in self.vocabulary]

    def max_score(self, query_tokens: Iterable[str]) -> float:
        """An upper bound of any document's score for this query (``tf -> inf``)."""
        return self._bound(self._query_terms(query_tokens))

    def scores(self, query_tokens: Iterable[str], *, normalize: bool = False) -> np.ndarray:
        """BM25 score of every document (float32, length ``n_docs``).

        With ``normalize`` the scores are divided by :meth:`max_score`, so they fall in
        ``[0, 1)`` and are comparable across queries (for fusion with cosine scores).
        """
        terms = self._query_terms(query_tokens)
        out = np.zeros(self.n_docs, dtype=np.float32)
        indptr, indices, data = self.postings.indptr, self.postings.indices, self.postings.data
        for term, count in terms:
            start, end = indptr[term], indptr[term + 1]
            # Each document occurs once per posting list, so fancy += is exact.
            out[indices[start:end]] += count * data[start:end]
        if normalize and terms:
            out /= np.float32(self._bound(terms))
        return out

    def _bound(self, terms: list[tuple[int, int]]) -> float:
        # 1.0 when nothing matches, so that normalising never divides by zero.
        return float(sum(c * self.idf[t] * (self.k1 + 1.0) for t, c in terms)) or 1.0

    def score_matrix(
        self, queries_tokens: Sequence[Sequence[str]], *, normalize: bool = False
    ) -> np.ndarray:
        """Scores of many queries at once: a float32 array ``(len(queries), n_docs)``."""
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        bounds = np.ones(len(queries_tokens), dtype=np.float64)
        for row, query in enumerate(queries_tokens):
            terms = self._query_terms(query)
            for term, count in terms:
                rows.append(row)
                cols.append(term)
                vals.append(float(count))
            if normalize and terms:
                bounds[row] = self._bound(terms)
        query_matrix = sparse.csr_matrix(
            (np.asarray(vals, dtype=np.float32), (rows, cols)),
            shape=(len(queries_tokens), len(self.vocabulary)),
        )
        out = np.asarray((query_matrix @ self.postings).toarray(), dtype=np.float32)
        if normalize:
            out /= bounds[:, None].astype(np.float32)
        return out

    def top_k(
        self,
        query_tokens: Iterable[str],
        k: int,
        subset: np.ndarray | Sequence[int] | None = None,
        *,
        normalize: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best documents with a positive score: ``(doc indices, scores)``.

        Best first; ties are broken by document index (lower first). ``subset``
        (document indices) restricts the candidates. Fewer than ``k`` are returned
        when fewer documents share a term with the query.
        """
        if k < 1:
            raise ValueError(f"k must be a positive integer, got {k}")
        all_scores = self.scores(query_tokens, normalize=normalize)
        if subset is None:
            candidates = np.flatnonzero(all_scores > 0)
        else:
            subset_arr = np.asarray(subset, dtype=np.int64)
            candidates = subset_arr[all_scores[subset_arr] > 0]
        cand_scores = all_scores[candidates]
        if len(candidates) > k:
            # Keep every candidate tied with the k-th score, then order exactly.
            kth = np.partition(cand_scores, len(cand_scores) - k)[len(cand_scores) - k]
            keep = cand_scores >= kth
            candidates, cand_scores = candidates[keep], cand_scores[keep]
        order = np.lexsort((candidates, -cand_scores))[:k]
        return candidates[order], cand_scores[order]


def _idf(doc_freq: np.ndarray, n_docs: int, variant: str, epsilon: float) -> np.ndarray:
    if variant == "lucene":
        return np.log1p((n_docs - doc_freq + 0.5) / (doc_freq + 0.5))
    if variant == "okapi":
        idf = np.log(n_docs - doc_freq + 0.5) - np.log(doc_freq + 0.5)
        if len(idf):
            idf = np.where(idf < 0, epsilon * idf.mean(), idf)
        return idf
    raise ValueError(f"unknown idf variant {variant!r}: use 'lucene' or 'okapi'")
