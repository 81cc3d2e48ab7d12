"""What the learned fiche prediction (``habilitant train``) changes, on offers and narratives.

The prediction reads a text's title line only, so a narrative told in one paragraph (every
narrative of ``recits-dev``) is matched exactly as without it. To see what it does to a
narrative that opens with a line of its own, each narrative is also measured with the space
after its first sentence turned into a line break (same length, so every expected span stays
where it is): the same pipeline with and without the prediction, side by side.

    python scripts/bench_fiche_prediction.py [--json scripts/results/fiche_prediction.json]

Measures, with the pipeline's learned ranking on, the prediction on / off:
* dev offers (never trained on): fiche accuracy @1 / @5, items recall@10 / MRR;
* narratives (``recits-dev``), as told and with a first line: concept recall, on-topic share,
  statements on the negatives.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from habilitant.evaluation.datasets import load_eval_cases, load_narrative_cases  # noqa: E402
from habilitant.evaluation.narratives import evaluate_narratives  # noqa: E402
from habilitant.evaluation.offers import evaluate_offers  # noqa: E402
from habilitant.matching.fiche_classifier import title_of  # noqa: E402
from habilitant.pipeline import Habilitant  # noqa: E402
from habilitant.settings import get_settings  # noqa: E402

FIRST_SENTENCE_END = re.compile(r"[.!?;:] ")


def with_first_line(text: str) -> str:
    """The space after the first sentence (within 150 characters) made a line break."""
    match = FIRST_SENTENCE_END.search(text, 0, 151)
    if match is None:
        return text
    return text[: match.end() - 1] + "\n" + text[match.end() :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    shared = REPO.parent / "shared" / "eval"
    parser.add_argument("--dev", type=Path, default=shared / "offres-ft-2025-dev.jsonl")
    parser.add_argument("--narratives", type=Path, default=shared / "recits-dev.jsonl")
    parser.add_argument("--json", type=Path, default=REPO / "scripts/results/fiche_prediction.json")
    args = parser.parse_args()

    tick = time.perf_counter()
    h = Habilitant(get_settings())
    if h.fiche_classifier is None:
        raise SystemExit("Aucune prédiction de fiche apprise : lancez habilitant train.")
    classifier = h.fiche_classifier
    offers = load_eval_cases(args.dev)
    told = load_narrative_cases(args.narratives)
    lined = tuple(replace(c, text=with_first_line(c.text)) for c in told)
    report: dict[str, object] = {
        "weight": classifier.weight,
        "temperature": classifier.temperature,
        "narratives_with_a_title_line": sum(bool(title_of(c.text)) for c in lined),
        "narratives": len(lined),
    }
    rows: dict[str, dict[str, object]] = {}
    for state in ("on", "off"):
        h.fiche_classifier = classifier if state == "on" else None
        dev = evaluate_offers(h, offers)["systems"]["habilitant"]
        row: dict[str, object] = {
            "dev fiche@1": dev["fiche_acc@1"],
            "dev fiche@5": dev["fiche_acc@5"],
            "dev items R@10": dev["recall@10"],
            "dev MRR": dev["mrr"],
        }
        for name, cases in (("as told", told), ("first line", lined)):
            ours = evaluate_narratives(h, cases)["systems"]["habilitant"]
            row[f"{name}: recall"] = ours["concept_recall"]
            row[f"{name}: on-topic"] = ours["on_topic"]
            row[f"{name}: on negatives"] = ours["negative_statements"]
        rows[f"prediction {state}"] = row
    h.fiche_classifier = classifier
    report["systems"] = rows
    report["seconds"] = round(time.perf_counter() - tick)

    columns = list(next(iter(rows.values())))
    width = max(len(c) for c in columns) + 2
    print(f"{'':16s}" + "".join(f"{c:>{width}s}" for c in columns))
    for name, row in rows.items():
        print(f"{name:16s}" + "".join(f"{row[c]!s:>{width}s}" for c in columns))
    print(
        f"{report['narratives_with_a_title_line']} of {report['narratives']} narratives have a "
        f"title line once their first sentence ends the line."
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"JSON: {args.json}")


if __name__ == "__main__":
    main()
