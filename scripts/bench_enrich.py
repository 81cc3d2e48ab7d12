"""Batch enrichment speed on real text. Prints a table and writes JSON.

    python scripts/bench_enrich.py [--rows 1000] [--words 100]

* input: ``--rows`` narratives cut from the France Travail offer descriptions of
  ``../shared/eval`` (windows of ``--words`` words at different offsets, so every row is a
  different text; read at run time, written to a temporary CSV, never copied into the repo);
* single process (``--engine local``: one intra-op thread, as every batch engine), rows/s of
  the processing alone (models loaded before timing), beside the encoder-only limit: the same
  rows' segments encoded by the encoder alone, same thread count;
* Dask local clusters of 1 and 2 workers, one thread each (models loaded on every worker before
  timing): rows/s, speed-up 1 -> 2, peak RSS per worker; outputs checked identical.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from habilitant.batch import enrich  # noqa: E402
from habilitant.batch.rows import batch_threads  # noqa: E402
from habilitant.evaluation.datasets import load_eval_cases  # noqa: E402
from habilitant.matching.ranking import with_context  # noqa: E402
from habilitant.pipeline import Habilitant  # noqa: E402
from habilitant.settings import get_settings  # noqa: E402


def narratives(path: Path, rows: int, words: int) -> list[str]:
    pool = [case.text.split() for case in load_eval_cases(path)]
    out: list[str] = []
    offset = 0
    while len(out) < rows:
        for text in pool:
            if len(out) == rows:
                break
            start = offset % max(1, len(text) - words // 2)
            out.append(" ".join(text[start : start + words]))
        offset += words // 3 + 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--words", type=int, default=100)
    parser.add_argument(
        "--texts", type=Path, default=REPO.parent / "shared/eval/offres-ft-2025-dev.jsonl"
    )
    parser.add_argument("--json", type=Path, default=REPO / "scripts/results/bench_enrich.json")
    args = parser.parse_args()
    settings = get_settings()
    texts = narratives(args.texts, args.rows, args.words)
    work = Path(tempfile.mkdtemp(prefix="bench-enrich-"))
    source = work / "recits.csv"
    pd.DataFrame({"id": range(len(texts)), "recit": texts}).to_csv(source, index=False)
    common = {"text_column": "recit", "id_column": "id", "chunk_rows": 25}
    results: dict[str, object] = {"cpus": os.cpu_count(), "rows": len(texts), "words": args.words}

    pipeline = Habilitant(settings)
    with batch_threads():
        pipeline.analyse(texts[0])  # warm
        tick = time.perf_counter()
        segments = [pipeline.segments(t) for t in texts]
        segment_s = time.perf_counter() - tick
        queries = [with_context(s) for segs in segments for s in segs]
        tick = time.perf_counter()
        pipeline.encoder.encode_queries(queries)
        encode_s = time.perf_counter() - tick
    results["segments"] = len(queries)
    results["encoder_only_rows_per_s"] = round(len(texts) / encode_s, 2)
    results["segmentation_rows_per_s"] = round(len(texts) / segment_s, 2)

    tick = time.perf_counter()
    local = enrich(settings, source, work / "local.csv", load_pipeline=lambda: pipeline, **common)
    local_s = time.perf_counter() - tick
    results["local"] = {
        "cores": 1,
        "seconds": round(local_s, 1),
        "rows_per_s": round(len(texts) / local_s, 2),
        "statements": local.statements,
    }
    results["local_over_encoder"] = round(
        results["local"]["rows_per_s"] / results["encoder_only_rows_per_s"], 3
    )
    pipeline = None  # free its memory before the Dask workers load their own

    for workers in (1, 2):
        output = work / f"dask{workers}.csv"
        report = enrich(settings, source, output, engine="dask", workers=workers, **common)
        compute = report.cluster["compute_s"]
        results[f"dask_{workers}"] = {
            "cores": workers,
            **report.cluster,
            "rows_per_s": round(len(texts) / compute, 2),
            "identical_to_local": output.read_bytes() == (work / "local.csv").read_bytes(),
        }
    results["dask_speedup_1_to_2"] = round(
        results["dask_2"]["rows_per_s"] / results["dask_1"]["rows_per_s"], 2
    )

    print(f"{len(texts)} narratives of {args.words} words, {os.cpu_count()} CPUs")
    print(f"{'configuration':<34} {'cores':>5} {'rows/s':>8} {'peak RSS/worker':>16}")
    print(f"{'encoder alone (same segments)':<34} {1:>5} {results['encoder_only_rows_per_s']:>8}")
    print(f"{'single process':<34} {1:>5} {results['local']['rows_per_s']:>8}")
    for workers in (1, 2):
        row = results[f"dask_{workers}"]
        name = f"dask, {workers} worker(s) x 1 thread"
        print(
            f"{name:<34} {workers:>5} {row['rows_per_s']:>8} {row['peak_rss_mb_per_worker']:>13} MB"
        )
    identical = all(results[f"dask_{w}"]["identical_to_local"] for w in (1, 2))
    print(
        f"single process / encoder alone: {results['local_over_encoder']}; "
        f"dask 1 -> 2 workers: x{results['dask_speedup_1_to_2']}; outputs identical: {identical}"
    )
    shutil.rmtree(work)  # texts derived from the eval set: not kept
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"JSON: {args.json}")


if __name__ == "__main__":
    main()
