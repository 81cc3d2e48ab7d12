"""Oral words read with the referentials' vocabulary (the narrative itself never changes)."""

from __future__ import annotations

import pytest

from habilitant.narrative_glossary import glossed


@pytest.mark.parametrize(
    "said",
    [
        "la toilette des résidents",
        "à la toilette",
        "aide à la toilette des patients",
        "je faisais la toilette de ma mère",
    ],
)
def test_a_persons_toilette_reads_as_bodily_hygiene(said: str) -> None:
    read = glossed(said)
    assert "hygiène corporelle" in read
    assert "toilette" not in read.lower()  # the homonym no longer leads to grooming


@pytest.mark.parametrize("said", ["Toiletteur canin", "gardien de toilettes publiques", "un lit"])
def test_other_words_are_left_alone(said: str) -> None:
    assert glossed(said) == said


def test_an_abbreviation_gets_its_meaning_in_parentheses() -> None:
    assert glossed("en EHPAD") == (
        "en EHPAD (établissement d'hébergement pour personnes âgées dépendantes)"
    )
