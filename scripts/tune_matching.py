"""Tune the fusion weights on the DEV split (offres-ft-2025-dev.jsonl) by coordinate search.

    python scripts/tune_matching.py [--dataset ../shared/eval/offres-ft-2025-dev.jsonl]

Segments and their encodings are computed once; each configuration then only re-runs the
fusion. Prints the best configuration and its dev metrics (these are *tuning* figures:
report them as dev, never as test results), and writes scripts/results/tuning.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from habilitant.evaluation.datasets import load_eval_cases  # noqa: E402
from habilitant.evaluation.metrics import accuracy_at_k, summarize  # noqa: E402
from habilitant.evaluation.offers import RomeView, _top  # noqa: E402
from habilitant.matching.fusion import MatchingConfig, fuse  # noqa: E402
from habilitant.narrative_glossary import GLOSSES  # noqa: E402
from habilitant.pipeline import (  # noqa: E402
    Habilitant,
    experience_members,
    job_mentions,
    reading,
    with_context,
)
from habilitant.settings import get_settings  # noqa: E402

GRID: dict[str, list[float]] = {
    "lexical_weight": [0.0, 0.03, 0.05, 0.08, 0.12, 0.2],
    "pool_beta": [10.0, 20.0, 40.0, 80.0],
    "pool_weight": [0.0, 0.5, 1.0, 2.0],
    "title_weight": [0.0, 0.25, 0.5, 1.0, 2.0],
    "group_lexical_weight": [0.0, 0.01, 0.02, 0.05, 0.1, 0.2],
    "name_weight": [0.0, 0.01, 0.02, 0.04, 0.08],
    "temperature": [0.005, 0.01, 0.02, 0.04],
    "structure_weight": [0.0, 0.05, 0.1, 0.2, 0.3, 0.5],
    "principal_weight": [0.0, 0.25, 0.5, 1.0, 2.0],
    "role_weight": [0.0, 0.05, 0.1, 0.2],
}


def encode_cases(h: Habilitant, cases, cache: Path):  # type: ignore[no-untyped-def]
    """Segment texts and query vectors of every case (cached on disk: spaCy and the encoder
    are the slow part, the fusion is fast)."""
    import hashlib
    import pickle

    key = hashlib.sha256(
        (
            h.encoder.checksum
            + "context-v5"
            + repr([(g.pattern.pattern, g.wording) for g in GLOSSES])
            + "".join(c.text for c in cases)
        ).encode()
    ).hexdigest()[:16]
    path = cache / f"encoded-{key}.pkl"
    if path.is_file():
        return pickle.loads(path.read_bytes())
    encoded = []
    for case in cases:
        segments = h.segments(case.text)
        texts = [reading(s) for s in segments]
        queries = h.encoder.encode_queries([with_context(s) for s in segments])
        encoded.append((texts, queries))
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(encoded))
    return encoded


def prepare(h: Habilitant, cases, cache: Path):  # type: ignore[no-untyped-def]
    prepared = []
    for case, (texts, segment_vectors) in zip(cases, encode_cases(h, cases, cache), strict=True):
        dense = h.matcher.centred(segment_vectors)[1]
        group_lexical = h.matcher.group_lexicon.scores(case.text)
        names = h.matcher.name_overlap(case.text)
        segments = h.segments(case.text)
        said, leads = job_mentions(segments, experience_members(segments))
        roles = h.matcher.role_names.scores(
            [r for rs in said for r in rs], [t for ts in leads for t in ts]
        )
        prepared.append((case, dense, h.matcher.lexical(texts), group_lexical, names, roles))
    return prepared


def evaluate(h: Habilitant, view: RomeView, prepared, config: MatchingConfig) -> dict[str, float]:  # type: ignore[no-untyped-def]
    structure, sets = h.matcher.structure, h.matcher.group_sets
    rankings, fiche1, fiche5 = [], [], []
    for case, dense, lexical, group_lexical, names, roles in prepared:
        if dense.shape[0] == 0:
            items, fiches = [], []
        else:
            fused = fuse(dense, lexical, structure, config, sets, group_lexical, names, roles)
            items = _top(view.item_codes, fused.score[view.item_positions], 100)
            fiches = _top(view.fiche_codes, fused.group_scores[view.fiche_group_ids], 5)
        if case.expected_codes:
            rankings.append((items, set(case.expected_codes)))
        if case.rome_fiche:
            fiche1.append(accuracy_at_k(fiches, case.rome_fiche, 1))
            fiche5.append(accuracy_at_k(fiches, case.rome_fiche, 5))
    out = summarize(rankings, ks=(5, 10, 20))
    out["fiche_acc@1"] = float(np.mean(fiche1))
    out["fiche_acc@5"] = float(np.mean(fiche5))
    out["objective"] = (
        out["recall@10"] + out["mrr"] + 0.5 * out["fiche_acc@1"] + 0.25 * out["fiche_acc@5"]
    )
    return out


def calibrate(h: Habilitant, view: RomeView, prepared, config: MatchingConfig):  # type: ignore[no-untyped-def]
    """Decision thresholds on the dev split: among each case's 30 best ROME items, the
    (evidence, score) thresholds keeping most plausible items while at least ATTESTED /
    CONFIRM of the kept items are plausible. *Plausible* = chosen by the recruiter, or an
    item of the offer's own fiche métier (the recruiter's list is a subset of it)."""
    structure, sets = h.matcher.structure, h.matcher.group_sets
    rows = []  # (evidence, score, is_plausible)
    for case, dense, lexical, group_lexical, names, roles in prepared:
        if not case.rome_fiche or dense.shape[0] == 0:
            continue
        fiche = structure.group_position[("rome", "fiche", case.rome_fiche)]
        in_fiche = set(structure.link_cols[structure.link_rows == fiche].tolist())
        fused = fuse(dense, lexical, structure, config, sets, group_lexical, names, roles)
        scores = fused.score[view.item_positions]
        for i in np.argsort(-scores)[:30]:
            position = int(view.item_positions[i])
            plausible = view.item_codes[i] in case.expected_codes or position in in_fiche
            rows.append((float(fused.evidence[position]), float(scores[i]), plausible))
    data = np.array(rows)
    total = data[:, 2].sum()
    out = {}
    for name, target in (("attested", ATTESTED), ("confirm", CONFIRM)):
        best = None
        for e in np.quantile(data[:, 0], np.linspace(0, 0.95, 40)):
            for t in np.quantile(data[:, 1], np.linspace(0, 0.95, 40)):
                kept = (data[:, 0] >= e) & (data[:, 1] >= t)
                if kept.sum() < 10:
                    continue
                precision = data[kept, 2].mean()
                recall = data[kept, 2].sum() / total
                if precision >= target and (best is None or recall > best[2]):
                    best = (float(e), float(t), float(recall), float(precision), int(kept.sum()))
        out[name] = best
        if best:
            print(
                f"{name}: evidence>={best[0]:.4f} score>={best[1]:.4f} recall={best[2]:.3f} "
                f"precision>={best[3]:.3f} kept={best[4]}"
            )
        else:
            print(f"{name}: no threshold reaches {target}")
    if out["attested"] and out["confirm"]:
        config = dataclasses.replace(
            config,
            attested_evidence=round(out["attested"][0], 4),
            attested_score=round(out["attested"][1], 4),
            confirm_evidence=round(min(out["confirm"][0], out["attested"][0]), 4),
            confirm_score=round(min(out["confirm"][1], out["attested"][1]), 4),
        )
    return config, out


ATTESTED = 0.75
CONFIRM = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--dataset", type=Path, default=REPO.parent / "shared/eval/offres-ft-2025-dev.jsonl"
    )
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--json", type=Path, default=REPO / "scripts/results/tuning.json")
    args = parser.parse_args()
    h = Habilitant(get_settings())
    view = RomeView.from_pipeline(h)
    tick = time.perf_counter()
    prepared = prepare(h, load_eval_cases(args.dataset), REPO / "scripts/results/cache")
    print(f"prepared {len(prepared)} cases in {time.perf_counter() - tick:.0f} s")
    config = h.config
    best = evaluate(h, view, prepared, config)
    print("start", {k: round(v, 3) for k, v in best.items()})
    for _ in range(args.passes):
        for name, values in GRID.items():
            for value in values:
                candidate = dataclasses.replace(config, **{name: value})
                result = evaluate(h, view, prepared, candidate)
                if result["objective"] > best["objective"] + 1e-6:
                    best, config = result, candidate
                    print(f"{name}={value}", {k: round(v, 3) for k, v in best.items()})
    config, calibration = calibrate(h, view, prepared, config)
    best["calibration"] = calibration  # type: ignore[assignment]
    print("\nbest config (dev split):", dataclasses.asdict(config))
    print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in best.items()})
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "dataset": args.dataset.name,
                "split": "dev",
                "config": dataclasses.asdict(config),
                "metrics": best,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
