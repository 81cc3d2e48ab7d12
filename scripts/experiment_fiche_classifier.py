"""Would a fiche classifier learned from the training offers help the pipeline's fiche
prediction? The experiment that preceded the product's fiche prediction (issue 14): prints a
table, writes JSON. The product's version (``habilitant train``,
:mod:`habilitant.matching.fiche_classifier`) adds calibrated log-probabilities instead of
z-scores, weighed on a held-out source, and is measured by ``scripts/bench_fiche_prediction.py``;
this script is kept for its comparison of random folds with leave-one-source-out.

A linear classifier (LinearSVC over character n-grams of the title and word n-grams of the
text) is trained on the 4,932 offers of ``offres-ft-train.jsonl`` plus the ROME referential
itself (each appellation, fiche title and definition as a labelled example), and combined with
the production pipeline's fiche scores (``Habilitant.rank``: z-scored, ``pipeline + a x
classifier``). Measured on the training offers that have items (their pipeline scores come
from :func:`habilitant.training.rank_offers`, the path ``habilitant train`` runs) with
out-of-fold classifier scores, two ways: random folds by offer, and leave-one-source-out (the
offers of one public repository predicted by a classifier that never saw that repository:
near-duplicate postings inflate random folds); and on the dev offers (never trained on).

    python scripts/experiment_fiche_classifier.py [--json scripts/results/fiche_classifier.json]

About 25 minutes on 2 cores (one classifier fit takes 2-3 minutes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from habilitant.evaluation.datasets import load_eval_cases  # noqa: E402
from habilitant.pipeline import Habilitant  # noqa: E402
from habilitant.settings import get_settings  # noqa: E402
from habilitant.training import rank_offers  # noqa: E402
from habilitant.training_fiches import referential_examples  # noqa: E402

WEIGHTS = (0.0, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0)


def classifier_scores(train, test, fiche_codes) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Decision values of a classifier fitted on ``train`` (titles, texts, labels) for
    ``test`` (titles, texts), one column per fiche of ``fiche_codes``."""
    titles = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, strip_accents="unicode"
    )
    words = TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=2,
        max_features=300_000,
        strip_accents="unicode",
    )
    features = sp.hstack([titles.fit_transform(train[0]), 0.5 * words.fit_transform(train[1])])
    model = LinearSVC(C=0.5).fit(features.tocsr(), train[2])
    queries = sp.hstack([titles.transform(test[0]), 0.5 * words.transform(test[1])]).tocsr()
    values = model.decision_function(queries)
    column = {code: i for i, code in enumerate(fiche_codes)}
    out = np.full((len(test[0]), len(fiche_codes)), values.min() - 1.0, dtype=np.float32)
    for j, code in enumerate(model.classes_):
        if code in column:
            out[:, column[code]] = values[:, j]
    return out


def zscore(scores: np.ndarray) -> np.ndarray:
    return (scores - scores.mean(1, keepdims=True)) / (scores.std(1, keepdims=True) + 1e-9)


def accuracy(scores: np.ndarray, gold: list[int]) -> tuple[float, float]:
    order = np.argsort(-scores, axis=1)
    at1 = np.mean([order[i, 0] == g for i, g in enumerate(gold)])
    at5 = np.mean([g in order[i, :5] for i, g in enumerate(gold)])
    return round(float(at1), 3), round(float(at5), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    shared = REPO.parent / "shared" / "eval"
    parser.add_argument("--train", type=Path, default=shared / "offres-ft-train.jsonl")
    parser.add_argument("--dev", type=Path, default=shared / "offres-ft-2025-dev.jsonl")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=REPO / "scripts/results/fiche_classifier.json")
    args = parser.parse_args()

    tick = time.perf_counter()
    h = Habilitant(get_settings())
    raw = [json.loads(line) for line in args.train.read_text(encoding="utf-8").splitlines()]
    cases = load_eval_cases(args.train)
    ranked, view = rank_offers(h, cases)  # the labelled offers, title first
    fiche_codes = list(view.fiche_codes)
    column = {code: i for i, code in enumerate(fiche_codes)}
    labelled = [c for c in cases if c.expected_codes and c.rome_fiche]
    position = {o["id"]: i for i, o in enumerate(raw)}
    rows = np.array([position[c.id] for c in labelled])
    pipeline = np.stack([o.fiche_scores for o in ranked])
    gold = [column.get(o.fiche, -1) for o in ranked]

    ref = referential_examples(h.index.entries)
    titles = [o["title"] for o in raw]
    texts = [o["text"][:3000] for o in raw]
    labels = [o["rome_fiche"] for o in raw]

    def fit_on(inside: list[int], test: np.ndarray) -> np.ndarray:
        train = (
            ref[0] + [titles[i] for i in inside],
            ref[1] + [texts[i] for i in inside],
            ref[2] + [labels[i] for i in inside],
        )
        return classifier_scores(
            train, ([titles[i] for i in test], [texts[i] for i in test]), fiche_codes
        )

    order = np.random.default_rng(0).permutation(len(raw))
    splits = {
        "random folds by offer": [order[i :: args.folds] for i in range(args.folds)],
        "leave one source out": [
            np.array([i for i, o in enumerate(raw) if o["source"].split(":")[0] == name])
            for name in sorted({o["source"].split(":")[0] for o in raw})
        ],
    }
    report: dict[str, object] = {"labelled_offers": len(ranked), "weights": list(WEIGHTS)}
    for name, parts in splits.items():
        held = np.zeros((len(raw), len(fiche_codes)), dtype=np.float32)
        for part in parts:
            outside = set(part.tolist())
            held[part] = fit_on([i for i in range(len(raw)) if i not in outside], part)
        learned = held[rows]
        report[name] = {
            "classifier alone": accuracy(learned, gold),
            **{
                f"pipeline + {a} x classifier": accuracy(
                    zscore(pipeline) + a * zscore(learned), gold
                )
                for a in WEIGHTS
            },
        }
    dev_cases = load_eval_cases(args.dev)
    dev_pipeline = np.stack(
        [h.rank(c.offer_text).fused.group_scores[view.fiche_group_ids] for c in dev_cases]
    )
    dev_learned = classifier_scores(
        (ref[0] + titles, ref[1] + texts, ref[2] + labels),
        ([c.title for c in dev_cases], [c.text[:3000] for c in dev_cases]),
        fiche_codes,
    )
    dev_gold = [column.get(c.rome_fiche or "", -1) for c in dev_cases]
    report["dev offers"] = {
        "classifier alone": accuracy(dev_learned, dev_gold),
        **{
            f"pipeline + {a} x classifier": accuracy(
                zscore(dev_pipeline) + a * zscore(dev_learned), dev_gold
            )
            for a in WEIGHTS
        },
    }
    report["seconds"] = round(time.perf_counter() - tick)

    names = [k for k in report if isinstance(report[k], dict)]
    print(f"{'system (fiche acc@1 / @5)':34s}" + "".join(f"{n:>26s}" for n in names))
    for system in report[names[0]]:  # type: ignore[union-attr]
        cells = "".join(f"{str(report[n][system]):>26s}" for n in names)  # type: ignore[index]
        print(f"{system:34s}{cells}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"JSON: {args.json}")


if __name__ == "__main__":
    main()
