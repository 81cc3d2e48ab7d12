"""What the links are measured with: the fiches that count for a cited ROME code, chance,
the crosswalk's halves (fast, on the tiny catalog of test_links)."""

from __future__ import annotations

import numpy as np
import pytest

from habilitant.catalog import Catalog
from habilitant.domain import Bloc, Certification, Competence, Referentiel
from habilitant.link_measures import (
    OccupationPair,
    certification_text,
    chance_of_hit,
    floor_from_random,
    official_fiches,
    share_at_or_above,
    split_by_fiche,
)
from tests.test_links import _catalog


def test_link_measures_a_rome3_code_is_found_through_its_fiche_or_a_fiche_derived_from_it() -> None:
    catalog = _catalog()
    # RNCP1 cites K1302 (kept in ROME 4.0; K1311 derives from it), M1800 (a domain code) and
    # Z9999 (unknown): only the valid code counts, with its derived fiche.
    assert official_fiches(catalog.certification("RNCP1"), catalog) == {
        "K1302": frozenset({"K1302", "K1311"})
    }
    assert official_fiches(catalog.certification("RNCP3"), catalog) == {
        "K1311": frozenset({"K1311"})
    }


def test_link_measures_chance_is_the_probability_of_drawing_a_fiche_that_counts() -> None:
    assert chance_of_hit(100, 1, 5) == pytest.approx(0.05)
    assert chance_of_hit(100, 2, 1) == pytest.approx(0.02)
    assert chance_of_hit(4, 2, 2) == pytest.approx(1 - 1 / 6)
    assert chance_of_hit(10, 0, 5) == 0.0 and chance_of_hit(3, 1, 10) == 1.0


def test_link_measures_certification_text_joins_its_competences_and_halves_keep_fiches() -> None:
    competences = (
        Competence("rncp:X1BC01:1", "rncp", "1", "Pétrir la pâte ;", "competence"),
        Competence("rncp:X1BC01", "rncp", "X1BC01", "Produire", "bloc"),
        Competence("rncp:X1BC01:2", "rncp", "2", "Cuire le pain", "competence"),
    )
    bloc = Bloc("X1BC01", "Produire", ("rncp:X1BC01", "rncp:X1BC01:1", "rncp:X1BC01:2"))
    certification = Certification("RNCP1", "CAP", "rncp", blocs=(bloc,))
    catalog = Catalog.from_referentiels([Referentiel("rncp", "RNCP", "", (), competences)])
    assert certification_text(certification, catalog) == "Pétrir la pâte\nCuire le pain"
    pairs = [OccupationPair(i, str(i), f"K{i % 7:04d}", frozenset({"a"})) for i in range(50)]
    first, second = split_by_fiche(pairs)
    assert first and second and len(first) + len(second) == 50
    assert not {p.fiche for p in first} & {p.fiche for p in second}


def test_link_measures_floor_from_random_lets_through_the_given_share() -> None:
    scores = np.linspace(0.0, 1.0, 10_001, dtype=np.float32)
    floor = floor_from_random(scores, 0.001)
    assert floor == pytest.approx(0.999, abs=1e-4)
    assert share_at_or_above(scores, floor) == pytest.approx(0.001, abs=2e-4)
    assert share_at_or_above(np.array([np.nan, 1.0]), 0.5) == 1.0
