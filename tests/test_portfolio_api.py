"""/portfolio through the real app, model and index, on a temporary database."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

pytestmark = pytest.mark.integration

FRONT = (
    "J'ai travaillé comme développeur web dans une agence. Je réalisais les maquettes des "
    "interfaces et les pages web en HTML et CSS."
)
BACK = (
    "Ensuite j'ai travaillé dans une startup. Je développais le back-end en PHP : la base de "
    "données MySQL, les requêtes SQL."
)
KEY = {"X-API-Key": "s3cret"}


@pytest.fixture
def client(settings, habilitant, tmp_path: Path):  # type: ignore[no-untyped-def]
    from api import create_app

    local = settings.model_copy(
        update={"portfolio_db": tmp_path / "portfolio.sqlite3", "api_key": SecretStr("s3cret")}
    )
    app = create_app(local, pipeline=habilitant)
    with TestClient(app, headers=KEY) as test_client:
        yield test_client
    assert getattr(app.state, "portfolio_store", None) is None  # closed at shutdown


def _error(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["detail"], body


def test_portfolio_api_two_entries_then_progression_validate_export_erase(
    client, tmp_path: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    person = "P-API-0042"
    with caplog.at_level(logging.INFO):
        for day, text in (("2024-01-15", FRONT), ("2024-03-02", BACK)):
            added = client.post(
                "/portfolio/entries",
                json={
                    "person": person,
                    "text": text,
                    "date": day,
                    "kind": "contrat",
                    "consent": True,
                    "certification": "RNCP37674",
                },
            )
            assert added.status_code == 200, added.text
            entry = added.json()["entry"]
            assert entry["date"] == day and entry["narrative"] == text
            assert all(
                text[e["start"] : e["end"]] == e["text"]
                for s in entry["statements"]
                for e in s["evidence"]
            )

        shown = client.post(
            "/portfolio/show", json={"person": person, "certification": "RNCP37674"}
        )
        assert shown.status_code == 200, shown.text
        body = shown.json()
        first, second = body["progression"]
        assert second["coverage_ratio"] > first["coverage_ratio"] > 0
        assert body["coverage"]["target"]["code"] == "RNCP37674"
        plain = client.post("/portfolio/show", json={"person": person}).json()
        assert plain["coverage"] is None and plain["progression"][0]["coverage_ratio"] is None

        statement = body["entries"][1]["statements"][0]
        validated = client.post(
            "/portfolio/validate",
            json={"person": person, "statement_id": statement["id"], "validation": "validated"},
        )
        assert validated.status_code == 200 and validated.json()["validation"] == "validated"
        _error(
            client.post(
                "/portfolio/validate",
                json={"person": person, "statement_id": 999_999, "validation": "rejected"},
            ),
            404,
            "enonce_inconnu",
        )

        csv_export = client.post("/portfolio/export", json={"person": person, "format": "csv"})
        assert csv_export.status_code == 200
        assert csv_export.headers["content-type"].startswith("text/csv")
        assert f'filename="portfolio-{person}.csv"' in csv_export.headers["content-disposition"]
        assert ",validated," in csv_export.text
        markdown = client.post(
            "/portfolio/export",
            json={"person": person, "format": "markdown", "certification": "RNCP37674"},
        )
        assert markdown.headers["content-type"].startswith("text/markdown")
        assert "# Portfolio de compétences" in markdown.text and "RNCP37674BC02" in markdown.text
        # One line per attested competence on its computed RNCP and ESCO neighbours.
        attested = markdown.text.split("## Compétences attestées")[1].split("## À confirmer")[0]
        rows = [line for line in attested.splitlines() if line.startswith("| ")][1:]  # no header
        neighbours = attested.split("### Dans les autres référentiels")[1]
        lines = [line for line in neighbours.splitlines() if line.startswith("- ")]
        assert rows and len(lines) == len(rows)
        assert all("Proches (calculés, pas des équivalences)" in line for line in lines)
        assert markdown.headers["cache-control"] == "no-store"

        erased = client.post("/portfolio/erase", json={"person": person})
        assert erased.json() == {"person": person, "entries_erased": 2}
        _error(client.post("/portfolio/show", json={"person": person}), 404, "personne_inconnue")
    # The person id travels in bodies only: the service's logs never hold it.
    messages = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "POST /portfolio/show 200" in messages and person not in messages
    raw = (tmp_path / "portfolio.sqlite3").read_bytes()
    assert person.encode() not in raw and b"maquettes des interfaces" not in raw


def test_portfolio_api_refuses_bad_requests_in_french(client) -> None:  # type: ignore[no-untyped-def]
    _error(
        client.post("/portfolio/entries", json={"person": "a@b.fr", "text": FRONT}),
        400,
        "portfolio_invalide",
    )
    _error(
        client.post("/portfolio/entries", json={"person": "P-1", "text": FRONT, "kind": "fête"}),
        400,
        "portfolio_invalide",
    )
    _error(
        client.post("/portfolio/entries", json={"person": "P-1", "text": "  "}),
        400,
        "texte_invalide",
    )
    _error(
        client.post(
            "/portfolio/entries",
            json={"person": "P-1", "text": FRONT, "certification": "RNCP0000001"},
        ),
        404,
        "code_inconnu",
    )
    _error(client.post("/portfolio/show", json={"person": "P-1"}), 404, "personne_inconnue")
    _error(client.post("/portfolio/show", json={}), 422, "requete_invalide")
    _error(
        client.post("/portfolio/export", json={"person": "P-1", "format": "pdf"}),
        422,
        "requete_invalide",
    )
    # Erasure is re-runnable: an unknown (or already erased) person is 0 entries, scrubbed.
    erased = client.post("/portfolio/erase", json={"person": "P-1"})
    assert erased.status_code == 200 and erased.json()["entries_erased"] == 0


def test_portfolio_api_needs_the_key(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/portfolio/show", "/portfolio/erase", "/portfolio/export"):
        response = client.post(path, json={"person": "P-1"}, headers={"X-API-Key": "faux"})
        _error(response, 401, "cle_api_requise")
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/portfolio/entries", "/portfolio/show", "/portfolio/validate"} <= set(paths)
