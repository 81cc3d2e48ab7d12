"""ROME 4.0 reader, on the real v460 files of ../shared and on broken copies of them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from habilitant.domain import Parent, Referentiel
from habilitant.errors import ReferentielError
from habilitant.referentiels import load_referentiel
from habilitant.referentiels.rome import read_rome

COMPETENCE_FILE = "unix_referentiel_competence_v460_utf8.csv"


@pytest.fixture(scope="module")
def rome(referentiels_dir: Path) -> Referentiel:
    return load_referentiel("rome", referentiels_dir)


@pytest.fixture
def rome_copy(referentiels_dir: Path, tmp_path: Path) -> Path:
    """A folder of links to the real files, where one file can be replaced."""
    folder = tmp_path / "rome-4.0"
    folder.mkdir()
    for source in (referentiels_dir / "rome-4.0").iterdir():
        (folder / source.name).symlink_to(source)
    return folder


def _replace(folder: Path, name: str, data: bytes) -> Path:
    target = folder / name
    target.unlink()
    target.write_bytes(data)
    return target


def test_rome_counts_are_exact(rome: Referentiel) -> None:
    kinds = rome.count()
    assert len(rome.fiches) == 1584
    competence_kinds = ("competence", "macro_competence", "savoir_etre")
    assert sum(1 for c in rome.competences if c.kind in competence_kinds) == 18317
    assert kinds["kind:savoir"] == 15354
    assert kinds["kind:competence"] == 17810
    assert kinds["kind:macro_competence"] == 491
    assert kinds["kind:savoir_etre"] == 16
    assert kinds["appellations"] == 13120
    assert sum(len(f.appellations) for f in rome.fiches) == 13120
    # 104,219 links, of which 13,663 point to contextes de travail (not competences).
    assert kinds["fiche_items"] + kinds["liens_ignores"] == 104219
    assert kinds["liens_ignores"] == 13663
    assert len({c.id for c in rome.competences}) == len(rome.competences)


def test_rome_version_and_title_come_from_the_files(rome: Referentiel) -> None:
    assert rome.version == "460"
    assert "25M09" in rome.title and "18/09/2025" in rome.title
    assert {Path(s.path).name for s in rome.sources} >= {COMPETENCE_FILE}
    assert all(len(s.sha256) == 64 and s.size > 0 for s in rome.sources)


def test_rome_competence_has_macro_and_fiche_parents(rome: Referentiel) -> None:
    by_id = {c.id: c for c in rome.competences}
    abattre = by_id["rome:100023"]
    assert abattre.libelle == "Abattre un arbre"
    assert abattre.kind == "competence" and abattre.code == "100023"
    assert abattre.parents[0] == Parent(
        "macro_competence", "300230", "Découper, tailler des matières premières"
    )
    assert Parent("fiche", "A1201", "Bûcheron / Bûcheronne", role="Principale") in abattre.parents
    assert by_id["rome:300230"].kind == "macro_competence"
    assert by_id["rome:100003"].kind == "savoir"
    assert all(p.kind == "fiche" for p in by_id["rome:100003"].parents)


def test_rome_savoir_etre_are_the_professional_behaviours(rome: Referentiel) -> None:
    savoir_etre = [c for c in rome.competences if c.kind == "savoir_etre"]
    assert len(savoir_etre) == 16
    assert all(c.id.startswith("rome:") and c.libelle for c in savoir_etre)


def test_rome_fiche_has_definition_in_order_appellations_and_items(rome: Referentiel) -> None:
    fiche = next(f for f in rome.fiches if f.code == "A1101")
    assert fiche.libelle == "Conducteur / Conductrice d'engins agricoles"
    lines = fiche.definition.split("\n")
    assert lines[0] == "Réalise des travaux agricoles mécanisés."
    assert lines[2].startswith("Utilise différentes machines")
    assert "Conducteur / Conductrice de tracteur" in fiche.appellations
    items = {i.competence_id: i.coeur_metier for i in fiche.items}
    assert items["rome:100003"] == "Principale"
    coeur = {i.coeur_metier for f in rome.fiches for i in f.items}
    assert coeur == {"", "Principale", "Émergente"}


def test_rome_doubled_apostrophes_are_undone(rome: Referentiel) -> None:
    fiche = next(f for f in rome.fiches if f.code == "A1101")
    assert "en assure l'entretien et la maintenance" in fiche.definition
    assert not any("''" in f.definition or "''" in f.libelle for f in rome.fiches)
    assert not any("''" in c.libelle for c in rome.competences)


def test_rome_appellations_link_to_their_fiche(rome: Referentiel) -> None:
    appellations = [c for c in rome.crosswalks if c.source.startswith("rome-appellation:")]
    links = {c.source: c for c in appellations}
    assert len(links) == len(appellations) == 13120
    assert {c.relation for c in appellations} == {"skos:broader"}
    assert links["rome-appellation:10200"].target == "rome-fiche:F1402"
    assert links["rome-appellation:10200"].label  # the appellation's long label


def test_rome_fiches_name_their_parent_the_rome_3_code(rome: Referentiel) -> None:
    parents = {c.source: c.target for c in rome.crosswalks if c.relation == "code_rome_parent"}
    assert len(parents) == 1584
    # The 532 fiches of ROME 3 keep their code and are their own parent; the 1,052 others
    # were derived from one of them.
    assert sum(source == target for source, target in parents.items()) == 532
    assert len(set(parents.values())) == 532
    assert parents["rome-fiche:K1311"] == "rome-fiche:K1302"
    assert parents["rome-fiche:K1302"] == "rome-fiche:K1302"


def test_rome_wrong_encoding_names_file_and_line(rome_copy: Path, referentiels_dir: Path) -> None:
    text = (referentiels_dir / "rome-4.0" / COMPETENCE_FILE).read_text(encoding="utf-8")
    _replace(rome_copy, COMPETENCE_FILE, text.encode("cp1252", errors="replace"))
    with pytest.raises(ReferentielError) as caught:
        read_rome(rome_copy)
    message = str(caught.value)
    assert COMPETENCE_FILE in message
    assert "ligne 2" in message and "utf-8" in message


def test_rome_empty_file_is_refused(rome_copy: Path) -> None:
    _replace(rome_copy, "unix_referentiel_savoir_v460_utf8.csv", b"")
    with pytest.raises(ReferentielError, match="unix_referentiel_savoir_v460_utf8.csv.*vide"):
        read_rome(rome_copy)


def test_rome_missing_column_is_named(rome_copy: Path) -> None:
    _replace(
        rome_copy,
        "unix_referentiel_savoir_v460_utf8.csv",
        b'"code_ogr_savoir","categorie_savoir"\n"1","x"\n',
    )
    with pytest.raises(ReferentielError) as caught:
        read_rome(rome_copy)
    assert "libelle_savoir" in caught.value.message
    assert "unix_referentiel_savoir_v460_utf8.csv" in caught.value.message
    assert caught.value.hint


def test_rome_duplicate_code_is_refused_with_both_lines(
    rome_copy: Path, referentiels_dir: Path
) -> None:
    lines = (referentiels_dir / "rome-4.0" / COMPETENCE_FILE).read_bytes().splitlines(True)
    _replace(rome_copy, COMPETENCE_FILE, b"".join([*lines[:3], lines[1], *lines[3:]]))
    with pytest.raises(ReferentielError) as caught:
        read_rome(rome_copy)
    assert "100023" in caught.value.message
    assert "lignes 2 et 4" in caught.value.message
    assert COMPETENCE_FILE in caught.value.message


def test_rome_truncated_file_is_refused_at_its_last_line(
    rome_copy: Path, referentiels_dir: Path
) -> None:
    name = "unix_coherence_item_v460_utf8.csv"
    lines = (referentiels_dir / "rome-4.0" / name).read_bytes().splitlines(True)
    _replace(rome_copy, name, b"".join(lines[:1000]) + lines[1000][:12])  # cut in a field
    with pytest.raises(ReferentielError, match=rf"{name}, ligne 1001"):
        read_rome(rome_copy)
    _replace(rome_copy, name, b"".join(lines[:1000]) + b'"A1101","38055"\n')  # a column short
    with pytest.raises(ReferentielError, match=rf"{name}, ligne 1001 a 2 colonnes au lieu de 3"):
        read_rome(rome_copy)


def test_rome_missing_folder_or_files(tmp_path: Path) -> None:
    with pytest.raises(ReferentielError, match="introuvable"):
        read_rome(tmp_path / "absent")
    with pytest.raises(ReferentielError, match="unix_referentiel_code_rome"):
        read_rome(tmp_path)


def test_rome_mixed_versions_are_refused(rome_copy: Path) -> None:
    shutil.copy(
        rome_copy / "unix_referentiel_code_rome_v460_utf8.csv",
        rome_copy / "unix_referentiel_code_rome_v470_utf8.csv",
    )
    with pytest.raises(ReferentielError, match="460, 470"):
        read_rome(rome_copy)
