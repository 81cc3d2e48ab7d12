"""The cosine scale of an encoder against multilingual-e5-small, on the training narratives.

    python scripts/calibrate_encoder.py embeddinggemma-300m [--write]

Evidence is a centred cosine (a segment's cosine with a statement less its mean cosine with
all statements) plus a weighted lexical overlap; its thresholds were set for
multilingual-e5-small. An encoder that spreads its cosines wider gives larger centred values
for the same closeness, so its cosines are multiplied by ``dense_scale`` before centring.

The scale is the ratio, over every segment of the training narratives
(``scripts/data/recits-train-*.jsonl``; never recits-dev), of the mean of each segment's ten
best centred cosines (the values decisions are made on) under e5 and under the encoder:
``median(e5) / median(encoder)``. Both encoders read the narratives through the production
path (``Habilitant.read``). ``--write`` stores it in ``calibrations/<encoder>.json``
(``matching.dense_scale``); the decision values are then tuned with
``HABILITANT_ENCODER=<encoder> python scripts/tune_matching.py --write-calibration``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from habilitant.calibration import CALIBRATIONS_DIR  # noqa: E402
from habilitant.evaluation.datasets import load_narrative_cases  # noqa: E402
from habilitant.pipeline import Habilitant  # noqa: E402
from habilitant.settings import DEFAULT_ENCODER, get_settings  # noqa: E402

TOP = 10


def top_centred(h: Habilitant, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per segment: the mean of its ``TOP`` best centred cosines with the statements, and
    the standard deviation of all of them."""
    statements = h.matcher.structure.statement_mask
    tops, spreads = [], []
    for text in texts:
        reading = h.read(text)
        if not len(reading.segments):
            continue
        raw, centred = h.matcher.centred(reading.vectors)
        centred = centred[:, statements]
        best = -np.partition(-centred, TOP, axis=1)[:, :TOP]
        tops.extend(best.mean(axis=1).tolist())
        spreads.extend(centred.std(axis=1).tolist())
    return np.asarray(tops), np.asarray(spreads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("encoder")
    parser.add_argument(
        "--narratives",
        type=Path,
        nargs="+",
        default=sorted((REPO / "scripts/data").glob("recits-train-*.jsonl")),
    )
    parser.add_argument("--write", action="store_true", help="store the scale")
    args = parser.parse_args()
    texts = [case.text for case in load_narrative_cases(*args.narratives)]
    figures = {}
    for name in (DEFAULT_ENCODER, args.encoder):
        h = Habilitant(get_settings(encoder=name))
        tops, spreads = top_centred(h, texts)
        figures[name] = (float(np.median(tops)), float(np.median(spreads)), len(tops))
        print(
            f"{name:<24} segments {len(tops):>5}  median top-{TOP} centred cosine "
            f"{figures[name][0]:.4f}  median spread {figures[name][1]:.4f}"
        )
    scale = figures[DEFAULT_ENCODER][0] / figures[args.encoder][0]
    spread_scale = figures[DEFAULT_ENCODER][1] / figures[args.encoder][1]
    print(f"dense_scale = {scale:.4f} (by spread it would be {spread_scale:.4f})")
    if args.write:
        path = CALIBRATIONS_DIR / f"{args.encoder}.json"
        data = json.loads(path.read_text()) if path.is_file() else {"encoder": args.encoder}
        data.setdefault("matching", {})["dense_scale"] = round(scale, 4)
        data.setdefault("decision", {})
        data.setdefault("coverage", {})
        data["tuned_on"] = (
            f"dense_scale: scripts/calibrate_encoder.py on {len(texts)} training narratives "
            f"(top-{TOP} centred cosines, e5 {figures[DEFAULT_ENCODER][0]:.4f} / "
            f"{args.encoder} {figures[args.encoder][0]:.4f})"
        )
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"→ {path}")


if __name__ == "__main__":
    main()
