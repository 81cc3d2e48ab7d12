"""Evaluation on narratives (``recits-dev.jsonl`` and the training narratives): the product's task.

Each case is a narrative with, per experience, the acceptable ROME fiches and the concepts
told (a concept is a list of item codes, any one of which states the activity). Measures,
for the statements a system gives (ROME only):

* ``fiche_hit``: share of experiences with a statement in one of their acceptable fiches;
* ``concept_recall``: share of concepts with one of their codes among the statements;
* ``on_topic``: share of statements in an acceptable fiche of the narrative or among its
  concepts' codes;
* ``per_narrative`` / ``per_concept``: statements per narrative with work, and per concept
  (a system that states a whole fiche is not a good one);
* ``negative_statements``: statements given for the narratives without work (goal 0);
* ``concept_hit@10`` / ``@30``: share of concepts one of whose codes is in the first 10 /
  30 of the system's ranking of all ROME items (what a decision could at best keep).

Three systems on the same cases: ``habilitant`` (``analyse``, the product's decision);
``bm25`` and ``dense`` (:mod:`habilitant.evaluation.offers`), which rank but cannot abstain:
they state their first *k* items, *k* being what habilitant stated on the same narrative
(the same budget), and on a negative narrative the mean budget of the narratives with work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from habilitant.evaluation.datasets import NarrativeCase
from habilitant.evaluation.offers import (
    ROME_ITEM_KINDS,
    SYSTEMS,
    Bm25Baseline,
    RomeView,
    _top,
    rank_dense,
)
from habilitant.matching.ranking import Ranking

if TYPE_CHECKING:
    from habilitant.pipeline import Habilitant

RANK_DEPTH = 100
METRICS = (
    "fiche_hit",
    "concept_recall",
    "on_topic",
    "per_narrative",
    "per_concept",
    "negative_statements",
    "concept_hit@10",
    "concept_hit@30",
)


@dataclass(frozen=True)
class Outcome:
    """What one system said of one narrative: its statements (ROME codes, in order) and its
    ranking of all ROME items (best first, ``RANK_DEPTH`` deep)."""

    stated: tuple[str, ...]
    ranked: tuple[str, ...]


def best_rank(concept: Sequence[str], ranked: Sequence[str]) -> int | None:
    """1-based rank of the first of the concept's codes in ``ranked``, None when absent."""
    wanted = set(concept)
    return next((n for n, code in enumerate(ranked, start=1) if code in wanted), None)


def narrative_metrics(
    cases: Sequence[NarrativeCase],
    outcomes: Mapping[str, Outcome],
    fiches_of: Mapping[str, frozenset[str]],
) -> dict[str, float | int | None]:
    """The measures of the module's docstring; ``fiches_of`` gives each item code's fiches.
    A measure with nothing to average is None (never a 0 that reads as a score)."""
    experiences = hits = concepts = found = statements = on_topic = negatives = 0
    at10 = at30 = positives = 0
    for case in cases:
        outcome = outcomes[case.id]
        if case.negative:
            negatives += len(outcome.stated)
            continue
        positives += 1
        stated = set(outcome.stated)
        stated_fiches = {f for code in outcome.stated for f in fiches_of.get(code, ())}
        for experience in case.experiences:
            experiences += 1
            hits += bool(stated_fiches & set(experience.fiches))
        concept_codes = {code for concept in case.concepts for code in concept}
        for concept in case.concepts:
            concepts += 1
            found += bool(stated & set(concept))
            rank = best_rank(concept, outcome.ranked)
            at10 += rank is not None and rank <= 10
            at30 += rank is not None and rank <= 30
        statements += len(outcome.stated)
        on_topic += sum(
            1
            for code in outcome.stated
            if code in concept_codes or fiches_of.get(code, frozenset()) & case.fiches
        )

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return {
        "fiche_hit": share(hits, experiences),
        "concept_recall": share(found, concepts),
        "on_topic": share(on_topic, statements),
        "per_narrative": share(statements, positives),
        "per_concept": share(statements, concepts),
        "negative_statements": negatives,
        "concept_hit@10": share(at10, concepts),
        "concept_hit@30": share(at30, concepts),
        "narratives": positives,
        "negative_narratives": sum(1 for case in cases if case.negative),
        "concepts": concepts,
        "statements": statements,
    }


def rome_fiches_of(h: Habilitant) -> dict[str, frozenset[str]]:
    """Each ROME item code's fiches, from the index."""
    out: dict[str, set[str]] = {}
    for entry in h.index.entries:
        if entry.referentiel == "rome" and entry.kind in ROME_ITEM_KINDS:
            out.setdefault(entry.code, set()).update(
                p.code for p in entry.parents if p.kind == "fiche"
            )
    return {code: frozenset(fiches) for code, fiches in out.items()}


def habilitant_outcome(h: Habilitant, text: str, ranking: Ranking, view: RomeView) -> Outcome:
    """What ``analyse`` states (ROME only) of ``text`` from its ``ranking``, and its ranking
    of ROME items. Tuning and evaluation both call this: the product's own decision."""
    analysis = h.analyse(text, referentiels=["rome"], ranking=ranking)
    stated = tuple(s.code for s in analysis.statements)
    if ranking.fused is None:
        return Outcome(stated, ())
    ranked = _top(view.item_codes, ranking.fused.score[view.item_positions], RANK_DEPTH)
    return Outcome(stated, tuple(ranked))


def evaluate_narratives(
    h: Habilitant, cases: Sequence[NarrativeCase], *, dataset: str = ""
) -> dict[str, Any]:
    """The measures for habilitant and the two baselines, and the per-case details."""
    view = RomeView.from_pipeline(h)
    bm25 = Bm25Baseline.build(h, view)
    fiches_of = rome_fiches_of(h)
    ours = {case.id: habilitant_outcome(h, case.text, h.rank(case.text), view) for case in cases}
    budgets = [len(ours[c.id].stated) for c in cases if not c.negative]
    default_budget = round(float(np.mean(budgets))) if budgets else 0
    outcomes: dict[str, dict[str, Outcome]] = {"habilitant": ours}
    rankers = {
        "bm25": lambda text: bm25.rank(view, text, RANK_DEPTH)[0],
        "dense": lambda text: rank_dense(h, view, text, RANK_DEPTH)[0],
    }
    for name, ranker in rankers.items():
        outcomes[name] = {}
        for case in cases:
            ranked = tuple(ranker(case.text))
            budget = default_budget if case.negative else len(ours[case.id].stated)
            outcomes[name][case.id] = Outcome(ranked[:budget], ranked)
    systems = {name: narrative_metrics(cases, outcomes[name], fiches_of) for name in SYSTEMS}
    return {
        "dataset": dataset,
        "format": "narratives",
        "n": len(cases),
        "systems": systems,
        "cases": [case_details(case, ours[case.id], fiches_of) for case in cases],
    }


def case_details(
    case: NarrativeCase, outcome: Outcome, fiches_of: Mapping[str, frozenset[str]]
) -> dict[str, Any]:
    """One narrative: its statements, and each concept missed with the rank of its best code
    in habilitant's ranking."""
    stated = set(outcome.stated)
    missed = [
        {"codes": list(concept), "rank": best_rank(concept, outcome.ranked)}
        for concept in case.concepts
        if not stated & set(concept)
    ]
    off_topic = [
        code
        for code in outcome.stated
        if not case.negative
        and code not in {c for concept in case.concepts for c in concept}
        and not fiches_of.get(code, frozenset()) & case.fiches
    ]
    return {
        "id": case.id,
        "negative": case.negative,
        "concepts": len(case.concepts),
        "found": len(case.concepts) - len(missed),
        "statements": len(outcome.stated),
        "missed": missed,
        "off_topic": off_topic,
    }


def _cell(value: float | int | None, width: int = 13) -> str:
    if value is None:
        return f"{'—':>{width}}"
    return f"{value:>{width}}" if isinstance(value, int) else f"{value:>{width}.3f}"


NAMES = {
    "fiche_hit": "fiche hit",
    "concept_recall": "recall",
    "on_topic": "on-topic",
    "per_narrative": "per récit",
    "per_concept": "per concept",
    "negative_statements": "on neg.",
    "concept_hit@10": "hit@10",
    "concept_hit@30": "hit@30",
}


def narratives_table(report: dict[str, Any], *, cases: bool = False) -> str:
    """The measures of each system; with ``cases``, habilitant's misses narrative by narrative."""
    habilitant = report["systems"]["habilitant"]
    header = f"{'system':<12}" + "".join(f"{NAMES[m]:>13}" for m in METRICS)
    lines = [
        f"{report['dataset']} — {habilitant['narratives']} récits avec travail "
        f"({habilitant['concepts']} concepts), {habilitant['negative_narratives']} sans",
        header,
        "-" * len(header),
    ]
    for name in SYSTEMS:
        row = report["systems"][name]
        lines.append(f"{name:<12}" + "".join(_cell(row.get(m)) for m in METRICS))
    lines.append(
        "bm25 and dense state their first k items, k = habilitant's statements on the narrative."
    )
    if cases:
        lines += ["", f"{'case':<8}{'found':>8}{'stated':>8}  missed concepts (rank of best code)"]
        for case in report["cases"]:
            missed = ", ".join(
                f"{'/'.join(m['codes'][:2])}@{m['rank'] if m['rank'] else '>100'}"
                for m in case["missed"]
            )
            found = "neg." if case["negative"] else f"{case['found']}/{case['concepts']}"
            lines.append(f"{case['id']:<8}{found:>8}{case['statements']:>8}  {missed}")
    return "\n".join(lines)
