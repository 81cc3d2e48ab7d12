"""Ranking metrics: values computed by hand on small fixed rankings."""

from __future__ import annotations

import pytest

from habilitant.evaluation.metrics import (
    accuracy_at_k,
    average_precision,
    hit_at_k,
    precision_at_k,
    r_precision,
    r_precision_at_k,
    recall_at_k,
    reciprocal_rank,
    summarize,
)

# Query 1: ranked a, b, c, d; relevant b (rank 2) and d (rank 4); e is never ranked.
RANKED = ["a", "b", "c", "d"]
GOLD = {"b", "d", "e"}


def test_metrics_recall_counts_hits_over_all_gold() -> None:
    assert recall_at_k(RANKED, GOLD, 1) == 0.0  # a only
    assert recall_at_k(RANKED, GOLD, 2) == pytest.approx(1 / 3)  # b of {b, d, e}
    assert recall_at_k(RANKED, GOLD, 4) == pytest.approx(2 / 3)  # b, d
    assert recall_at_k(RANKED, GOLD, 100) == pytest.approx(2 / 3)  # e never ranked


def test_metrics_r_precision_divides_by_min_of_k_and_gold() -> None:
    assert r_precision_at_k(RANKED, GOLD, 2) == pytest.approx(1 / 2)  # 1 hit / min(2, 3)
    assert r_precision_at_k(RANKED, GOLD, 4) == pytest.approx(2 / 3)  # 2 hits / min(4, 3)
    assert r_precision_at_k(["x", "b"], {"b"}, 5) == 1.0  # 1 hit / min(5, 1)
    # trec_eval Rprec: precision at R = 3 -> only b among a, b, c.
    assert r_precision(RANKED, GOLD) == pytest.approx(1 / 3)


def test_metrics_precision_divides_by_k_even_past_the_list() -> None:
    assert precision_at_k(RANKED, GOLD, 4) == pytest.approx(2 / 4)
    assert precision_at_k(RANKED, GOLD, 10) == pytest.approx(2 / 10)


def test_metrics_reciprocal_rank_is_one_over_first_relevant_rank() -> None:
    assert reciprocal_rank(RANKED, GOLD) == pytest.approx(1 / 2)
    assert reciprocal_rank(["a", "c"], GOLD) == 0.0
    assert reciprocal_rank([], GOLD) == 0.0


def test_metrics_average_precision_averages_precision_at_each_gold() -> None:
    # b at rank 2: P = 1/2; d at rank 4: P = 2/4; e missing: 0. AP = (1/2 + 1/2) / 3.
    assert average_precision(RANKED, GOLD) == pytest.approx(1 / 3)
    assert average_precision(["b", "d"], {"b", "d"}) == 1.0
    assert average_precision(RANKED, set()) == 0.0


def test_metrics_repeated_id_counts_once() -> None:
    ranked = ["b", "b", "d"]
    gold = {"b", "d"}
    assert recall_at_k(ranked, gold, 2) == pytest.approx(1 / 2)  # the second b is no hit
    # b at rank 1: P = 1/1; d at rank 3: P = 2/3. AP = (1 + 2/3) / 2 = 5/6.
    assert average_precision(ranked, gold) == pytest.approx(5 / 6)


def test_metrics_accuracy_and_hit_at_k() -> None:
    assert accuracy_at_k(["K1201", "K1202"], "K1202", 1) == 0.0
    assert accuracy_at_k(["K1201", "K1202"], "K1202", 2) == 1.0
    assert hit_at_k(RANKED, GOLD, 1) == 0.0
    assert hit_at_k(RANKED, GOLD, 2) == 1.0


def test_metrics_refuse_non_positive_k() -> None:
    with pytest.raises(ValueError, match="positive"):
        recall_at_k(RANKED, GOLD, 0)


def test_metrics_summarize_macro_averages_and_skips_empty_gold() -> None:
    rankings = [
        (RANKED, GOLD),  # recall@2 1/3, rp@2 1/2, recall@5 2/3, rp@5 2/3, RR 1/2, AP 1/3
        (["x", "y"], {"x"}),  # every metric 1
        (["a"], set()),  # no gold: skipped
    ]
    summary = summarize(rankings, ks=(2, 5))
    assert summary["n"] == 2
    assert summary["recall@2"] == pytest.approx((1 / 3 + 1) / 2)  # 2/3
    assert summary["rp@2"] == pytest.approx((1 / 2 + 1) / 2)  # 3/4
    assert summary["recall@5"] == pytest.approx((2 / 3 + 1) / 2)  # 5/6
    assert summary["rp@5"] == pytest.approx((2 / 3 + 1) / 2)  # 5/6
    assert summary["mrr"] == pytest.approx((1 / 2 + 1) / 2)  # 3/4
    assert summary["map"] == pytest.approx((1 / 3 + 1) / 2)  # 2/3


def test_metrics_summarize_default_keys_and_empty_input() -> None:
    summary = summarize([])
    assert set(summary) == {
        "recall@5",
        "recall@10",
        "recall@20",
        "rp@5",
        "rp@10",
        "rp@20",
        "mrr",
        "map",
        "n",
    }
    assert summary["n"] == 0 and summary["mrr"] == 0.0
