"""RNCP / RS reader: the real France Compétences XML extract, zipped, truncated, broken."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from habilitant.domain import Certification, Competence, Parent, Referentiel
from habilitant.errors import ReferentielError
from habilitant.referentiels import load_referentiel
from habilitant.referentiels.rncp import read_rncp, read_rs, split_competences

XML_NAME = "export_fiches_RNCP_V4_1_extrait.xml"


@pytest.fixture(scope="module")
def xml_path(referentiels_dir: Path) -> Path:
    return referentiels_dir / "rncp" / XML_NAME


@pytest.fixture(scope="module")
def rncp(referentiels_dir: Path) -> Referentiel:
    return load_referentiel("rncp", referentiels_dir)


def _certification(referentiel: Referentiel, code: str) -> Certification:
    return next(c for c in referentiel.certifications if c.code == code)


def _statements(referentiel: Referentiel, bloc_code: str) -> list[Competence]:
    by_id = {c.id: c for c in referentiel.competences}
    bloc = next(b for c in referentiel.certifications for b in c.blocs if b.code == bloc_code)
    return [by_id[i] for i in bloc.competence_ids]


def test_rncp_extract_counts(rncp: Referentiel) -> None:
    assert len(rncp.certifications) == 12
    blocs = [b for c in rncp.certifications for b in c.blocs]
    assert len(blocs) == 53
    assert all(b.competence_ids and b.modalites_evaluation for b in blocs)
    assert sum(len(b.competence_ids) for b in blocs) == 347
    assert rncp.count()["kind:bloc"] == 53
    assert len({c.id for c in rncp.competences}) == len(rncp.competences)
    assert all(c.libelle.strip() == c.libelle and c.libelle for c in rncp.competences)
    assert rncp.version == "flux 4.1"


def test_rncp37674_developpeur_web(rncp: Referentiel) -> None:
    certification = _certification(rncp, "RNCP37674")
    assert [b.code for b in certification.blocs] == ["RNCP37674BC01", "RNCP37674BC02"]
    assert certification.niveau == "5" and certification.actif is True
    assert certification.etat == "Publiée" and certification.rome_codes == ("M1805",)
    statements = _statements(rncp, "RNCP37674BC01")
    assert [s.libelle for s in statements] == [
        "Installer et configurer son environnement de travail en fonction du projet web ou "
        "web mobile",
        "Maquetter des interfaces utilisateur web ou web mobile",
        "Réaliser des interfaces utilisateur statiques web ou web mobile",
        "Développer la partie dynamique des interfaces utilisateur web ou web mobile",
    ]
    first = statements[0]
    assert first.id == "rncp:RNCP37674BC01:1" and first.kind == "competence"
    bloc_title = "Développer la partie front-end d'une application web ou web mobile sécurisée"
    assert first.parents == (
        Parent("bloc", "RNCP37674BC01", bloc_title),
        Parent("certification", "RNCP37674", certification.intitule),
    )
    bloc = next(c for c in rncp.competences if c.id == "rncp:RNCP37674BC01")
    assert bloc.kind == "bloc" and bloc.libelle == bloc_title


def test_rncp35809_bullets_split_and_inner_spaces_collapse(rncp: Referentiel) -> None:
    assert len(_statements(rncp, "RNCP35809BC01")) == 9
    bc02 = [s.libelle for s in _statements(rncp, "RNCP35809BC02")]
    assert len(bc02) == 20
    assert bc02[0] == "Valider une solution technique"  # "solution   technique" in the XML
    assert (
        "Produire à l’aide d’outils numériques des représentations de tout ou partie " in (bc02[12])
    )
    assert len(_statements(rncp, "RNCP35809BC03")) == 6
    assert len(_statements(rncp, "RNCP35809BC04")) == 14


def test_rncp_numbered_labels_go_to_code(rncp: Referentiel) -> None:
    a1 = _statements(rncp, "RNCP34762BC01")
    assert [s.code for s in a1] == [f"A1C{i}" for i in range(1, 8)]
    assert a1[1].libelle.startswith("Apprécier, depuis son périmètre")  # "A1C2.Apprécier"
    a5 = _statements(rncp, "RNCP34762BC05")
    assert [s.code for s in a5] == [f"A5.C{i}" for i in range(1, 6)]
    assert a5[0].definition.startswith("En mobilisant une analyse du contexte")
    assert not any(s.libelle.startswith("En mobilisant") for s in a5)
    c10 = _statements(rncp, "RNCP35419BC03")
    assert [s.code for s in c10] == ["C.10", "C.11", "C.12", "C.13"]
    assert c10[0].libelle.startswith("Développer les fonctionnalités du logiciel")
    deploy = _statements(rncp, "RNCP36490BC03")
    assert len(deploy) == 12
    assert deploy[0].code == "3.1" and deploy[0].libelle.startswith("Organiser le déploiement")
    assert deploy[2].code == "3.1.2" and deploy[2].libelle.startswith("Configurer")


def test_rncp_runs_of_spaces_split_only_before_a_new_statement(rncp: Referentiel) -> None:
    web = [s.libelle for s in _statements(rncp, "RNCP35959BC02")]
    assert len(web) == 11
    assert any("la réglementation (RGPD) et règles d’accessibilité" in s for s in web)
    science = [s.libelle for s in _statements(rncp, "RNCP39568BC06")]
    assert len(science) == 3
    assert science[1].startswith("Définir et instruire une problématique")
    vet = _statements(rncp, "RNCP40344BC01")
    assert len(vet) == 6 and vet[1].libelle.startswith("S'adapter au profil du client")


def test_rncp_fiche_fields_successors_and_predecessors(rncp: Referentiel) -> None:
    pge = _certification(rncp, "RNCP34762")
    assert pge.successors == ("RNCP39568",)
    assert pge.predecessors == ("RNCP24998",)
    assert pge.niveau == "7" and pge.actif is False
    assert pge.rome_codes == ("M1202", "M1205", "M1705", "M1402", "M1707")
    assert "313" in pge.nsf_codes and "34254" in pge.formacodes
    assert pge.activites_visees.startswith("Le référentiel est conçu")
    assert pge.capacites_attestees and pge.depth == "competences"
    assert _certification(rncp, "RNCP35625").etat == "Modifications à valider par le ministère"


def test_split_competences_rules() -> None:
    assert split_competences("• Coder • Tester  • Déployer") == (
        "",
        [("", "Coder"), ("", "Tester"), ("", "Déployer")],
    )
    assert split_competences("C1.   Analyser un besoin    C2. Concevoir") == (
        "",
        [("C1", "Analyser un besoin"), ("C2", "Concevoir")],
    )
    # numbers that are not labels stay in the wording; acronyms do not open statements
    assert split_competences("Planifier sur 3 mois  SQL et NoSQL compris") == (
        "",
        [("", "Planifier sur 3 mois SQL et NoSQL compris")],
    )
    assert split_competences("1 : Préparer    2 : Animer")[1] == [
        ("1", "Préparer"),
        ("2", "Animer"),
    ]
    assert split_competences("-   ") == ("", [])
    assert split_competences("") == ("", [])


def test_rncp_official_zip_and_folder_give_the_same_result(
    rncp: Referentiel, xml_path: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "export_fiches_RNCP_V4_1_2025-09-01.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(xml_path, "export_fiches_RNCP_V4_1_2025-09-01.xml")
    from_zip = read_rncp(archive)
    assert from_zip.certifications == rncp.certifications
    assert from_zip.competences == rncp.competences
    assert from_zip.sources[0].sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert read_rncp(tmp_path).certifications == rncp.certifications


def test_rncp_truncated_xml_names_file_and_line(xml_path: Path, tmp_path: Path) -> None:
    data = xml_path.read_bytes()
    truncated = tmp_path / XML_NAME
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReferentielError) as caught:
        read_rncp(truncated)
    line = data[: len(data) // 2].count(b"\n") + 1
    assert XML_NAME in caught.value.message
    assert f"ligne {line}" in caught.value.message
    assert "télécharg" in caught.value.hint


def test_rncp_truncated_zip_is_refused(xml_path: Path, tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(xml_path, XML_NAME)
    archive.write_bytes(archive.read_bytes()[:50_000])
    with pytest.raises(ReferentielError, match="export.zip"):
        read_rncp(archive)


def test_rncp_empty_and_foreign_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "vide.xml"
    empty.write_bytes(b"")
    with pytest.raises(ReferentielError, match="vide.xml est vide"):
        read_rncp(empty)
    other = tmp_path / "autre.xml"
    other.write_text("<?xml version='1.0'?><ROOT><FICHE/></ROOT>", encoding="utf-8")
    with pytest.raises(ReferentielError, match="autre.xml.*<ROOT>"):
        read_rncp(other)
    no_fiche = tmp_path / "sans.xml"
    no_fiche.write_text("<FICHES><VERSION_FLUX>4.1</VERSION_FLUX></FICHES>", encoding="utf-8")
    with pytest.raises(ReferentielError, match="sans.xml ne contient aucune fiche"):
        read_rncp(no_fiche)


def test_rncp_duplicate_fiche_is_refused(xml_path: Path, tmp_path: Path) -> None:
    text = xml_path.read_text(encoding="utf-8")
    first = text[text.index("<FICHE>") : text.index("</FICHE>") + len("</FICHE>")]
    doubled = tmp_path / "double.xml"
    doubled.write_text(text.replace(first, first + first, 1), encoding="utf-8")
    with pytest.raises(ReferentielError, match="double.xml.*deux fois la fiche RNCP34762"):
        read_rncp(doubled)


def test_rs_fiches_become_one_bloc_of_their_capacites(referentiels_dir: Path) -> None:
    rs = read_rs(referentiels_dir / "rncp" / "export_fiches_RS_V4_1_extrait.xml")
    assert rs.name == "rs" and len(rs.certifications) == 8
    secours = _certification(rs, "RS5719")
    assert [b.code for b in secours.blocs] == ["RS5719"]
    statements = _statements(rs, "RS5719")
    assert len(statements) == 6 and statements[0].id == "rs:RS5719:1"
    assert statements[0].definition.startswith("Le secouriste possède les compétences")
    blockchain = _statements(rs, "RS5000")
    assert [s.code for s in blockchain] == [f"C{i}" for i in range(1, 8)]
