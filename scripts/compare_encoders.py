"""Both encoders through the whole pipeline, one table: narratives, offers, MELO, speed, memory.

    python scripts/compare_encoders.py [--encoders multilingual-e5-small embeddinggemma-300m]
                                       [--runs 10] [--json scripts/results/compare_encoders.json]

Each encoder runs in its own process (its own index ``models/index[-<encoder>]``, built
beforehand by ``habilitant index build``; its own calibration, recorded in that index), on
the same data and the same machine, one after the other:

* narratives ``recits-dev.jsonl`` (never tuned on): concept recall, on-topic share,
  statements per concept, statements on narratives without work, fiche hit;
* dev offers ``offres-ft-2025-dev.jsonl``: items recall@10, MRR, fiche accuracy@1/@5 (the
  fusion weights were tuned on this split for multilingual-e5-small, not for Gemma);
* MELO ``fra_q_fr_c_fr`` (never tuned on): MRR and accuracy@1 of the encoder's vectors;
* ``Habilitant.analyse`` p50/p95 at 100, 300 and 1,000 words (warm; real offer texts);
* encoder throughput on 1,000 index texts, and the index build's encoding time it implies;
* the process's resident memory once loaded and warm (what a serving process holds).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "scripts"))

EVAL = REPO.parent / "shared" / "eval"
ENCODERS = ("multilingual-e5-small", "embeddinggemma-300m")


def _rss_mb() -> tuple[float, float]:
    """Resident and peak resident memory of this process (MB)."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return round(values["VmRSS"], 1), round(values["VmHWM"], 1)


def measure(encoder: str, runs: int) -> dict[str, Any]:
    """Every figure of one encoder, in this process."""
    from bench_analyse import narratives_of, percentile
    from habilitant.evaluation.datasets import load_eval_cases, load_narrative_cases
    from habilitant.evaluation.narratives import evaluate_narratives
    from habilitant.evaluation.offers import evaluate_offers
    from habilitant.evaluation.report import run_melo
    from habilitant.pipeline import Habilitant
    from habilitant.settings import get_settings

    settings = get_settings(encoder=encoder)
    tick = time.perf_counter()
    h = Habilitant(settings)
    h.analyse("J'ai fait la mise en rayon et l'encaissement.")
    out: dict[str, Any] = {
        "encoder": encoder,
        "dimension": h.encoder.dimension,
        "index": str(settings.resolved_index_dir.name),
        "calibration": h.calibration.tuned_on,
        "load_s": round(time.perf_counter() - tick, 1),
    }
    narratives = evaluate_narratives(h, load_narrative_cases(EVAL / "recits-dev.jsonl"))
    out["narratives"] = narratives["systems"]["habilitant"]
    offers = evaluate_offers(h, load_eval_cases(EVAL / "offres-ft-2025-dev.jsonl"))
    out["offers"] = offers["systems"]["habilitant"]
    melo = run_melo(h, EVAL / "melo-fra" / "fra_q_fr_c_fr")
    out["melo"] = melo["ours"][f"dense {h.encoder.name}"]
    out["melo_hybrid"] = melo["ours"]["habilitant (dense + BM25, RRF)"]
    pool = [c.text for c in load_eval_cases(EVAL / "offres-ft-2025-dev.jsonl")]
    latency = []
    for words in (100, 300, 1000):
        times = []
        for text in narratives_of(words, pool, runs):
            start = time.perf_counter()
            h.analyse(text)
            times.append((time.perf_counter() - start) * 1000)
        latency.append(
            {
                "words": words,
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(percentile(times, 0.95), 1),
            }
        )
    out["latency"] = latency
    texts = sorted({e.libelle for e in h.index.entries})
    sample = random.Random(0).sample(texts, 1000)
    start = time.perf_counter()
    h.encoder.encode_passages(sample)
    rate = len(sample) / (time.perf_counter() - start)
    out["encode_texts_per_s"] = round(rate, 1)
    out["index_texts"] = len(texts)
    out["index_encode_min"] = round(len(texts) / rate / 60, 1)
    out["rss_mb"], out["peak_rss_mb"] = _rss_mb()
    return out


def table(rows: list[dict[str, Any]]) -> str:
    def get(row: dict[str, Any], path: str) -> Any:
        value: Any = row
        for key in path.split("."):
            value = value[key] if not isinstance(value, list) else value[int(key)]
        return value

    lines = [
        ("narratives recits-dev: concept recall", "narratives.concept_recall"),
        ("narratives: on-topic share", "narratives.on_topic"),
        ("narratives: statements per concept", "narratives.per_concept"),
        ("narratives: statements on negatives", "narratives.negative_statements"),
        ("narratives: fiche hit", "narratives.fiche_hit"),
        ("narratives: concept hit@10", "narratives.concept_hit@10"),
        ("offers dev: items recall@10", "offers.recall@10"),
        ("offers dev: MRR", "offers.mrr"),
        ("offers dev: fiche acc@1", "offers.fiche_acc@1"),
        ("offers dev: fiche acc@5", "offers.fiche_acc@5"),
        ("MELO fra: MRR", "melo.recip_rank"),
        ("MELO fra: acc@1", "melo.success_1"),
        ("MELO fra: MRR, dense + BM25 (RRF)", "melo_hybrid.recip_rank"),
        ("analyse p50 ms, 100 words", "latency.0.p50_ms"),
        ("analyse p95 ms, 100 words", "latency.0.p95_ms"),
        ("analyse p50 ms, 300 words", "latency.1.p50_ms"),
        ("analyse p95 ms, 300 words", "latency.1.p95_ms"),
        ("analyse p50 ms, 1,000 words", "latency.2.p50_ms"),
        ("analyse p95 ms, 1,000 words", "latency.2.p95_ms"),
        ("encoder texts/s (index texts)", "encode_texts_per_s"),
        ("index build encoding, min (implied)", "index_encode_min"),
        ("process RSS MB, loaded and warm", "rss_mb"),
        ("process peak RSS MB", "peak_rss_mb"),
    ]
    width = max(len(label) for label, _ in lines)
    header = f"| {'':<{width}} | " + " | ".join(f"{r['encoder']:>22}" for r in rows) + " |"
    out = [header, "|" + "-" * (width + 2) + "|" + "|".join("-" * 24 for _ in rows) + "|"]
    for label, path in lines:
        cells = []
        for row in rows:
            try:
                value = get(row, path)
            except (KeyError, IndexError, TypeError):
                value = "—"
            cells.append(f"{value:>22}")
        out.append(f"| {label:<{width}} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--encoders", nargs="+", default=list(ENCODERS))
    parser.add_argument("--runs", type=int, default=10, help="narratives per length")
    parser.add_argument("--json", type=Path, default=REPO / "scripts/results/compare_encoders.json")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.runs)))
        return
    rows = []
    for encoder in args.encoders:
        print(f"… {encoder}", file=sys.stderr, flush=True)
        result = subprocess.run(
            [sys.executable, __file__, "--one", encoder, "--runs", str(args.runs)],
            capture_output=True,
            text=True,
            env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"},
            check=False,
        )
        if result.returncode != 0:
            sys.exit(f"{encoder} failed:\n{result.stderr[-3000:]}")
        rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
    print(table(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"cpus": os.cpu_count(), "encoders": rows}, indent=2))
    print(f"→ {args.json}")


if __name__ == "__main__":
    main()
