"""Matches -> statements: the referential's exact wording, its place, the evidence, a decision.

Never generated text: ``libelle`` is the index entry's wording, copied. Which statements a
narrative gives is decided activity by activity (:mod:`habilitant.matching.activities`);
here they are worded, placed, quoted, grouped by referential and sorted (attested first,
then by score).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from habilitant.domain import Evidence, Parent, Statement
from habilitant.index_entries import IndexEntry
from habilitant.matching.activities import ActivityConfig, choose
from habilitant.matching.fusion import Fused
from habilitant.matching.ranking import Ranking
from habilitant.matching.structure import Structure

if TYPE_CHECKING:
    from habilitant.matching.matcher import Matcher

__all__ = ["ActivityConfig", "build_statements", "evidence_for"]


def evidence_for(
    ranking: Ranking,
    position: int,
    best: int,
    floor: float,
    *,
    margin: float = ActivityConfig.quote_margin,
    limit: int = ActivityConfig.max_quotes,
) -> tuple[Evidence, ...]:
    """The segments supporting entry ``position``: ``best``, then those of the same
    experience within ``margin`` of it and above ``floor`` (at most ``limit``), in text
    order. Both on the evidence's scale: the raw similarity
    less each segment's mean similarity (a segment that is close to everything, « Aide à
    domicile pendant 5 ans », is no evidence of each thing). Another job's words never back
    a statement: the statement was decided in the best segment's experience."""
    segments = ranking.segments
    column = ranking.dense[:, position] - ranking.offsets
    experience = segments[best].experience
    order = [best] + [
        int(j)
        for j in np.argsort(-column)
        if int(j) != best
        and segments[int(j)].experience == experience
        and column[j] >= max(floor, column[best] - margin)
    ]
    spans = sorted({(segments[j].start, segments[j].end) for j in order[:limit]})
    by_span = {(s.start, s.end): s for s in segments}
    return tuple(Evidence(start, end, by_span[(start, end)].text) for start, end in spans)


def _parents(
    entry: IndexEntry, fused: Fused, structure: Structure, limit: int
) -> tuple[Parent, ...]:
    """Parents to show: all but fiches, then the ``limit`` fiches the narrative supports
    best."""
    others = [p for p in entry.parents if p.kind != "fiche"]
    fiches = [p for p in entry.parents if p.kind == "fiche"]
    if len(fiches) > limit:

        def posterior(parent: Parent) -> float:
            row = structure.group_position.get((entry.referentiel, "fiche", parent.code))
            return float(fused.group_posterior[row]) if row is not None else 0.0

        fiches = sorted(fiches, key=posterior, reverse=True)[:limit]
    return tuple(others + fiches)


def build_statements(
    ranking: Ranking,
    matcher: Matcher,
    allowed: np.ndarray,
    decision: ActivityConfig | None = None,
    referentiel_order: Sequence[str] = (),
) -> tuple[Statement, ...]:
    """Statements for the entries in ``allowed`` (bool mask), chosen activity by activity."""
    if ranking.fused is None:
        return ()
    structure = matcher.structure
    shown = decision or ActivityConfig()
    eligible = allowed & structure.statement_mask
    choices = choose(ranking, eligible, matcher.statement_space, decision)
    per_referentiel: dict[str, list[Statement]] = {}
    for choice in choices:
        entry = matcher.entries[choice.position]
        per_referentiel.setdefault(entry.referentiel, []).append(
            Statement(
                competence_id=entry.id,
                code=entry.code,
                referentiel=entry.referentiel,
                libelle=entry.libelle,
                kind=entry.kind,
                decision="attested" if choice.attested else "to_confirm",
                score=round(choice.score, 4),
                parents=_parents(entry, ranking.fused, structure, shown.max_fiche_parents),
                evidence=evidence_for(
                    ranking,
                    choice.position,
                    choice.segment,
                    ranking.config.confirm_evidence,
                    margin=shown.quote_margin,
                    limit=shown.max_quotes,
                ),
            )
        )
    order = {name: i for i, name in enumerate(referentiel_order)}
    out: list[Statement] = []
    for name in sorted(per_referentiel, key=lambda n: order.get(n, len(order))):
        out.extend(
            sorted(
                per_referentiel[name],
                key=lambda s: (s.decision != "attested", -s.score, s.libelle),
            )
        )
    return tuple(out)
