"""The neighbour score's lexical weight and floor, on the official ESCO <-> ROME crosswalk.

    python scripts/calibrate_neighbours.py [--write-calibration]
    HABILITANT_ENCODER=embeddinggemma-300m python scripts/calibrate_neighbours.py ...

Only the index's stored vectors are used (nothing is encoded). The ROME appellations mapped
to an ESCO occupation by the official table are split in two halves by fiche; on the first:

* the lexical weight is the smallest of ``--weights`` with which an appellation's nearest ESCO
  occupation is its official one within ``--tolerance`` (0.005) of the best share: the words
  weigh no more than what they measurably add to the encoder;
* the floor is the score reached by one random (appellation, occupation) pair in
  ``1 / --rate`` (every pair the table does not make counts as random).

The second half reports, at that floor, the share of official pairs kept, of random pairs
kept and of the best occupation of another ROME grand domaine kept; and the share of random
pairs of statements of two referentials kept (the floor is applied to statements).
``--write-calibration`` stores ``neighbours.floor`` and ``neighbours.lexical_weight`` in
``calibrations/<encoder>.json``; rebuild the index (``habilitant index build``, from the cache
in seconds) for the pipeline to use them. Results: ``scripts/results/neighbours-<encoder>.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from habilitant.calibration import CALIBRATIONS_DIR  # noqa: E402
from habilitant.index import load_index  # noqa: E402
from habilitant.link_measures import (  # noqa: E402
    crosswalk_pairs,
    floor_from_random,
    occupation_scores,
    random_statement_scores,
    share_at_or_above,
    split_by_fiche,
)
from habilitant.neighbours import NeighbourSpace  # noqa: E402
from habilitant.settings import get_settings  # noqa: E402
from habilitant.workspace import load_catalog  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--weights", type=float, nargs="+", default=[0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4]
    )
    parser.add_argument(
        "--tolerance", type=float, default=0.005, help="top-1 given up for less weight"
    )
    parser.add_argument("--rate", type=float, default=0.001, help="random pairs let through")
    parser.add_argument("--write-calibration", action="store_true")
    args = parser.parse_args()
    tick = time.perf_counter()
    settings = get_settings()
    encoder = settings.encoder
    catalog = load_catalog(settings)
    index = load_index(settings.resolved_index_dir)
    space = NeighbourSpace.from_index(index)
    calibration, held_out = split_by_fiche(crosswalk_pairs(catalog, space))
    print(
        f"{encoder}: {len(calibration)} appellations to calibrate on, {len(held_out)} held out "
        f"({len(index):,} entries)"
    )
    grid, scored = [], {}
    for weight in args.weights:
        scored[weight] = occupation_scores(space, calibration, weight)
        grid.append(
            {
                "lexical_weight": weight,
                "top1": scored[weight].hits(1),
                "top5": scored[weight].hits(5),
            }
        )
        row = grid[-1]
        print(f"  lexical weight {weight:<5} top-1 {row['top1']:.3f}  top-5 {row['top5']:.3f}")
    best = max(row["top1"] for row in grid)
    weight = min(row["lexical_weight"] for row in grid if row["top1"] >= best - args.tolerance)
    floor = round(floor_from_random(scored[weight].unrelated(), args.rate), 3)
    del scored

    report = occupation_scores(space, held_out, weight)
    statements = random_statement_scores(space, weight, rows=2000, per_row=500)
    figures = {
        "encoder": encoder,
        "lexical_weight": weight,
        "floor": floor,
        "rule": "floor: the score one random appellation-occupation pair in "
        f"{round(1 / args.rate)} reaches (calibration half)",
        "grid": grid,
        "held_out": {
            "appellations": len(held_out),
            "top1": report.hits(1),
            "top5": report.hits(5),
            "official_at_or_above_floor": share_at_or_above(report.official(), floor),
            "random_at_or_above_floor": share_at_or_above(report.unrelated(), floor),
            "other_domain_best_at_or_above_floor": share_at_or_above(
                report.other_domain(catalog), floor
            ),
        },
        "random_statement_pairs_at_or_above_floor": share_at_or_above(statements, floor),
        "random_statement_pairs": int(statements.size),
        "seconds": round(time.perf_counter() - tick, 1),
    }
    held = figures["held_out"]
    print(f"chosen: lexical weight {weight}, floor {floor}")
    print(
        f"held out ({held['appellations']} appellations): top-1 {held['top1']:.3f}, "
        f"top-5 {held['top5']:.3f}; at or above the floor: official pairs "
        f"{held['official_at_or_above_floor']:.1%}, random pairs "
        f"{held['random_at_or_above_floor']:.2%}, best occupation of another grand domaine "
        f"{held['other_domain_best_at_or_above_floor']:.1%}; random statement pairs "
        f"{figures['random_statement_pairs_at_or_above_floor']:.3%} "
        f"(of {figures['random_statement_pairs']:,})"
    )
    results = REPO / "scripts" / "results" / f"neighbours-{encoder}.json"
    results.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"→ {results}")
    if args.write_calibration:
        path = CALIBRATIONS_DIR / f"{encoder}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        data["neighbours"] = {"floor": floor, "lexical_weight": weight}
        note = (
            f"neighbours: scripts/calibrate_neighbours.py on the official ESCO-ROME crosswalk "
            f"(floor = 1 random pair in {round(1 / args.rate)})"
        )
        if note not in data.get("tuned_on", ""):
            data["tuned_on"] = f"{data.get('tuned_on', '').rstrip('. ')}; {note}".lstrip("; ")
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"→ {path}")


if __name__ == "__main__":
    main()
