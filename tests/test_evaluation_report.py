"""Reciprocal rank fusion, checked by hand."""

from __future__ import annotations

import numpy as np

from habilitant.evaluation.report import reciprocal_rank_fusion


def test_reciprocal_rank_fusion_by_hand() -> None:
    a = np.array([[0.9, 0.5, 0.1]])  # ranks 1, 2, 3
    b = np.array([[0.2, 0.8, 0.1]])  # ranks 2, 1, 3
    fused = reciprocal_rank_fusion(a, b, k=1)
    # doc0: 1/2 + 1/3, doc1: 1/3 + 1/2, doc2: 1/4 + 1/4
    assert np.allclose(fused, [[5 / 6, 5 / 6, 0.5]])
    assert fused[0, 2] < fused[0, 0]


def test_the_offers_table_says_when_nothing_was_learned() -> None:
    from habilitant.evaluation.report import offers_table

    row = {"recall@10": 0.27, "mrr": 0.34, "fiche_acc@1": 0.62, "fiche_acc@5": 0.9}
    plain = {"dataset": "dev", "n": 68, "systems": {"habilitant": row}}
    assert "Prédiction de fiche et classement appris : absents" in offers_table(plain)
    learned = {**plain, "systems": {"habilitant": row, "habilitant, matcher only": row}}
    assert "absents" not in offers_table(learned)
