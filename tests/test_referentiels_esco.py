"""ESCO French labels and the ESCO <-> ROME crosswalk, on the real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from habilitant.domain import Referentiel
from habilitant.errors import ReferentielError
from habilitant.referentiels import load_referentiel
from habilitant.referentiels.esco import read_esco

HEADER = "conceptUri,preferredLabel,altLabels\n"
URI = "http://data.europa.eu/esco/skill/"


@pytest.fixture(scope="module")
def esco(referentiels_dir: Path) -> Referentiel:
    return load_referentiel("esco", referentiels_dir)


def test_esco_counts(esco: Referentiel) -> None:
    assert len(esco.competences) == 13095
    assert esco.count()["kind:competence"] == 13095
    assert len(esco.fiches) == 2740
    assert len(esco.crosswalks) == 11118
    assert len({c.source for c in esco.crosswalks}) == 1915
    assert esco.version == "table ESCO-ROME V1.4"


def test_esco_skill_ids_labels_and_alt_labels(esco: Referentiel) -> None:
    by_id = {c.id: c for c in esco.competences}
    skill = by_id["esco:00090cc1-1f27-439e-a4e0-19a87a501bfc"]
    assert skill.libelle == "recenser les services disponibles"
    assert skill.code == "00090cc1-1f27-439e-a4e0-19a87a501bfc" and skill.alt_labels == ()
    database = by_id["esco:022dc430-872a-473a-9cf4-fed4895e58ad"]
    assert database.alt_labels[0] == "organiser les données"
    assert len(database.alt_labels) == 6
    assert all("|" not in label for c in esco.competences for label in c.alt_labels)


def test_esco_occupations_are_fiches(esco: Referentiel) -> None:
    fiche = next(f for f in esco.fiches if f.code == "00c8d1cf-24f2-47d1-9f10-765e1c102811")
    assert fiche.referentiel == "esco"
    assert fiche.libelle == "technicien d’engins agricoles/technicienne d’engins agricoles"
    assert "réparateur d'engins agricoles" in fiche.appellations


def test_esco_rome_crosswalk_reaches_rome_fiches(esco: Referentiel, referentiels_dir: Path) -> None:
    first = esco.crosswalks[0]
    assert first.source == (
        "http://data.europa.eu/esco/occupation/f87779ae-7389-44e7-b155-16e87904857e"
    )
    assert first.target == "rome-appellation:15244"
    assert first.relation == "skos:narrowMatch"
    assert first.label == "gemmologue-expert/gemmologue-experte"  # the table's ESCO label
    assert {c.relation for c in esco.crosswalks} <= {
        "skos:exactMatch",
        "skos:closeMatch",
        "skos:broadMatch",
        "skos:narrowMatch",
    }
    rome = load_referentiel("rome", referentiels_dir)
    appellations = {c.source for c in rome.crosswalks}
    assert all(c.target in appellations for c in esco.crosswalks)


def test_esco_duplicate_uri_is_refused(tmp_path: Path) -> None:
    (tmp_path / "skills_fr.csv").write_text(
        HEADER + f"{URI}a,gérer,\n{URI}b,coder,\n{URI}a,tester,\n", encoding="utf-8"
    )
    with pytest.raises(ReferentielError, match="skills_fr.csv.*lignes 2 et 4"):
        read_esco(tmp_path)


def test_esco_missing_column_and_empty_file(tmp_path: Path) -> None:
    skills = tmp_path / "skills_fr.csv"
    skills.write_text("conceptUri,altLabels\nhttp://x/a,\n", encoding="utf-8")
    with pytest.raises(ReferentielError, match="skills_fr.csv.*preferredLabel"):
        read_esco(tmp_path)
    skills.write_text("", encoding="utf-8")
    with pytest.raises(ReferentielError, match="skills_fr.csv est vide"):
        read_esco(tmp_path)


def test_esco_minimal_folder_needs_only_skills(tmp_path: Path) -> None:
    (tmp_path / "skills_fr.csv").write_text(
        HEADER + f'{URI}a,gérer un budget,"piloter un budget|suivre un budget\nbudgéter"\n',
        encoding="utf-8",
    )
    result = read_esco(tmp_path)
    assert result.fiches == () and result.crosswalks == ()
    assert result.competences[0].alt_labels == (
        "piloter un budget",
        "suivre un budget",
        "budgéter",
    )
