"""Every dict the CLI's ``--json`` and the API render has exactly the shape its API schema
declares (fast tier: synthetic domain objects, no model). A field added on one side only, or
renamed, fails here before it reaches a client."""

from __future__ import annotations

import json
from typing import Any

from api.schemas import AnalysisPublic, CoverageReportPublic, SuggestionsPublic
from pydantic import BaseModel

from habilitant.coverage import CoverageConfig, assess
from habilitant.domain import (
    Analysis,
    Credit,
    Evidence,
    ExperienceContext,
    Parent,
    Quote,
    Segment,
    Statement,
    Suggestion,
    Target,
    TargetBloc,
    TargetItem,
)
from habilitant.reports.coverage import coverage_dict, suggestions_dict
from habilitant.reports.render import analysis_dict

NARRATIVE = "J'étais caissière en intérim : l'encaissement et la mise en rayon."
START = NARRATIVE.index("l'encaissement")
SEGMENT = Segment(
    "l'encaissement",
    START,
    START + len("l'encaissement"),
    0,
    ExperienceContext(role="caissière", contract="interim"),
)
STATEMENT = Statement(
    "rome:123",
    "123",
    "rome",
    "Encaisser le montant d'une vente",
    "competence",
    "attested",
    0.81,
    (Parent("fiche", "D1505", "Personnel de caisse", "Principale"),),
    (Evidence(SEGMENT.start, SEGMENT.end, SEGMENT.text),),
)
TARGET = Target(
    "RNCP1",
    "Employé polyvalent du commerce",
    "rncp",
    "certification",
    "competences",
    (
        TargetBloc(
            "RNCP1BC01",
            "Tenir la caisse",
            (TargetItem("rncp:1", "Encaisser"), TargetItem("rncp:2", "Clôturer la caisse")),
        ),
        TargetBloc("RNCP1BC02", "Mettre en rayon", (TargetItem("rncp:3", "Réassortir"),)),
    ),
    niveau="3",
)


def assert_matches(model: type[BaseModel], rendered: dict[str, Any]) -> None:
    """``rendered`` validates against ``model`` and says nothing the model does not keep:
    the round trip through the schema gives it back unchanged (optional fields may be left
    out, as the API leaves ``markdown`` out unless asked)."""
    as_json = json.loads(json.dumps(rendered, ensure_ascii=False))
    again = model.model_validate(as_json).model_dump(mode="json", exclude_unset=True)
    assert again == as_json


def test_render_analysis_matches_its_api_schema() -> None:
    analysis = Analysis((STATEMENT,), (SEGMENT,), ("Le texte est court.",))
    rendered = analysis_dict(analysis)
    assert NARRATIVE[SEGMENT.start : SEGMENT.end] == SEGMENT.text
    assert_matches(AnalysisPublic, rendered)
    assert_matches(AnalysisPublic, analysis_dict(Analysis((), (), ())))


def test_render_coverage_matches_its_api_schema_with_and_without_markdown() -> None:
    credits = {
        "rncp:1": Credit("covered", 0.8, (Quote(33, 47, "l'encaissement", 0),)),
        "rncp:3": Credit("partial", 0.4, (Quote(53, 66, "mise en rayon", 1),)),
    }
    coverage = assess(TARGET, credits, narratives=2, config=CoverageConfig())
    for markdown in (False, True):
        rendered = coverage_dict(coverage, markdown=markdown)
        assert_matches(CoverageReportPublic, rendered)
        assert ("markdown" in rendered) is markdown


def test_render_suggestions_match_their_api_schema() -> None:
    found = [
        Suggestion("RNCP1", "Employé polyvalent", "certification", "rncp", 0.5, 9.1, "2 sur 4"),
        Suggestion(
            "RNCP1BC01",
            "Tenir la caisse",
            "bloc",
            "rncp",
            1.0,
            9.5,
            "2 sur 2",
            niveau="3",
            certification="RNCP1",
            evidence=(Quote(33, 47, "l'encaissement", 0),),
        ),
    ]
    assert_matches(SuggestionsPublic, suggestions_dict(found, ["Récit 1 : court."]))
    assert_matches(SuggestionsPublic, suggestions_dict([]))


def test_render_portfolio_matches_its_api_schema_with_a_followed_target() -> None:
    import datetime as dt

    from api.schemas import PortfolioPublic, StoredStatementPublic

    from habilitant.portfolio.progression import progression
    from habilitant.portfolio.records import (
        Entry,
        Person,
        Portfolio,
        StoredEvidence,
        StoredStatement,
    )
    from habilitant.reports.portfolio import portfolio_dict, statement_dict

    stored = StoredStatement(
        1,
        1,
        "rncp:1",
        "1",
        "rncp",
        "Encaisser",
        "competence",
        "attested",
        0.8,
        "analyse",
        "validated",
        "2024-02-01T10:00:00+00:00",
        (Parent("bloc", "RNCP1BC01", "Tenir la caisse"),),
        (StoredEvidence(START, START + 14, None),),  # without consent: offsets only
    )
    entry = Entry(
        1,
        "P-1",
        dt.date(2024, 1, 15),
        "entretien",
        "",
        False,
        None,
        "RNCP1",
        "2024-01-15T10:00:00+00:00",
        (stored,),
    )
    portfolio = Portfolio(Person("P-1", "2024-01-15T10:00:00+00:00"), (entry,))
    assert_matches(StoredStatementPublic, statement_dict(stored))
    assert_matches(PortfolioPublic, portfolio_dict(progression(portfolio, TARGET)))
    assert_matches(PortfolioPublic, portfolio_dict(progression(portfolio)))
