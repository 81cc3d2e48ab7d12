"""VAE coverage and suggestions on the real model, index and referentials."""

from __future__ import annotations

import pytest

from habilitant.errors import InputError, UnknownCodeError
from habilitant.suggest import SuggestFilters
from habilitant.targets import TITLES_ONLY_NOTE

pytestmark = pytest.mark.integration

FRONT = (
    "Pendant deux ans j'ai travaillé comme développeur web en CDD dans une agence. Je faisais "
    "les maquettes des interfaces avec Figma, puis je réalisais les pages web en HTML et CSS "
    "et la partie dynamique en JavaScript avec React."
)
BACK = (
    "Je m'occupais aussi du back-end en PHP avec Symfony : la base de données MySQL, les requêtes "
    "SQL, les API REST. J'ai mis en place les tests unitaires et le déploiement sur le serveur."
)
WEB = f"{FRONT} {BACK}"
RH = (
    "J'ai été assistante RH pendant trois ans dans une PME. Je gérais les dossiers du personnel, "
    "les contrats de travail et les absences. Je préparais les éléments variables de paie et je "
    "faisais les déclarations d'embauche. J'organisais les entretiens de recrutement et l'accueil "
    "des nouveaux salariés."
)


def test_coverage_web_developer_covers_both_blocs_of_rncp37674_with_quotes(habilitant) -> None:
    coverage = habilitant.coverage("RNCP37674", WEB)
    assert [b.code for b in coverage.blocs] == ["RNCP37674BC01", "RNCP37674BC02"]
    statuses = {c.status for b in coverage.blocs for c in b.competences}
    assert "covered" in statuses and "missing" in statuses, statuses
    assert all(b.coverage_ratio > 0 for b in coverage.blocs)
    for bloc in coverage.blocs:
        for competence in bloc.competences:
            assert (competence.status == "missing") == (not competence.quotes)
            for quote in competence.quotes:
                assert WEB[quote.start : quote.end] == quote.text
    assert coverage.gaps and all(g.status == "missing" for g in coverage.gaps)


def test_coverage_assistant_rh_covers_little_of_the_web_certification(habilitant) -> None:
    web = habilitant.coverage("RNCP37674", WEB)
    rh = habilitant.coverage("RNCP37674", RH)
    assert rh.coverage_ratio < 0.15 < web.coverage_ratio
    assert not any(c.status == "covered" for b in rh.blocs for c in b.competences)


def test_coverage_accumulates_evidence_across_interviews(habilitant) -> None:
    first = habilitant.coverage("RNCP37674", FRONT)
    second = habilitant.coverage("RNCP37674", BACK)
    both = habilitant.coverage("RNCP37674", [FRONT, BACK])
    assert both.narratives == 2
    assert both.coverage_ratio >= max(first.coverage_ratio, second.coverage_ratio)
    assert both.coverage_ratio > first.coverage_ratio
    narratives = {q.narrative for b in both.blocs for c in b.competences for q in c.quotes}
    assert narratives == {0, 1}
    texts = (FRONT, BACK)
    for bloc in both.blocs:
        for competence in bloc.competences:
            for quote in competence.quotes:
                assert texts[quote.narrative][quote.start : quote.end] == quote.text


def test_coverage_titles_only_certification_is_judged_by_bloc(habilitant) -> None:
    coverage = habilitant.coverage("RNCP34363", RH)  # Gestionnaire RH, 2021 table
    assert coverage.target.depth == "bloc_titles"
    assert TITLES_ONLY_NOTE in coverage.warnings
    assert all(len(b.competences) == 1 for b in coverage.blocs)
    assert coverage.coverage_ratio > 0.3


def test_coverage_of_a_replaced_certification_names_its_successor(habilitant) -> None:
    coverage = habilitant.coverage("RS5000", WEB)
    assert any("RS6604" in w for w in coverage.warnings)


def test_coverage_rome_fiche_through_its_macro_competences(habilitant) -> None:
    coverage = habilitant.coverage("M1855", WEB)  # Développeur / Développeuse web
    assert coverage.target.kind == "fiche" and coverage.coverage_ratio > 0
    assert coverage.blocs[-1].libelle == "Savoir-être professionnels"


def test_coverage_bad_inputs_are_clear_errors(habilitant) -> None:
    with pytest.raises(UnknownCodeError, match="RNCP00001"):
        habilitant.coverage("RNCP00001", WEB)
    with pytest.raises(InputError):
        habilitant.coverage("RNCP37674", [])
    with pytest.raises(InputError):
        habilitant.coverage("RNCP37674", ["  "])
    unrelated = habilitant.coverage("RNCP37674", "Bonjour, il fait beau aujourd'hui.")
    assert unrelated.coverage_ratio == 0.0
    assert any("aucune activité" in w for w in unrelated.warnings)


def test_suggest_ranks_web_certifications_first_for_a_web_developer(habilitant) -> None:
    found, _ = habilitant.suggest(WEB, SuggestFilters(kinds=("certification",), limit=5))
    assert len(found) == 5
    assert "veloppeur" in found[0].libelle.lower() or "web" in found[0].libelle.lower()
    assert any(s.code == "RNCP37674" for s in found), [s.code for s in found]
    for s in found:
        assert s.why and 0.0 < s.coverage_ratio <= 1.0


def test_suggest_ranks_rh_certifications_and_fiche_for_an_assistant_rh(habilitant) -> None:
    found, _ = habilitant.suggest(RH, SuggestFilters(kinds=("certification", "fiche"), limit=3))
    certifications = [s for s in found if s.kind == "certification"]
    fiches = [s for s in found if s.kind == "fiche"]
    words = ("ressources humaines", "rh", "paie", "personnel")
    assert any(w in certifications[0].libelle.lower() for w in words), certifications[0]
    assert "M1501" in [s.code for s in fiches]  # Assistant / Assistante RH


def test_suggest_filters_level_and_active_only(habilitant) -> None:
    found, _ = habilitant.suggest(
        WEB, SuggestFilters(kinds=("certification", "bloc"), niveaux=("6",), actif_only=True)
    )
    assert found
    assert all(s.niveau == "6" and s.actif for s in found)
    assert all(s.certification for s in found if s.kind == "bloc")


def test_suggest_unrelated_text_suggests_nothing(habilitant) -> None:
    found, warnings = habilitant.suggest("Bonjour, il fait beau et je cherche un appartement.")
    assert found == () and warnings
