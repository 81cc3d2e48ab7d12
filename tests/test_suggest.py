"""Suggestions on a small synthetic space (fast tier: no model, no index, no ../shared)."""

from __future__ import annotations

import numpy as np
import pytest

from habilitant.coverage import COVERED, MISSING, PARTIAL, CoverageConfig
from habilitant.domain import Credit, Target, TargetBloc, TargetItem
from habilitant.errors import UnknownCodeError
from habilitant.suggest import SuggestFilters, SuggestionSpace, rank_rows, suggestion

ITEMS = [f"rncp:C{i}" for i in range(8)] + [f"rome:F{i}" for i in range(3)]
POSITION = {competence_id: column for column, competence_id in enumerate(ITEMS)}


def _bloc(code: str, ids: list[str]) -> TargetBloc:
    return TargetBloc(code, f"Bloc {code}", tuple(TargetItem(i, f"libellé {i}") for i in ids))


TARGETS = [
    Target(
        "RNCP1",
        "Certification de niveau 3",
        "rncp",
        "certification",
        "competences",
        (_bloc("RNCP1BC01", ITEMS[0:2]), _bloc("RNCP1BC02", ITEMS[2:4])),
        niveau="3",
    ),
    Target(
        "RNCP2",
        "Certification de niveau 5, inactive",
        "rncp",
        "certification",
        "competences",
        (_bloc("RNCP2BC01", ITEMS[4:8]),),
        niveau="5",
        actif=False,
    ),
    Target("F0001", "Fiche", "rome", "fiche", "competences", (_bloc("F0001", ITEMS[8:11]),)),
]


@pytest.fixture(scope="module")
def space() -> SuggestionSpace:
    return SuggestionSpace.from_targets(TARGETS, POSITION.get, len(ITEMS))


def _statuses(**by_id: int) -> np.ndarray:
    statuses = np.full(len(ITEMS), MISSING, dtype=np.int8)
    for competence_id, status in by_id.items():
        statuses[POSITION[competence_id.replace("_", ":")]] = status
    return statuses


def test_suggest_space_has_a_row_per_certification_bloc_and_fiche(space) -> None:
    assert [(r.kind, r.code) for r in space.rows] == [
        ("certification", "RNCP1"),
        ("bloc", "RNCP1BC01"),
        ("bloc", "RNCP1BC02"),
        ("certification", "RNCP2"),
        ("bloc", "RNCP2BC01"),
        ("fiche", "F0001"),
    ]
    assert space.sizes.tolist() == [4, 2, 2, 4, 4, 3]


def test_suggest_ranks_by_coverage_and_counts_partial_at_its_weight(space) -> None:
    statuses = _statuses(rncp_C0=COVERED, rncp_C1=COVERED, rncp_C4=PARTIAL, rome_F0=COVERED)
    evidence = np.zeros(len(ITEMS), dtype=np.float32)
    chosen = rank_rows(space, statuses, evidence, SuggestFilters(), CoverageConfig())
    codes = [space.rows[row].code for row, _ in chosen]
    assert codes[:2] == ["RNCP1", "RNCP2"]  # 2/4 covered before 0.5/4
    blocs = [c for c in codes if "BC" in c]
    assert blocs[0] == "RNCP1BC01"  # fully covered bloc first
    assert "RNCP1BC02" not in codes  # nothing of it: never suggested
    assert "F0001" in codes


def test_suggest_filters_by_level_activity_referential_and_kind(space) -> None:
    statuses = _statuses(rncp_C0=COVERED, rncp_C4=COVERED, rome_F0=COVERED)
    evidence = np.zeros(len(ITEMS), dtype=np.float32)

    def codes(filters: SuggestFilters) -> set[str]:
        return {space.rows[r].code for r, _ in rank_rows(space, statuses, evidence, filters)}

    assert codes(SuggestFilters(niveaux=("5",))) == {"RNCP2", "RNCP2BC01", "F0001"}
    assert "RNCP2" not in codes(SuggestFilters(actif_only=True))
    assert codes(SuggestFilters(referentiels=("rome",))) == {"F0001"}
    assert codes(SuggestFilters(kinds=("bloc",), limit=1)) == {"RNCP1BC01"}


def test_suggest_refuses_unknown_levels_and_referentials(space) -> None:
    with pytest.raises(UnknownCodeError, match="99") as error:
        space.check(SuggestFilters(niveaux=("99",)))
    assert error.value.hint == "Niveaux connus : 3, 5."
    with pytest.raises(UnknownCodeError, match="esco"):
        space.check(SuggestFilters(referentiels=("esco",)))
    space.check(SuggestFilters(niveaux=("3",), referentiels=("rncp", "rome")))


def test_suggest_explains_a_row_with_its_covered_statements(space) -> None:
    credits = {"rncp:C0": Credit("covered", 0.9), "rncp:C1": Credit("partial", 0.4)}
    found = suggestion(space.rows[1], credits, 1.5, CoverageConfig())
    assert (found.kind, found.code, found.certification) == ("bloc", "RNCP1BC01", "RNCP1")
    assert 0.5 <= found.coverage_ratio < 1.0
    assert found.why
