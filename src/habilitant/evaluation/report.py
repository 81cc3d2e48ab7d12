"""One evaluation run: an offers-style or a narratives dataset (three systems side by side)
and, optionally, MELO ``fra_q_fr_c_fr`` beside its published table. Returns data and a table."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from habilitant.evaluation.datasets import (
    is_narratives_file,
    load_eval_cases,
    load_narrative_cases,
)
from habilitant.evaluation.melo import evaluate_scores, load_melo, published_results
from habilitant.evaluation.offers import evaluate_offers
from habilitant.settings import Settings

if TYPE_CHECKING:
    from habilitant.encoder import Encoder
    from habilitant.pipeline import Habilitant

OFFER_COLUMNS = (
    "recall@5",
    "recall@10",
    "recall@20",
    "rp@5",
    "mrr",
    "fiche_acc@1",
    "fiche_acc@5",
)


def reciprocal_rank_fusion(*matrices: np.ndarray, k: int = 60) -> np.ndarray:
    """Reciprocal rank fusion (Cormack et al. 2009) row by row: sum of 1 / (k + rank).

    ``k = 60`` is the constant of the original paper, chosen a priori (not tuned here)."""
    fused = np.zeros(matrices[0].shape, dtype=np.float32)
    for matrix in matrices:
        order = np.argsort(-matrix, axis=1, kind="stable")
        ranks = np.empty_like(order)
        rows = np.arange(matrix.shape[0])[:, None]
        ranks[rows, order] = np.arange(1, matrix.shape[1] + 1)[None, :]
        fused += 1.0 / (k + ranks.astype(np.float32))
    return fused


def melo_scores(
    encoder: Encoder, queries: list[str], corpus: list[str], cache: Path
) -> dict[str, np.ndarray]:
    """Score matrices of the dense encoder, BM25 on stems, and their reciprocal rank fusion
    (the hybrid; nothing tuned on MELO). Corpus embeddings go through the cache."""
    from habilitant.encoder.cache import EmbeddingCache, text_key
    from habilitant.matching.lexical import LexicalIndex, stem_tokens

    store = EmbeddingCache(cache, encoder.checksum, encoder.dimension)
    keys = [text_key(encoder.checksum, text) for text in corpus]
    passages, missing = store.lookup(keys)
    if missing:
        fresh = encoder.encode_passages([corpus[i] for i in missing])
        passages[missing] = fresh
        store.add([keys[i] for i in missing], fresh)
    dense = encoder.encode_queries(queries) @ passages.T
    bm25 = LexicalIndex.build([stem_tokens(text) for text in corpus]).score_matrix(
        [stem_tokens(text) for text in queries]
    )
    return {
        "habilitant (dense + BM25, RRF)": reciprocal_rank_fusion(dense, bm25),
        f"dense {encoder.name}": dense,
        "BM25 stems": bm25,
    }


def run_melo(h: Habilitant, folder: Path) -> dict[str, Any]:
    dataset = load_melo(folder)
    tick = time.perf_counter()
    scores = melo_scores(
        h.encoder, list(dataset.queries), list(dataset.corpus), h.settings.models_dir / "cache"
    )
    ours = {name: evaluate_scores(dataset, matrix) for name, matrix in scores.items()}
    published = published_results(folder.parent)
    return {
        "dataset": dataset.name,
        "n_queries": len(dataset.queries),
        "seconds": round(time.perf_counter() - tick, 1),
        "ours": {
            name: {
                k: round(v, 4) for k, v in values.items() if k in ("recip_rank", "success_1", "map")
            }
            for name, values in ours.items()
        },
        "published": [
            {
                k: (round(v, 4) if isinstance(v, float) else v)
                for k, v in row.items()
                if k in ("model", "recip_rank", "success_1", "map")
            }
            for row in published
        ],
    }


def _cell(value: float | None) -> str:
    return f"{'—':>13}" if value is None else f"{value:>13.3f}"


def offers_table(report: dict[str, Any]) -> str:
    width = max(12, *(len(name) + 1 for name in report["systems"]))
    header = f"{'system':<{width}}" + "".join(f"{c:>13}" for c in OFFER_COLUMNS)
    lines = [f"{report['dataset']} — {report['n']} cases", header, "-" * len(header)]
    for name, row in report["systems"].items():
        lines.append(f"{name:<{width}}" + "".join(_cell(row.get(c)) for c in OFFER_COLUMNS))
    if "habilitant, matcher only" not in report["systems"]:
        lines.append(
            "Prédiction de fiche et classement appris : absents (habilitant train les apprend sur "
            "des offres annotées)."
        )
    labels = report.get("labels", {})
    if labels.get("unknown_items") or labels.get("unknown_fiches"):
        lines.append(
            f"Attention : {labels['unknown_items']} item(s) attendu(s) sur "
            f"{labels['expected_items']} et {labels['unknown_fiches']} fiche(s) absents du ROME "
            f"chargé (autre version ?), exclus du calcul ; exemples : "
            f"{', '.join(labels['unknown_examples'])}."
        )
    return "\n".join(lines)


def melo_table(melo: dict[str, Any]) -> str:
    rows = [(f"ours: {k}", v) for k, v in melo["ours"].items()]
    rows += [(f"published: {r['model']}", r) for r in melo["published"]]
    rows.sort(key=lambda item: -item[1].get("recip_rank", 0.0))
    lines = [
        f"MELO {melo['dataset']} — {melo['n_queries']} queries",
        f"{'model':<44}{'MRR':>8}{'Acc@1':>8}{'MAP':>8}",
    ]
    for label, values in rows:
        lines.append(
            f"{label:<44}{values.get('recip_rank', 0):>8.3f}"
            f"{values.get('success_1', 0):>8.3f}{values.get('map', 0):>8.3f}"
        )
    return "\n".join(lines)


def run_evaluation(
    settings: Settings, dataset: Path, *, melo: Path | None = None, cases: bool = False
) -> tuple[dict[str, Any], str]:
    """Evaluate on ``dataset``, an offers-style or a narratives file (recognised by its
    first case), and on MELO when given. ``cases``: the narrative table lists each case."""
    from habilitant.evaluation.narratives import evaluate_narratives, narratives_table
    from habilitant.pipeline import Habilitant

    h = Habilitant(settings)
    tick = time.perf_counter()
    if is_narratives_file(dataset):
        report = evaluate_narratives(h, load_narrative_cases(dataset), dataset=Path(dataset).name)
        report["seconds"] = round(time.perf_counter() - tick, 1)
        tables = [narratives_table(report, cases=cases)]
    else:
        report = evaluate_offers(h, load_eval_cases(dataset), dataset=Path(dataset).name)
        report["seconds"] = round(time.perf_counter() - tick, 1)
        tables = [offers_table(report)]
    if melo is not None:
        report["melo"] = run_melo(h, Path(melo))
        tables.append(melo_table(report["melo"]))
    return report, "\n\n".join(tables)
