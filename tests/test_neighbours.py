"""Neighbours of a statement in the other referentials: a tiny hand-built index (fast), then
the real index and crosswalk of ../shared (the ``habilitant`` fixture makes those integration
tests)."""

from __future__ import annotations

import numpy as np
import pytest

from habilitant.calibration import CALIBRATIONS_DIR, calibration_for, from_dict
from habilitant.domain import Parent
from habilitant.errors import IndexStateError
from habilitant.index_entries import IndexEntry
from habilitant.labels import LINK_LABELS
from habilitant.neighbours import (
    NEIGHBOUR_LABEL,
    NeighbourConfig,
    NeighbourSpace,
    best_by_code,
    nearest_occupations,
    neighbours,
)

BLOC = Parent("bloc", "RNCP1BC01", "Produire")


def _entry(
    entry_id: str, kind: str, libelle: str, parents: tuple[Parent, ...] = (), code: str = ""
) -> IndexEntry:
    referentiel, _, own = entry_id.partition(":")
    return IndexEntry(entry_id, referentiel, kind, code or own, libelle, parents)


# Directions: 0 bread, 1 programming, 2 selling, 3 nursing, 4-5 occupation titles.
ENTRIES = [
    (_entry("rome:1", "competence", "Pétrir la pâte à pain"), {0: 1.0}),
    (_entry("rome:2", "competence", "Encaisser les ventes"), {2: 1.0}),
    (_entry("esco:a", "competence", "pétrir la pâte"), {0: 0.95, 2: 0.1}),
    (_entry("esco:b", "competence", "programmer en Python"), {1: 1.0}),
    (_entry("esco:c", "competence", "pâte à modeler"), {0: 0.3, 1: 0.6}),
    (_entry("esco:d", "competence", "soigner les patients"), {3: 1.0}),
    (_entry("rncp:RNCP1BC01:1", "competence", "Fabriquer du pain", (BLOC,)), {0: 0.9, 3: 0.1}),
    (_entry("rncp:RNCP1BC01:2", "competence", "Tenir la caisse", (BLOC,)), {2: 0.9, 1: 0.1}),
    (_entry("rome:fiche:D1102", "fiche", "Boulanger / Boulangère", code="D1102"), {4: 1.0}),
    (_entry("esco:fiche:x", "fiche", "boulanger/boulangère", code="x"), {4: 0.9, 5: 0.1}),
    (_entry("esco:fiche:x/appellation/1", "appellation", "mitron", code="x"), {4: 0.5, 5: 0.5}),
    (_entry("esco:fiche:y", "fiche", "développeur web", code="y"), {5: 1.0}),
]


def _space() -> NeighbourSpace:
    vectors = np.zeros((len(ENTRIES), 8), dtype=np.float32)
    for row, (_, weights) in enumerate(ENTRIES):
        for column, weight in weights.items():
            vectors[row, column] = weight
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return NeighbourSpace.build([entry for entry, _ in ENTRIES], vectors)


def test_neighbours_score_is_the_centred_product_plus_the_words_both_ways() -> None:
    space = _space()
    rows = [space.position("rome:1"), space.position("esco:a")]
    assert None not in rows
    scores = space.scores(rows, 0.0)  # type: ignore[arg-type]
    statements = space.vectors[list(space.candidates["rome"]) + list(space.candidates["esco"])]
    statements = np.vstack([statements, space.vectors[space.candidates["rncp"]]])
    mean = statements.mean(axis=0)
    expected = (space.vectors[rows[0]] - mean) @ (space.vectors[rows[1]] - mean)
    assert scores[0, rows[1]] == pytest.approx(expected, abs=1e-5)
    # Symmetric, words included.
    both = space.scores(rows, 0.5)
    assert both[0, rows[1]] == pytest.approx(both[1, rows[0]], abs=1e-5)
    assert both[0, rows[1]] > scores[0, rows[1]]  # « pétrir », « pâte » are shared


def test_neighbours_words_are_an_harmonic_mean_so_one_word_does_not_match_everything() -> None:
    space = _space()
    row = space.position("rome:1")
    words = space.lexical(np.array([row]), np.arange(len(ENTRIES)))[0]
    same = words[space.position("esco:a")]  # « pétrir la pâte » inside « pétrir la pâte à pain »
    partial = words[space.position("esco:c")]  # « pâte à modeler »: one word of two
    assert 0.5 < same < 1.0 and 0.0 < partial < same
    assert words[space.position("esco:b")] == 0.0


def test_neighbours_come_from_other_referentials_best_first_above_the_floor() -> None:
    found = neighbours(_space(), ["rome:1", "rome:2", "esco:d"], NeighbourConfig(floor=0.05))
    bread = found["rome:1"]
    assert [n.competence_id for n in bread] == ["esco:a", "rncp:RNCP1BC01:1"]  # index order
    assert all(n.referentiel != "rome" for n in found["rome:1"] + found["rome:2"])
    assert all(n.label == NEIGHBOUR_LABEL == "proche" for n in bread)
    assert bread[1].parents == (BLOC,) and bread[0].score > 0.05
    assert [n.competence_id for n in found["rome:2"]] == ["rncp:RNCP1BC01:2"]
    # An unrelated statement (nursing has nothing in ROME nor RNCP here) gets none.
    assert found["esco:d"] == ()
    # Titles and appellations are never a statement's neighbours.
    assert all(n.kind == "competence" for ns in found.values() for n in ns)


def test_neighbours_floor_suppresses_an_unrelated_pair_and_limits_apply() -> None:
    space = _space()
    unrelated = space.scores([space.position("rome:1")], 0.15)[0, space.position("esco:b")]  # type: ignore[list-item]
    config = NeighbourConfig(floor=float(unrelated) + 1e-3, per_referentiel=3)
    assert "esco:b" not in {
        n.competence_id for n in neighbours(space, ["rome:1"], config)["rome:1"]
    }
    loose = NeighbourConfig(floor=-10.0, per_referentiel=1)
    assert len(neighbours(space, ["rome:1"], loose)["rome:1"]) == 2  # one per other referential
    assert neighbours(space, ["rome:1"], NeighbourConfig(floor=10.0)) == {"rome:1": ()}
    assert neighbours(space, ["inconnu:1", "rome:1"], loose).keys() == {"rome:1"}
    assert neighbours(space, ["rome:1"], loose, referentiels=["rncp"])["rome:1"][0].referentiel == (
        "rncp"
    )


def test_neighbours_nearest_occupation_takes_the_best_of_its_title_and_appellations() -> None:
    space = _space()
    row = space.position("rome:fiche:D1102")
    nearest = nearest_occupations(space, [row], "esco", 2, 0.15)[0]  # type: ignore[list-item]
    assert [code for code, _ in nearest] == ["x", "y"] and nearest[0][1] > nearest[1][1]
    codes, grouped = best_by_code(np.array([[1.0, 3.0, 2.0, 0.5]]), ["a", "b", "a", "c"])
    assert codes == ["a", "b", "c"] and grouped.tolist() == [[2.0, 3.0, 0.5]]


def test_neighbours_labels_say_proche_and_never_equivalent() -> None:
    assert LINK_LABELS["proche"] == "proche" and LINK_LABELS["officiel"] == "lien officiel"
    assert not any("équivalent" in word for word in LINK_LABELS.values())


def test_neighbours_config_is_a_calibrated_section_of_each_encoder() -> None:
    for name in ("multilingual-e5-small", "embeddinggemma-300m"):
        calibration = calibration_for(name)
        assert "neighbours" in calibration.as_dict()
        shipped = (CALIBRATIONS_DIR / f"{name}.json").read_text(encoding="utf-8")
        assert '"neighbours"' in shipped and "calibrate_neighbours" in calibration.tuned_on
    assert calibration_for("multilingual-e5-small").neighbours == NeighbourConfig()  # defaults
    assert calibration_for("embeddinggemma-300m").neighbours.floor > NeighbourConfig().floor
    with pytest.raises(IndexStateError, match="neighbours"):
        from_dict({"neighbours": {"seuil": 0.1}}, "test")


# --- Real data ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def space(habilitant):  # type: ignore[no-untyped-def]
    from habilitant.relations import neighbour_space

    return neighbour_space(habilitant)


def test_neighbours_real_rome_appellation_nearest_esco_occupation_is_the_official_one(
    habilitant, space
) -> None:
    from habilitant.link_measures import crosswalk_pairs

    pairs = {
        (p.fiche, space.entries[p.row].libelle): p
        for p in crosswalk_pairs(habilitant.catalog, space)
    }
    config = habilitant.calibration.neighbours
    for fiche, appellation in (
        ("D1102", "Boulanger / Boulangère"),
        ("J1501", "Aide-soignant / Aide-soignante"),
    ):
        pair = pairs[(fiche, appellation)]
        nearest = nearest_occupations(space, [pair.row], "esco", 1, config.lexical_weight)[0]
        assert nearest[0][0] in pair.esco
        assert nearest[0][1] >= config.floor


def test_neighbours_real_statement_and_the_floor_on_an_unrelated_pair(habilitant, space) -> None:
    config = habilitant.calibration.neighbours
    found = neighbours(space, ["rome:100023"], config)["rome:100023"]  # « Abattre un arbre »
    assert found and found[0].libelle == "abattre des arbres" and found[0].referentiel == "esco"
    assert all(n.label == "proche" and n.score >= config.floor for n in found)
    assert not any(n.referentiel == "rncp" for n in found)  # nothing of the kind in the extract
    unrelated = next(
        i
        for i, e in enumerate(space.entries)
        if e.referentiel == "esco" and e.libelle == "élaborer un programme de rééducation"
    )
    score = space.scores(
        [space.position("rome:100023")], config.lexical_weight, np.array([unrelated])
    )
    assert score[0, 0] < config.floor
