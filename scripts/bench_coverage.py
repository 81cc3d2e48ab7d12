"""Coverage and suggestions on real data, baselines beside. Prints tables and writes JSON.

    python scripts/bench_coverage.py [--limit-2021 N] [--json scripts/results/bench_coverage.json]

1. Calibration (DEV split ``offres-ft-2025-dev``): each offer's own ROME fiche as the target;
   the items the recruiter attached are the positives. Precision / recall of *covered* and of
   *covered or partial* for the evidence floors of ``CoverageConfig`` (set from this table).
2. Self-consistency, RNCP extract: each certification's « activités visées » + « capacités
   attestées », used as a narrative, must cover its own blocs more than any other
   certification's: rank of the true certification among all loaded ones (by coverage ratio,
   and by the suggestion order).
3. Self-consistency, RNCP 2021 table: the same with each fiche's bloc titles as the narrative.
4. ``rncp-search-cases.json``: recall@5 of the suggestions (kind certification, with the
   case's level); cases whose expected numeros are not loaded are skipped and counted.
5. Offers (DEV): the right ROME fiche among the fiche suggestions (accuracy@1/@5) beside the
   analysis alone (fiche scores of the matcher).
6. ``--sweep``: the suggestion order for several values of ``CoverageConfig.suggest_group_weight``
   on the dev offers (fiche), the 20 fiches of the extract, every 16th fiche of the 2021 table
   and the search cases — the table the weight was chosen from.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from habilitant.coverage import CoverageConfig  # noqa: E402
from habilitant.evaluation.datasets import (  # noqa: E402
    applicable_search_cases,
    load_eval_cases,
    load_rncp_search_cases,
)
from habilitant.evaluation.offers import RomeView  # noqa: E402
from habilitant.pipeline import Habilitant  # noqa: E402
from habilitant.settings import get_settings  # noqa: E402
from habilitant.suggest import SuggestFilters  # noqa: E402
from habilitant.targets import fiche_target  # noqa: E402

FLOORS = (0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10, 0.12)


def calibrate(h: Habilitant, cases) -> list[dict[str, float]]:  # type: ignore[no-untyped-def]
    """Precision and recall of "evidence >= floor" for the items of each offer's fiche."""
    values, labels = [], []
    for case in tqdm(cases, desc="calibration", unit="offre"):
        if not case.rome_fiche or not case.expected_codes:
            continue
        target = fiche_target(h.catalog.fiche(case.rome_fiche), h.catalog)
        ranking = h.rank(case.offer_text)
        if ranking.fused is None:
            continue
        gold = {f"rome:{code}" for code in case.expected_codes}
        for bloc in target.blocs:
            for item in bloc.items:
                position = h.index.position(item.competence_id)
                if position is not None:
                    values.append(float(ranking.fused.evidence[position]))
                    labels.append(item.competence_id in gold)
    v, y = np.asarray(values), np.asarray(labels)
    rows = []
    for floor in FLOORS:
        kept = v >= floor
        rows.append(
            {
                "floor": floor,
                "precision": round(float(y[kept].mean()) if kept.any() else 0.0, 3),
                "recall": round(float(y[kept].sum() / max(y.sum(), 1)), 3),
                "kept_share": round(float(kept.mean()), 3),
            }
        )
    rows.append({"floor": "base rate", "precision": round(float(y.mean()), 3)})
    return rows


def true_rank(h: Habilitant, text: str, code: str, space_rows: np.ndarray) -> tuple[int, int]:
    """Rank (1 = first) of certification ``code`` by coverage ratio and by suggestion key."""
    ranking = h.rank(text)
    if ranking.fused is None:
        return 10**6, 10**6
    from habilitant.coverage import entry_statuses

    space = h.suggestion_space
    statuses = entry_statuses(ranking.fused, h.config, CoverageConfig())
    ratios, keys = space.scores(
        statuses, ranking.fused.evidence, CoverageConfig(), ranking.fused.group_scores
    )
    own = next(i for i in space_rows if space.rows[i].target.code == code)
    by_ratio = int((ratios[space_rows] > ratios[own]).sum()) + 1
    by_key = int((keys[space_rows] > keys[own]).sum()) + 1
    return by_ratio, by_key


def self_consistency(h: Habilitant, depth: str, limit: int | None) -> dict[str, object]:
    space = h.suggestion_space
    rows = np.array([i for i, r in enumerate(space.rows) if r.kind == "certification"])
    certifications = [c for c in h.catalog.certifications.values() if c.depth == depth and c.blocs]
    if limit:
        certifications = certifications[:: max(1, len(certifications) // limit)][:limit]
    ranks_ratio, ranks_key, codes = [], [], []
    for certification in tqdm(certifications, desc=f"auto-couverture {depth}", unit="fiche"):
        if depth == "competences":
            text = f"{certification.activites_visees}\n{certification.capacites_attestees}"
        else:
            text = ".\n".join(b.libelle for b in certification.blocs)
        if not text.strip():
            continue
        by_ratio, by_key = true_rank(h, text[: h.settings.max_text_chars], certification.code, rows)
        ranks_ratio.append(by_ratio)
        ranks_key.append(by_key)
        codes.append(certification.code)
    out: dict[str, object] = {"n": len(ranks_key), "candidates": int(rows.size)}
    for name, ranks in (("ratio", ranks_ratio), ("suggestion", ranks_key)):
        r = np.asarray(ranks)
        out[name] = {
            "top1": round(float((r == 1).mean()), 3),
            "top5": round(float((r <= 5).mean()), 3),
            "median_rank": float(np.median(r)),
            "mrr": round(float((1.0 / r).mean()), 3),
        }
    if depth == "competences":
        out["ranks"] = dict(zip(codes, ranks_key, strict=True))
    return out


def search_cases(h: Habilitant, path: Path) -> dict[str, object]:
    cases = load_rncp_search_cases(path)
    usable = applicable_search_cases(cases, h.catalog.certifications)
    hits = []
    for case in usable:
        rankings, _ = h.rankings(case.query)
        filters = SuggestFilters(
            kinds=("certification",),
            niveaux=(str(case.niveau),) if case.niveau else (),
            limit=5,
        )
        codes = [s.code for s in h.suggest_rankings(rankings, filters)]
        hits.append(any(code in case.expect for code in codes))
    return {
        "n": len(usable),
        "skipped": len(cases) - len(usable),
        "recall@5": round(float(np.mean(hits)), 3) if hits else None,
    }


def offers_fiches(h: Habilitant, cases) -> dict[str, object]:  # type: ignore[no-untyped-def]
    view = RomeView.from_pipeline(h)
    filters = SuggestFilters(kinds=("fiche",), referentiels=("rome",), limit=5)
    acc = {"suggest": {1: [], 5: []}, "analyse": {1: [], 5: []}}
    for case in tqdm(cases, desc="offres", unit="offre"):
        if not case.rome_fiche:
            continue
        ranking = h.rank(case.offer_text)
        suggested = [s.code for s in h.suggest_rankings([ranking], filters)]
        if ranking.fused is None:
            analysed: list[str] = []
        else:
            scores = ranking.fused.group_scores[view.fiche_group_ids]
            analysed = [view.fiche_codes[i] for i in np.argsort(-scores)[:5]]
        for name, ranked in (("suggest", suggested), ("analyse", analysed)):
            for k in (1, 5):
                acc[name][k].append(case.rome_fiche in ranked[:k])
    return {
        name: {f"fiche_acc@{k}": round(float(np.mean(v)), 3) for k, v in by_k.items()}
        for name, by_k in acc.items()
    } | {"n": len(acc["suggest"][1])}


def sweep(h: Habilitant, cases, search_path: Path) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """Top-1 / top-5 of the suggestion order for several weights of the matcher's group score."""
    from habilitant.coverage import entry_statuses

    space, config = h.suggestion_space, CoverageConfig()
    kinds = np.array([r.kind for r in space.rows])
    codes = np.array([r.code for r in space.rows])
    levels = np.array([r.target.niveau for r in space.rows])

    def features(text: str):  # type: ignore[no-untyped-def]
        ranking = h.rank(text)
        if ranking.fused is None:
            return None
        f = ranking.fused
        return entry_statuses(f, h.config, config), f.evidence, f.group_scores

    certifications = list(h.catalog.certifications.values())
    sets = {
        "offers_fiche": [
            (features(c.text), {c.rome_fiche}, "fiche", None) for c in cases if c.rome_fiche
        ],
        "self_rncp": [
            (
                features(f"{c.activites_visees}\n{c.capacites_attestees}"),
                {c.code},
                "certification",
                None,
            )
            for c in certifications
            if c.depth == "competences" and c.blocs
        ],
        "self_2021_sample": [
            (features(".\n".join(b.libelle for b in c.blocs)), {c.code}, "certification", None)
            for c in [c for c in certifications if c.depth == "bloc_titles" and c.blocs][::16]
        ],
        "search_cases": [
            (features(c.query), set(c.expect), "certification", c.niveau)
            for c in applicable_search_cases(
                load_rncp_search_cases(search_path), h.catalog.certifications
            )
        ],
    }
    rows = []
    for weight in (0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 100.0):
        row: dict[str, object] = {"group_weight": weight}
        for name, items in sets.items():
            top1, top5 = [], []
            for feats, gold, kind, level in items:
                if feats is None:
                    top1.append(False)
                    top5.append(False)
                    continue
                _, keys = space.scores(feats[0], feats[1], config, feats[2], weight)
                mask = kinds == kind
                if level:
                    mask &= levels == str(level)
                ids = np.flatnonzero(mask)
                best = codes[ids[np.argsort(-keys[ids], kind="stable")[:5]]]
                top1.append(best[0] in gold)
                top5.append(bool(gold & set(best)))
            row[name] = (round(float(np.mean(top1)), 3), round(float(np.mean(top5)), 3))
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, default=REPO.parent / "shared/eval")
    parser.add_argument("--limit-2021", type=int, default=None, help="fiches of the 2021 table")
    parser.add_argument("--skip", nargs="*", default=(), help="sections to skip (1-5)")
    parser.add_argument("--merge", action="store_true", help="update the JSON, keep the rest")
    parser.add_argument("--sweep", action="store_true", help="section 6: the group weight table")
    parser.add_argument("--json", type=Path, default=REPO / "scripts/results/bench_coverage.json")
    args = parser.parse_args()
    tick = time.perf_counter()
    h = Habilitant(get_settings())
    _ = h.suggestion_space
    results: dict[str, object] = {"load_s": round(time.perf_counter() - tick, 1)}
    offers = load_eval_cases(args.eval / "offres-ft-2025-dev.jsonl")
    if "1" not in args.skip:
        results["calibration_dev"] = calibrate(h, offers)
        print("\n1. Calibration (dev) — evidence floor on the items of the offer's fiche")
        for row in results["calibration_dev"]:
            print("  ", row)
    if "2" not in args.skip:
        results["self_rncp"] = self_consistency(h, "competences", None)
        print("\n2. Auto-couverture, extrait RNCP:", results["self_rncp"])
    if "3" not in args.skip:
        results["self_rncp_2021"] = self_consistency(h, "bloc_titles", args.limit_2021)
        print("\n3. Auto-couverture, RNCP 2021 (intitulés de blocs):", results["self_rncp_2021"])
    if "4" not in args.skip:
        results["rncp_search_cases"] = search_cases(h, args.eval / "rncp-search-cases.json")
        print("\n4. rncp-search-cases:", results["rncp_search_cases"])
    if "5" not in args.skip:
        results["offers_fiches_dev"] = offers_fiches(h, offers)
        print("\n5. Offres (dev), fiche ROME:", results["offers_fiches_dev"])
    if args.sweep:
        results["group_weight_sweep"] = sweep(h, offers, args.eval / "rncp-search-cases.json")
        print("\n6. suggest_group_weight (top-1, top-5):")
        for row in results["group_weight_sweep"]:
            print("  ", row)
    results["total_s"] = round(time.perf_counter() - tick, 1)
    if args.merge and args.json.is_file():
        results = json.loads(args.json.read_text(encoding="utf-8")) | results
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nJSON: {args.json}")


if __name__ == "__main__":
    main()
