"""The decision, made per activity: each work segment of a narrative gets its best statements.

A counsellor reads a narrative as a list of things the person did, and expects each of them
answered. So the decision is not one global cut over the whole index (which favours the
wording closest to everything said, and loses the activities whose wording is distant), but,
for each segment of each experience (job):

* its candidates are the statements whose evidence *in this segment alone* (centred cosine
  plus lexical overlap, :meth:`Ranking.segment_evidence`) clears ``confirm_evidence``
  (``named_confirm_evidence`` for a statement of the job the person names), and which are
  *in the context* of the experience — a group the narrative supports
  (``support >= context_support``: its fiche, bloc, certification) — unless the evidence
  alone is strong (``>= strong_evidence``);
* they are ranked by their evidence plus a little structure (``segment_structure_weight``
  for a statement of the experience's fiche, ``core_bonus`` if core to it, ``named_bonus``
  if it belongs to the job the person names, less
  ``savoir_penalty`` for a savoir), and the best ``per_segment`` of each referential are
  kept, a further one only within ``second_margin`` of the first;
* segments take their statements in rounds (strongest evidence first), each its best
  wording not yet taken by another segment of the experience, up to ``per_experience``
  statements per referential;
* *attested* when the segment's evidence and score (``evidence + structure_weight *
  support``, the scale of ``Fused.score``) clear ``MatchingConfig.attested_evidence`` and
  ``attested_score`` (the thresholds coverage uses: the narrative measures count
  statements, not this split, so they are not tuned here), *to confirm* otherwise. A
  segment with no candidate states nothing.

Thresholds and budgets live in :class:`ActivityConfig`; they were set on the training
narratives (``scripts/tune_matching.py``), never on ``recits-dev``. ``analyse`` decides this
way; coverage and suggestions judge each statement of a chosen target on its own evidence
(:mod:`habilitant.coverage`), with the thresholds of ``MatchingConfig``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from habilitant.matching.fusion import MatchingConfig
from habilitant.matching.ranking import Ranking


@dataclass(frozen=True)
class ActivityConfig:
    """The per-activity decision: its thresholds (on the evidence and score scales of
    :class:`~habilitant.matching.fusion.Fused`) and how many statements an activity and an
    experience may give, per referential. Set on the training narratives
    (``scripts/tune_matching.py``), never on recits-dev."""

    per_segment: int = 1
    per_experience: int = 16
    confirm_evidence: float = 0.08
    confirm_score: float = 0.18
    # A statement of the job the narrative names (« j'étais aide-soignante ») needs less
    # evidence to be put *to confirm*; never enough to attest.
    named_confirm_evidence: float = 0.03
    # In the context of an experience: the support of the statement's best group (its
    # posterior x link weight, up to 2 for a core link) reaches ``context_support``; out of
    # context, only evidence of at least ``strong_evidence`` states it.
    context_support: float = 0.9
    strong_evidence: float = 0.12
    # Within one segment, statements are ranked by evidence + ``segment_structure_weight`` x
    # support (capped at 1) + ``core_bonus`` for a core statement (ROME « Principale »)
    # - ``savoir_penalty`` for a savoir: a person tells tasks, a knowledge is their second
    # wording.
    segment_structure_weight: float = 0.2
    core_bonus: float = 0.02
    # ... plus ``named_bonus`` for a statement of the job the person names.
    named_bonus: float = 0.02
    savoir_penalty: float = 0.02
    # A segment's second (third...) statement only within this margin of its first.
    second_margin: float = 0.02
    # What a statement shows: its best segment, then segments of the same experience within
    # ``quote_margin`` of it (at most ``max_quotes`` in all); at most ``max_fiche_parents``
    # fiches, those the narrative supports best.
    quote_margin: float = 0.03
    max_quotes: int = 3
    max_fiche_parents: int = 3


@dataclass(frozen=True)
class StatementSpace:
    """Per index entry, what the decision needs besides the ranking."""

    referentiel: np.ndarray  # int: the referential (budgets apply per referential)
    wording: np.ndarray  # int: the wording within its referential (stated once)
    savoir: np.ndarray  # bool: a savoir (knowledge), ranked after a task of the same evidence


@dataclass(frozen=True)
class Choice:
    """One statement chosen for one segment."""

    position: int  # index entry
    segment: int  # the segment it answers (its best evidence)
    attested: bool
    score: float  # the segment's evidence + structure support
    evidence: float  # the segment's evidence alone


def segment_candidates(
    ranking: Ranking,
    experience: int,
    segment: int,
    eligible: np.ndarray,
    space: StatementSpace,
    decision: ActivityConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positions of the statements segment ``segment`` may state, best first, with their
    evidence in that segment, their score (``evidence + structure_weight * support``, the
    scale of :attr:`Fused.score`) and the key they were ranked by (see the module's
    docstring)."""
    structure_weight = ranking.config.structure_weight
    fused = ranking.experiences[experience]
    support = fused.support if fused.support is not None else np.zeros_like(fused.score)
    named = np.zeros(support.shape, dtype=bool) if fused.named is None else fused.named
    evidence = ranking.segment_evidence(segment)
    floor = (evidence >= decision.confirm_evidence) | (
        named & (evidence >= decision.named_confirm_evidence)
    )
    context = (support >= decision.context_support) | (evidence >= decision.strong_evidence)
    positions = np.flatnonzero(eligible & floor & context)
    score = evidence[positions] + np.float32(structure_weight) * support[positions]
    positions, score = (
        positions[score >= decision.confirm_score],
        score[score >= decision.confirm_score],
    )
    evidence, support, named = evidence[positions], support[positions], named[positions]
    key = (
        evidence
        + np.float32(decision.segment_structure_weight) * np.minimum(support, 1.0)
        + np.float32(decision.core_bonus) * (support > 1.0)
        + np.float32(decision.named_bonus) * named
        - np.float32(decision.savoir_penalty) * space.savoir[positions]
    )
    order = np.argsort(-key, kind="stable")
    return positions[order], evidence[order], score[order], key[order]


def choose(
    ranking: Ranking,
    eligible: np.ndarray,
    space: StatementSpace,
    decision: ActivityConfig | None = None,
) -> list[Choice]:
    """The statements of a narrative, chosen activity by activity, among the entries
    ``eligible`` (bool over entries) marks.

    Within an experience, segments take their statements in rounds: each segment its best
    wording not yet taken by another segment (segments with the strongest evidence first),
    then each its second one, and so on, until ``per_segment`` rounds or the experience's
    budget: « rebouchage » and « ponçage » do not both stop at « Préparer la peinture »."""
    if ranking.fused is None:
        return []
    decision = decision or ActivityConfig()
    best: dict[int, Choice] = {}  # wording key -> its best choice over all experiences
    for experience, rows in enumerate(ranking.members):
        found = {
            s: segment_candidates(ranking, experience, s, eligible, space, decision) for s in rows
        }
        groups, keys = space.referentiel, space.wording
        for group in np.unique(groups[eligible]).tolist():
            candidates = {}
            for segment, (positions, evidence, score, key) in found.items():
                mine = groups[positions] == group
                candidates[segment] = (positions[mine], evidence[mine], score[mine], key[mine])
            for choice in _rounds(candidates, keys, decision, ranking.config):
                wording = int(keys[choice.position])
                known = best.get(wording)
                if known is None or choice.score > known.score:
                    best[wording] = choice
    return list(best.values())


def _rounds(
    candidates: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    keys: np.ndarray,
    decision: ActivityConfig,
    config: MatchingConfig,
) -> list[Choice]:
    """One experience, one referential: each segment its best wording not yet taken, round
    after round (see :func:`choose`)."""
    order = sorted(
        (s for s in candidates if candidates[s][0].size), key=lambda s: -float(candidates[s][3][0])
    )
    taken: set[int] = set()
    cursor = dict.fromkeys(order, 0)
    out: list[Choice] = []
    for round_ in range(decision.per_segment):
        for segment in order:
            positions, evidence, score, key = candidates[segment]
            while cursor[segment] < positions.size and len(out) < decision.per_experience:
                n = cursor[segment]
                cursor[segment] += 1
                position = int(positions[n])
                if round_ and key[n] < key[0] - decision.second_margin:
                    cursor[segment] = positions.size  # the rest is further still
                    break
                if int(keys[position]) in taken:
                    continue
                taken.add(int(keys[position]))
                e, s = float(evidence[n]), float(score[n])
                attested = e >= config.attested_evidence and s >= config.attested_score
                out.append(Choice(position, segment, attested, s, e))
                break
    return out
