"""Fuse dense and lexical evidence with the referential's structure, then decide.

For each segment ``s`` and index entry ``i``::

    evidence[s, i] = dense[s, i] + lexical_weight * lexical[s, i]
    evidence[i]    = max_s evidence[s, i]                     (best supporting segment)

Groups (ROME fiches, certifications, blocs, emplois-types) get a score from their members'
evidence (log-mean-exp pooling) and from their titles (fiche title, appellations,
certification title). Within each group kind a softmax turns scores into a posterior, and
every statement receives the posterior of its best group: a competence is credible when
its fiche / bloc / certification is, not only when one sentence resembles it.

    score[i] = evidence[i] + structure_weight * posterior[group(i)]

The decision uses the evidence (a fiche alone never attests a competence) together with the
score: *attested*, *to confirm*, or nothing. Thresholds come from a dev split
(``scripts/calibrate.py``) and are stored in :class:`MatchingConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from habilitant.matching.structure import Structure


@dataclass(frozen=True)
class MatchingConfig:
    lexical_weight: float = 0.10
    pool_beta: float = 30.0
    title_weight: float = 0.5
    temperature: float = 0.02
    structure_weight: float = 0.05
    # Decision thresholds on evidence (cosine scale of the default encoder) and score.
    attested_evidence: float = 0.88
    confirm_evidence: float = 0.85
    attested_score: float = 0.90
    confirm_score: float = 0.86


@dataclass(frozen=True)
class Fused:
    """Per-entry results of one narrative (arrays over all index entries)."""

    evidence: np.ndarray  # best segment evidence per entry
    best_segment: np.ndarray  # index of that segment
    score: np.ndarray  # evidence + structure
    group_scores: np.ndarray  # per group
    group_posterior: np.ndarray  # per group, softmax within (referentiel, kind)


def _softmax_within(scores: np.ndarray, ids: np.ndarray, temperature: float) -> np.ndarray:
    out = np.zeros(ids.size, dtype=np.float32)
    values = scores[ids]
    finite = np.isfinite(values)
    if not finite.any():
        return out
    shifted = (values[finite] - values[finite].max()) / temperature
    weights = np.exp(shifted)
    out[finite] = weights / weights.sum()
    return out


def fuse(
    dense: np.ndarray,
    lexical: np.ndarray | None,
    structure: Structure,
    config: MatchingConfig,
    group_sets: list[np.ndarray],
) -> Fused:
    """Fuse segment x entry evidence with the structure. ``group_sets`` lists group ids
    whose posteriors are normalised together (e.g. all ROME fiches, all RNCP certifications)."""
    evidence_matrix = dense if lexical is None else dense + config.lexical_weight * lexical
    best_segment = evidence_matrix.argmax(axis=0)
    evidence = evidence_matrix[best_segment, np.arange(evidence_matrix.shape[1])]
    pooled = structure.pool_members(
        np.where(structure.statement_mask, evidence, -1.0), config.pool_beta
    )
    titles = structure.max_titles(evidence)
    group_scores = np.where(
        np.isfinite(titles), pooled + config.title_weight * np.maximum(titles - pooled, 0), pooled
    ).astype(np.float32)
    posterior = np.zeros(len(structure.groups), dtype=np.float32)
    for ids in group_sets:
        if ids.size:
            probabilities = _softmax_within(group_scores, ids, config.temperature)
            posterior[ids] = probabilities / max(float(probabilities.max()), 1e-9)
    score = evidence + config.structure_weight * structure.spread(posterior)
    return Fused(evidence, best_segment, score, group_scores, posterior)


def decide(evidence: float, score: float, config: MatchingConfig) -> str | None:
    """``attested``, ``to_confirm`` or None (say nothing)."""
    if evidence >= config.attested_evidence and score >= config.attested_score:
        return "attested"
    if evidence >= config.confirm_evidence and score >= config.confirm_score:
        return "to_confirm"
    return None
