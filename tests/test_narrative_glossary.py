"""Oral words read with the referentials' vocabulary (the narrative itself never changes)."""

from __future__ import annotations

import pytest

from habilitant.narrative.glossary import glossed


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


@pytest.mark.parametrize(
    "said",
    [
        "Toiletteur canin",
        "gardien de toilettes publiques",
        "un lit",
        "la plonge",
        "je ramassais les déchets",
    ],
)
def test_other_words_are_left_alone(said: str) -> None:
    assert glossed(said) == said


def test_an_abbreviation_gets_its_meaning_in_parentheses() -> None:
    assert glossed("en EHPAD") == (
        "en EHPAD (établissement d'hébergement pour personnes âgées dépendantes)"
    )


@pytest.mark.parametrize(
    ("said", "wording"),
    [
        ("l'aide aux repas", "aider à la prise des repas"),
        ("aide au lever", "accompagner la personne dans ses déplacements"),
        ("les changes des résidents", "soins d'hygiène corporelle, de confort"),
        ("je faisais le ménage des chambres", "entretenir, nettoyer un local"),
        ("la réfection des lits", "changer les draps, refaire le lit"),
        ("j'ai fait les vendanges", "récolter le raisin, vendangeur"),
        ("je ramassais les abricots", "récolter un produit à maturité"),
        ("cueillir des pommes de terre", "récolter un produit à maturité"),
    ],
)
def test_care_cleaning_and_farm_words_get_the_rome_wording(said: str, wording: str) -> None:
    assert glossed(said) == f"{said} ({wording})"
