"""Ranking metrics over ranked id lists and gold sets.

Conventions shared by every function:

* ``ranked`` is best first. An id that occurs twice counts only at its first position
  (a system that repeats an item gains nothing from the repetition).
* ``gold`` is the set of relevant ids; a query with an empty gold set has no defined
  value and :func:`summarize` skips it.
* Ranks are 1-based. ``k`` must be a positive integer.

The definitions follow ``trec_eval`` (``recall_k``, ``P_k``, ``recip_rank``, ``map``,
``success_k``) except :func:`r_precision_at_k`, which is the RP@k of the TECHWOLF
skill-extraction benchmark: hits in the top ``k`` divided by ``min(k, |gold|)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be a positive integer, got {k}")


def _first_positions(ranked: Iterable[str], gold: set[str] | frozenset[str]) -> list[int]:
    """1-based positions of the relevant ids, each id counted at its first occurrence."""
    seen: set[str] = set()
    positions = []
    for rank, item in enumerate(ranked, start=1):
        if item in seen:
            continue
        seen.add(item)
        if item in gold:
            positions.append(rank)
    return positions


def hits_at_k(ranked: Sequence[str], gold: set[str] | frozenset[str], k: int) -> int:
    """Number of distinct relevant ids among the first ``k``."""
    _check_k(k)
    return len(_first_positions(ranked[:k], gold))


def recall_at_k(ranked: Sequence[str], gold: set[str] | frozenset[str], k: int) -> float:
    """Hits in the top ``k`` divided by ``|gold|`` (0 when gold is empty)."""
    if not gold:
        return 0.0
    return hits_at_k(ranked, gold, k) / len(gold)


def precision_at_k(ranked: Sequence[str], gold: set[str] | frozenset[str], k: int) -> float:
    """Hits in the top ``k`` divided by ``k`` (trec_eval ``P_k``, even if fewer were ranked)."""
    return hits_at_k(ranked, gold, k) / k


def r_precision_at_k(ranked: Sequence[str], gold: set[str] | frozenset[str], k: int) -> float:
    """TECHWOLF RP@k: hits in the top ``k`` divided by ``min(k, |gold|)``."""
    if not gold:
        return 0.0
    return hits_at_k(ranked, gold, k) / min(k, len(gold))


def r_precision(ranked: Sequence[str], gold: set[str] | frozenset[str]) -> float:
    """trec_eval ``Rprec``: precision at rank ``R = |gold|``."""
    return r_precision_at_k(ranked, gold, len(gold)) if gold else 0.0


def hit_at_k(ranked: Sequence[str], gold: set[str] | frozenset[str], k: int) -> float:
    """1.0 if at least one relevant id is in the top ``k`` (trec_eval ``success_k``)."""
    return 1.0 if hits_at_k(ranked, gold, k) else 0.0


def accuracy_at_k(ranked: Sequence[str], gold_one: str, k: int) -> float:
    """1.0 if the single expected id ``gold_one`` is in the top ``k``."""
    return hit_at_k(ranked, {gold_one}, k)


def reciprocal_rank(ranked: Sequence[str], gold: set[str] | frozenset[str]) -> float:
    """1 / rank of the first relevant id, 0 if none is ranked."""
    for rank, item in enumerate(ranked, start=1):
        if item in gold:
            return 1.0 / rank
    return 0.0


def average_precision(ranked: Sequence[str], gold: set[str] | frozenset[str]) -> float:
    """Mean over the gold ids of the precision at their rank (0 for a gold id not ranked)."""
    if not gold:
        return 0.0
    positions = _first_positions(ranked, gold)
    return sum(hits / rank for hits, rank in enumerate(positions, start=1)) / len(gold)


def summarize(
    rankings: Iterable[tuple[Sequence[str], set[str] | frozenset[str]]],
    ks: Sequence[int] = (5, 10, 20),
) -> dict[str, float]:
    """Macro averages over queries of recall@k, RP@k, MRR and MAP.

    Queries whose gold set is empty are skipped; ``n`` is the number of queries
    averaged. Keys: ``recall@<k>`` and ``rp@<k>`` for each ``k``, ``mrr``, ``map``, ``n``.
    With no usable query every value is 0.0 and ``n`` is 0.
    """
    for k in ks:
        _check_k(k)
    totals: dict[str, float] = {f"recall@{k}": 0.0 for k in ks}
    totals.update({f"rp@{k}": 0.0 for k in ks})
    totals.update(mrr=0.0, map=0.0)
    n = 0
    for ranked, gold in rankings:
        if not gold:
            continue
        n += 1
        for k in ks:
            totals[f"recall@{k}"] += recall_at_k(ranked, gold, k)
            totals[f"rp@{k}"] += r_precision_at_k(ranked, gold, k)
        totals["mrr"] += reciprocal_rank(ranked, gold)
        totals["map"] += average_precision(ranked, gold)
    summary = {name: (value / n if n else 0.0) for name, value in totals.items()}
    summary["n"] = float(n)
    return summary
