"""What a statement carries beside itself: official links and computed neighbours, in the
analysis JSON, the API schema, ``referentiels show`` and the Markdown synthesis (fast: hand-built
objects), then through the real CLI and API (integration)."""

from __future__ import annotations

import json

from api.schemas import AnalysisPublic

from habilitant.catalog import Catalog
from habilitant.coverage import assess
from habilitant.domain import (
    Analysis,
    Competence,
    Credit,
    Evidence,
    Parent,
    Quote,
    Referentiel,
    Statement,
    Target,
    TargetBloc,
    TargetItem,
)
from habilitant.links import Link
from habilitant.neighbours import Neighbour
from habilitant.relations import StatementRelations, statement_links
from habilitant.reports.coverage import coverage_markdown
from habilitant.reports.render import analysis_dict, show_dict, show_text
from tests.test_render_schemas import assert_matches

FICHE = Parent("fiche", "D1102", "Boulanger / Boulangère", "Principale")
STATEMENT = Statement(
    "rome:1",
    "1",
    "rome",
    "Pétrir la pâte à pain",
    "competence",
    "attested",
    0.7,
    (FICHE,),
    (Evidence(10, 19, "la pâte à pain"),),
)
RNCP = Neighbour(
    "rncp-2021:RNCP1BC02",
    "rncp-2021",
    "bloc",
    "RNCP1BC02",
    "Fabriquer des pains",
    0.21,
    (Parent("certification", "RNCP1", "CAP Boulanger"),),
)
ESCO = Neighbour("esco:a", "esco", "competence", "a", "pétrir de la pâte", 0.26)
OTHER = Neighbour("referens3:x", "referens3", "competence", "x", "Préparer des milieux", 0.13)
LINK = Link("rome", "D1102", "Boulanger / Boulangère", "codes_rome", ("rncp_codes_rome",))


def test_relations_analysis_json_carries_links_and_neighbours_as_its_schema_says() -> None:
    analysis = Analysis((STATEMENT,), ())
    rendered = analysis_dict(analysis, {"rome:1": StatementRelations((LINK,), (ESCO, RNCP))})
    statement = rendered["statements"][0]
    assert [n["competence_id"] for n in statement["neighbours"]] == ["esco:a", RNCP.competence_id]
    assert {n["label"] for n in statement["neighbours"]} == {"proche"}
    assert statement["neighbours"][1]["parents"] == [
        {"kind": "certification", "code": "RNCP1", "libelle": "CAP Boulanger"}
    ]
    assert statement["links"][0]["label"] == "officiel" and statement["links"][0]["code"] == "D1102"
    assert_matches(AnalysisPublic, rendered)
    # Not computed: empty lists, still the schema's shape.
    bare = analysis_dict(analysis)["statements"][0]
    assert bare["links"] == [] and bare["neighbours"] == []
    assert_matches(AnalysisPublic, analysis_dict(analysis))
    assert "équivalent" not in json.dumps(rendered, ensure_ascii=False)


def test_relations_a_competence_has_no_official_link_of_its_own() -> None:
    competence = Competence("rome:1", "rome", "1", "Pétrir la pâte à pain", "competence", (FICHE,))
    catalog = Catalog.from_referentiels([Referentiel("rome", "ROME", "", (), (competence,))])
    assert statement_links("rome:1", catalog) == () and statement_links("rome:2", catalog) == ()
    text = show_text(competence, catalog, (ESCO, OTHER))
    assert "Proches dans les autres référentiels (proche : rapprochement calculé" in text
    assert "ESCO\n    • pétrir de la pâte — proche (0.26) · esco:a" in text
    assert "RéFérens III\n    • Préparer des milieux — proche (0.13)" in text
    assert "Non calculés" in show_text(competence, catalog, None)
    assert "n'atteint le seuil" in show_text(competence, catalog, ())
    data = show_dict(competence, catalog, (ESCO,))
    assert data["neighbours"][0]["label"] == "proche" and "neighbours" not in show_dict(
        competence, catalog
    )


def test_relations_synthesis_gives_one_line_per_covered_statement_with_rncp_and_esco() -> None:
    target = Target(
        "D1102",
        "Boulanger / Boulangère",
        "rome",
        "fiche",
        "competences",
        (
            TargetBloc(
                "D1102-1",
                "Fabriquer",
                (TargetItem("rome:1", "Pétrir la pâte à pain"), TargetItem("rome:2", "Cuire")),
            ),
            TargetBloc("D1102-2", "Vendre", (TargetItem("rome:3", "Encaisser"),)),
        ),
    )
    credits = {
        "rome:1": Credit("covered", 0.4, (Quote(10, 19, "la pâte", 0),)),
        "rome:2": Credit("partial", 0.2),
        "rome:3": Credit("covered", 0.3),
    }
    coverage = assess(target, credits)
    found = {"rome:1": (ESCO, RNCP, OTHER), "rome:3": ()}
    markdown = coverage_markdown(coverage, found)
    lines = [line for line in markdown.splitlines() if "Proches (calculés" in line]
    assert lines == [
        "  - Proches (calculés, pas des équivalences) — RNCP : « Fabriquer des pains » "
        "(RNCP1BC02) ; ESCO : « pétrir de la pâte »",
        "  - Proches (calculés, pas des équivalences) — RNCP : aucun au-dessus du seuil ; "
        "ESCO : aucun au-dessus du seuil",
    ]
    assert markdown.index(lines[0]) < markdown.index("**Encaisser**")
    assert "Proches" not in coverage_markdown(coverage)  # not computed: no line
    assert "équivalent " not in markdown


# --- Real data ----------------------------------------------------------------------------

EHPAD = (
    "J'ai fait des remplacements en EHPAD pendant deux ans : la toilette des résidents, l'aide "
    "aux repas, la réfection des lits et la surveillance de leur état de santé."
)


def test_relations_real_cli_analyse_json_carries_links_and_neighbours(settings, habilitant) -> None:
    from click.testing import CliRunner

    from habilitant.cli import cli

    base = ["--referentiels", str(settings.referentiels), "--models-dir", str(settings.models_dir)]
    shown = CliRunner().invoke(cli, [*base, "analyse", EHPAD, "--json"])
    assert shown.exit_code == 0, shown.output
    statements = json.loads(shown.output)["statements"]
    assert statements and all({"links", "neighbours"} <= set(s) for s in statements)
    close = [n for s in statements for n in s["neighbours"]]
    assert len(close) >= len(statements)  # most statements have some
    floor = habilitant.calibration.neighbours.floor
    assert all(n["label"] == "proche" and n["score"] >= floor for n in close)
    for statement in statements:
        assert all(n["referentiel"] != statement["referentiel"] for n in statement["neighbours"])
        assert statement["links"] == []  # statements have none of their own (relations.py)
    assert "équivalent" not in shown.output


def test_relations_real_show_competence_lists_neighbours_same_as_the_api(
    settings, api_client
) -> None:
    from click.testing import CliRunner

    from habilitant.cli import cli

    base = ["--referentiels", str(settings.referentiels), "--models-dir", str(settings.models_dir)]
    text = CliRunner().invoke(cli, [*base, "referentiels", "show", "rome:100023"])
    assert text.exit_code == 0, text.output
    assert "Proches dans les autres référentiels" in text.output
    assert "• abattre des arbres — proche (" in text.output
    as_json = CliRunner().invoke(cli, [*base, "referentiels", "show", "rome:100023", "--json"])
    shown = json.loads(as_json.output)
    assert shown["neighbours"][0]["libelle"] == "abattre des arbres"
    assert shown == api_client.get("/competences/rome:100023").json()


def test_relations_real_api_coverage_synthesis_has_the_neighbours_lines(api_client) -> None:
    body = {"text": EHPAD, "certification": "J1501", "include_markdown": True}
    report = api_client.post("/coverage", json=body).json()
    covered = [c for b in report["blocs"] for c in b["competences"] if c["status"] == "covered"]
    assert covered
    lines = [line for line in report["markdown"].splitlines() if "Proches (calculés" in line]
    assert len(lines) == len(covered)
    assert any("ESCO : « " in line for line in lines)
