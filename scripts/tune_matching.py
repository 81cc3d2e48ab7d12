"""Tune matching and decision through the production path, on the training splits only.

    python scripts/tune_matching.py                 # decision, on the training narratives
    python scripts/tune_matching.py --fusion        # also the fusion weights, on dev offers

Every figure comes from the functions ``habilitant analyse`` and ``habilitant evaluate``
run: each text is read once (``Habilitant.read``: spaCy and the encoder, cached on disk),
then ranked with ``rank_reading`` under each candidate configuration and decided by
``Habilitant.analyse`` itself (``evaluation.narratives.habilitant_outcome``).

* Decision (thresholds of ``MatchingConfig`` and ``ActivityConfig``): on the training
  narratives ``scripts/data/recits-train-*.jsonl`` (written for this purpose; never
  recits-dev). Objective: concept recall, with on-topic share >= 0.85, at most 2.5
  statements per concept and none on the narratives without work.
* Fusion weights (``--fusion``): on ``offres-ft-2025-dev.jsonl`` (the offers dev split),
  coordinate search on recall@10 + MRR + fiche accuracy, as in earlier sessions.

Prints the best configuration and its figures (*tuning* figures: never report them as test
results), and writes ``scripts/results/tuning.json``. The encoder is the configured one
(``HABILITANT_ENCODER``), starting from its calibration; ``--write-calibration`` stores the
tuned decision values in ``src/habilitant/calibrations/<encoder>.json`` (then
``habilitant index build`` records them in that encoder's index).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import pickle
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from habilitant.calibration import CALIBRATIONS_DIR  # noqa: E402
from habilitant.evaluation.datasets import load_eval_cases, load_narrative_cases  # noqa: E402
from habilitant.evaluation.metrics import accuracy_at_k, summarize  # noqa: E402
from habilitant.evaluation.narratives import (  # noqa: E402
    Outcome,
    habilitant_outcome,
    narrative_metrics,
    rome_fiches_of,
)
from habilitant.evaluation.offers import RomeView, _top  # noqa: E402
from habilitant.matching.activities import ActivityConfig  # noqa: E402
from habilitant.matching.fusion import MatchingConfig  # noqa: E402
from habilitant.matching.ranking import Ranking, Reading, rank_reading  # noqa: E402
from habilitant.pipeline import Habilitant  # noqa: E402
from habilitant.settings import DEFAULT_ENCODER, get_settings  # noqa: E402

FUSION_GRID: dict[str, list[float]] = {
    "lexical_weight": [0.0, 0.03, 0.05, 0.08, 0.12, 0.2],
    "pool_beta": [10.0, 20.0, 40.0, 80.0],
    "pool_weight": [0.0, 0.5, 1.0, 2.0],
    "title_weight": [0.0, 0.25, 0.5, 1.0, 2.0],
    "group_lexical_weight": [0.0, 0.01, 0.02, 0.05, 0.1, 0.2],
    "temperature": [0.005, 0.01, 0.02, 0.04],
    "structure_weight": [0.0, 0.05, 0.1, 0.2, 0.3, 0.5],
    "principal_weight": [0.0, 0.25, 0.5, 1.0, 2.0],
    "role_weight": [0.0, 0.05, 0.1, 0.2],
}
DECISION_GRID: dict[str, list[Any]] = {
    "per_segment": [1, 2, 3],
    "per_experience": [4, 6, 8, 12, 16],
    "confirm_evidence": [0.03, 0.04, 0.05, 0.06, 0.07, 0.08],
    "confirm_score": [0.12, 0.15, 0.18, 0.2, 0.22, 0.25],
    "named_confirm_evidence": [0.02, 0.03, 0.04, 0.05],
    "context_support": [0.2, 0.3, 0.5, 0.7, 0.9],
    "strong_evidence": [0.1, 0.12, 0.14, 0.16, 0.2, 1.0],
    "segment_structure_weight": [0.0, 0.05, 0.1, 0.15, 0.2, 0.3],
    "core_bonus": [0.0, 0.01, 0.02, 0.03],
    "savoir_penalty": [0.0, 0.01, 0.02, 0.03],
    "second_margin": [0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 1.0],
}
ON_TOPIC, PER_CONCEPT = 0.85, 2.5
SEED = 12


def read_all(h: Habilitant, texts: Sequence[str], cache: Path) -> list[Reading]:
    """``Habilitant.read`` of every text, cached on disk under a key of the encoder, the
    narrative code (segmenter, glossary, verbs) and the texts."""
    sources = sorted((REPO / "src/habilitant").glob("narrative*.py"))
    sources.append(REPO / "src/habilitant/matching/ranking.py")
    key = hashlib.sha256(
        (h.encoder.checksum + "".join(p.read_text() for p in sources) + "\0".join(texts)).encode()
    ).hexdigest()[:16]
    path = cache / f"readings-{key}.pkl"
    if path.is_file():
        return pickle.loads(path.read_bytes())
    readings = [h.read(text) for text in texts]
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(readings))
    return readings


# --- Fusion weights, on the dev offers ------------------------------------------------------


def offers_objective(
    h: Habilitant, view: RomeView, cases: Sequence[Any], readings: Sequence[Reading], config
) -> dict[str, float]:  # type: ignore[no-untyped-def]
    rankings, fiche1, fiche5 = [], [], []
    for case, reading in zip(cases, readings, strict=True):
        fused = rank_reading(h.matcher, reading, config).fused
        items = (
            [] if fused is None else _top(view.item_codes, fused.score[view.item_positions], 100)
        )
        fiches = (
            []
            if fused is None
            else _top(view.fiche_codes, fused.group_scores[view.fiche_group_ids], 5)
        )
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


def tune_fusion(h: Habilitant, dataset: Path, cache: Path, passes: int) -> MatchingConfig:
    view = RomeView.from_pipeline(h)
    cases = load_eval_cases(dataset)
    readings = read_all(h, [c.offer_text for c in cases], cache)
    config = h.config
    best = offers_objective(h, view, cases, readings, config)
    print("fusion start", {k: round(v, 3) for k, v in best.items()})
    for _ in range(passes):
        for name, values in FUSION_GRID.items():
            for value in values:
                candidate = dataclasses.replace(config, **{name: value})
                result = offers_objective(h, view, cases, readings, candidate)
                if result["objective"] > best["objective"] + 1e-6:
                    best, config = result, candidate
                    print(f"  {name}={value}", {k: round(v, 3) for k, v in best.items()})
    return config


# --- Decision, on the training narratives ----------------------------------------------------


def narrative_figures(
    h: Habilitant,
    cases: Sequence[Any],
    rankings: Sequence[Ranking],
    view: RomeView,
    fiches_of: dict[str, frozenset[str]],
    decision: ActivityConfig,
) -> dict[str, Any]:
    """The narrative measures of ``analyse`` deciding with ``decision`` on ``rankings``."""
    h.decision = decision
    outcomes: dict[str, Outcome] = {
        case.id: habilitant_outcome(h, case.text, ranking, view)
        for case, ranking in zip(cases, rankings, strict=True)
    }
    return narrative_metrics(cases, outcomes, fiches_of)


def objective(figures: dict[str, Any]) -> float:
    """Concept recall, less penalties for off-topic statements, verbosity and statements on
    narratives without work."""
    recall = figures["concept_recall"] or 0.0
    on_topic = figures["on_topic"] if figures["on_topic"] is not None else 1.0
    per_concept = figures["per_concept"] or 0.0
    return (
        recall
        - 2.0 * max(0.0, ON_TOPIC - on_topic)
        - 0.2 * max(0.0, per_concept - PER_CONCEPT)
        - 0.02 * figures["negative_statements"]
    )


def tune_decision(
    h: Habilitant,
    paths: Sequence[Path],
    cache: Path,
    config: MatchingConfig,
    passes: int,
    samples: int,
) -> tuple[ActivityConfig, dict[str, Any]]:
    view = RomeView.from_pipeline(h)
    fiches_of = rome_fiches_of(h)
    cases = load_narrative_cases(*paths)
    readings = read_all(h, [c.text for c in cases], cache)
    rankings = [rank_reading(h.matcher, reading, config) for reading in readings]
    decision = h.decision

    def run(candidate: ActivityConfig) -> dict[str, Any]:
        return narrative_figures(h, cases, rankings, view, fiches_of, candidate)

    best = run(decision)
    print(f"decision start ({len(cases)} narratives)", _short(best))
    # A seeded random search over the grid first (the objective has plateaus that can stop
    # a coordinate search at its start), then coordinate passes from the best point.
    rng = np.random.default_rng(SEED)
    for _ in range(samples):
        fields = {name: rng.choice(values).item() for name, values in DECISION_GRID.items()}
        candidate = ActivityConfig(**fields)
        result = run(candidate)
        if objective(result) > objective(best) + 1e-6:
            best, decision = result, candidate
            print("  sample", fields, _short(best))
    for _ in range(passes):
        for name, values in DECISION_GRID.items():
            for value in values:
                candidate = dataclasses.replace(decision, **{name: value})
                result = run(candidate)
                if objective(result) > objective(best) + 1e-6:
                    best, decision = result, candidate
                    print(f"  {name}={value}", _short(best))
    h.decision = decision
    return decision, best


def _short(figures: dict[str, Any]) -> dict[str, Any]:
    keys = ("concept_recall", "on_topic", "per_concept", "fiche_hit", "negative_statements")
    return {k: figures[k] for k in keys} | {"objective": round(objective(figures), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--narratives",
        type=Path,
        nargs="+",
        default=sorted((REPO / "scripts/data").glob("recits-train-*.jsonl")),
    )
    parser.add_argument(
        "--offers", type=Path, default=REPO.parent / "shared/eval/offres-ft-2025-dev.jsonl"
    )
    parser.add_argument("--fusion", action="store_true", help="also tune the fusion weights")
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument(
        "--on-topic", type=float, default=0.85, help="on-topic share the decision must keep"
    )
    parser.add_argument("--samples", type=int, default=400, help="random decision configurations")
    parser.add_argument("--json", type=Path, default=None, help="default: results/tuning*.json")
    parser.add_argument(
        "--write-calibration",
        action="store_true",
        help="store the tuned values in the encoder's calibration file",
    )
    args = parser.parse_args()
    cache = REPO / "scripts/results/cache"
    global ON_TOPIC
    ON_TOPIC = args.on_topic
    h = Habilitant(get_settings())
    if args.json is None:
        suffix = "" if h.encoder.name == DEFAULT_ENCODER else f"-{h.encoder.name}"
        args.json = REPO / f"scripts/results/tuning{suffix}.json"
    tick = time.perf_counter()
    config = tune_fusion(h, args.offers, cache, args.passes) if args.fusion else h.config
    decision, figures = tune_decision(h, args.narratives, cache, config, args.passes, args.samples)
    print(f"\nbest (training narratives{', dev offers' if args.fusion else ''}):")
    print(dataclasses.asdict(config), dataclasses.asdict(decision))
    print(_short(figures), f"{time.perf_counter() - tick:.0f} s")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "narratives": [p.name for p in args.narratives],
                "offers": args.offers.name if args.fusion else None,
                "split": "training narratives (decision); dev offers (fusion, with --fusion)",
                "on_topic_floor": ON_TOPIC,
                "matching": dataclasses.asdict(config),
                "decision": dataclasses.asdict(decision),
                "narrative_figures": figures,
                "encoder": h.encoder.name,
            },
            indent=2,
        )
    )
    if args.write_calibration:
        write_calibration(h.encoder.name, config, decision, args)


def write_calibration(
    encoder: str, config: MatchingConfig, decision: ActivityConfig, args: argparse.Namespace
) -> None:
    """The values that differ from the dataclass defaults, in the encoder's calibration."""
    path = CALIBRATIONS_DIR / f"{encoder}.json"
    data = json.loads(path.read_text()) if path.is_file() else {"encoder": encoder}

    def changed(values: Any, defaults: Any) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(values).items() if getattr(defaults, k) != v}

    data["matching"] = changed(config, MatchingConfig())
    data["decision"] = changed(decision, ActivityConfig())
    data.setdefault("coverage", {})
    data["tuned_on"] = (
        data.get("tuned_on", "").split("; decision:")[0]
        + f"; decision: scripts/tune_matching.py --samples {args.samples} on "
        + ", ".join(p.name for p in args.narratives)
        + (f"; fusion on {args.offers.name}" if args.fusion else "")
    ).lstrip("; ")
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"→ {path}")


if __name__ == "__main__":
    main()
