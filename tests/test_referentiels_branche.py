"""Branch referentials (YAML / JSON / CSV format, RéFérens III) and the reader registry."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml

from habilitant.domain import Parent, Referentiel
from habilitant.errors import ReferentielError, UnknownCodeError
from habilitant.referentiels import (
    READERS,
    available_referentiels,
    load_all,
    load_referentiel,
    read_branche,
    register_branche,
)
from habilitant.referentiels.referens3 import item_code, read_referens3

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "referentiels" / "exemple-branche.yaml"
CSV_HEADER = (
    "emploi_type_code;emploi_type_libelle;activite_code;activite_libelle;"
    "competence_code;competence_libelle;famille\n"
)


def _example_as_csv(delimiter: str) -> str:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(CSV_HEADER.strip().split(";"))
    for emploi in document["emplois_types"]:
        for act in emploi["activites"]:
            for comp in act["competences"]:
                writer.writerow(
                    [
                        emploi["code"],
                        emploi["libelle"],
                        act["code"],
                        act["libelle"],
                        comp["code"],
                        comp["libelle"],
                        emploi["famille"],
                    ]
                )
    return out.getvalue()


def _shape(referentiel: Referentiel) -> set[tuple[str, str, str, tuple[Parent, ...]]]:
    return {(c.id, c.kind, c.libelle, c.parents) for c in referentiel.competences}


@pytest.fixture(scope="module")
def example() -> Referentiel:
    return read_branche(EXAMPLE)


def test_branche_example_yaml(example: Referentiel) -> None:
    assert example.name == "exemple-branche" and example.version == "2025-01"
    assert example.title.startswith("Exemple fictif")
    counts = example.count()
    assert counts["emplois_types"] == 2
    assert counts["kind:activite"] == 4 and counts["kind:competence"] == 7
    by_id = {c.id: c for c in example.competences}
    activite = by_id["exemple-branche:ET01-A1"]
    assert activite.kind == "activite"
    assert activite.parents == (
        Parent("emploi_type", "ET01", "Préparateur / Préparatrice de commandes"),
    )
    shared = by_id["exemple-branche:C-SECU-01"]  # listed under both emplois-types
    assert [(p.kind, p.code) for p in shared.parents] == [
        ("activite", "ET01-A2"),
        ("emploi_type", "ET01"),
        ("activite", "ET02-A2"),
        ("emploi_type", "ET02"),
    ]
    et02 = example.emplois_types[1]
    assert et02.famille == "Encadrement"
    assert et02.activite_ids == ("exemple-branche:ET02-A1", "exemple-branche:ET02-A2")
    assert "exemple-branche:C-SECU-01" in et02.competence_ids


def test_branche_json_and_csv_are_equivalent(example: Referentiel, tmp_path: Path) -> None:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    as_json = tmp_path / "referentiel.json"
    as_json.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert _shape(read_branche(tmp_path)) == _shape(example)  # folder holding referentiel.json
    for delimiter in (";", ","):
        as_csv = tmp_path / "branche.csv"
        as_csv.write_text(_example_as_csv(delimiter), encoding="utf-8")
        from_csv = read_branche(as_csv, name="exemple-branche")
        assert _shape(from_csv) == _shape(example)
        assert [e.code for e in from_csv.emplois_types] == ["ET01", "ET02"]
        assert from_csv.emplois_types[0].famille == "Entreposage"
        assert from_csv.emplois_types == example.emplois_types


def test_branche_csv_name_defaults_to_file_stem(tmp_path: Path) -> None:
    path = tmp_path / "opco-test.csv"
    path.write_text(CSV_HEADER + "E1;Soudeur;;;C1;Souder à l'arc;Métal\n", encoding="utf-8")
    result = read_branche(path)
    assert result.name == "opco-test"
    assert result.competences[0].id == "opco-test:C1"
    assert result.competences[0].parents == (Parent("emploi_type", "E1", "Soudeur"),)


def test_branche_csv_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "branche.csv"
    path.write_text("emploi_type_code;emploi_type_libelle;competence_code\nE1;X;C1\n", "utf-8")
    with pytest.raises(ReferentielError) as caught:
        read_branche(path)
    assert "branche.csv" in caught.value.message
    assert "activite_code, activite_libelle" in caught.value.message
    assert caught.value.hint


def test_branche_duplicate_code_with_two_wordings_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "branche.csv"
    path.write_text(
        CSV_HEADER
        + "E1;Soudeur;A1;Souder;C1;Souder à l'arc;\nE2;Chaudronnier;A2;Former;C1;Plier;\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferentielError) as caught:
        read_branche(path)
    assert "C1" in caught.value.message and "branche.csv, ligne 3" in caught.value.message
    path.write_text(CSV_HEADER + "E1;Soudeur;;;C1;A;\nE1;Soudeuse;;;C2;B;\n", encoding="utf-8")
    with pytest.raises(ReferentielError, match="ligne 3 : l'emploi-type E1 a deux libellés"):
        read_branche(path)
    path.write_text(CSV_HEADER + "E1;Soudeur;X1;Souder;X1;Souder à l'arc;\n", encoding="utf-8")
    with pytest.raises(ReferentielError, match="X1"):
        read_branche(path)  # an activité and a compétence cannot share a code


def test_branche_yaml_errors_name_the_element_or_line(tmp_path: Path) -> None:
    path = tmp_path / "referentiel.yaml"
    path.write_text(
        "name: test\nemplois_types:\n  - code: E1\n    libelle: Soudeur\n"
        "    activites:\n      - code: A1\n        libelle: Souder\n"
        "        competences:\n          - code: C1\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferentielError) as caught:
        read_branche(path)
    assert "emplois_types[0].activites[0].competences[0]" in caught.value.message
    assert "libelle" in caught.value.message and "referentiel.yaml" in caught.value.message
    path.write_text("name: test\nemplois_types:\n  - code: [E1\n", encoding="utf-8")
    with pytest.raises(ReferentielError, match=r"referentiel.yaml, ligne \d"):
        read_branche(path)
    path.write_text("name: Mon Référentiel\nemplois_types: []\n", encoding="utf-8")
    with pytest.raises(ReferentielError, match="Mon Référentiel"):
        read_branche(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(ReferentielError, match="referentiel.yaml est vide"):
        read_branche(path)


def test_branche_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "branche.csv"
    path.write_bytes((CSV_HEADER + "E1;Soudeur;;;C1;Souder à l'arc;\n").encode("cp1252"))
    with pytest.raises(ReferentielError, match="branche.csv, ligne 2 n'est pas encodé en utf-8"):
        read_branche(path)


def test_referens3_counts_and_items(referentiels_dir: Path) -> None:
    referens = load_referentiel("referens3", referentiels_dir)
    counts = referens.count()
    assert counts["emplois_types"] == 242
    assert counts["kind:competence"] == 645
    assert counts["kind:activite"] == 2373
    assert counts["kind:savoir"] > 800 and counts["kind:savoir_etre"] > 10
    emploi = next(e for e in referens.emplois_types if e.code == "D2D44")
    assert emploi.libelle == "Ingénieur-e d’études en archéologie"
    assert emploi.famille == "Sciences Humaines et Sociales"
    assert len(emploi.activite_ids) == 8
    wording = "Travailler en équipe"
    team = next(c for c in referens.competences if c.libelle == wording)
    assert team.id == f"referens3:{item_code('co', wording)}" == "referens3:" + team.code
    assert len(team.parents) > 1 and all(p.kind == "emploi_type" for p in team.parents)
    assert team.definition.startswith("S'intégrer et coopérer")
    assert sum(team.id in e.competence_ids for e in referens.emplois_types) == len(team.parents)


def test_referens3_duplicate_emploi_type_is_refused(referentiels_dir: Path, tmp_path: Path) -> None:
    source = (
        referentiels_dir / "branches" / "referens3" / "fr-esr_referentiel_metier_referens_3.csv"
    )
    lines = source.read_text(encoding="utf-8").splitlines(True)
    copy = tmp_path / source.name
    copy.write_text("".join([*lines[:3], lines[1], *lines[3:]]), encoding="utf-8")
    with pytest.raises(ReferentielError, match="fr-esr_referentiel_metier_referens_3.csv.*D2D44"):
        read_referens3(tmp_path)


def test_registry_lists_and_loads_the_real_referentials(referentiels_dir: Path) -> None:
    assert available_referentiels(referentiels_dir) == [
        "rome",
        "rncp",
        "rs",
        "rncp-2021",
        "esco",
        "referens3",
    ]
    loaded = load_all(referentiels_dir, ["rncp", "referens3"])
    assert [r.name for r in loaded] == ["rncp", "referens3"]


def test_registry_unknown_name_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UnknownCodeError) as caught:
        load_referentiel("rome-5", tmp_path)
    assert "rome-5" in caught.value.message
    assert "rncp-2021" in caught.value.hint and "esco" in caught.value.hint


def test_registry_missing_files_say_where_and_how(tmp_path: Path) -> None:
    assert available_referentiels(tmp_path) == []
    with pytest.raises(ReferentielError) as caught:
        load_referentiel("rome", tmp_path)
    assert str(tmp_path / "rome-4.0") in caught.value.message
    assert "HABILITANT_REFERENTIELS" in caught.value.hint
    assert "habilitant referentiels download" in caught.value.hint


def test_register_branche_makes_a_file_loadable_by_name(tmp_path: Path) -> None:
    folder = tmp_path / "branches" / "exemple"
    folder.mkdir(parents=True)
    (folder / "referentiel.yaml").write_bytes(EXAMPLE.read_bytes())
    register_branche("exemple-test", "branches/exemple", "Exemple")
    try:
        assert "exemple-test" in available_referentiels(tmp_path)
        loaded = load_referentiel("exemple-test", tmp_path)
        assert loaded.name == "exemple-test"
        assert loaded.competences[0].id == "exemple-test:ET01-A1"
    finally:
        READERS.pop("exemple-test")


def test_a_branch_declared_by_its_folder_is_seen_by_every_command(tmp_path: Path) -> None:
    """No Python to write: ``branches/<name>/referentiel.yaml`` is the referential <name>,
    for this process and for any other (here a separate ``habilitant`` command)."""
    import subprocess
    import sys

    folder = tmp_path / "branches" / "opco-logistique"
    folder.mkdir(parents=True)
    (folder / "referentiel.yaml").write_bytes(EXAMPLE.read_bytes())
    (tmp_path / "branches" / "vide").mkdir()  # a folder without a branch file is not one
    assert available_referentiels(tmp_path) == ["opco-logistique"]
    loaded = load_referentiel("opco-logistique", tmp_path)
    assert loaded.name == "opco-logistique"
    assert loaded.competences[0].id == "opco-logistique:ET01-A1"
    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "habilitant",
            "--referentiels",
            str(tmp_path),
            "referentiels",
            "list",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    assert [r["name"] for r in json.loads(listed.stdout)] == ["opco-logistique"]
    with pytest.raises(UnknownCodeError) as unknown:
        load_referentiel("opco-absent", tmp_path)
    assert "opco-logistique" in unknown.value.hint and "branches/<nom>/" in unknown.value.hint
