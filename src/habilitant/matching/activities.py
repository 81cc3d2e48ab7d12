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
* they are ranked by the segment's score, ``evidence + structure_weight * support``, and the
  best ``per_segment`` of each referential are kept (the same wording once);
* an experience keeps at most ``per_experience`` statements per referential: every
  segment's best first, then the second ones, by score;
* *attested* when the segment's evidence and score clear ``attested_evidence`` and
  ``attested_score``, *to confirm* otherwise. A segment with no candidate states nothing.

Thresholds live in :class:`~habilitant.matching.fusion.MatchingConfig` and were set on the
training narratives (``scripts/tune_matching.py --narratives``), never on ``recits-dev``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from habilitant.matching.ranking import Ranking


@dataclass(frozen=True)
class StatementLimits:
    """How many statements an activity and an experience may give, per referential."""

    per_segment: int = 2
    per_experience: int = 12


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
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of the statements segment ``segment`` may state (best first), with their
    evidence and score in that segment (see the module's docstring)."""
    config = ranking.config
    fused = ranking.experiences[experience]
    support = fused.support if fused.support is not None else np.zeros_like(fused.score)
    evidence = ranking.segment_evidence(segment)
    floor = evidence >= config.confirm_evidence
    if fused.named is not None:
        floor |= fused.named & (evidence >= config.named_confirm_evidence)
    score = evidence + np.float32(config.structure_weight) * support
    context = (support >= config.context_support) | (evidence >= config.strong_evidence)
    positions = np.flatnonzero(eligible & floor & context & (score >= config.confirm_score))
    order = np.argsort(-score[positions], kind="stable")
    positions = positions[order]
    return positions, evidence[positions], score[positions]


def choose(
    ranking: Ranking,
    eligible: np.ndarray,
    groups: np.ndarray,
    keys: np.ndarray,
    limits: StatementLimits | None = None,
) -> list[Choice]:
    """The statements of a narrative, chosen activity by activity.

    ``eligible`` (bool over entries) marks statements the caller allows; ``groups`` (int over
    entries) the referential each belongs to, within which budgets apply; ``keys`` (int over
    entries) identifies a wording within its referential, stated once."""
    if ranking.fused is None:
        return []
    limits = limits or StatementLimits()
    config = ranking.config
    best: dict[int, Choice] = {}  # wording key -> its best choice over all experiences
    for experience, rows in enumerate(ranking.members):
        picks: list[tuple[int, float, Choice]] = []  # (rank in its segment, -score, choice)
        for segment in rows:
            positions, evidence, score = segment_candidates(ranking, experience, segment, eligible)
            taken: dict[int, int] = {}  # referential -> statements taken for this segment
            seen: set[int] = set()
            rows_ = zip(positions.tolist(), evidence.tolist(), score.tolist(), strict=True)
            for position, e, s in rows_:
                group, key = int(groups[position]), int(keys[position])
                if key in seen or taken.get(group, 0) >= limits.per_segment:
                    continue
                seen.add(key)
                attested = e >= config.attested_evidence and s >= config.attested_score
                choice = Choice(position, segment, attested, s, e)
                picks.append((taken.get(group, 0), -s, choice))
                taken[group] = taken.get(group, 0) + 1
        kept: dict[int, int] = {}
        seen_here: set[int] = set()
        for _, _, choice in sorted(picks, key=lambda p: (p[0], p[1])):
            group, key = int(groups[choice.position]), int(keys[choice.position])
            if key in seen_here or kept.get(group, 0) >= limits.per_experience:
                continue
            seen_here.add(key)
            kept[group] = kept.get(group, 0) + 1
            known = best.get(key)
            if known is None or choice.score > known.score:
                best[key] = choice
    return list(best.values())
