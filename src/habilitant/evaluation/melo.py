"""The MELO benchmark (Avature, MIT licence), French dataset ``fra_q_fr_c_fr``.

A dataset folder holds four tab-separated files without header:

* ``queries.tsv``          ``Q000001 <TAB> Accessoiriste`` (ROME appellations);
* ``corpus_elements.tsv``  ``C000002_fr_000 <TAB> Officiers des forces armées``
  (ESCO occupation surface forms, several per concept, identical strings possible);
* ``annotations.tsv``      TREC qrels ``Q000002 <TAB> 0 <TAB> C001404_fr_000 <TAB> 1``:
  every surface form of every relevant concept is judged relevant;
* ``concept_mapping.tsv``  ``C000002_fr_000 <TAB> <ESCO concept URI>`` (informative).

Protocol, as the MELO evaluator runs it (``melo_benchmark.evaluation.evaluator``):
score every (query, corpus element) pair; per query sort by score (stable, so equal
scores keep corpus order) and keep the top ``depth = 100``; write the scores as
``%.5f``; ``trec_eval -m all_trec`` then re-sorts each query by that printed score
(parsed into a C ``float``), ties broken by *descending* document id, and reports
macro averages over queries. :func:`evaluate_scores` reproduces those steps exactly,
so the numbers are comparable with ``published_results/``: ``recip_rank`` (MRR),
``success_1`` (Acc@1), ``map``, ``Rprec``, ``P_k``, ``recall_k``, ``success_k``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from habilitant.errors import InputError
from habilitant.evaluation import metrics

if TYPE_CHECKING:
    from spacy.language import Language

    from habilitant.matching.lexical import IdfVariant

DEFAULT_DATASET = "fra_q_fr_c_fr"
DEFAULT_DEPTH = 100
METRIC_NAMES: tuple[str, ...] = (
    "map",
    "Rprec",
    "recip_rank",
    "P_5",
    "P_10",
    "P_20",
    "recall_5",
    "recall_10",
    "recall_20",
    "success_1",
    "success_5",
    "success_10",
)

# score_fn(queries, corpus) -> array (len(queries), len(corpus)), higher is better.
ScoreFn = Callable[[list[str], list[str]], np.ndarray]
# analyze(texts) -> one token list per text.
Analyzer = Callable[[Sequence[str]], list[list[str]]]


@dataclass(frozen=True, eq=False)
class MeloDataset:
    name: str
    query_ids: tuple[str, ...]
    queries: tuple[str, ...]
    corpus_ids: tuple[str, ...]
    corpus: tuple[str, ...]
    concepts: tuple[str, ...]  # ESCO concept URI of each corpus element ("" if unknown)
    relevant: dict[str, frozenset[str]]  # query id -> relevant corpus ids

    @property
    def n_judgements(self) -> int:
        return sum(len(ids) for ids in self.relevant.values())


def _read_rows(path: Path, n_fields: int) -> list[tuple[int, list[str]]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(
            f"Le fichier MELO {path} est introuvable.",
            hint="Indiquez le dossier d'un jeu MELO (queries.tsv, corpus_elements.tsv, "
            "annotations.tsv).",
        ) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}, ligne {where} : le fichier n'est pas encodé en UTF-8.") from exc
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.strip().split("\t")
        if len(fields) != n_fields or not all(fields):
            raise InputError(
                f"{path}, ligne {number} : {n_fields} colonnes séparées par des tabulations "
                f"attendues, {len(fields)} trouvées."
            )
        rows.append((number, fields))
    return rows


def load_melo(folder: str | Path) -> MeloDataset:
    """Read one MELO dataset folder (e.g. ``.../melo-fra/fra_q_fr_c_fr``)."""
    folder = Path(folder)
    queries = _read_rows(folder / "queries.tsv", 2)
    corpus = _read_rows(folder / "corpus_elements.tsv", 2)
    corpus_ids = tuple(fields[0] for _, fields in corpus)
    known_corpus = set(corpus_ids)
    known_queries = {fields[0] for _, fields in queries}
    if len(known_queries) != len(queries) or len(known_corpus) != len(corpus):
        raise InputError(f"{folder} : identifiants de requête ou de corpus en double.")
    mapping: dict[str, str] = {}
    if (folder / "concept_mapping.tsv").exists():
        mapping = {f[0]: f[1] for _, f in _read_rows(folder / "concept_mapping.tsv", 2)}
    relevant: dict[str, set[str]] = {}
    annotations = folder / "annotations.tsv"
    for number, (query_id, _, corpus_id, grade) in _read_rows(annotations, 4):
        if query_id not in known_queries or corpus_id not in known_corpus:
            raise InputError(
                f"{annotations}, ligne {number} : identifiant inconnu "
                f"({query_id if query_id not in known_queries else corpus_id})."
            )
        try:
            is_relevant = int(grade) > 0
        except ValueError as exc:
            raise InputError(
                f"{annotations}, ligne {number} : pertinence {grade!r} non entière."
            ) from exc
        if is_relevant:
            relevant.setdefault(query_id, set()).add(corpus_id)
    return MeloDataset(
        name=folder.name,
        query_ids=tuple(fields[0] for _, fields in queries),
        queries=tuple(fields[1] for _, fields in queries),
        corpus_ids=corpus_ids,
        corpus=tuple(fields[1] for _, fields in corpus),
        concepts=tuple(mapping.get(cid, "") for cid in corpus_ids),
        relevant={qid: frozenset(ids) for qid, ids in relevant.items()},
    )


def trec_ranking(
    scores: np.ndarray, doc_ids: Sequence[str], depth: int = DEFAULT_DEPTH
) -> list[int]:
    """Indices of the documents of one query in the order trec_eval evaluates them.

    Stable top-``depth`` by raw score, then re-sorted by the ``%.5f`` score as a C float,
    ties by descending document id.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if len(scores) > depth:
        kth = np.partition(scores, len(scores) - depth)[len(scores) - depth]
        candidates = np.flatnonzero(scores >= kth)  # ascending index: stable order
    else:
        candidates = np.arange(len(scores))
    top = candidates[np.argsort(-scores[candidates], kind="stable")[:depth]]
    printed = np.array([float(f"{s:.5f}") for s in scores[top]], dtype=np.float32)
    ids = [doc_ids[i] for i in top]
    order = sorted(range(len(top)), key=lambda j: ids[j], reverse=True)
    order.sort(key=lambda j: printed[j], reverse=True)  # stable: id order kept on ties
    return [int(top[j]) for j in order]


def query_metrics(ranked: Sequence[str], relevant: frozenset[str]) -> dict[str, float]:
    """trec_eval's values of :data:`METRIC_NAMES` for one evaluated ranking."""
    values = {
        "map": metrics.average_precision(ranked, relevant),
        "Rprec": metrics.r_precision(ranked, relevant),
        "recip_rank": metrics.reciprocal_rank(ranked, relevant),
    }
    for k in (5, 10, 20):
        values[f"P_{k}"] = metrics.precision_at_k(ranked, relevant, k)
        values[f"recall_{k}"] = metrics.recall_at_k(ranked, relevant, k)
    for k in (1, 5, 10):
        values[f"success_{k}"] = metrics.hit_at_k(ranked, relevant, k)
    return values


def evaluate_scores(
    dataset: MeloDataset, scores: np.ndarray, *, depth: int = DEFAULT_DEPTH
) -> dict[str, float]:
    """Macro averages of :data:`METRIC_NAMES` for a full score matrix, plus ``n_queries``."""
    scores = np.asarray(scores)
    expected = (len(dataset.queries), len(dataset.corpus))
    if scores.shape != expected:
        raise ValueError(f"scores have shape {scores.shape}, expected {expected}")
    totals = dict.fromkeys(METRIC_NAMES, 0.0)
    n = 0
    for row, query_id in enumerate(dataset.query_ids):
        relevant = dataset.relevant.get(query_id)
        if not relevant:  # trec_eval skips queries without relevant documents
            continue
        n += 1
        ranking = trec_ranking(scores[row], dataset.corpus_ids, depth)
        values = query_metrics([dataset.corpus_ids[i] for i in ranking], relevant)
        for name in METRIC_NAMES:
            totals[name] += values[name]
    result = {name: (total / n if n else 0.0) for name, total in totals.items()}
    result["n_queries"] = float(n)
    return result


def evaluate_melo(
    dataset: MeloDataset, score_fn: ScoreFn, *, depth: int = DEFAULT_DEPTH
) -> dict[str, float]:
    """Score all queries against the whole corpus with ``score_fn`` and evaluate.

    ``score_fn(queries, corpus)`` is called once and returns a ``(n_queries, n_corpus)``
    array (about 87 MB in float32 for ``fra_q_fr_c_fr``).
    """
    scores = score_fn(list(dataset.queries), list(dataset.corpus))
    return evaluate_scores(dataset, scores, depth=depth)


def published_results(folder: str | Path, dataset: str = DEFAULT_DATASET) -> list[dict[str, Any]]:
    """Published scores: one dict per model (``model`` plus :data:`METRIC_NAMES`).

    ``folder`` is the MELO root (holding ``published_results/<dataset>/``) or the
    results folder itself. Sorted by decreasing ``recip_rank`` (MRR).
    """
    folder = Path(folder)
    results_dir = folder / "published_results" / dataset
    if not results_dir.is_dir():
        results_dir = folder
    rows = []
    for path in sorted(results_dir.glob("*.tsv")):
        parsed = _read_rows(path, 2)
        header = parsed[0][1] if parsed else []
        if header != ["metric_name", "metric_val"]:
            raise InputError(f"{path} : en-tête « metric_name<TAB>metric_val » attendu.")
        row: dict[str, Any] = {"model": path.stem}
        for number, (name, value) in parsed[1:]:
            try:
                row[name] = float(value)
            except ValueError as exc:
                raise InputError(
                    f"{path}, ligne {number} : valeur {value!r} non numérique."
                ) from exc
        rows.append(row)
    if not rows:
        raise InputError(f"Aucun résultat publié (*.tsv) dans {results_dir}.")
    rows.sort(key=lambda r: (-r.get("recip_rank", 0.0), r["model"]))
    return rows


# --- Baselines of the MELO paper -------------------------------------------------------


def edit_distance_scores(queries: list[str], corpus: list[str]) -> np.ndarray:
    """MELO "Edit Distance": ``rapidfuzz.fuzz.ratio`` of the lower-cased strings."""
    from rapidfuzz import fuzz, process

    return process.cdist(
        [q.lower() for q in queries],
        [c.lower() for c in corpus],
        scorer=fuzz.ratio,
        dtype=np.float64,
        workers=-1,
    )


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def melo_words(texts: Sequence[str]) -> list[list[str]]:
    """MELO's lexical preprocessing: lower case, accents dropped, split on single spaces."""
    return [_ascii(text.lower()).split(" ") for text in texts]


def melo_lemmas(texts: Sequence[str], nlp: Language) -> list[list[str]]:
    """MELO's "(lemmas)" preprocessing with the given spaCy pipeline.

    MELO used ``fr_core_news_sm``: lemmas of the lower-cased text without stop words and
    punctuation, joined by spaces, accents dropped, split on single spaces.
    """
    out = []
    for doc in nlp.pipe(text.lower() for text in texts):
        joined = " ".join(t.lemma_ for t in doc if not t.is_stop and not t.is_punct)
        out.append(_ascii(joined).split(" "))
    return out


def bm25_score_fn(
    analyze: Analyzer = melo_words,
    *,
    k1: float = 1.5,
    b: float = 0.75,
    idf: IdfVariant = "okapi",
) -> ScoreFn:
    """A BM25 ``score_fn``; the defaults are MELO's (``rank_bm25.BM25Okapi``)."""
    from habilitant.matching.lexical import LexicalIndex

    def score(queries: list[str], corpus: list[str]) -> np.ndarray:
        index = LexicalIndex.build(analyze(corpus), k1=k1, b=b, idf=idf)
        return index.score_matrix(analyze(queries))

    return score
