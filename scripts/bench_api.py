"""Loopback load on the API: 1, 4 and 8 concurrent clients posting real narratives to
``POST /analyse`` for ``--duration`` seconds each (each client loops until the deadline, then
finishes its request). Prints throughput, p50/p95/p99, errors and the server's RSS before and
after; writes JSON.

    python scripts/bench_api.py [--duration 60] [--clients 1 4 8] [--workers 1]
    python scripts/bench_api.py --duration 30 --clients 8 8 8 8 8 \\
        --json scripts/results/bench_api_rss.json   # RSS per round: a plateau, or a leak

The server is a real ``habilitant serve`` process (its RSS is read from /proc). The texts are
the France Travail offer descriptions of ``../shared/eval`` (read at run time, never copied).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from habilitant.evaluation.datasets import load_eval_cases  # noqa: E402


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn workers), in MB."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.is_file():
        pids += [int(p) for p in children.read_text().split()]
    total = 0
    for one in pids:
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return round(total / 1024, 1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    command = [
        str(REPO / ".venv/bin/habilitant"),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(1)
    server.kill()
    raise SystemExit("the server did not become ready in 180 s")


def load(url: str, texts: list[str], clients: int, duration: float) -> dict[str, object]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def client(number: int) -> None:
        with httpx.Client(timeout=60) as http:
            i = number
            while time.monotonic() < deadline:
                text = texts[i % len(texts)]
                i += clients
                tick = time.perf_counter()
                try:
                    response = http.post(f"{url}/analyse", json={"text": text})
                    ok = response.status_code == 200
                    problem = "" if ok else f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    ok, problem = False, type(exc).__name__
                with lock:
                    if ok:
                        latencies.append(time.perf_counter() - tick)
                    else:
                        errors.append(problem)

    tick = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - tick
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "throughput_rps": round(len(latencies) / elapsed, 2),
        "p50_ms": round(1000 * percentile(latencies, 0.50)) if latencies else None,
        "p95_ms": round(1000 * percentile(latencies, 0.95)) if latencies else None,
        "p99_ms": round(1000 * percentile(latencies, 0.99)) if latencies else None,
        "mean_ms": round(1000 * statistics.fmean(latencies)) if latencies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--words", type=int, default=120, help="words per narrative (cut)")
    parser.add_argument(
        "--texts", type=Path, default=REPO.parent / "shared/eval/offres-ft-2025-dev.jsonl"
    )
    parser.add_argument("--json", type=Path, default=REPO / "scripts/results/bench_api.json")
    args = parser.parse_args()
    texts = [" ".join(c.text.split()[: args.words]) for c in load_eval_cases(args.texts)]
    port = free_port()
    server = start_server(port, args.workers)
    url = f"http://127.0.0.1:{port}"
    try:
        for text in texts:  # warm: every narrative once (caches, spaCy's string store)
            httpx.post(f"{url}/analyse", json={"text": text}, timeout=60)
        before = rss_mb(server.pid)
        rows = []
        for clients in args.clients:  # RSS after each round: a plateau or a steady climb
            rows.append({**load(url, texts, clients, args.duration), "rss_mb": rss_mb(server.pid)})
        after = rows[-1]["rss_mb"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {
        "cpus": os.cpu_count(),
        "workers": args.workers,
        "duration_s": args.duration,
        "words_per_narrative": args.words,
        "narratives": len(texts),
        "rss_before_mb": before,
        "rss_after_mb": after,
        "rss_growth_pct": round(100 * (after - before) / before, 1),
        "runs": rows,
    }
    header = (
        f"{'clients':>7} {'req':>5} {'err':>4} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6}"
        f" {'RSS MB':>7}"
    )
    print(header)
    for row in rows:
        print(
            f"{row['clients']:>7} {row['requests']:>5} {row['errors']:>4} "
            f"{row['throughput_rps']:>6} {row['p50_ms']:>6} {row['p95_ms']:>6} {row['p99_ms']:>6}"
            f" {row['rss_mb']:>7}"
        )
    print(
        f"server RSS {before} MB -> {after} MB ({result['rss_growth_pct']:+} %), "
        f"{args.workers} worker(s), {os.cpu_count()} CPUs, {args.words} words per narrative"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"JSON: {args.json}")


if __name__ == "__main__":
    main()
