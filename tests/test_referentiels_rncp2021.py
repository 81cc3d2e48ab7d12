"""RNCP 2021 bloc-title tables: real cp1252 files, and broken copies of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from habilitant.domain import Parent, Referentiel
from habilitant.errors import ReferentielError
from habilitant.referentiels import load_referentiel
from habilitant.referentiels.rncp2021 import read_rncp_2021

BLOCS = "rncp_blocs_competences.v1.4.csv"


@pytest.fixture(scope="module")
def tables(referentiels_dir: Path) -> Referentiel:
    return load_referentiel("rncp-2021", referentiels_dir)


@pytest.fixture
def tables_copy(referentiels_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "blocs-2021"
    folder.mkdir()
    for source in (referentiels_dir / "rncp" / "blocs-2021").iterdir():
        (folder / source.name).symlink_to(source)
    return folder


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).unlink()
    (folder / name).write_bytes(text.encode("cp1252"))


def test_rncp2021_counts(tables: Referentiel) -> None:
    assert len(tables.certifications) == 3263
    assert sum(len(c.blocs) for c in tables.certifications) == 16455
    assert tables.count()["kind:bloc"] == 16455 == len(tables.competences)
    assert all(c.depth == "bloc_titles" for c in tables.certifications)
    assert all(not b.competence_ids for c in tables.certifications for b in c.blocs)
    assert len({c.id for c in tables.competences}) == 16455
    assert tables.count()["fiches_sans_info"] == 0
    assert tables.version == "v1.4 (janvier 2021)"


def test_rncp2021_bloc_title_is_a_competence(tables: Referentiel) -> None:
    bloc = next(c for c in tables.competences if c.id == "rncp-2021:RNCP10013BC01")
    assert bloc.kind == "bloc" and bloc.code == "RNCP10013BC01"
    assert bloc.libelle == (
        "Assurer l'administration des ventes ou des achats à l'international, y compris en anglais"
    )
    assert bloc.parents[0].kind == "certification" and bloc.parents[0].code == "RNCP10013"


def test_rncp2021_doubled_apostrophes_are_undone(tables: Referentiel) -> None:
    bloc = next(c for c in tables.competences if c.code == "RNCP34741BC07")
    assert bloc.libelle == "Gérer un projet en Sciences et Technologies de l'Information"
    assert not any("''" in c.libelle for c in tables.competences)
    assert not any("''" in c.intitule for c in tables.certifications)


def test_rncp2021_fiche_info_is_merged(tables: Referentiel) -> None:
    banque = next(c for c in tables.certifications if c.code == "RNCP1174")
    assert banque.intitule == "Banque, conseiller de clientèle (particuliers)"
    assert banque.niveau == "5" and banque.actif is True and banque.etat == "Publiée"
    assert banque.predecessors == ("RNCP18982", "RNCP1175")  # two rows in rncp_info
    assert banque.rome_codes == ("C1206",)
    assert len(banque.blocs) == 6
    assert {c.niveau for c in tables.certifications} <= {"3", "4", "5", "6", "7", "8"}


def test_rncp2021_repeated_bloc_code_keeps_both_blocs(tables: Referentiel) -> None:
    ess = next(c for c in tables.certifications if c.code == "RNCP34305")
    codes = [b.code for b in ess.blocs]
    assert codes[-2:] == ["RNCP34305BC04", "RNCP34305BC04-2"]
    assert ess.blocs[-1].libelle == "Gestion financiere et administrative- Spécialité ESS"
    assert tables.count()["blocs_codes_repetes"] == 1
    repeated = next(c for c in tables.competences if c.id == "rncp-2021:RNCP34305BC04-2")
    assert repeated.parents == (Parent("certification", "RNCP34305", ess.intitule),)


def test_rncp2021_missing_column_is_named(tables_copy: Path) -> None:
    _write(tables_copy, BLOCS, "CodeRNCP;numero_bloc;titre;;\nRNCP1;RNCP1BC01;Un bloc;;\n")
    with pytest.raises(ReferentielError) as caught:
        read_rncp_2021(tables_copy)
    assert "intitule" in caught.value.message and BLOCS in caught.value.message


def test_rncp2021_empty_file_is_refused(tables_copy: Path) -> None:
    _write(tables_copy, BLOCS, "")
    with pytest.raises(ReferentielError, match=f"{BLOCS} est vide"):
        read_rncp_2021(tables_copy)


def test_rncp2021_line_without_code_names_the_line(tables_copy: Path) -> None:
    _write(tables_copy, BLOCS, "CodeRNCP;numero_bloc;intitule;;\nRNCP1;RNCP1BC01;A;;\n;;B;;\n")
    with pytest.raises(ReferentielError, match=f"{BLOCS}, ligne 3"):
        read_rncp_2021(tables_copy)


def test_rncp2021_optional_tables_may_be_absent(tables_copy: Path) -> None:
    (tables_copy / "rncp_info.v1.4.csv").unlink()
    (tables_copy / "rncp_rome.v1.4.csv").unlink()
    _write(tables_copy, BLOCS, "CodeRNCP;numero_bloc;intitule;;\nRNCP1;RNCP1BC01;Gérer;;\n")
    result = read_rncp_2021(tables_copy)
    assert [c.code for c in result.certifications] == ["RNCP1"]
    assert result.competences[0].libelle == "Gérer"
