"""Which words of the narrative back a statement (``statements.evidence_for``)."""

from __future__ import annotations

import numpy as np

from habilitant.domain import Segment
from habilitant.matching.fusion import MatchingConfig
from habilitant.matching.ranking import Ranking
from habilitant.statements import evidence_for

TEXT = "Vendeuse chez Kiabi : je conseillais les clientes, je faisais la caisse."
SEGMENTS = [
    Segment("Vendeuse", 0, 8),
    Segment("je conseillais les clientes", 22, 49),
    Segment("je faisais la caisse", 51, 71),
]


def _ranking(dense: np.ndarray, offsets: np.ndarray, segments=SEGMENTS) -> Ranking:  # type: ignore[no-untyped-def]
    members = {}
    for n, segment in enumerate(segments):
        members.setdefault(segment.experience, []).append(n)
    rows = tuple(tuple(m) for m in members.values())
    return Ranking(tuple(segments), MatchingConfig(), None, (), rows, dense, offsets, None)


def test_evidence_is_judged_on_the_centred_scale() -> None:
    # Raw cosines of the three segments with « Clôturer une caisse »: the two others are
    # within the margin of the best one, but they are close to every statement (offsets).
    dense = np.array([[0.86], [0.85], [0.87]], dtype=np.float32)
    offsets = np.array([0.82, 0.80, 0.74], dtype=np.float32)  # centred: 0.04, 0.05, 0.13
    quotes = evidence_for(_ranking(dense, offsets), 0, 2, floor=0.06)
    assert [q.text for q in quotes] == ["je faisais la caisse"]
    assert all(TEXT[q.start : q.end] == q.text for q in quotes)


def test_evidence_keeps_other_segments_close_to_the_best_in_text_order() -> None:
    dense = np.array([[0.80], [0.86], [0.87]], dtype=np.float32)
    offsets = np.array([0.75, 0.74, 0.74], dtype=np.float32)  # centred: 0.05, 0.12, 0.13
    quotes = evidence_for(_ranking(dense, offsets), 0, 2, floor=0.06)
    assert [q.text for q in quotes] == ["je conseillais les clientes", "je faisais la caisse"]


def test_evidence_never_quotes_another_experience() -> None:
    segments = [*SEGMENTS[:2], Segment("je faisais la caisse", 51, 71, experience=1)]
    dense = np.array([[0.80], [0.86], [0.87]], dtype=np.float32)
    offsets = np.array([0.75, 0.74, 0.74], dtype=np.float32)
    quotes = evidence_for(_ranking(dense, offsets, segments), 0, 1, floor=0.06)
    assert [q.text for q in quotes] == ["je conseillais les clientes"]
