"""Coverage of a target, bloc by bloc: which statements the narratives cover, which they cover
partly, which are missing; the ratio per bloc and overall; the blocs ready for a partial VAE.

A target is chosen by the accompagnateur, so each of its statements is judged on the evidence
for it (best segment: centred cosine + lexical overlap, as in ``analyse``), against floors set
on the dev split (``scripts/bench_coverage.py``, section 1): *covered* when ``analyse`` would
attest it or its evidence clears ``covered_evidence``; *partial* when ``analyse`` would ask to
confirm it or its evidence clears ``partial_evidence`` (weak or indirect evidence); *missing*
otherwise. Several narratives of one person accumulate: each statement keeps its best status
and the quotes of every narrative that supports it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from habilitant.domain import (
    BlocCoverage,
    CompetenceCoverage,
    Coverage,
    CoverageStatus,
    Credit,
    Quote,
    Target,
)
from habilitant.matching.fusion import Fused, MatchingConfig, decide_all
from habilitant.matching.ranking import Ranking
from habilitant.statements import evidence_for

COVERED, PARTIAL, MISSING = 2, 1, 0
STATUS_NAMES: dict[int, CoverageStatus] = {
    COVERED: "covered",
    PARTIAL: "partial",
    MISSING: "missing",
}
STATUS_RANK = {name: code for code, name in STATUS_NAMES.items()}


@dataclass(frozen=True)
class CoverageConfig:
    covered_evidence: float = 0.08
    partial_evidence: float = 0.05
    partial_weight: float = 0.5  # a partial statement counts half in a ratio
    ready_ratio: float = 0.75  # a bloc at or above this ratio looks ready for a partial VAE
    # Suggestions (habilitant.suggest): the weight of the matcher's score of a row's group
    # (chosen on the dev offers with scripts/bench_coverage.py --sweep), and of the mean
    # evidence, which only orders equal ratios.
    suggest_group_weight: float = 8.0
    suggest_tie_weight: float = 0.1
    # The quotes of a credited competence, chosen as a statement's are (per narrative; the
    # merge of several narratives keeps ``max_quotes`` per narrative).
    quote_margin: float = 0.03
    max_quotes: int = 3


def entry_statuses(
    fused: Fused, config: MatchingConfig, coverage: CoverageConfig | None = None
) -> np.ndarray:
    """Per index entry: COVERED, PARTIAL or MISSING (int8)."""
    coverage = coverage or CoverageConfig()
    attested, confirm = decide_all(fused.evidence, fused.score, config, fused.named)
    out = np.full(fused.score.shape, MISSING, dtype=np.int8)
    out[confirm | (fused.evidence >= coverage.partial_evidence)] = PARTIAL
    out[attested | (fused.evidence >= coverage.covered_evidence)] = COVERED
    return out


def credits_from_ranking(
    positions: Mapping[str, int],
    ranking: Ranking,
    narrative: int = 0,
    coverage: CoverageConfig | None = None,
) -> dict[str, Credit]:
    """Credits of the entries at ``positions`` (competence id -> index position)."""
    fused = ranking.fused
    if not positions or fused is None:
        return {}
    columns = np.fromiter(positions.values(), dtype=np.int64, count=len(positions))
    statuses = entry_statuses(fused, ranking.config, coverage)[columns]
    config = coverage or CoverageConfig()
    floor = config.partial_evidence
    out: dict[str, Credit] = {}
    for (competence_id, position), status in zip(positions.items(), statuses, strict=True):
        if status == MISSING:
            continue
        best = int(fused.best_segment[position])
        quotes = tuple(
            Quote(e.start, e.end, e.text, narrative)
            for e in evidence_for(
                ranking, position, best, floor, margin=config.quote_margin, limit=config.max_quotes
            )
        )
        out[competence_id] = Credit(
            STATUS_NAMES[int(status)], round(float(fused.score[position]), 4), quotes
        )
    return out


def merge_credits(
    credits: Sequence[Mapping[str, Credit]], config: CoverageConfig | None = None
) -> dict[str, Credit]:
    """Credits of several narratives of one person: best status, best score, all quotes (up
    to ``max_quotes`` per narrative)."""
    max_quotes = (config or CoverageConfig()).max_quotes
    out: dict[str, Credit] = {}
    for batch in credits:
        for competence_id, credit in batch.items():
            known = out.get(competence_id)
            if known is None:
                out[competence_id] = credit
                continue
            best = max(known, credit, key=lambda c: (STATUS_RANK[c.status], c.score))
            quotes = tuple(dict.fromkeys(best.quotes + known.quotes + credit.quotes))
            out[competence_id] = Credit(best.status, max(known.score, credit.score), quotes)
    return {
        key: Credit(c.status, c.score, c.quotes[: max_quotes * max(1, len(credits))])
        for key, c in out.items()
    }


def ratio(statuses: Sequence[str], config: CoverageConfig = CoverageConfig()) -> float:
    """Share of statements covered, partial ones counting ``partial_weight``."""
    if not statuses:
        return 0.0
    covered = sum(1 for s in statuses if s == "covered")
    partial = sum(1 for s in statuses if s == "partial")
    return round((covered + config.partial_weight * partial) / len(statuses), 4)


def assess(
    target: Target,
    credits: Mapping[str, Credit],
    *,
    narratives: int = 1,
    config: CoverageConfig = CoverageConfig(),
    warnings: Sequence[str] = (),
) -> Coverage:
    """The coverage of ``target`` given what the narratives say (``credits`` by competence id)."""
    blocs = []
    for bloc in target.blocs:
        competences = []
        for item in bloc.items:
            credit = credits.get(item.competence_id)
            competences.append(
                CompetenceCoverage(
                    item.competence_id,
                    item.libelle,
                    credit.status if credit else "missing",
                    credit.score if credit else 0.0,
                    credit.quotes if credit else (),
                )
            )
        bloc_ratio = ratio([c.status for c in competences], config)
        blocs.append(
            BlocCoverage(
                bloc.code,
                bloc.libelle,
                bloc_ratio,
                bool(competences) and bloc_ratio >= config.ready_ratio,
                tuple(competences),
            )
        )
    every = [c for b in blocs for c in b.competences]
    gaps = tuple(c for c in every if c.status == "missing")
    return Coverage(
        target,
        ratio([c.status for c in every], config),
        tuple(blocs),
        gaps,
        narratives,
        tuple(target.notes) + tuple(warnings),
    )
