"""The command line on the real referentials, model and index (CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from habilitant.cli import cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def run(settings, built_index):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    base = ["--referentiels", str(settings.referentiels), "--models-dir", str(settings.models_dir)]

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, [*base, *args], input=input)

    return invoke


def test_cli_referentiels_list_gives_official_counts(run) -> None:  # type: ignore[no-untyped-def]
    result = run("referentiels", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    rome = rows["rome"]["counts"]
    assert rome["fiches"] == 1584 and rome["kind:savoir"] == 15354
    assert (
        rome["kind:competence"] + rome["kind:macro_competence"] + rome["kind:savoir_etre"] == 18317
    )
    assert rows["rncp"]["counts"]["certifications"] == 12 and rows["rncp"]["counts"]["blocs"] == 53
    text = run("referentiels", "list").output
    assert "1 584 fiches" in text and "18 317 compétences" in text and "15 354 savoirs" in text


def test_cli_referentiels_show_certification_and_unknown_code(run) -> None:  # type: ignore[no-untyped-def]
    result = run("referentiels", "show", "RNCP37674")
    assert result.exit_code == 0
    assert "Développeur web et web mobile" in result.output
    assert "RNCP37674BC02" in result.output
    assert "Maquetter des interfaces utilisateur web ou web mobile" in result.output
    unknown = run("referentiels", "show", "RNCP0000000")
    assert unknown.exit_code == 1
    assert "Erreur" in unknown.output and "Traceback" not in unknown.output


def test_cli_search_returns_elderly_care_items_with_provenance(run) -> None:  # type: ignore[no-untyped-def]
    result = run("search", "aide à la toilette des résidents en EHPAD", "-k", "15", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)["hits"]
    rome = [h["libelle"].lower() for h in hits if h["referentiel"] == "rome"]
    assert any("personnes âgées" in w or "ehpad" in w for w in rome), rome
    assert all(h["score"] > 0 and h["competence_id"] and h["kind"] for h in hits)
    only_rome = run(
        "search", "aide à la toilette des résidents en EHPAD", "--referentiel", "rome", "--json"
    )
    wordings = [h["libelle"] for h in json.loads(only_rome.output)["hits"]]
    assert "Soins à la personne âgée" in wordings, wordings


def test_cli_analyse_json_shape_and_evidence(run) -> None:  # type: ignore[no-untyped-def]
    text = (
        "J'ai fait des remplacements en EHPAD : la toilette des résidents, l'aide aux repas, "
        "la réfection des lits. Avant j'étais caissière en intérim."
    )
    result = run("analyse", text, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["statements"] and data["segments"]
    keys = {
        "competence_id",
        "code",
        "referentiel",
        "libelle",
        "kind",
        "decision",
        "score",
        "parents",
        "evidence",
    }
    for statement in data["statements"]:
        assert keys <= set(statement)
        for evidence in statement["evidence"]:
            assert text[evidence["start"] : evidence["end"]] == evidence["text"]


def test_cli_analyse_reads_file_and_stdin(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "recit.txt"
    path.write_text("J'ai travaillé en caisse et fait la mise en rayon.", encoding="utf-8")
    from_file = run("analyse", "--file", str(path), "--json")
    from_stdin = run("analyse", "-", "--json", input=path.read_text(encoding="utf-8"))
    assert from_file.exit_code == 0 and from_stdin.exit_code == 0
    assert json.loads(from_file.output) == json.loads(from_stdin.output)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyse", "   "], "vide"),
        (["analyse"], "Aucun texte"),
        (["analyse", "x" * 20_001], "limite"),
    ],
)
def test_cli_analyse_bad_input_is_a_clear_error(run, args, message) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_cli_analyse_binary_file_is_refused(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01")
    result = run("analyse", "--file", str(path))
    assert result.exit_code == 1 and "binaire" in result.output


def test_cli_unrelated_text_says_nothing(run) -> None:  # type: ignore[no-untyped-def]
    result = run("analyse", "Bonjour, il fait beau et je cherche un appartement.", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["statements"] == []


WEB_FRONT = (
    "J'ai travaillé comme développeur web. Je faisais les maquettes des pages avec Figma, puis "
    "l'intégration en HTML, CSS et JavaScript."
)
WEB_BACK = "Je développais le back-end en PHP : la base de données MySQL, les requêtes SQL."


def test_cli_coverage_two_interviews_json_and_chart(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, second = tmp_path / "entretien1.txt", tmp_path / "entretien2.txt"
    first.write_text(WEB_FRONT, encoding="utf-8")
    second.write_text(WEB_BACK, encoding="utf-8")
    chart = tmp_path / "couverture.png"
    result = run(
        "coverage", "--certification", "RNCP37674", "--file", str(first), "--file", str(second),
        "--json", "--chart", str(chart),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["target"]["code"] == "RNCP37674" and data["narratives"] == 2
    assert data["depth"] == "competences" and len(data["blocs"]) == 2
    statuses = {c["status"] for b in data["blocs"] for c in b["competences"]}
    assert statuses <= {"covered", "partial", "missing"} and statuses - {"missing"}
    assert chart.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("flag", "expected"),
    [("--markdown", "# Synthèse de couverture — RNCP37674"), ("--csv", "cible,bloc,bloc_libelle")],
)
def test_cli_coverage_markdown_and_csv_reports(run, tmp_path: Path, flag, expected) -> None:  # type: ignore[no-untyped-def]
    output = tmp_path / "rapport"
    result = run(
        "coverage", WEB_FRONT, "--certification", "RNCP37674", flag, "--output", str(output)
    )
    assert result.exit_code == 0, result.output
    assert output.read_text(encoding="utf-8").startswith(expected)


def test_cli_coverage_unknown_certification_is_a_clear_error(run) -> None:  # type: ignore[no-untyped-def]
    result = run("coverage", WEB_FRONT, "--certification", "RNCP00001")
    assert result.exit_code == 1
    assert "RNCP00001 est inconnue" in result.output and "Traceback" not in result.output


def test_cli_suggest_json_shape(run) -> None:  # type: ignore[no-untyped-def]
    result = run("suggest", WEB_FRONT + " " + WEB_BACK, "--json", "--limit", "3")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["suggestions"]
    assert {r["kind"] for r in rows} == {"certification", "bloc", "fiche"}
    for row in rows:
        assert set(row) >= {"code", "libelle", "kind", "niveau", "actif", "coverage_ratio", "why"}


def test_cli_encoder_list_names_each_licence_and_what_is_installed(  # type: ignore[no-untyped-def]
    run, tmp_path: Path
) -> None:
    lines = run("encoder", "list").output.splitlines()
    e5 = next(line for line in lines if "multilingual-e5-small" in line)
    gemma = next(line for line in lines if "embeddinggemma-300m" in line)
    assert e5.startswith("*") and "MIT" in e5 and "installé" in e5  # the default, chosen
    assert "Gemma Terms of Use" in gemma and "768 d" in gemma and "installé" in gemma
    empty = CliRunner().invoke(cli, ["--models-dir", str(tmp_path), "encoder", "list"])
    assert "absent (habilitant encoder install embeddinggemma)" in empty.output


def test_cli_train_without_labelled_offers_says_what_to_do(  # type: ignore[no-untyped-def]
    run, tmp_path: Path
) -> None:
    result = run("train", "--offers", str(tmp_path / "absent.jsonl"))
    assert result.exit_code == 1
    assert "Fichier d'offres annotées introuvable" in result.output
    assert "le classement des items restent ceux de l'appariement" in result.output
    assert "habilitant train --offers" in result.output


def test_cli_index_build_refuses_to_drop_an_indexed_referential_silently(
    settings, built_index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    # A referentials folder that lost everything but the RNCP export, beside a full index.
    root = tmp_path / "referentiels"
    root.mkdir()
    (root / "rncp").symlink_to(Path(settings.referentiels) / "rncp", target_is_directory=True)
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    full = json.loads((built_index.path / "manifest.json").read_text(encoding="utf-8"))
    (index_dir / "manifest.json").write_text(json.dumps(full), encoding="utf-8")
    before = (index_dir / "manifest.json").read_bytes()
    monkeypatch.setenv("HABILITANT_INDEX_DIR", str(index_dir))
    base = ["--referentiels", str(root), "--models-dir", str(settings.models_dir)]
    refused = CliRunner().invoke(cli, [*base, "index", "build"])
    assert refused.exit_code == 1, refused.output
    assert "retirerait" in refused.output and "rome" in refused.output and "esco" in refused.output
    assert "--remove-missing" in refused.output
    assert (index_dir / "manifest.json").read_bytes() == before  # the index in place is kept
    accepted = CliRunner().invoke(cli, [*base, "index", "build", "--remove-missing"])
    assert accepted.exit_code == 0, accepted.output
    rebuilt = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert set(rebuilt["referentiels"]) == {"rncp", "rs", "rncp-2021"}
