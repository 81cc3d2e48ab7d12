"""MELO: loader, the trec_eval protocol on a handmade set, published baselines reproduced."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from habilitant.errors import InputError
from habilitant.evaluation.melo import (
    METRIC_NAMES,
    bm25_score_fn,
    edit_distance_scores,
    evaluate_melo,
    evaluate_scores,
    load_melo,
    published_results,
    trec_ranking,
)
from habilitant.matching.lexical import stem_tokens

CORPUS = ["Agent", "Agent", "Cuisinier", "Boulanger"]
QUERIES = ["Agente", "Cuisinière", "Sans réponse"]


def write_tiny(folder: Path, annotations: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "queries.tsv").write_text(
        "".join(f"Q{i:06d}\t{q}\n" for i, q in enumerate(QUERIES, 1)), encoding="utf-8"
    )
    (folder / "corpus_elements.tsv").write_text(
        "".join(f"C{i:06d}_fr_000\t{c}\n" for i, c in enumerate(CORPUS, 1)), encoding="utf-8"
    )
    (folder / "annotations.tsv").write_text(
        annotations
        or (
            "Q000001\t0\tC000001_fr_000\t1\n"
            "Q000002\t0\tC000003_fr_000\t1\n"
            "Q000002\t0\tC000004_fr_000\t1\n"
        )
    )
    return folder


@pytest.fixture()
def tiny(tmp_path: Path):
    return load_melo(write_tiny(tmp_path / "tiny"))


def test_melo_loads_queries_corpus_and_judgements(tiny) -> None:
    assert tiny.queries == tuple(QUERIES)
    assert tiny.corpus_ids[0] == "C000001_fr_000"
    assert tiny.n_judgements == 3
    assert tiny.relevant["Q000002"] == {"C000003_fr_000", "C000004_fr_000"}
    assert "Q000003" not in tiny.relevant
    assert tiny.concepts == ("",) * 4  # no concept_mapping.tsv here


def test_melo_metrics_follow_trec_eval_ties_and_rounding(tiny) -> None:
    scores = np.array(
        [
            # Q1: C1 and C2 tie; trec_eval puts the higher id first: C2, C1 -> RR 1/2.
            [0.5, 0.5, 0.1, 0.0],
            # Q2: 0.300001 / 0.300004 / 0.300002 all print as 0.30000 -> tie -> C4, C3, C1;
            # both relevant (C3, C4) at ranks 1 and 2.
            [0.300001, 0.2, 0.300004, 0.300002],
            # Q3 has no judgement: skipped like trec_eval does.
            [1.0, 0.0, 0.0, 0.0],
        ]
    )
    result = evaluate_scores(tiny, scores)
    assert result["n_queries"] == 2
    assert result["recip_rank"] == pytest.approx((1 / 2 + 1) / 2)
    assert result["success_1"] == pytest.approx((0 + 1) / 2)
    assert result["map"] == pytest.approx((1 / 2 + 1) / 2)  # Q1: 1/2 at rank 2; Q2: 1
    assert result["Rprec"] == pytest.approx((0 + 1) / 2)  # Q1: P@1 = 0; Q2: P@2 = 1
    assert result["P_5"] == pytest.approx((1 / 5 + 2 / 5) / 2)
    assert result["recall_5"] == 1.0
    assert set(METRIC_NAMES) <= set(result)


def test_melo_depth_cut_keeps_corpus_order_among_ties(tiny) -> None:
    # MELO keeps the top `depth` with a stable sort before trec_eval re-sorts: at depth 1,
    # C1 (first of the tied pair) is kept and C2 dropped, so Q1's RR becomes 1.
    assert trec_ranking(np.array([0.5, 0.5, 0.1, 0.0]), tiny.corpus_ids, depth=1) == [0]
    assert trec_ranking(np.array([0.5, 0.5, 0.1, 0.0]), tiny.corpus_ids) == [1, 0, 2, 3]
    scores = np.array([[0.5, 0.5, 0.1, 0.0], [0.3, 0.2, 0.4, 0.1], [0.0] * 4])
    assert evaluate_scores(tiny, scores, depth=1)["recip_rank"] == 1.0


def test_melo_evaluate_calls_score_fn_once_with_all_texts(tiny) -> None:
    calls = []

    def score_fn(queries: list[str], corpus: list[str]) -> np.ndarray:
        calls.append((queries, corpus))
        return edit_distance_scores(queries, corpus)

    result = evaluate_melo(tiny, score_fn)
    assert calls == [(QUERIES, CORPUS)]
    # "agente" is closest to the two "agent" (tie -> C2 first), "cuisinière" to "cuisinier".
    assert result["recip_rank"] == pytest.approx((1 / 2 + 1) / 2)


def test_melo_rejects_a_score_matrix_of_the_wrong_shape(tiny) -> None:
    with pytest.raises(ValueError, match="shape"):
        evaluate_scores(tiny, np.zeros((3, 5)))


def test_melo_unknown_annotated_id_names_the_line(tmp_path: Path) -> None:
    folder = write_tiny(tmp_path / "bad", "Q000001\t0\tC000001_fr_000\t1\nQ000001\t0\tC9\t1\n")
    with pytest.raises(InputError, match=r"annotations\.tsv, ligne 2 : identifiant inconnu \(C9\)"):
        load_melo(folder)


def test_melo_missing_file_is_clear(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="queries.tsv est introuvable"):
        load_melo(tmp_path)


@pytest.fixture(scope="module")
def melo_root(shared_dir: Path) -> Path:
    return shared_dir / "eval" / "melo-fra"


@pytest.fixture(scope="module")
def melo_fr(melo_root: Path):
    return load_melo(melo_root / "fra_q_fr_c_fr")


@pytest.mark.integration
def test_melo_real_dataset_counts(melo_fr) -> None:
    # eval/README.md and logged_stats.txt: 1,435 queries, 15,217 elements, 8,252 judgements.
    assert len(melo_fr.queries) == 1435
    assert len(melo_fr.corpus) == 15217
    assert melo_fr.n_judgements == 8252
    assert len(melo_fr.relevant) == 1435  # every query has at least one relevant element
    assert np.median([len(ids) for ids in melo_fr.relevant.values()]) == 5
    assert melo_fr.concepts[0] == "http://data.europa.eu/esco/isco/C0"


@pytest.mark.integration
def test_melo_published_results_are_parsed(melo_root: Path) -> None:
    rows = published_results(melo_root)
    by_model = {row["model"]: row for row in rows}
    assert len(rows) == 15
    assert rows[0]["model"] == "openai"  # sorted by MRR
    assert by_model["openai"]["recip_rank"] == pytest.approx(0.8721)
    assert by_model["openai"]["success_1"] == pytest.approx(0.8314)
    assert by_model["bm25_lemmas"]["recip_rank"] == pytest.approx(0.8042)
    assert set(METRIC_NAMES) <= set(by_model["e5"])


# trec_eval prints 4 decimals: an exact reproduction is within half a unit of the last one.
EXACT = 5e-5


@pytest.mark.integration
@pytest.mark.parametrize(
    ("model", "score_fn"),
    [("edit_distance", edit_distance_scores), ("bm25", bm25_score_fn())],
    ids=["edit_distance", "bm25"],
)
def test_melo_reproduces_published_lexical_baselines(
    melo_root: Path, melo_fr, model: str, score_fn
) -> None:
    published = {row["model"]: row for row in published_results(melo_root)}[model]
    result = evaluate_melo(melo_fr, score_fn)
    for name in METRIC_NAMES:
        assert result[name] == pytest.approx(published[name], abs=EXACT), name


@pytest.mark.integration
def test_melo_bm25_on_light_stems_beats_published_bm25_on_lemmas(melo_fr) -> None:
    # Measured once: MRR 0.820, Acc@1 0.786, MAP 0.598 (published BM25 on lemmas: 0.804).
    score_fn = bm25_score_fn(lambda texts: [stem_tokens(t) for t in texts], k1=1.2, idf="lucene")
    result = evaluate_melo(melo_fr, score_fn)
    assert result["recip_rank"] > 0.815
    assert result["success_1"] > 0.78
    assert result["map"] > 0.59
