"""Narrative evaluation: the format, the measures on a tiny hand-computed example, the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from habilitant.errors import InputError
from habilitant.evaluation.datasets import (
    LabelledExperience,
    NarrativeCase,
    is_narratives_file,
    load_narrative_cases,
)
from habilitant.evaluation.narratives import Outcome, best_rank, narrative_metrics

CASES = (
    NarrativeCase(
        "a",
        "Caissière : l'encaissement, la mise en rayon, les commandes du drive.",
        (LabelledExperience(("D1505",), (("1", "2"), ("3",), ("4",))),),
    ),
    NarrativeCase(
        "b",
        "Serveuse puis plongeur.",
        (
            LabelledExperience(("G1803",), (("5",),)),
            LabelledExperience(("G1602",), (("6",),)),
        ),
    ),
    NarrativeCase("n", "J'aime le foot.", (), negative=True),
)
FICHES = {
    "1": frozenset({"D1505"}),
    "2": frozenset({"D1505"}),
    "3": frozenset({"D1507"}),
    "5": frozenset({"G1803"}),
    "9": frozenset({"A1101"}),
    "7": frozenset({"D1505", "D1507"}),
}


def test_narrative_metrics_by_hand() -> None:
    outcomes = {
        # a: concept 1 found (code 2), concept 3 missed but ranked 2nd, concept 4 not ranked;
        # statements 2 (concept code, fiche D1505), 7 (fiche D1505), 9 (off topic).
        "a": Outcome(("2", "7", "9"), ("2", "3", "7", "9")),
        # b: the first job found; the second not stated, its fiche not hit.
        "b": Outcome(("5",), ("5",) + tuple(str(n) for n in range(100, 140)) + ("6",)),
        "n": Outcome(("9",), ("9",)),
    }
    figures = narrative_metrics(CASES, outcomes, FICHES)
    assert figures["fiche_hit"] == round(2 / 3, 4)  # a's job and b's first job
    assert figures["concept_recall"] == 0.4  # 2 of 5 concepts
    assert figures["on_topic"] == 0.75  # 2, 7 and 5 of the 4 statements
    assert figures["per_narrative"] == 2.0  # 4 statements, 2 narratives with work
    assert figures["per_concept"] == 0.8  # 4 statements, 5 concepts
    assert figures["negative_statements"] == 1
    assert figures["concept_hit@10"] == 0.6  # concepts 1, 3 (rank 2), 5
    assert figures["concept_hit@30"] == 0.6  # 6 is ranked 42nd
    assert (figures["narratives"], figures["negative_narratives"], figures["concepts"]) == (2, 1, 5)


def test_narrative_metrics_with_nothing_stated_are_none_not_zero() -> None:
    outcomes = {case.id: Outcome((), ()) for case in CASES}
    figures = narrative_metrics(CASES, outcomes, FICHES)
    assert figures["on_topic"] is None  # no statement: no share to give
    assert figures["concept_recall"] == 0.0
    assert figures["negative_statements"] == 0


def test_best_rank_is_the_first_of_the_concept_codes() -> None:
    assert best_rank(("3", "4"), ("1", "4", "3")) == 2
    assert best_rank(("8",), ("1", "4")) is None


def _write(tmp_path: Path, lines: list[object]) -> Path:
    path = tmp_path / "recits.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


def test_narratives_format_is_recognised_and_read(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            {
                "id": "x",
                "text": "Je faisais la plonge.",
                "experiences": [{"fiches": ["G1602"], "concepts": [["100359", 104262]]}],
            },
            {"id": "y", "text": "Rien.", "negative": True, "experiences": []},
        ],
    )
    assert is_narratives_file(path)
    first, second = load_narrative_cases(path)
    assert first.concepts == (("100359", "104262"),) and first.fiches == {"G1602"}
    assert second.negative and second.concepts == ()
    offers = _write(tmp_path, [{"id": "o", "text": "Offre", "rome_fiche": "G1602"}])
    assert not is_narratives_file(offers)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"id": "x", "text": "t"}, "experiences"),
        ({"id": "x", "text": "t", "experiences": [{"fiches": [], "concepts": []}]}, "fiches"),
        (
            {"id": "x", "text": "t", "experiences": [{"fiches": ["A"], "concepts": [[]]}]},
            "concepts",
        ),
        (
            {
                "id": "x",
                "text": "t",
                "negative": True,
                "experiences": [{"fiches": ["A"], "concepts": [["1"]]}],
            },
            "negative",
        ),
    ],
)
def test_malformed_narratives_are_refused_with_the_line(
    tmp_path: Path, line: dict, message: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        load_narrative_cases(_write(tmp_path, [line]))
    assert "ligne 1" in str(caught.value)


def test_duplicate_ids_across_files_are_refused(tmp_path: Path) -> None:
    line = {"id": "x", "text": "t", "negative": True, "experiences": []}
    one = _write(tmp_path, [line])
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps(line), encoding="utf-8")
    with pytest.raises(InputError, match="figure déjà"):
        load_narrative_cases(one, other)
