"""Speed of ``Habilitant.analyse``: latency p50/p95 for 100-, 300- and 1,000-word narratives
against all loaded referentials (warm), and pipeline throughput divided by the encoder's own
throughput on the same segments; then what the conseiller's page asks for a 300-word
narrative (statements, coverage of ``--target``, suggestions), as three calls and as one
``overview``. Prints a table and writes JSON.

    python scripts/bench_analyse.py [--texts ../shared/eval/offres-ft-2025-dev.jsonl] [--runs 20]

The texts are real (France Travail offer descriptions, read at run time, never copied).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from habilitant.evaluation.datasets import load_eval_cases  # noqa: E402
from habilitant.matching.ranking import with_context  # noqa: E402
from habilitant.pipeline import Habilitant  # noqa: E402
from habilitant.settings import get_settings  # noqa: E402


def narratives_of(words: int, pool: list[str], count: int) -> list[str]:
    """``count`` texts of about ``words`` words, made of whole real texts and cut at a
    sentence end where possible."""
    out, buffer, start = [], [], 0
    while len(out) < count:
        buffer.extend(pool[start % len(pool)].split())
        start += 1
        if len(buffer) >= words:
            out.append(" ".join(buffer[:words]))
            buffer = buffer[words:]
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bench_page(h: Habilitant, texts: list[str], target: str) -> dict[str, float]:
    """What the conseiller's page asks for one narrative: the three calls it made before
    ``overview`` (each reads the narrative), against ``overview`` (one reading)."""
    separate, together = [], []
    for text in texts:
        tick = time.perf_counter()
        h.analyse(text)
        h.coverage(target, [text])
        h.suggest([text])
        separate.append((time.perf_counter() - tick) * 1000)
        tick = time.perf_counter()
        h.overview([text], target=target)
        together.append((time.perf_counter() - tick) * 1000)
    apart, once = statistics.median(separate), statistics.median(together)
    return {
        "separate_p50_ms": round(apart, 1),
        "overview_p50_ms": round(once, 1),
        "speedup": round(apart / once, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--texts", type=Path, default=REPO.parent / "shared/eval/offres-ft-2025-dev.jsonl"
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--target", default="RNCP37674", help="target of the page's coverage")
    parser.add_argument("--json", type=Path, default=REPO / "scripts/results/bench_analyse.json")
    args = parser.parse_args()
    tick = time.perf_counter()
    h = Habilitant(get_settings())
    h.analyse("J'ai fait la mise en rayon et l'encaissement.")  # warm: models, caches
    load_s = time.perf_counter() - tick
    pool = [c.text for c in load_eval_cases(args.texts)]
    results: dict[str, object] = {"cpus": os.cpu_count(), "load_s": round(load_s, 1)}
    rows = []
    for words in (100, 300, 1000):
        texts = narratives_of(words, pool, args.runs)
        latencies, segment_counts = [], []
        for text in texts:
            tick = time.perf_counter()
            analysis = h.analyse(text)
            latencies.append((time.perf_counter() - tick) * 1000)
            segment_counts.append(len(analysis.segments))
        # The encoder alone on the very texts the pipeline encoded (segments + windows).
        # Encoded as the pipeline does: each segment with its experience's context.
        encoded = [[with_context(s) for s in h.segments(t)] for t in texts]
        tick = time.perf_counter()
        for queries in encoded:
            h.encoder.encode_queries(queries)
        encoder_ms = (time.perf_counter() - tick) * 1000 / len(texts)
        row = {
            "words": words,
            "segments_mean": round(statistics.mean(segment_counts), 1),
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(percentile(latencies, 0.95), 1),
            "encoder_only_ms": round(encoder_ms, 1),
            "throughput_ratio": round(encoder_ms / statistics.mean(latencies), 3),
        }
        rows.append(row)
    results["latency"] = rows
    header = (
        f"{'words':>6} {'segments':>9} {'p50 ms':>8} {'p95 ms':>8} {'encoder ms':>11} {'ratio':>6}"
    )
    print(header)
    for row in rows:
        print(
            f"{row['words']:>6} {row['segments_mean']:>9} {row['p50_ms']:>8} {row['p95_ms']:>8}"
            f" {row['encoder_only_ms']:>11} {row['throughput_ratio']:>6}"
        )
    print("ratio = encoder-only time / pipeline time on the same texts (target >= 0.85)")
    results["page"] = page = bench_page(h, narratives_of(300, pool, args.runs), args.target)
    print(
        f"\npage, 300 words, target {args.target}: analyse + coverage + suggest "
        f"p50 {page['separate_p50_ms']} ms; overview p50 {page['overview_p50_ms']} ms "
        f"(x{page['speedup']})"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(f"→ {args.json}")


if __name__ == "__main__":
    main()
