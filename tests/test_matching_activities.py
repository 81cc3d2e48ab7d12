"""The per-activity decision (``matching.activities.choose``) on hand-made rankings."""

from __future__ import annotations

import dataclasses

import numpy as np

from habilitant.domain import Segment
from habilitant.matching.activities import ActivityConfig, StatementSpace, choose
from habilitant.matching.fusion import Fused, MatchingConfig
from habilitant.matching.ranking import Ranking

CONFIG = MatchingConfig(
    lexical_weight=0.0, structure_weight=0.1, attested_evidence=0.1, attested_score=0.2
)
DECISION = ActivityConfig(
    confirm_evidence=0.06,
    confirm_score=0.1,
    context_support=0.5,
    strong_evidence=0.14,
    named_confirm_evidence=0.04,
    segment_structure_weight=0.1,
    core_bonus=0.0,
    savoir_penalty=0.0,
    second_margin=1.0,
)


def _ranking(
    evidence: list[list[float]],
    support: list[float],
    experiences: list[int] | None = None,
    named: list[bool] | None = None,
) -> Ranking:
    """A ranking whose segments have exactly ``evidence`` (offsets 0, no lexical part), and
    whose every experience has the same ``support`` per entry."""
    dense = np.array(evidence, dtype=np.float32)
    experiences = experiences or [0] * len(evidence)
    segments = tuple(
        Segment(f"s{n}", 3 * n, 3 * n + 2, experience=e) for n, e in enumerate(experiences)
    )
    members: dict[int, list[int]] = {}
    for n, e in enumerate(experiences):
        members.setdefault(e, []).append(n)
    supports = np.array(support, dtype=np.float32)
    fused = Fused(
        dense.max(axis=0),
        dense.argmax(axis=0),
        dense.max(axis=0) + 0.1 * supports,
        np.zeros(1),
        np.zeros(1),
        None if named is None else np.array(named),
        supports,
    )
    return Ranking(
        segments,
        CONFIG,
        fused,
        tuple(fused for _ in members),
        tuple(tuple(rows) for rows in members.values()),
        dense,
        np.zeros(len(evidence), dtype=np.float32),
        None,
    )


def _chosen(ranking: Ranking, sizes: tuple[int, int], keys: list[int] | None = None) -> dict:
    entries = ranking.dense.shape[1]
    eligible = np.ones(entries, dtype=bool)
    space = StatementSpace(
        np.zeros(entries, dtype=np.int64),
        np.arange(entries) if keys is None else np.array(keys),
        np.zeros(entries, dtype=bool),
    )
    decision = dataclasses.replace(DECISION, per_segment=sizes[0], per_experience=sizes[1])
    return {c.position: (c.segment, c.attested) for c in choose(ranking, eligible, space, decision)}


def test_every_segment_gets_its_best_statement_in_context() -> None:
    # Entries 0-3 are in the experience's fiche (support 1), entry 4 is not (support 0).
    ranking = _ranking(
        [
            [0.20, 0.08, 0.00, 0.00, 0.12],  # s0: entry 0 (strong); entry 4 out of context
            [0.02, 0.07, 0.00, 0.00, 0.00],  # s1: entry 1 only (weak: to confirm)
            [0.00, 0.00, 0.03, 0.02, 0.00],  # s2: nothing above the floor: says nothing
        ],
        support=[1, 1, 1, 1, 0],
    )
    chosen = _chosen(ranking, (1, 10))
    assert chosen == {0: (0, True), 1: (1, False)}


def test_out_of_context_needs_strong_evidence() -> None:
    ranking = _ranking([[0.00, 0.15, 0.13]], support=[1, 0, 0])
    chosen = _chosen(ranking, (3, 10))
    assert set(chosen) == {1}  # 0.15 >= strong_evidence; 0.13 is not, out of its fiche


def test_the_experience_budget_keeps_each_segment_first() -> None:
    ranking = _ranking(
        [
            [0.30, 0.29, 0.28, 0.00],
            [0.00, 0.00, 0.00, 0.07],
        ],
        support=[1, 1, 1, 1],
    )
    chosen = _chosen(ranking, (3, 2))
    # s0's best (0) and s1's only one (3) before s0's second and third.
    assert set(chosen) == {0, 3}


def test_a_wording_is_stated_once_by_its_best_segment() -> None:
    ranking = _ranking(
        [[0.12, 0.00], [0.00, 0.20]],
        support=[1, 1],
        experiences=[0, 1],
    )
    chosen = _chosen(ranking, (1, 5), keys=[7, 7])
    assert chosen == {1: (1, True)}


def test_the_named_job_lowers_the_floor_to_confirm_only() -> None:
    ranking = _ranking([[0.05, 0.05]], support=[1, 1], named=[True, False])
    chosen = _chosen(ranking, (2, 5))
    assert chosen == {0: (0, False)}


def test_no_segment_no_statement() -> None:
    empty = Ranking(
        (), CONFIG, None, (), (), np.zeros((0, 3), np.float32), np.zeros(0, np.float32), None
    )
    assert _chosen(empty, (1, 1)) == {}


def test_a_second_statement_only_close_to_the_first() -> None:
    ranking = _ranking([[0.20, 0.19, 0.12]], support=[1, 1, 1])
    close = dataclasses.replace(DECISION, per_segment=3, per_experience=5, second_margin=0.02)
    eligible, space = (
        np.ones(3, dtype=bool),
        StatementSpace(np.zeros(3, dtype=np.int64), np.arange(3), np.zeros(3, dtype=bool)),
    )
    assert {c.position for c in choose(ranking, eligible, space, close)} == {0, 1}
