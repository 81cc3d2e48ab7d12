"""How well the computed links agree with the official ones (issue 17, part 4).

    python scripts/measure_links.py [--rncp-2021 100] [--output scripts/results/links.json]

a. **Certifications -> ROME fiches.** For each certification of the RNCP extract (the official
   XML export: competence lists and ``CODES_ROME``), its blocs' competences are joined into one
   text and given to the suggestion (``Habilitant.suggest``, the ``/suggest`` path, fiches of
   ROME only). A cited ROME 3 code counts as found when its fiche or one of the ROME 4.0 fiches
   derived from it (``code_rome_parent``) is among the top-k fiches. Reported: the share of
   certifications with at least one code found, the share of cited codes found, and chance
   beside each (k / number of fiches; and the exact chance of drawing one of the fiches that
   count, which is larger for a code split into many ROME 4.0 fiches). ``--rncp-2021 N`` adds
   a seeded sample of N active certifications of the 2021 tables, judged on their bloc titles
   (their only text).
b. **ROME appellations -> ESCO occupations.** On the official ESCO <-> ROME table, the share of
   ROME appellations whose official ESCO occupation is the nearest one computed by the
   neighbour score (top-1, top-5), against chance (k / occupations indexed); and the neighbour
   floor of the index's calibration: the share of official pairs at or above it against random
   pairs and the best occupation of another ROME grand domaine, on the half of the
   appellations the floor was not calibrated on (and on all); then, on ROME statements, the
   share that get at least one neighbour in each other referential.

Uses the configured encoder, index and calibration (``HABILITANT_*``); prints a table and
writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from habilitant.link_measures import (  # noqa: E402
    certification_text,
    chance_of_hit,
    crosswalk_pairs,
    occupation_scores,
    official_fiches,
    share_at_or_above,
    split_by_fiche,
)
from habilitant.neighbours import neighbours  # noqa: E402
from habilitant.pipeline import Habilitant  # noqa: E402
from habilitant.relations import neighbour_space  # noqa: E402
from habilitant.suggest import SuggestFilters  # noqa: E402

KS = (5, 10)


def _bloc_titles(certification: Any) -> str:
    return "\n".join(bloc.libelle for bloc in certification.blocs if bloc.libelle.strip())


def _fit(text: str, limit: int) -> str:
    """The text cut at a line boundary to the narrative limit."""
    if len(text) <= limit:
        return text
    return text[: text.rfind("\n", 0, limit)].strip()


def certification_hits(h: Habilitant, certifications: list[Any], text_of: Any) -> dict[str, Any]:
    catalog = h.catalog
    fiches = sum(1 for row in h.suggestion_space.rows if row.kind == "fiche")
    filters = SuggestFilters(kinds=("fiche",), referentiels=("rome",), limit=max(KS))
    rows, cut = [], 0
    for certification in certifications:
        wanted = official_fiches(certification, catalog)
        text = text_of(certification)
        if not wanted or not text:
            continue
        fitted = _fit(text, h.settings.max_text_chars)
        cut += fitted != text
        suggestions, _ = h.suggest(fitted, filters)
        ranked = [s.code for s in suggestions if s.kind == "fiche"]
        union = frozenset().union(*wanted.values())
        row: dict[str, Any] = {
            "code": certification.code,
            "intitule": certification.intitule,
            "cited": sorted(wanted),
            "ranked": ranked,
        }
        for k in KS:
            found = [code for code, accepted in wanted.items() if accepted & set(ranked[:k])]
            row[f"found@{k}"] = found
            row[f"any@{k}"] = bool(found)
            row[f"chance_any@{k}"] = chance_of_hit(fiches, len(union), k)
            row[f"chance_codes@{k}"] = float(
                np.mean([chance_of_hit(fiches, len(a), k) for a in wanted.values()])
            )
        rows.append(row)
    summary: dict[str, Any] = {"certifications": len(rows), "fiches": fiches, "texts_cut": cut}
    codes = sum(len(r["cited"]) for r in rows)
    summary["codes"] = codes
    for k in KS:
        summary[f"any@{k}"] = float(np.mean([r[f"any@{k}"] for r in rows])) if rows else 0.0
        summary[f"codes@{k}"] = sum(len(r[f"found@{k}"]) for r in rows) / codes if codes else 0.0
        summary[f"chance_k_over_n@{k}"] = k / fiches
        summary[f"chance_any@{k}"] = (
            float(np.mean([r[f"chance_any@{k}"] for r in rows])) if rows else 0.0
        )
        summary[f"chance_codes@{k}"] = (
            float(np.sum([r[f"chance_codes@{k}"] * len(r["cited"]) for r in rows]) / codes)
            if codes
            else 0.0
        )
    return {"summary": summary, "rows": rows}


def occupation_measure(h: Habilitant) -> dict[str, Any]:
    space = neighbour_space(h)
    config = h.calibration.neighbours
    pairs = crosswalk_pairs(h.catalog, space)
    calibration, held_out = split_by_fiche(pairs)
    out: dict[str, Any] = {
        "floor": config.floor,
        "lexical_weight": config.lexical_weight,
        "occupations": 0,
    }
    for name, part in (("all", pairs), ("held_out", held_out), ("calibration", calibration)):
        scored = occupation_scores(space, part, config.lexical_weight)
        out["occupations"] = len(scored.codes)
        figures: dict[str, Any] = {"appellations": len(part)}
        for k in (1, 5):
            figures[f"top{k}"] = scored.hits(k)
            figures[f"chance_top{k}"] = k / len(scored.codes)
        figures["official_at_or_above_floor"] = share_at_or_above(scored.official(), config.floor)
        figures["random_at_or_above_floor"] = share_at_or_above(scored.unrelated(), config.floor)
        figures["other_domain_best_at_or_above_floor"] = share_at_or_above(
            scored.other_domain(h.catalog), config.floor
        )
        out[name] = figures
    return out


def statement_coverage(h: Habilitant, sample: int = 1000) -> dict[str, Any]:
    """Share of ROME statements with at least one neighbour in each other referential."""
    space = neighbour_space(h)
    ids = [
        e.id
        for e in h.index.entries
        if e.referentiel == "rome" and e.kind in ("competence", "macro_competence", "savoir")
    ]
    ids = random.Random(17).sample(ids, min(sample, len(ids)))
    tick = time.perf_counter()
    found = {}
    for start in range(0, len(ids), 30):  # as an analysis asks: a few dozen at once
        found.update(neighbours(space, ids[start : start + 30], h.calibration.neighbours))
    seconds = time.perf_counter() - tick
    others = sorted(r for r in space.candidates if r != "rome")
    return {
        "statements": len(ids),
        "ms_per_statement": round(1000 * seconds / max(1, len(ids)), 2),
        "with_a_neighbour": {
            r: float(np.mean([any(n.referentiel == r for n in found[i]) for i in ids]))
            for r in others
        },
        "mean_neighbours": float(np.mean([len(found[i]) for i in ids])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rncp-2021", type=int, default=100, help="sample of 2021 certifications")
    parser.add_argument("--output", type=Path, default=REPO / "scripts/results/links.json")
    args = parser.parse_args()
    tick = time.perf_counter()
    h = Habilitant()
    catalog = h.catalog
    extract = [c for r in catalog.referentiels if r.name == "rncp" for c in r.certifications]
    results: dict[str, Any] = {
        "encoder": h.encoder.name,
        "rncp_extract": certification_hits(h, extract, lambda c: certification_text(c, catalog)),
    }
    if args.rncp_2021:
        older = [
            c
            for r in catalog.referentiels
            if r.name == "rncp-2021"
            for c in r.certifications
            if c.actif and len(c.blocs) >= 2 and official_fiches(c, catalog)
        ]
        sample = random.Random(2021).sample(older, min(args.rncp_2021, len(older)))
        results["rncp_2021_sample"] = certification_hits(h, sample, _bloc_titles)
    results["esco_rome"] = occupation_measure(h)
    results["statements"] = statement_coverage(h)
    results["seconds"] = round(time.perf_counter() - tick, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(table(results))
    print(f"→ {args.output}")


def table(results: dict[str, Any]) -> str:
    lines = [f"encoder {results['encoder']}", "", "a. certifications -> ROME fiches (suggestion)"]
    lines.append(
        "| set | certifications | codes | k | ≥1 code found | chance | codes found | chance "
        "(exact) | k / fiches |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for key, name in (("rncp_extract", "RNCP extract"), ("rncp_2021_sample", "RNCP 2021 sample")):
        if key not in results:
            continue
        s = results[key]["summary"]
        for k in KS:
            lines.append(
                f"| {name} | {s['certifications']} | {s['codes']} | {k} | {s[f'any@{k}']:.0%} | "
                f"{s[f'chance_any@{k}']:.1%} | {s[f'codes@{k}']:.0%} | "
                f"{s[f'chance_codes@{k}']:.1%} | {s[f'chance_k_over_n@{k}']:.2%} |"
            )
    e = results["esco_rome"]
    lines += [
        "",
        f"b. ROME appellations -> ESCO occupations ({e['occupations']} indexed; floor "
        f"{e['floor']}, lexical weight {e['lexical_weight']})",
        "| appellations | n | top-1 | chance | top-5 | chance | official ≥ floor | random ≥ floor "
        "| best other domain ≥ floor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for part in ("all", "held_out", "calibration"):
        f = e[part]
        lines.append(
            f"| {part} | {f['appellations']} | {f['top1']:.1%} | {f['chance_top1']:.3%} | "
            f"{f['top5']:.1%} | {f['chance_top5']:.2%} | {f['official_at_or_above_floor']:.1%} | "
            f"{f['random_at_or_above_floor']:.2%} | "
            f"{f['other_domain_best_at_or_above_floor']:.1%} |"
        )
    st = results["statements"]
    shares = ", ".join(f"{r} {v:.0%}" for r, v in st["with_a_neighbour"].items())
    lines += [
        "",
        f"ROME statements ({st['statements']}) with a neighbour: {shares}; "
        f"{st['mean_neighbours']:.1f} neighbours each, {st['ms_per_statement']} ms a statement",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
