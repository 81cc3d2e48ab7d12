"""Coverage of a target from credits: statuses, ratios, readiness, gaps, accumulation."""

from __future__ import annotations

import numpy as np
import pytest

from habilitant.coverage import (
    COVERED,
    MISSING,
    PARTIAL,
    CoverageConfig,
    assess,
    entry_statuses,
    merge_credits,
    ratio,
)
from habilitant.domain import Credit, Quote, Target, TargetBloc, TargetItem
from habilitant.matching.fusion import Fused, MatchingConfig


def _target() -> Target:
    return Target(
        code="RNCP0001",
        libelle="Titre d'essai",
        referentiel="rncp",
        kind="certification",
        depth="competences",
        blocs=(
            TargetBloc("BC01", "Accueillir", (TargetItem("a", "A"), TargetItem("b", "B"))),
            TargetBloc(
                "BC02",
                "Vendre",
                (TargetItem("c", "C"), TargetItem("d", "D"), TargetItem("e", "E")),
            ),
        ),
        notes=("Note de la cible.",),
    )


def test_coverage_statuses_ratios_readiness_and_gaps() -> None:
    credits = {
        "a": Credit("covered", 0.4, (Quote(0, 5, "caisse"),)),
        "b": Credit("partial", 0.2),
        "c": Credit("covered", 0.3),
    }
    coverage = assess(_target(), credits, config=CoverageConfig(ready_ratio=0.75))
    bc01, bc02 = coverage.blocs
    assert [c.status for c in bc01.competences] == ["covered", "partial"]
    assert [c.status for c in bc02.competences] == ["covered", "missing", "missing"]
    assert bc01.coverage_ratio == 0.75  # (1 + 0.5) / 2
    assert bc02.coverage_ratio == pytest.approx(1 / 3, abs=1e-4)
    assert bc01.ready_for_vae and not bc02.ready_for_vae
    assert coverage.coverage_ratio == 0.5  # (2 + 0.5) / 5
    assert [g.competence_id for g in coverage.gaps] == ["d", "e"]
    assert bc01.competences[0].quotes == (Quote(0, 5, "caisse"),)
    assert coverage.warnings == ("Note de la cible.",)


def test_coverage_of_unrelated_narrative_is_zero_everywhere() -> None:
    coverage = assess(_target(), {})
    assert coverage.coverage_ratio == 0.0
    assert all(not b.ready_for_vae for b in coverage.blocs)
    assert len(coverage.gaps) == 5


def test_coverage_ratio_counts_partial_as_configured() -> None:
    assert ratio(["covered", "partial", "missing", "missing"]) == 0.375
    assert ratio(["partial"], CoverageConfig(partial_weight=0.0)) == 0.0
    assert ratio([]) == 0.0


def test_coverage_merge_keeps_best_status_and_quotes_of_every_narrative() -> None:
    first = {"a": Credit("partial", 0.2, (Quote(0, 4, "vente", 0),))}
    second = {
        "a": Credit("covered", 0.35, (Quote(10, 20, "encaissement", 1),)),
        "b": Credit("partial", 0.1, (Quote(1, 3, "xx", 1),)),
    }
    merged = merge_credits([first, second])
    assert merged["a"].status == "covered" and merged["a"].score == 0.35
    assert {q.narrative for q in merged["a"].quotes} == {0, 1}
    assert merged["b"].status == "partial"
    # A later weaker narrative never lowers a status.
    again = merge_credits([second, {"a": Credit("partial", 0.05)}])
    assert again["a"].status == "covered"


def test_coverage_entry_statuses_follow_the_analysis_decision_and_floors() -> None:
    config = MatchingConfig()
    evidence = np.array([0.12, 0.09, 0.05, 0.07, 0.01], dtype=np.float32)
    score = np.array([0.40, 0.10, 0.10, 0.25, 0.50], dtype=np.float32)
    fused = Fused(evidence, np.zeros(5, dtype=np.int64), score, np.zeros(0), np.zeros(0))
    statuses = entry_statuses(fused, config, CoverageConfig(covered_evidence=0.08))
    # attested; evidence over the covered floor; partial floor; partial floor; none
    assert statuses.tolist() == [COVERED, COVERED, PARTIAL, PARTIAL, MISSING]
    # With floors above the analysis thresholds, the analysis decision is what decides.
    high = CoverageConfig(covered_evidence=0.5, partial_evidence=0.4)
    assert entry_statuses(fused, config, high).tolist() == [
        COVERED,  # attested by analyse (evidence 0.12, score 0.40)
        MISSING,  # evidence 0.09 but score 0.10: analyse says nothing
        MISSING,
        PARTIAL,  # to confirm by analyse (evidence 0.07, score 0.25)
        MISSING,
    ]
