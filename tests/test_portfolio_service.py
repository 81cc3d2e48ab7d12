"""Portfolios on the real model, index and referentials: a web developer met twice, through
the library and through ``habilitant portfolio`` (CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from habilitant.cli import cli
from habilitant.errors import PortfolioError, UnknownCodeError
from habilitant.portfolio import PortfolioStore, add_entry, export, validate_statement, view

pytestmark = pytest.mark.integration

FRONT = (
    "J'ai travaillé comme développeur web dans une agence. Je réalisais les maquettes des "
    "interfaces et les pages web en HTML et CSS."
)
BACK = (
    "Ensuite j'ai travaillé dans une startup. Je développais le back-end en PHP : la base de "
    "données MySQL, les requêtes SQL."
)
TARGET = "RNCP37674"


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with PortfolioStore(tmp_path / "portfolio.sqlite3") as opened:
        yield opened


def test_portfolio_service_stores_analysis_and_target_statements(store, habilitant) -> None:  # type: ignore[no-untyped-def]
    added = add_entry(
        store, habilitant, person="P-0173", text=FRONT, date="2024-01-15", certification=TARGET
    )
    entry = added.entry
    assert entry.certification == TARGET and not entry.consent and entry.narrative is None
    ids = {s.competence_id: s for s in entry.statements}
    analysed = {s.competence_id for s in habilitant.analyse(FRONT).statements}
    assert analysed <= set(ids)  # every statement of the analysis is stored
    front = ids["rncp:RNCP37674BC01:2"]  # « Maquetter des interfaces utilisateur web… »
    assert front.libelle == "Maquetter des interfaces utilisateur web ou web mobile"
    assert front.decision == "attested" and front.source == "cible"
    assert any(p.code == TARGET for p in front.parents)
    for statement in entry.statements:  # offsets only, no quoted words, without consent
        assert statement.evidence and all(e.text is None for e in statement.evidence)
        assert all(0 <= e.start < e.end <= len(FRONT) for e in statement.evidence)


def test_portfolio_service_keeps_quotes_matching_the_narrative_with_consent(
    store, habilitant
) -> None:  # type: ignore[no-untyped-def]
    entry = add_entry(store, habilitant, person="P-0174", text=BACK, consent=True).entry
    assert entry.narrative == BACK
    evidence = [e for s in entry.statements for e in s.evidence]
    assert evidence and all(BACK[e.start : e.end] == e.text for e in evidence)


def test_portfolio_service_refuses_bad_input_before_analysing(store, habilitant) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PortfolioError, match="e-mail"):
        add_entry(store, habilitant, person="jean@exemple.fr", text=FRONT)
    with pytest.raises(UnknownCodeError):
        add_entry(store, habilitant, person="P-0175", text=FRONT, certification="RNCP0000001")
    assert not store.has_person("P-0175")


def test_portfolio_service_coverage_progresses_and_validation_counts(store, habilitant) -> None:  # type: ignore[no-untyped-def]
    add_entry(
        store, habilitant, person="P-0176", text=FRONT, date="2024-01-15", certification=TARGET
    )
    add_entry(
        store, habilitant, person="P-0176", text=BACK, date="2024-03-02", certification=TARGET
    )
    result = view(store, "P-0176", catalog=habilitant.catalog, certification=TARGET)
    first, second = result.points
    assert first.coverage is not None and second.coverage is not None
    assert second.coverage.coverage_ratio > first.coverage.coverage_ratio
    back_first, back_second = first.coverage.blocs[1], second.coverage.blocs[1]
    assert back_first.code == "RNCP37674BC02"
    assert back_second.coverage_ratio > back_first.coverage_ratio
    assert second.attested > first.attested
    # The counsellor validates a statement only to confirm: it becomes attested.
    pending = next(
        s
        for s in result.portfolio.statements()
        if s.decision == "to_confirm" and s.competence_id.startswith("rncp:RNCP37674")
    )
    validate_statement(store, "P-0176", pending.id, accept=True)
    after = view(store, "P-0176", catalog=habilitant.catalog, certification=TARGET)
    assert after.points[-1].validated == 1
    assert after.points[-1].attested == second.attested + 1
    assert after.points[-1].coverage.coverage_ratio > second.coverage.coverage_ratio  # type: ignore[union-attr]
    markdown = export(after, "markdown")
    assert "★" in markdown and "RNCP37674BC02" in markdown and "2024-03-02" in markdown


@pytest.fixture(scope="module")
def run(settings, built_index):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    base = ["--referentiels", str(settings.referentiels), "--models-dir", str(settings.models_dir)]

    def invoke(db: Path, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, [*base, "portfolio", "--db", str(db), *args], input=input)

    return invoke


def test_portfolio_cli_two_interviews_show_coverage_progressing(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "portfolio.sqlite3"
    (tmp_path / "front.txt").write_text(FRONT, encoding="utf-8")
    (tmp_path / "back.txt").write_text(BACK, encoding="utf-8")
    for day, name, kind in (
        ("2024-01-15", "front", "entretien"),
        ("2024-03-02", "back", "contrat"),
    ):
        added = run(
            db, "add", "--person", "P-WEB-1", "--file", str(tmp_path / f"{name}.txt"),
            "--date", day, "--kind", kind, "--certification", TARGET, "--consent",
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        assert f"du {day} ajoutée au portfolio de P-WEB-1" in added.output

    shown = run(db, "show", "P-WEB-1", "--certification", TARGET, "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    first, second = data["progression"]
    assert (first["date"], second["date"]) == ("2024-01-15", "2024-03-02")
    assert second["coverage_ratio"] > first["coverage_ratio"] > 0
    blocs = {b["code"]: b["coverage_ratio"] for b in second["blocs"]}
    assert blocs["RNCP37674BC02"] > first["blocs"][1]["coverage_ratio"]
    assert data["coverage"]["target"]["code"] == TARGET

    text = run(db, "show", "P-WEB-1", "--certification", TARGET)
    assert text.exit_code == 0 and "RNCP37674BC02" in text.output
    assert "Progression des compétences attestées" in text.output

    statement_id = data["entries"][0]["statements"][0]["id"]
    rejected = run(db, "validate", "P-WEB-1", str(statement_id), "--reject")
    assert rejected.exit_code == 0 and "rejeté" in rejected.output
    neither = run(db, "validate", "P-WEB-1", str(statement_id))
    assert neither.exit_code == 1 and "--accept" in neither.output

    exported = tmp_path / "export.csv"
    assert run(db, "export", "P-WEB-1", "--format", "csv", "--output", str(exported)).exit_code == 0
    rows = exported.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("personne,entree,date") and len(rows) > 2
    assert any(",rejected," in row for row in rows)
    synthesis = run(db, "export", "P-WEB-1", "--format", "markdown")
    assert synthesis.exit_code == 0 and "### Dans les autres référentiels" in synthesis.output
    assert "Proches (calculés, pas des équivalences)" in synthesis.output

    kept = "Je réalisais les maquettes des interfaces"
    assert kept.encode() in db.read_bytes()  # each command closes the store: no log left
    assert run(db, "erase", "P-WEB-1", input="n\n").exit_code == 1  # not confirmed: kept
    erased = run(db, "erase", "P-WEB-1", "--yes")
    assert erased.exit_code == 0 and "2 entrée(s)" in erased.output
    gone = run(db, "show", "P-WEB-1")
    assert gone.exit_code == 1 and "Aucun portfolio" in gone.output
    raw = db.read_bytes()
    assert b"P-WEB-1" not in raw and kept.encode() not in raw


def test_portfolio_cli_refuses_personal_ids_and_unknown_people(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "portfolio.sqlite3"
    recit = tmp_path / "recit.txt"
    recit.write_text(FRONT, encoding="utf-8")
    email = run(db, "add", "--person", "marie.dupont@exemple.fr", "--file", str(recit))
    assert email.exit_code == 1 and "e-mail" in email.output and "Traceback" not in email.output
    future = run(db, "add", "--person", "P-1", "--file", str(recit), "--date", "2999-01-01")
    assert future.exit_code == 1 and "futur" in future.output
    unknown = run(db, "show", "P-INCONNU")
    assert unknown.exit_code == 1 and "Aucun portfolio" in unknown.output
    named = run(db, "add", "--person", "jean.dupont", "--file", str(recit))
    assert named.exit_code == 1 and "aucun chiffre" in named.output
    erased = run(db, "erase", "P-INCONNU", "--yes")  # re-runnable: nothing to erase, scrubbed
    assert erased.exit_code == 0 and "rien à effacer" in erased.output
