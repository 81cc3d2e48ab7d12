"""Fuse dense and lexical evidence with the referential's structure, then decide.

For each segment ``s`` and index entry ``i``::

    dense[s, i]    = cos(s, i) - mean_j cos(s, j)      (centred per segment: short segments
                                                        resemble everything a little)
    evidence[s, i] = dense[s, i] + lexical_weight * overlap[s, i]
    evidence[i]    = max_s evidence[s, i]              (best supporting segment)

Groups (ROME fiches, certifications, blocs, emplois-types) get a score from their members'
evidence (log-mean-exp pooling: a soft "best few") and from the texts that describe them
(titles, appellations, definitions), compared with the segments, and from a BM25 of the
narrative over those texts, plus ``role_weight`` when the narrative names the group as the
person's job (« j'étais aide-soignante »). Within each group kind the scores become a
posterior relative to the best (or to ``group_floor``), and each
statement receives the posterior of its best group, weighted up when the referential marks
the link as core (ROME ``coeur_metier`` « Principale »)::

    score[i] = evidence[i] + structure_weight * max_g posterior[g] * link_weight[g, i]

A competence is credible when its fiche / bloc / certification is, not only when one
sentence resembles it. The decision uses the evidence (a fiche alone never attests a
competence) and the score: *attested*, *to confirm*, or nothing. Weights and thresholds
were set on the dev split ``offres-ft-2025-dev`` (``scripts/tune_matching.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from habilitant.matching.structure import Structure


@dataclass(frozen=True)
class MatchingConfig:
    # Multiplies every cosine before centring: an encoder whose cosines spread wider than
    # multilingual-e5-small's is brought to its scale, so that the thresholds below keep
    # their meaning (set per encoder by habilitant.calibration).
    dense_scale: float = 1.0
    lexical_weight: float = 0.08
    pool_beta: float = 10.0
    pool_weight: float = 0.5
    title_weight: float = 0.25
    group_lexical_weight: float = 0.05
    name_weight: float = 0.0
    temperature: float = 0.04
    # In a set of fewer than ``small_set`` groups (the 12 certifications of an RNCP extract),
    # a group scoring below ``group_floor`` never gets a full posterior: such a set always
    # has a best member, which says little (see _relative_posterior).
    group_floor: float = 0.1
    small_set: int = 100
    structure_weight: float = 0.1
    principal_weight: float = 1.0
    # Added to the score of a group the narrative names as the person's job (a ROME
    # appellation, an ESCO occupation...): see :mod:`habilitant.matching.role_names`.
    role_weight: float = 0.1
    # Decision thresholds on evidence (centred cosine + lexical) and score.
    # Set on the dev split (scripts/tune_matching.py): kept ROME items are plausible (the
    # recruiter's choice or an item of the offer's own fiche) about half the time at these
    # scores; the evidence floors were then raised by hand on narratives, preferring silence
    # to a statement carried by its fiche alone.
    attested_evidence: float = 0.10
    confirm_evidence: float = 0.06
    attested_score: float = 0.28
    confirm_score: float = 0.22
    # A competence of the job the narrative names (« j'étais aide-soignante ») needs less
    # evidence to be put *to confirm*: the person said the job, the text describes the task
    # loosely. Never enough to attest.
    named_confirm_evidence: float = 0.04


@dataclass(frozen=True)
class Fused:
    """Per-entry results of one narrative (arrays over all index entries)."""

    evidence: np.ndarray  # best segment evidence per entry
    best_segment: np.ndarray  # index of that segment
    score: np.ndarray  # evidence + structure
    group_scores: np.ndarray  # per group
    group_posterior: np.ndarray  # per group, softmax within (referentiel, kind)
    named: np.ndarray | None = None  # per entry: a statement of a group the narrative names
    # Per entry, the support of its best group (posterior x link weight), before
    # ``structure_weight``: how much the entry is "in the context" of the narrative's job.
    support: np.ndarray | None = None


def centre(similarities: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Subtract each row's mean similarity over the statements (``mask``)."""
    if similarities.size == 0:
        return similarities
    means = similarities[:, mask].mean(axis=1, keepdims=True)
    return similarities - means


def _relative_posterior(values: np.ndarray, floor: float, temperature: float) -> np.ndarray:
    """``exp((score - top) / temperature)`` per group of one set, where ``top`` is the best
    score of the set or ``floor`` if higher: the best group gets 1 only when its score
    reaches the floor. A small set (the 12 certifications of an RNCP extract) always has a
    best member; the floor keeps an unrelated one from lending its competences full support.
    """
    out = np.zeros(values.size, dtype=np.float32)
    finite = np.isfinite(values)
    if not finite.any():
        return out
    top = max(float(values[finite].max()), floor)
    out[finite] = np.exp((values[finite] - top) / temperature)
    return out


def fuse(
    dense: np.ndarray,
    lexical: np.ndarray | None,
    structure: Structure,
    config: MatchingConfig,
    group_sets: list[np.ndarray],
    **signals: np.ndarray | None,
) -> Fused:
    """Fuse centred ``(segments, entries)`` similarities with the structure: each entry's
    best segment, then :func:`fuse_evidence` (``signals``: its ``group_lexical``,
    ``name_overlap``, ``role_scores``).

    ``group_sets`` lists group ids whose posteriors are normalised together (e.g. all ROME
    fiches).
    """
    evidence_matrix = dense if lexical is None else dense + config.lexical_weight * lexical
    best_segment = evidence_matrix.argmax(axis=0)
    evidence = evidence_matrix[best_segment, np.arange(evidence_matrix.shape[1])]
    return fuse_evidence(evidence, best_segment, structure, config, group_sets, **signals)


def best_evidence(
    raw: np.ndarray,
    offsets: np.ndarray,
    lexical: sparse.csr_matrix | None,
    weight: float,
    rows: Sequence[int],
) -> tuple[np.ndarray, np.ndarray]:
    """Per entry, the best of ``raw[k] - offsets[k] + weight * lexical[k]`` over ``rows``
    and where it is (a position in ``rows``, the first on ties): the evidence and best
    segment of :func:`fuse` on ``centre``-d similarities, with the same float32 operations
    (hence the same values), but the lexical part added only where it is not zero and the
    position found without numpy's slow ``argmax(axis=0)``."""
    positions = np.asarray(rows, dtype=np.int64)
    consecutive = positions.size and positions[-1] - positions[0] == positions.size - 1
    block = raw[positions[0] : positions[-1] + 1] if consecutive else raw[positions]
    matrix = np.subtract(block, offsets[positions][:, None], dtype=np.float32)
    if lexical is not None and weight:
        part = lexical[positions].tocoo()
        matrix[part.row, part.col] += np.float32(weight) * part.data
    evidence = matrix.max(axis=0)
    best = np.zeros(matrix.shape[1], dtype=np.int64)
    hit = np.empty(matrix.shape[1], dtype=bool)
    for position in range(len(positions) - 1, 0, -1):  # the first best row is written last
        np.equal(matrix[position], evidence, out=hit)
        best[hit] = position
    return evidence, best


def fuse_evidence(
    evidence: np.ndarray,
    best_segment: np.ndarray,
    structure: Structure,
    config: MatchingConfig,
    group_sets: list[np.ndarray],
    group_lexical: np.ndarray | None = None,
    name_overlap: np.ndarray | None = None,
    role_scores: np.ndarray | None = None,
    group_prior: np.ndarray | None = None,
) -> Fused:
    """:func:`fuse` from each entry's best evidence and segment. ``group_lexical`` is the
    BM25 of the narrative per group, ``name_overlap`` the share of each entry's words found in
    the narrative, ``role_scores`` marks the groups the narrative names as the person's
    job, ``group_prior`` is added to the group scores *after* the posterior (the learned
    fiche prediction of :mod:`habilitant.matching.fiche_classifier`, 0 elsewhere): it ranks
    fiches, and lends no statement support (see that module for why)."""
    pooled = structure.pool_members(evidence, config.pool_beta)
    titles = structure.max_titles(evidence)
    group_scores = np.where(
        np.isfinite(pooled), config.pool_weight * np.nan_to_num(pooled, neginf=0.0), 0.0
    ) + np.where(np.isfinite(titles), config.title_weight * np.nan_to_num(titles, neginf=0.0), 0.0)
    if group_lexical is not None:
        group_scores = group_scores + config.group_lexical_weight * group_lexical
    if name_overlap is not None and config.name_weight:
        names = structure.max_names(name_overlap)
        group_scores = group_scores + config.name_weight * np.nan_to_num(names, neginf=0.0)
    group_scores[~np.isfinite(pooled) & ~np.isfinite(titles)] = -np.inf
    group_scores = group_scores.astype(np.float32)
    posterior = np.zeros(len(structure.groups), dtype=np.float32)
    for ids in group_sets:
        if ids.size:
            floor = config.group_floor if ids.size < config.small_set else -np.inf
            posterior[ids] = _relative_posterior(group_scores[ids], floor, config.temperature)
    if group_prior is not None:  # ranks the fiches; the posterior above is the matcher's
        group_scores = (group_scores + group_prior).astype(np.float32)
    named = None
    if role_scores is not None and config.role_weight > 0:
        # The job the person names is certain; the other groups keep their own posterior.
        posterior = np.maximum(posterior, role_scores)
        group_scores = (group_scores + config.role_weight * role_scores).astype(np.float32)
        named = (structure.spread(role_scores) > 0) & structure.statement_mask
    support = structure.spread(posterior, config.principal_weight)
    score = evidence + config.structure_weight * support
    return Fused(evidence, best_segment, score, group_scores, posterior, named, support)


def decide_all(
    evidence: np.ndarray,
    score: np.ndarray,
    config: MatchingConfig,
    named: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Boolean arrays: attested, and to confirm (exclusive). A fiche alone never attests:
    both the evidence and the score must clear their thresholds. ``named`` marks the
    statements of the job the narrative names, whose evidence floor to confirm is
    ``named_confirm_evidence``."""
    attested = (evidence >= config.attested_evidence) & (score >= config.attested_score)
    floor = evidence >= config.confirm_evidence
    if named is not None:
        floor |= named & (evidence >= config.named_confirm_evidence)
    confirm = ~attested & floor & (score >= config.confirm_score)
    return attested, confirm


def decide(
    evidence: float, score: float, config: MatchingConfig, named: bool = False
) -> str | None:
    """``attested``, ``to_confirm`` or None (say nothing) for one entry."""
    attested, confirm = decide_all(
        np.array([evidence]), np.array([score]), config, np.array([named])
    )
    if attested[0]:
        return "attested"
    return "to_confirm" if confirm[0] else None
