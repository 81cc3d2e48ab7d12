"""BM25 of a narrative against each group's names, scaled within its group set."""

from __future__ import annotations

import numpy as np
import pytest

from habilitant.domain import Parent
from habilitant.index_entries import IndexEntry
from habilitant.matching import group_lexical
from habilitant.matching.group_lexical import SCALE_FLOOR, GroupLexicon
from habilitant.matching.structure import Structure

CAISSE = Parent("fiche", "D1505", "Personnel de caisse")
LITS = Parent("fiche", "M1212", "Gestionnaire de lits")
ENTRIES = [
    IndexEntry("rome:1", "rome", "competence", "1", "Tenir une caisse", (CAISSE,)),
    IndexEntry("rome:2", "rome", "competence", "2", "Répartir les lits", (LITS,)),
    IndexEntry("rome:fiche:D1505", "rome", "fiche", "D1505", "Personnel de caisse"),
    IndexEntry("rome:fiche:M1212", "rome", "fiche", "M1212", "Gestionnaire de lits"),
]


@pytest.fixture()
def lexicon() -> tuple[Structure, GroupLexicon]:
    structure = Structure.from_entries(ENTRIES)
    return structure, GroupLexicon.build(structure, ENTRIES, [structure.group_ids("fiche")])


def test_group_lexical_a_thin_match_is_divided_by_the_floor(lexicon) -> None:
    structure, groups = lexicon
    lits = structure.group_position[("rome", "fiche", "M1212")]
    caisse = structure.group_position[("rome", "fiche", "D1505")]
    raw = groups.index.scores(["lit"])
    assert 0 < raw[lits] < SCALE_FLOOR  # one word of a short narrative
    scores = groups.scores("la réfection des lits")
    assert scores[lits] == pytest.approx(raw[lits] / SCALE_FLOOR)  # not 1: a thin match
    assert scores[caisse] == 0.0


def test_group_lexical_above_the_floor_the_best_group_gets_one(lexicon, monkeypatch) -> None:
    structure, groups = lexicon
    monkeypatch.setattr(group_lexical, "SCALE_FLOOR", 1e-6)  # as an offer's long text
    scores = groups.scores("la réfection des lits, la caisse et encore les lits")
    lits = structure.group_position[("rome", "fiche", "M1212")]
    assert scores[lits] == 1.0 and np.all((scores >= 0) & (scores <= 1))
