"""Progression of a portfolio over its entry dates, and the coverage of a target at each date
(a hand-built target; the real certification is exercised in test_portfolio_service)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from habilitant.domain import Evidence, Statement, Target, TargetBloc, TargetItem
from habilitant.portfolio import EntryDraft, Finding, PortfolioStore, progression
from habilitant.portfolio.progression import statement_credit
from habilitant.reports.portfolio import (
    portfolio_csv,
    portfolio_dict,
    portfolio_markdown,
    portfolio_text,
)

TARGET = Target(
    code="RNCP00001",
    libelle="Cible d'essai",
    referentiel="rncp",
    kind="certification",
    depth="competences",
    blocs=(
        TargetBloc("BC01", "Front", (TargetItem("c:1", "Un"), TargetItem("c:2", "Deux"))),
        TargetBloc("BC02", "Back", (TargetItem("c:3", "Trois"), TargetItem("c:4", "Quatre"))),
    ),
)


def found(competence_id: str, decision: str = "attested", score: float = 0.3) -> Statement:
    return Statement(
        competence_id, competence_id, "rncp", f"Énoncé {competence_id}", "competence",
        decision, score, (), (Evidence(0, 4, "mots"),),  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with PortfolioStore(tmp_path / "p.sqlite3") as opened:
        yield opened


def add(store: PortfolioStore, day: str, *statements: Statement, consent: bool = False) -> None:
    store.add_entry(
        EntryDraft(
            "P-1", dt.date.fromisoformat(day), "entretien",
            tuple(Finding(s) for s in statements), consent=consent, narrative="mots et mots",
        )
    )  # fmt: skip


def test_portfolio_progression_accumulates_competences_and_coverage_by_date(
    store: PortfolioStore,
) -> None:
    add(store, "2024-01-15", found("c:1"), found("c:2", "to_confirm"), found("x:9"))
    add(store, "2024-03-02", found("c:3"), found("c:2", "to_confirm"))
    add(store, "2024-03-02", found("c:1", "to_confirm"))  # same date: one point
    view = progression(store.portfolio("P-1"), TARGET)
    first, last = view.points
    assert (first.date, first.entries) == (dt.date(2024, 1, 15), 1)
    assert (first.attested, first.validated, first.to_confirm) == (2, 0, 1)
    assert (last.entries, last.attested, last.to_confirm) == (3, 3, 1)
    assert first.coverage is not None and last.coverage is not None
    assert first.coverage.coverage_ratio == 0.375  # (1 + 0.5) / 4
    assert last.coverage.coverage_ratio == 0.625  # (2 + 0.5) / 4
    assert [b.coverage_ratio for b in last.coverage.blocs] == [0.75, 0.5]
    c1 = last.coverage.blocs[0].competences[0]
    assert c1.status == "covered"  # the best status of its two entries
    assert {q.narrative for q in c1.quotes} == {0, 2}  # quotes name the entries
    assert view.coverage is last.coverage


def test_portfolio_progression_counts_validations_and_drops_rejections(
    store: PortfolioStore,
) -> None:
    add(store, "2024-01-15", found("c:1"), found("c:2", "to_confirm"), found("c:3"))
    by_id = {s.competence_id: s.id for s in store.portfolio("P-1").statements()}
    store.set_validation("P-1", by_id["c:2"], "validated")
    store.set_validation("P-1", by_id["c:3"], "rejected")
    (point,) = progression(store.portfolio("P-1"), TARGET).points
    assert (point.attested, point.validated, point.to_confirm) == (2, 1, 0)
    assert point.coverage is not None
    statuses = {c.competence_id: c.status for b in point.coverage.blocs for c in b.competences}
    assert statuses == {"c:1": "covered", "c:2": "covered", "c:3": "missing", "c:4": "missing"}


def test_portfolio_progression_credit_rules() -> None:
    from habilitant.portfolio.records import StoredEvidence, StoredStatement

    def stored(decision: str, validation: str) -> StoredStatement:
        return StoredStatement(
            1, 1, "c:1", "1", "rncp", "Un", "competence", decision, 0.3, "analyse",  # type: ignore[arg-type]
            validation, None, (), (StoredEvidence(3, 8, None),),  # type: ignore[arg-type]
        )  # fmt: skip

    assert statement_credit(stored("attested", "pending")).status == "covered"  # type: ignore[union-attr]
    assert statement_credit(stored("to_confirm", "pending")).status == "partial"  # type: ignore[union-attr]
    assert statement_credit(stored("to_confirm", "validated")).status == "covered"  # type: ignore[union-attr]
    assert statement_credit(stored("attested", "rejected")) is None
    credit = statement_credit(stored("attested", "pending"), narrative=4)
    assert credit is not None and credit.quotes[0].narrative == 4
    assert (credit.quotes[0].start, credit.quotes[0].text) == (3, "")


def test_portfolio_progression_renderings_hide_quotes_without_consent(
    store: PortfolioStore,
) -> None:
    add(store, "2024-01-15", found("c:1"), consent=False)
    add(store, "2024-03-02", found("c:3"), consent=True)
    view = progression(store.portfolio("P-1"), TARGET)
    data = portfolio_dict(view)
    assert [p["coverage_ratio"] for p in data["progression"]] == [0.25, 0.5]
    assert data["coverage"]["target"]["code"] == "RNCP00001"
    first, second = data["entries"]
    assert first["narrative"] is None and first["statements"][0]["evidence"][0]["text"] is None
    assert second["narrative"] == "mots et mots"
    csv_text = portfolio_csv(view)
    assert "extrait non conservé" in csv_text and "« mots »" in csv_text
    assert csv_text.count("\n") == 3  # header + one row per stored statement
    markdown = portfolio_markdown(view)
    assert "| BC02 | Back | 0 % | 50 % |" in markdown
    assert "## Compétences attestées" in markdown
    assert "Dans les autres référentiels" not in markdown  # no neighbours computed


def test_portfolio_synthesis_gives_one_neighbours_line_per_attested_competence(
    store: PortfolioStore,
) -> None:
    from habilitant.domain import Parent
    from habilitant.neighbours import Neighbour
    from habilitant.reports.portfolio import attested_competence_ids

    add(store, "2024-01-15", found("c:1"), consent=False)
    add(store, "2024-03-02", found("c:3"), consent=True)
    view = progression(store.portfolio("P-1"), TARGET)
    attested = attested_competence_ids(view)
    assert attested and set(attested) <= {"c:1", "c:3"}
    esco = Neighbour("esco:a", "esco", "competence", "a", "pétrir de la pâte", 0.26)
    rncp = Neighbour(
        "rncp:x",
        "rncp",
        "competence",
        "x",
        "Fabriquer des pains",
        0.2,
        (Parent("bloc", "RNCP9BC01", "Production"),),
    )
    markdown = portfolio_markdown(view, {attested[0]: (esco, rncp)})
    section = markdown.split("### Dans les autres référentiels")[1].split("##")[0]
    lines = [line for line in section.splitlines() if line.startswith("- ")]
    assert len(lines) == len(attested)  # one line per attested competence
    first = lines[0]
    assert "« pétrir de la pâte »" in first and "« Fabriquer des pains » (RNCP9BC01)" in first
    assert "calculés, pas des équivalences" in first and "équivalent " not in first
    assert all("aucun au-dessus du seuil" in line for line in lines[1:])
    text = portfolio_text(view)
    assert "2024-01-15" in text and "25 %" in text and "50 %" in text
