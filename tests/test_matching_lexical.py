"""Lexical matching: light French stems, BM25 scores checked by hand, top-k, speed."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from habilitant.matching.lexical import LexicalIndex, lemma_tokens, stem_tokens
from habilitant.matching.stem import stem


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["résidents", "résident", "résidente", "résidentes"], "resident"),
        (["préparer", "préparation", "préparateur", "préparatrice", "préparées"], "prepar"),
        (["vendeur", "vendeuse", "vendeurs"], "vend"),
        (["conducteur", "conductrice"], "conduct"),
        (["boulanger", "boulangère", "boulangerie"], "boulang"),
        (["enseignant", "enseignante", "enseignement", "enseigner"], "enseign"),
        (["chevaux", "cheval"], "cheval"),
        (["éducatif", "éducative", "éducatifs"], "educatif"),
        (["technicien", "technicienne", "techniciens"], "technicien"),
    ],
)
def test_lexical_stem_conflates_inflected_and_derived_forms(
    words: list[str], expected: str
) -> None:
    assert {stem_tokens(word)[0] for word in words} == {expected}


@pytest.mark.parametrize("token", ["bus", "ete", "2024", "b2b", "process", "commis", "campus"])
def test_lexical_stem_keeps_short_numeric_and_invariable_tokens(token: str) -> None:
    assert stem(token) == token


def test_lexical_stem_tokens_fold_and_drop_stop_words() -> None:
    assert stem_tokens("Préparer les repas des Résidents") == ["prepar", "repa", "resident"]


# d0 = chat noir, d1 = chat, d2 = chien noir noir: N = 3, avgdl = 6 / 3 = 2.
DOCS = [["chat", "noir"], ["chat"], ["chien", "noir", "noir"]]
K1, B = 1.2, 0.75


def lucene_idf(n: int, total: int = 3) -> float:
    return math.log(1 + (total - n + 0.5) / (n + 0.5))


def tf_part(tf: int, dl: int, avgdl: float = 2.0) -> float:
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avgdl))


def test_lexical_bm25_scores_match_the_formula_by_hand() -> None:
    index = LexicalIndex.build(DOCS, k1=K1, b=B)
    # chat: n = 2, idf = log(1 + 1.5 / 2.5) = log 1.6.
    # d0: tf 1, |d| 2 -> 2.2 / (1 + 1.2) = 1;  d1: tf 1, |d| 1 -> 2.2 / (1 + 0.75).
    chat = index.scores(["chat"])
    assert chat.dtype == np.float32 and chat.shape == (3,)
    assert chat[0] == pytest.approx(math.log(1.6), rel=1e-6)
    assert chat[1] == pytest.approx(math.log(1.6) * 2.2 / 1.75, rel=1e-6)
    assert chat[2] == 0.0
    # noir in d2: tf 2, |d| 3 -> 2 * 2.2 / (2 + 1.2 * (0.25 + 0.75 * 1.5)) = 4.4 / 3.65.
    noir = index.scores(["noir"])
    assert noir[2] == pytest.approx(lucene_idf(2) * 4.4 / 3.65, rel=1e-6)
    assert noir[2] == pytest.approx(lucene_idf(2) * tf_part(2, 3), rel=1e-6)
    # Terms add up; a repeated query term counts twice; unknown terms count for nothing.
    both = index.scores(["chat", "noir", "inconnu"])
    assert both[0] == pytest.approx(lucene_idf(2) * (tf_part(1, 2) + tf_part(1, 2)), rel=1e-6)
    assert index.scores(["chien", "chien"])[2] == pytest.approx(2 * index.scores(["chien"])[2])
    assert not index.scores(["inconnu"]).any()


def test_lexical_okapi_idf_replaces_negative_values_like_rank_bm25() -> None:
    docs = [["a", "b"], ["a", "c"], ["a", "d"], ["e"]]  # N = 4; a in 3 documents
    index = LexicalIndex.build(docs, idf="okapi", k1=1.5)
    raw_a = math.log(4 - 3 + 0.5) - math.log(3 + 0.5)  # negative
    raw_rare = math.log(4 - 1 + 0.5) - math.log(1 + 0.5)  # b, c, d, e
    epsilon_idf = 0.25 * (raw_a + 4 * raw_rare) / 5
    assert index.idf[index.vocabulary["a"]] == pytest.approx(epsilon_idf)
    assert index.idf[index.vocabulary["b"]] == pytest.approx(raw_rare)
    assert (index.scores(["a"])[:3] > 0).all()


def test_lexical_unknown_idf_variant_is_refused() -> None:
    with pytest.raises(ValueError, match="idf variant"):
        LexicalIndex.build(DOCS, idf="tfidf")  # type: ignore[arg-type]


def test_lexical_top_k_orders_by_score_then_index_and_skips_non_matching() -> None:
    docs = [["x"], ["chat"], ["chat"], ["chat", "chat"], ["noir"]]  # avgdl 1.2
    index = LexicalIndex.build(docs)
    ids, scores = index.top_k(["chat"], 10)
    # d3: 2 * 2.2 / (2 + 1.2 * (0.25 + 0.75 * 2 / 1.2)) = 1.158 > d1, d2: 2.2 / 2.05 = 1.073
    assert ids.tolist()[0] == 3
    assert ids.tolist()[1:] == [1, 2]  # equal scores: lower index first
    assert np.all(np.diff(scores) <= 0)
    assert index.top_k(["chat"], 2)[0].tolist() == [3, 1]
    assert index.top_k(["chat"], 5, subset=[0, 2, 4])[0].tolist() == [2]
    assert index.top_k(["inconnu"], 5)[0].size == 0
    with pytest.raises(ValueError, match="positive"):
        index.top_k(["chat"], 0)


def test_lexical_normalized_scores_are_bounded_and_keep_the_order() -> None:
    index = LexicalIndex.build(DOCS)
    raw = index.scores(["chat", "noir"])
    normalized = index.scores(["chat", "noir"], normalize=True)
    assert (normalized >= 0).all() and (normalized < 1).all()
    assert (
        np.argsort(-raw, kind="stable").tolist() == np.argsort(-normalized, kind="stable").tolist()
    )
    assert normalized == pytest.approx(raw / index.max_score(["chat", "noir"]), rel=1e-6)


def test_lexical_score_matrix_equals_one_query_at_a_time() -> None:
    index = LexicalIndex.build(DOCS)
    queries = [["chat"], ["noir", "chien"], [], ["inconnu"], ["chat", "chat"]]
    matrix = index.score_matrix(queries)
    assert matrix.shape == (5, 3) and matrix.dtype == np.float32
    for row, query in enumerate(queries):
        np.testing.assert_allclose(matrix[row], index.scores(query), rtol=1e-6)
    normalized = index.score_matrix(queries, normalize=True)
    np.testing.assert_allclose(normalized[1], index.scores(["noir", "chien"], normalize=True))


def test_lexical_build_refuses_an_empty_corpus() -> None:
    with pytest.raises(ValueError, match="zero documents"):
        LexicalIndex.build([])


def test_lexical_short_query_over_90k_documents_is_fast() -> None:
    # 90,000 short documents over a Zipf-like vocabulary, like the referential wordings.
    rng = np.random.default_rng(0)
    vocabulary = np.array([f"w{i}" for i in range(20_000)])
    weights = 1.0 / np.arange(1, len(vocabulary) + 1)
    weights /= weights.sum()
    lengths = rng.integers(2, 12, size=90_000)
    words = vocabulary[rng.choice(len(vocabulary), size=int(lengths.sum()), p=weights)]
    docs = np.split(words, np.cumsum(lengths)[:-1])
    index = LexicalIndex.build([doc.tolist() for doc in docs])
    queries = [
        vocabulary[rng.choice(len(vocabulary), size=6, p=weights)].tolist() for _ in range(50)
    ]
    timings = []
    for query in queries:
        start = time.perf_counter()
        index.top_k(query, 100)
        timings.append(time.perf_counter() - start)
    assert np.median(timings) < 0.005  # measured ~0.2 ms on 2 CPU cores


@pytest.mark.integration
def test_lexical_lemma_tokens_use_the_french_model() -> None:
    import spacy

    nlp = spacy.load("fr_core_news_md", exclude=["parser", "ner"])
    narrative, wording = lemma_tokens(
        ["J'ai préparé les repas des résidents", "Préparer des repas"], nlp
    )
    assert narrative == ["preparer", "repas", "resident"]
    assert wording == ["preparer", "repas"]
