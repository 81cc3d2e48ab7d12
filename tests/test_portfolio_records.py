"""What users type for a portfolio: pseudonymous ids, dates, kinds, context."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from habilitant.domain import Evidence, Statement
from habilitant.errors import PortfolioError
from habilitant.portfolio.records import (
    NEW_PERSON_ID_PATTERN,
    PERSON_ID_PATTERN,
    Finding,
    check_context,
    check_date,
    check_kind,
    check_person_id,
    merge_findings,
)


@pytest.mark.parametrize("value", ["P-2024-0173", "abc", "dossier_12.b", "X1"])
def test_portfolio_records_accepts_pseudonymous_ids(value: str) -> None:
    assert check_person_id(f"  {value} ") == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("marie.dupont@exemple.fr", "e-mail"),
        ("Marie Dupont", "espaces"),
        ("0612345678", "long numéro"),
        ("06.12.34.56.78", "long numéro"),
        ("285057512345678", "long numéro"),
        ("", "manquant"),
        ("é-001", "invalide"),
        ("x" * 41, "invalide"),
        ("../etc", "invalide"),
    ],
)
def test_portfolio_records_refuses_ids_that_are_personal_data_or_malformed(
    value: str, message: str
) -> None:
    with pytest.raises(PortfolioError, match=message) as caught:
        check_person_id(value)
    assert caught.value.hint and caught.value.http_status == 400


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("jean.dupont", "aucun chiffre"),
        ("Dupont", "aucun chiffre"),
        ("marie-claire_durand", "aucun chiffre"),
        ("P-1.85.05.78.006", "long numéro découpé"),
        ("1-85-05-78-006-084", "long numéro découpé"),
    ],
)
def test_portfolio_records_refuses_new_ids_that_could_be_a_name_or_a_split_nir(
    value: str, message: str
) -> None:
    with pytest.raises(PortfolioError, match=message):
        check_person_id(value, new=True)
    assert check_person_id(value) == value  # an id already stored is still readable


@pytest.mark.parametrize("value", ["P-2024-0173", "CEP_75.12", "P-WEB-1", "A1"])
def test_portfolio_records_accepts_new_pseudonymous_ids(value: str) -> None:
    assert check_person_id(value, new=True) == value


def test_portfolio_records_id_patterns_of_the_api_schema_agree_with_the_checks() -> None:
    ids = [
        "P-2024-0173",
        "P-1",
        "A",
        "CEP_75.12",
        "jean.dupont",
        "P-KILL",
        "0612345678",
        "06.12.34.56.78",
        "P-1.85.05.78.006",
        "123456789",
        "12345678",
        "P-12345678-9",
        "x" * 40,
        "x" * 41,
        "-P1",
        "P 1",
        " P-1",
        "P-1 ",
        "a@b.fr",
        "é-001",
        "P-06-12-34-56-78",
        "P1-0612345678",
        "2024_000173",
        "AB-2024-00017",
        "",
    ]
    for new, pattern in ((False, PERSON_ID_PATTERN), (True, NEW_PERSON_ID_PATTERN)):
        for value in ids:
            try:
                check_person_id(value, new=new)
                accepted = True
            except PortfolioError:
                accepted = False
            assert accepted == bool(re.search(pattern, value)), (value, new)


def test_portfolio_records_dates_default_to_today_and_refuse_the_future() -> None:
    today = dt.date(2024, 5, 1)
    assert check_date(None, today=today) == today
    assert check_date("2024-03-18", today=today) == dt.date(2024, 3, 18)
    with pytest.raises(PortfolioError, match="Date invalide"):
        check_date("18/03/2024", today=today)
    with pytest.raises(PortfolioError, match="futur"):
        check_date("2024-05-02", today=today)


def test_portfolio_records_kinds_fold_accents_and_refuse_unknown_ones() -> None:
    assert check_kind(None) == "entretien"
    assert check_kind("Bénévolat") == "benevolat"
    assert check_kind("service civique") == "service_civique"
    with pytest.raises(PortfolioError, match="vacances"):
        check_kind("vacances")


def test_portfolio_records_context_is_short() -> None:
    assert check_context("  CDD   de 6 mois ") == "CDD de 6 mois"
    with pytest.raises(PortfolioError, match="300"):
        check_context("x" * 301)


def test_portfolio_records_merge_keeps_the_best_decision_and_its_source() -> None:
    def finding(decision: str, score: float, span: tuple[int, int], source: str) -> Finding:
        statement = Statement(
            "rncp:RNCP37674BC02:1",
            "1",
            "rncp",
            "Énoncé",
            "competence",
            decision,  # type: ignore[arg-type]
            score,
            (),
            (Evidence(*span, "x"),),
        )
        return Finding(statement, source)  # type: ignore[arg-type]

    (merged,) = merge_findings(
        [finding("to_confirm", 0.31, (5, 9), "analyse"), finding("attested", 0.28, (1, 4), "cible")]
    )
    assert merged.source == "cible"
    assert merged.statement.decision == "attested" and merged.statement.score == 0.31
    assert [(e.start, e.end) for e in merged.statement.evidence] == [(1, 4), (5, 9)]
