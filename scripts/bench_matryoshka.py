"""EmbeddingGemma's Matryoshka truncations through the whole pipeline: 768 / 512 / 256 / 128.

    HABILITANT_ENCODER=embeddinggemma-300m python scripts/bench_matryoshka.py [--dims 768 512 256]

Truncating is taking the first coordinates of each vector and renormalising (what
``HABILITANT_ENCODER_DIMENSION`` does). Here the full index is truncated in memory and the
queries encoded once at full size and truncated the same way, so no index is rebuilt; the
pipeline (segmentation, matching, decision with the encoder's calibration) is the production
one. Prints narrative (recits-dev, training narratives) and offer (dev) figures per
dimension, with the index's memory, and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from habilitant.evaluation.datasets import load_eval_cases, load_narrative_cases  # noqa: E402
from habilitant.evaluation.narratives import evaluate_narratives  # noqa: E402
from habilitant.evaluation.offers import evaluate_offers  # noqa: E402
from habilitant.index import CompetenceIndex  # noqa: E402
from habilitant.pipeline import Habilitant  # noqa: E402
from habilitant.settings import get_settings  # noqa: E402

EVAL = REPO.parent / "shared" / "eval"


def _truncate(vectors: np.ndarray, dimension: int) -> np.ndarray:
    cut = np.ascontiguousarray(vectors[:, :dimension], dtype=np.float32)
    return cut / np.maximum(np.linalg.norm(cut, axis=1, keepdims=True), 1e-12)


class TruncatedEncoder:
    """The full encoder, its vectors truncated to ``dimension`` and renormalised."""

    def __init__(self, full: Any, dimension: int) -> None:
        self.full, self.dimension = full, dimension
        self.name = full.name
        self.checksum = f"{full.checksum}/dim={dimension}"

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _truncate(self.full.encode_queries(texts), self.dimension)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return _truncate(self.full.encode_passages(texts), self.dimension)


def truncated_index(index: CompetenceIndex, dimension: int) -> CompetenceIndex:
    import faiss

    vectors = _truncate(index.matrix(), dimension)
    flat = faiss.IndexFlatIP(dimension)
    flat.add(vectors)
    manifest = {**index.manifest, "encoder": {**index.manifest["encoder"], "dimension": dimension}}
    return CompetenceIndex(
        path=index.path, manifest=manifest, entries=index.entries, faiss_index=flat
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dims", type=int, nargs="+", default=[768, 512, 256, 128])
    parser.add_argument("--json", type=Path, default=REPO / "scripts/results/bench_matryoshka.json")
    args = parser.parse_args()
    settings = get_settings()
    full = Habilitant(settings)
    dev = load_narrative_cases(EVAL / "recits-dev.jsonl")
    train = load_narrative_cases(*sorted((REPO / "scripts/data").glob("recits-train-*.jsonl")))
    offers = load_eval_cases(EVAL / "offres-ft-2025-dev.jsonl")
    rows = []
    for dimension in args.dims:
        tick = time.perf_counter()
        h = Habilitant(
            settings,
            encoder=TruncatedEncoder(full.encoder, dimension),
            index=truncated_index(full.index, dimension),
            nlp=full.nlp,
        )
        narratives = evaluate_narratives(h, dev)["systems"]["habilitant"]
        trained = evaluate_narratives(h, train)["systems"]["habilitant"]
        offer = evaluate_offers(h, offers)["systems"]["habilitant"]
        rows.append(
            {
                "dimension": dimension,
                "index_mb": round(len(full.index) * dimension * 4 / 2**20, 1),
                "dev_recall": narratives["concept_recall"],
                "dev_on_topic": narratives["on_topic"],
                "train_recall": trained["concept_recall"],
                "train_on_topic": trained["on_topic"],
                "offers_recall@10": offer["recall@10"],
                "offers_mrr": offer["mrr"],
                "offers_fiche@1": offer["fiche_acc@1"],
                "seconds": round(time.perf_counter() - tick),
            }
        )
        print(rows[-1], flush=True)
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")
    args.json.write_text(json.dumps({"encoder": full.encoder.name, "rows": rows}, indent=2))
    print(f"→ {args.json}")


if __name__ == "__main__":
    main()
