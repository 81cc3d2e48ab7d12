"""Coverage and suggestion reports: JSON shape, CSV, Markdown synthesis, chart files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from habilitant.coverage import assess
from habilitant.domain import Credit, Quote, Suggestion, Target, TargetBloc, TargetItem
from habilitant.errors import InputError
from habilitant.reports.charts import write_coverage_chart
from habilitant.reports.coverage import (
    coverage_csv,
    coverage_dict,
    coverage_markdown,
    coverage_text,
    suggestions_dict,
    suggestions_text,
)
from habilitant.reports.render import to_json


def _coverage():  # type: ignore[no-untyped-def]
    target = Target(
        "RNCP37674",
        "Développeur web et web mobile",
        "rncp",
        "certification",
        "competences",
        (
            TargetBloc(
                "RNCP37674BC01",
                "Développer la partie front-end",
                (TargetItem("rncp:1", "Maquetter des interfaces"), TargetItem("rncp:2", "Coder")),
            ),
            TargetBloc("RNCP37674BC02", "Back-end", (TargetItem("rncp:3", "Base de données"),)),
        ),
        niveau="5",
        actif=False,
        successors=("RNCP99999",),
        notes=("La certification RNCP37674 n'est plus active.",),
    )
    credits = {
        "rncp:1": Credit("covered", 0.4, (Quote(3, 12, "maquettes", 0),)),
        "rncp:2": Credit("partial", 0.2, (Quote(5, 9, "HTML", 1),)),
    }
    return assess(target, credits, narratives=2)


def test_reports_coverage_json_has_the_documented_shape() -> None:
    data = json.loads(to_json(coverage_dict(_coverage())))
    assert set(data) >= {"target", "coverage_ratio", "depth", "blocs", "gaps"}
    assert data["target"] == {
        "code": "RNCP37674",
        "libelle": "Développeur web et web mobile",
        "referentiel": "rncp",
        "kind": "certification",
        "niveau": "5",
        "actif": False,
        "successors": ["RNCP99999"],
    }
    assert data["depth"] == "competences" and 0.0 <= data["coverage_ratio"] <= 1.0
    bloc = data["blocs"][0]
    assert set(bloc) == {"code", "libelle", "coverage_ratio", "ready_for_vae", "competences"}
    competence = bloc["competences"][0]
    assert set(competence) >= {"competence_id", "libelle", "status", "evidence"}
    assert competence["evidence"] == [{"start": 3, "end": 12, "text": "maquettes", "narrative": 0}]
    assert data["gaps"] == [
        {"competence_id": "rncp:3", "libelle": "Base de données", "bloc": "RNCP37674BC02"}
    ]


def test_reports_coverage_csv_has_one_row_per_statement() -> None:
    rows = list(csv.DictReader(io.StringIO(coverage_csv(_coverage()))))
    assert [r["statut"] for r in rows] == ["covered", "partial", "missing"]
    assert rows[0]["preuves"] == "« maquettes » (récit 1, 3–12)"
    assert rows[1]["preuves"] == "« HTML » (récit 2, 5–9)"
    assert rows[2]["bloc"] == "RNCP37674BC02" and rows[2]["preuves"] == ""


def test_reports_markdown_synthesis_has_evidence_gaps_and_next_steps() -> None:
    text = coverage_markdown(_coverage())
    assert text.startswith("# Synthèse de couverture — RNCP37674")
    assert "**Maquetter des interfaces**" in text and "« maquettes »" in text
    assert "## Écarts à la cible" in text and "  - Base de données" in text
    assert "## Prochaines étapes" in text
    assert "RNCP99999" in text  # the successor is a next step
    assert "RNCP37674BC01" in text.split("## Prochaines étapes")[1]  # ready for partial VAE
    assert "> La certification RNCP37674 n'est plus active." in text


def test_reports_markdown_quotes_are_inert() -> None:
    target = Target("X1", "Cible", "rncp", "certification", "competences",
                    (TargetBloc("B1", "Bloc", (TargetItem("i", "Énoncé"),)),))  # fmt: skip
    quote = Quote(0, 40, "<script>alert(1)</script> **gras**\n- liste")
    text = coverage_markdown(assess(target, {"i": Credit("covered", 0.3, (quote,))}))
    line = next(line for line in text.splitlines() if "alert" in line)
    assert "<script>" not in line and "**gras**" not in line
    assert "\\<script\\>" in line and "\\*\\*gras\\*\\*" in line


def test_reports_text_marks_each_status() -> None:
    text = coverage_text(_coverage())
    assert "✔ Maquetter des interfaces  [couverte]" in text
    assert "◐ Coder  [partielle]" in text and "✘ Base de données  [manquante]" in text


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_reports_chart_is_written_as_png_or_svg(tmp_path: Path, suffix: str) -> None:
    path = write_coverage_chart(_coverage(), tmp_path / f"sub/couverture{suffix}")
    data = path.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG")
    else:
        assert b"<svg" in data[:500] and b"RNCP37674BC01" in data


def test_reports_chart_refuses_an_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.png ou \.svg"):
        write_coverage_chart(_coverage(), tmp_path / "couverture.gif")
    assert not (tmp_path / "couverture.gif").exists()


def test_reports_suggestions_json_and_text() -> None:
    suggestion = Suggestion(
        "RNCP37674",
        "Développeur web et web mobile",
        "certification",
        "rncp",
        0.5,
        4.2,
        "1 couverte(s), 1 partielle(s) sur 2",
        niveau="5",
        evidence=(Quote(0, 9, "maquettes"),),
    )
    data = suggestions_dict([suggestion], ["attention"])
    row = data["suggestions"][0]
    assert set(row) >= {"code", "libelle", "kind", "niveau", "actif", "coverage_ratio", "why"}
    assert data["warnings"] == ["attention"]
    text = suggestions_text([suggestion])
    assert "== Certifications ==" in text and "RNCP37674 Développeur web" in text
    assert "50 %" in text and "« maquettes »" in text
