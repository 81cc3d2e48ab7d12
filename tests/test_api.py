"""The HTTP API through the real app, model and index (one app for the session)."""

from __future__ import annotations

import json
import logging
import re

import pytest
from fastapi.testclient import TestClient

from habilitant.relations import analysis_relations
from habilitant.reports.render import analysis_dict

pytestmark = pytest.mark.integration

EHPAD = (
    "J'ai fait des remplacements en EHPAD : la toilette des résidents, l'aide aux repas, "
    "la réfection des lits. Avant j'étais caissière en intérim."
)
WEB = (
    "J'ai travaillé comme développeur web. Je faisais les maquettes des interfaces avec Figma, "
    "puis je réalisais les pages web en HTML et CSS. Je développais le back-end en PHP : la base "
    "de données MySQL, les requêtes SQL."
)


def _error(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["detail"], body
    return body


def test_api_openapi_lists_every_endpoint(api_client) -> None:
    paths = api_client.get("/openapi.json").json()["paths"]
    for path in (
        "/analyse",
        "/coverage",
        "/suggest",
        "/overview",
        "/referentiels",
        "/certifications/{code}",
        "/fiches/{code}",
        "/competences/{competence_id}",
        "/search",
        "/health",
        "/version",
    ):
        assert path in paths, path
    schemas = api_client.get("/openapi.json").json()["components"]["schemas"]
    assert {"AnalyseRequest", "StatementPublic", "CoverageReportPublic", "ErrorPublic"} <= set(
        schemas
    )
    docs = api_client.get("/docs")
    assert docs.status_code == 200 and "/docs-static/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()


def test_api_health_and_version(api_client) -> None:
    assert api_client.get("/health").json() == {"status": "ready", "detail": ""}
    version = api_client.get("/version").json()
    assert version["encoder"] == "multilingual-e5-small" and version["index_entries"] > 90_000
    assert version["referentiels"]["rome"] == "460"
    # The decision values the index is used with, those shipped for its encoder.
    assert version["encoder_dimension"] == 384
    calibration = version["calibration"]
    assert calibration["encoder"] == "multilingual-e5-small" and calibration["calibrated"]
    assert calibration["matching"]["attested_evidence"] == 0.10
    assert calibration["decision"]["per_segment"] == 1


def test_api_health_is_503_while_models_load(settings) -> None:
    from api import create_app

    client = TestClient(create_app(settings))  # no lifespan: nothing loads
    loading = client.get("/health")
    assert loading.status_code == 503 and loading.json()["status"] == "loading"
    _error(client.post("/analyse", json={"text": EHPAD}), 503, "service_indisponible")


def test_api_analyse_answers_the_cli_json_shape(api_client, habilitant) -> None:
    response = api_client.post("/analyse", json={"text": EHPAD})
    assert response.status_code == 200
    body = response.json()
    analysis = habilitant.analyse(EHPAD)
    assert body == analysis_dict(analysis, analysis_relations(habilitant, [analysis]))
    assert any(statement["neighbours"] for statement in body["statements"])
    for statement in body["statements"]:
        for evidence in statement["evidence"]:
            assert EHPAD[evidence["start"] : evidence["end"]] == evidence["text"]
    assert response.headers["cache-control"] == "no-store"


def test_api_analyse_filters(api_client) -> None:
    body = api_client.post(
        "/analyse", json={"text": EHPAD, "referentiels": ["rome"], "kinds": ["competence"]}
    ).json()
    assert body["statements"]
    assert {(s["referentiel"], s["kind"]) for s in body["statements"]} == {("rome", "competence")}
    web = api_client.post("/analyse", json={"text": WEB, "certification": "RNCP37674"}).json()
    assert all(any(p["code"] == "RNCP37674" for p in s["parents"]) for s in web["statements"]), web


def test_api_bad_inputs_are_4xx_with_french_detail(api_client, settings) -> None:
    _error(api_client.post("/analyse", json={"text": "   "}), 400, "texte_invalide")
    too_long = "mot " * (settings.max_text_chars // 4 + 10)
    _error(api_client.post("/analyse", json={"text": too_long}), 400, "texte_trop_long")
    huge = api_client.post(
        "/analyse",
        content=b'{"text": "' + b"a" * (settings.max_body_bytes + 10) + b'"}',
        headers={"content-type": "application/json"},
    )
    _error(huge, 413, "requete_trop_volumineuse")
    body = _error(
        api_client.post(
            "/analyse", content=b"{pas du json", headers={"content-type": "application/json"}
        ),
        422,
        "requete_invalide",
    )
    assert "JSON" in body["detail"]
    missing = _error(api_client.post("/analyse", json={}), 422, "requete_invalide")
    assert "text" in missing["detail"]
    binary = api_client.post(
        "/analyse", content=bytes(range(256)), headers={"content-type": "application/json"}
    )
    assert binary.status_code == 422
    _error(
        api_client.post("/analyse", json={"text": EHPAD, "certification": "RNCP00001"}),
        404,
        "code_inconnu",
    )
    _error(api_client.get("/certifications/RNCP00001"), 404, "code_inconnu")
    _error(api_client.get("/fiches/Z9999"), 404, "code_inconnu")
    _error(api_client.get("/competences/rome:0"), 404, "code_inconnu")
    _error(api_client.get("/nulle-part"), 404, "introuvable")
    _error(api_client.post("/suggest", json={"text": "a", "texts": ["b"]}), 422, "requete_invalide")
    # A lone surrogate is valid JSON but not text: 400, not a crash in the tokenizer.
    surrogate = b'{"text": "caissi\\ud800re en int\\u00e9rim"}'
    lone = api_client.post(
        "/analyse", content=surrogate, headers={"content-type": "application/json"}
    )
    _error(lone, 400, "texte_invalide")
    # A body without Content-Length (chunked) over the limit: the same French 413.
    chunks = (b"x" * 65536 for _ in range(settings.max_body_bytes // 65536 + 2))
    chunked = api_client.post(
        "/analyse", content=chunks, headers={"content-type": "application/json"}
    )
    _error(chunked, 413, "requete_trop_volumineuse")
    _error(
        api_client.post("/analyse", json={"text": EHPAD, "kinds": ["pas-une-nature"]}),
        404,
        "code_inconnu",
    )
    _error(api_client.get("/search", params={"q": "caisse", "kind": "x"}), 404, "code_inconnu")


def test_api_coverage_and_suggest(api_client) -> None:
    coverage = api_client.post(
        "/coverage", json={"certification": "RNCP37674", "texts": [WEB], "include_markdown": True}
    )
    assert coverage.status_code == 200, coverage.text
    body = coverage.json()
    assert body["target"]["code"] == "RNCP37674" and len(body["blocs"]) == 2
    assert body["markdown"].startswith("# Synthèse de couverture — RNCP37674")
    statuses = {c["status"] for b in body["blocs"] for c in b["competences"]}
    assert statuses - {"missing"}
    suggestions = api_client.post(
        "/suggest", json={"text": WEB, "kinds": ["certification"], "limit": 3}
    ).json()["suggestions"]
    assert len(suggestions) == 3 and all(s["kind"] == "certification" for s in suggestions)


def test_api_overview_is_analyse_coverage_and_suggest_from_one_reading(
    api_client, habilitant, monkeypatch
) -> None:
    texts = [WEB, EHPAD]
    separate = {
        "analyses": [
            api_client.post("/analyse", json={"text": t, "referentiels": ["rome", "rncp"]}).json()
            for t in texts
        ],
        "coverage": api_client.post(
            "/coverage",
            json={"certification": "RNCP37674", "texts": texts, "include_markdown": True},
        ).json(),
        "suggestions": api_client.post("/suggest", json={"texts": texts, "limit": 5}).json(),
    }
    ranked = []
    rank = habilitant.rank
    monkeypatch.setattr(
        habilitant, "rank", lambda text, **kw: ranked.append(text) or rank(text, **kw)
    )
    request = {
        "texts": texts,
        "referentiels": ["rome", "rncp"],
        "certification": "RNCP37674",
        "include_markdown": True,
        "limit": 5,
    }
    together = api_client.post("/overview", json=request)
    assert together.status_code == 200, together.text
    assert together.json() == separate
    assert len(ranked) == 2  # each narrative read once (the three endpoints read each 3 times)
    assert any(s["referentiel"] == "rome" for s in separate["analyses"][1]["statements"])
    without_target = api_client.post("/overview", json={"text": EHPAD}).json()
    assert without_target["coverage"] is None and without_target["suggestions"]["suggestions"]
    ranked.clear()
    for wrong, code in (
        ({"certification": "RNCP00000"}, "code_inconnu"),
        ({"referentiels": ["pas-un-referentiel"]}, "code_inconnu"),
    ):
        _error(api_client.post("/overview", json={"text": EHPAD, **wrong}), 404, code)
    assert ranked == []  # codes are checked before the narrative is read


def test_api_reading_the_referentials(api_client) -> None:
    names = {r["name"] for r in api_client.get("/referentiels").json()}
    assert {"rome", "rncp", "rncp-2021", "esco", "referens3"} <= names
    certification = api_client.get("/certifications/rs5000").json()
    assert certification["code"] == "RS5000" and any("RS6604" in n for n in certification["notes"])
    fiche = api_client.get("/fiches/J1501").json()
    assert fiche["libelle"].startswith("Aide-soignant") and fiche["items"][0]["libelle"]
    competence = api_client.get(f"/competences/{fiche['items'][0]['competence_id']}").json()
    assert competence["libelle"] == fiche["items"][0]["libelle"]
    hits = api_client.get("/search", params={"q": "toilette des résidents", "k": 3}).json()["hits"]
    assert len(hits) == 3 and hits[0]["rank"] == 1


def test_api_labels_are_the_ones_the_terminal_and_syntheses_use(api_client) -> None:
    from habilitant.labels import all_labels

    labels = api_client.get("/labels").json()
    assert labels == all_labels()
    assert labels["decisions"] == {"attested": "attestée", "to_confirm": "à confirmer"}
    listed = {r["name"]: r["label"] for r in api_client.get("/referentiels").json()}
    assert listed["rome"] == labels["referentiels"]["rome"]
    assert all(listed.values())
    assert "TITRES_REFERENTIELS" not in api_client.get("/static/app.js").text  # no second copy


def test_api_security_headers_and_offline_page(api_client) -> None:
    page = api_client.get("/")
    assert page.status_code == 200 and '<html lang="fr">' in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "http" not in csp and "unsafe" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    # Nothing loaded from elsewhere: no external src/href/url()/import/fetch.
    external = re.compile(r"""(src=|href=|url\(|@import|fetch\()\s*["']?(https?:)?//""")
    for asset in ("/static/app.js", "/static/app.css", "/static/favicon.svg"):
        response = api_client.get(asset)
        assert response.status_code == 200
        assert not external.search(response.text), asset
    assert not external.search(page.text)


def test_api_cors_is_closed_by_default(api_client, settings) -> None:
    from api import create_app

    origin = {"Origin": "https://ailleurs.example"}
    closed = api_client.get("/health", headers=origin)
    assert "access-control-allow-origin" not in closed.headers
    opened_settings = settings.model_copy(update={"cors_origins": ["https://ailleurs.example"]})
    with TestClient(
        create_app(opened_settings, pipeline=api_client.app.state.engine.pipeline)
    ) as c:
        opened = c.get("/health", headers=origin)
    assert opened.headers["access-control-allow-origin"] == "https://ailleurs.example"


def test_api_key_protects_everything_but_health_and_page(settings, habilitant) -> None:
    from api import create_app
    from pydantic import SecretStr

    locked = settings.model_copy(update={"api_key": SecretStr("s3cret")})
    with TestClient(create_app(locked, pipeline=habilitant)) as client:
        _error(client.post("/analyse", json={"text": EHPAD}), 401, "cle_api_requise")
        _error(client.get("/version"), 401, "cle_api_requise")
        _error(client.get("/referentiels", headers={"X-API-Key": "faux"}), 401, "cle_api_requise")
        non_ascii = client.get("/referentiels", headers={"X-API-Key": b"cl\xc3\xa9"})
        _error(non_ascii, 401, "cle_api_requise")
        ok = client.post("/analyse", json={"text": EHPAD}, headers={"X-API-Key": "s3cret"})
        assert ok.status_code == 200
        assert client.get("/health").status_code == 200
        assert client.get("/").status_code == 200
        assert client.get("/static/app.js").status_code == 200


def test_api_logs_hold_no_narrative_or_query(api_client, caplog) -> None:
    secret = "Madame Dupont-Marchal soignait son père atteint de Parkinson"
    with caplog.at_level(logging.DEBUG):
        api_client.post("/analyse", json={"text": secret})
        api_client.get("/search", params={"q": secret})
        api_client.post("/coverage", json={"certification": "RNCP37674", "text": secret})
    # The server's records (the test client's own httpx lines are not the service's logs).
    messages = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    assert any("POST /analyse 200" in m for m in messages), messages
    joined = "\n".join(messages)
    for word in ("Dupont", "Parkinson", "soignait"):
        assert word not in joined


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ("J1501", "/fiches/J1501"),
        ("K1311", "/fiches/K1311"),
        ("RNCP37674", "/certifications/RNCP37674"),
        ("RS5000", "/certifications/RS5000"),
    ],
)
def test_api_and_cli_give_the_same_json_for_a_referential_item(
    api_client, settings, code, path
) -> None:
    from click.testing import CliRunner

    from habilitant.cli import cli

    base = ["--referentiels", str(settings.referentiels), "--models-dir", str(settings.models_dir)]
    shown = CliRunner().invoke(cli, [*base, "referentiels", "show", code, "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output) == api_client.get(path).json()
