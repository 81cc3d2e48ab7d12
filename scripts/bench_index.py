"""Index benchmark: build time, items/s, peak RSS, the encoder alone on the same texts,
rebuild with nothing changed, search latency. Prints a table and writes JSON.

    python scripts/bench_index.py [--referentiel rome --referentiel rncp ...] [--queries N]

The build runs in a fresh temporary models folder (cold embedding cache) that links the
converted encoder; nothing under models/ is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from habilitant.encoder import load_encoder  # noqa: E402
from habilitant.index import build_index, load_index  # noqa: E402
from habilitant.index_entries import collect_entries  # noqa: E402
from habilitant.settings import get_settings  # noqa: E402
from habilitant.workspace import load_referentiels  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def search_latency(index, encoder, entries, count: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """p50/p95 of search over the whole index (query encoding measured apart)."""
    queries = [e.libelle for e in entries[:: max(1, len(entries) // count)]][:count]
    encode_ms, search_ms, filtered_ms = [], [], []
    for query in queries:
        tick = time.perf_counter()
        vector = encoder.encode_queries([query])
        encoded = time.perf_counter()
        index.search(vector, 10)
        searched = time.perf_counter()
        index.search(vector, 10, referentiels=["rome"], kinds=["competence", "savoir"])
        filtered = time.perf_counter()
        encode_ms.append((encoded - tick) * 1000)
        search_ms.append((searched - encoded) * 1000)
        filtered_ms.append((filtered - searched) * 1000)
    return {
        "vectors": len(index),
        "queries": len(queries),
        "search_p50_ms": round(statistics.median(search_ms), 2),
        "search_p95_ms": round(percentile(search_ms, 0.95), 2),
        "filtered_p50_ms": round(statistics.median(filtered_ms), 2),
        "encode_query_p50_ms": round(statistics.median(encode_ms), 2),
        "encode_query_p95_ms": round(percentile(encode_ms, 0.95), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--referentiel", action="append", help="default: all available")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--search-only",
        action="store_true",
        help="only measure search latency on the configured index (no build)",
    )
    parser.add_argument(
        "--encoder-sample",
        type=int,
        default=0,
        help="time the encoder alone on this many of the texts (0: all of them)",
    )
    parser.add_argument("--json", type=Path, default=REPO / "scripts/results/bench_index.json")
    args = parser.parse_args()
    settings = get_settings()
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }

    if args.search_only:
        from habilitant.workspace import load_encoder_for, open_index

        encoder = load_encoder_for(settings)
        index = open_index(settings, encoder)
        results["search"] = search_latency(index, encoder, index.entries, args.queries)
        for name, value in results["search"].items():  # type: ignore[union-attr]
            print(f"{name:<24} {value}")
        return
    tick = time.perf_counter()
    referentiels = load_referentiels(settings, args.referentiel)
    results["load_referentiels_s"] = round(time.perf_counter() - tick, 2)
    entries = collect_entries(referentiels)
    texts = sorted({e.libelle for e in entries})
    results["entries"] = len(entries)
    results["unique_texts"] = len(texts)
    results["per_referentiel"] = {
        r.name: sum(1 for e in entries if e.referentiel == r.name) for r in referentiels
    }
    encoder = load_encoder(settings.encoder, models_dir=settings.models_dir)

    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        index_dir, cache_dir = Path(tmp) / "index", Path(tmp) / "cache"
        cold = build_index(referentiels, encoder, index_dir, cache_dir=cache_dir)
        results["cold_build"] = {
            "seconds": round(cold.seconds, 1),
            "encode_seconds": round(cold.encode_seconds, 1),
            "items_per_s": round(cold.count / cold.seconds, 1),
            "texts_per_s": round(cold.encoded / cold.seconds, 1),
            "peak_rss_mb": round(peak_rss_mb()),
        }
        sample = texts
        if args.encoder_sample and args.encoder_sample < len(texts):
            import random

            sample = random.Random(0).sample(texts, args.encoder_sample)
        tick = time.perf_counter()
        encoder.encode_passages(sample)
        alone = time.perf_counter() - tick
        results["encoder_alone"] = {
            "texts": len(sample),
            "seconds": round(alone, 1),
            "texts_per_s": round(len(sample) / alone, 1),
        }
        results["ratio_build_vs_encoder"] = round(
            (cold.encoded / cold.seconds) / (len(sample) / alone), 3
        )

        tick = time.perf_counter()
        unchanged = build_index(referentiels, encoder, index_dir, cache_dir=cache_dir)
        results["rebuild_unchanged_s"] = round(time.perf_counter() - tick, 2)
        assert unchanged.up_to_date
        forced = build_index(referentiels, encoder, index_dir, cache_dir=cache_dir, force=True)
        results["rebuild_forced_from_cache_s"] = round(forced.seconds, 2)
        results["rebuild_forced_encoded"] = forced.encoded

        index = load_index(index_dir, encoder=encoder)
        results["search"] = search_latency(index, encoder, entries, args.queries)
    results["peak_rss_mb"] = round(peak_rss_mb())

    rows = [
        ("entries indexed", results["entries"]),
        ("unique texts encoded", results["unique_texts"]),
        ("cold build (s)", results["cold_build"]["seconds"]),  # type: ignore[index]
        ("build items/s", results["cold_build"]["items_per_s"]),  # type: ignore[index]
        ("encoder alone texts/s", results["encoder_alone"]["texts_per_s"]),  # type: ignore[index]
        ("ratio build/encoder (target >= 0.9)", results["ratio_build_vs_encoder"]),
        ("rebuild, nothing changed (s, target <= 10)", results["rebuild_unchanged_s"]),
        ("forced rebuild from cache (s)", results["rebuild_forced_from_cache_s"]),
        ("search p50 ms (target <= 10)", results["search"]["search_p50_ms"]),  # type: ignore[index]
        ("search p95 ms", results["search"]["search_p95_ms"]),  # type: ignore[index]
        ("filtered search p50 ms", results["search"]["filtered_p50_ms"]),  # type: ignore[index]
        ("query encoding p50 ms", results["search"]["encode_query_p50_ms"]),  # type: ignore[index]
        ("peak RSS (MB)", results["peak_rss_mb"]),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(f"\n→ {args.json}")


if __name__ == "__main__":
    main()
