"""The service used as a hostile or careless client would: no request freezes it, no input
gets a 500 or an English message, offsets index the text sent, logs cannot be forged."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import unicodedata
from urllib.parse import urlsplit

import httpx
import pytest
from api import create_app
from fastapi.testclient import TestClient

from tests.conftest import live_server

pytestmark = pytest.mark.integration

EHPAD = (
    "J'ai fait des remplacements en EHPAD : la toilette des résidents, l'aide aux repas, "
    "la réfection des lits. Avant j'étais caissière en intérim à l'hypermarché."
)
# Unbroken runs that cost spaCy's tokenizer the square of their length (93 s for the emoji
# before the runs were broken), and the densest ordinary text the size limit allows.
PATHOLOGICAL = {
    name: "J'ai fait la plonge au restaurant " + run * (19_000 // len(run)) + " puis le service."
    for name, run in (
        ("emoji", "😀"),
        ("parenthèses", "("),
        ("guillemets", "«"),
        ("euros", "€"),
        ("apostrophes", "'"),
        ("emoji et lettres", "😀a"),
    )
}
DENSE = "je faisais le ménage, la plonge, " * 600


def _error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["detail"] and body["hint"], body
    return body


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_hardening_pathological_runs_are_analysed_in_linear_time(habilitant, name) -> None:
    habilitant.analyse(EHPAD)  # models loaded: only the analysis is timed
    tick = time.perf_counter()
    result = habilitant.analyse(PATHOLOGICAL[name])
    elapsed = time.perf_counter() - tick
    assert elapsed < 3.0, f"{name}: {elapsed:.1f} s"
    assert result.segments  # the narrative around the run is still read


def test_hardening_health_answers_within_200_ms_while_the_worst_texts_are_analysed(
    api_app,
) -> None:
    with live_server(api_app) as url:
        answers: list[int] = []

        def analyse(text: str) -> None:
            answers.append(
                httpx.post(f"{url}/analyse", json={"text": text}, timeout=120).status_code
            )

        workers = [
            threading.Thread(target=analyse, args=(text,))
            for text in (DENSE, DENSE, PATHOLOGICAL["emoji"])
        ]
        for worker in workers:
            worker.start()
        latencies = []
        while any(worker.is_alive() for worker in workers):
            tick = time.perf_counter()
            assert httpx.get(f"{url}/health", timeout=5).status_code == 200
            latencies.append(time.perf_counter() - tick)
            time.sleep(0.05)
        for worker in workers:
            worker.join()
    assert answers == [200, 200, 200]
    assert len(latencies) >= 10, "the analyses ended before /health could be measured"
    assert max(latencies) < 0.2, f"/health took {max(latencies) * 1000:.0f} ms"


def test_hardening_a_body_sent_too_slowly_gets_a_408(settings, habilitant) -> None:
    app = create_app(settings.model_copy(update={"body_read_seconds": 1.0}), pipeline=habilitant)
    with live_server(app) as url:
        address = urlsplit(url)
        with socket.create_connection((address.hostname, address.port), timeout=10) as client:
            client.sendall(
                b"POST /analyse HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                b"Content-Length: 200\r\n\r\n" + b'{"text": "J\'ai fait'
            )
            tick = time.monotonic()
            answer = client.recv(65536).decode("utf-8", "replace")
            waited = time.monotonic() - tick
    assert answer.startswith("HTTP/1.1 408"), answer
    assert "arrivé à temps" in answer and "requete_trop_lente" in answer
    assert waited < 5


def test_hardening_an_analysis_over_its_time_budget_is_a_french_503(settings, habilitant) -> None:
    app = create_app(settings.model_copy(update={"analysis_seconds": 1e-6}), pipeline=habilitant)
    with TestClient(app) as client:
        body = _error(client.post("/analyse", json={"text": EHPAD}), 503, "analyse_trop_longue")
        assert "temps accordé" in body["detail"]
        assert client.get("/health").status_code == 200


def test_hardening_evidence_offsets_index_the_decomposed_text_sent(api_client) -> None:
    decomposed = unicodedata.normalize("NFD", EHPAD)
    assert decomposed != EHPAD
    sent = api_client.post("/analyse", json={"text": decomposed}).json()
    composed = api_client.post("/analyse", json={"text": EHPAD}).json()
    assert [s["competence_id"] for s in sent["statements"]] == [
        s["competence_id"] for s in composed["statements"]
    ]
    spans = [e for s in sent["statements"] for e in s["evidence"]] + sent["segments"]
    assert len(spans) >= 6
    for span in spans:
        assert decomposed[span["start"] : span["end"]] == span["text"], span


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("\u00a0\u00a0\u202f", "texte_invalide"),
        ("\u200b\u200b\u200b", "texte_invalide"),
        ("\x00", "texte_invalide"),
        ("😀 😀 !!", "texte_invalide"),
    ],
)
def test_hardening_text_without_a_word_is_a_400(api_client, text, code) -> None:
    _error(api_client.post("/analyse", json={"text": text}), 400, code)


@pytest.mark.parametrize(
    "body",
    [
        bytes(range(256)),  # binary
        json.dumps({"text": EHPAD}, ensure_ascii=False).encode("latin-1"),
        b'{"text": "caf\xe9"}',  # invalid UTF-8
        b"[" * 5000 + b"]" * 5000,  # nested deeper than the parser goes
    ],
    ids=["binary", "latin-1", "invalid-utf-8", "deep-json"],
)
def test_hardening_unreadable_bodies_get_a_french_4xx(api_client, body) -> None:
    response = api_client.post(
        "/analyse", content=body, headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text
    payload = response.json()
    assert payload["code"] == "requete_invalide", payload
    assert "error" not in payload["detail"].lower()  # never FastAPI's English


def test_hardening_code_fields_with_a_lone_surrogate_are_a_422(api_client) -> None:
    for field, value in (("certification", "RNCP\\ud800"), ("fiches", ["J1501\\udfff"])):
        raw = json.dumps({"text": EHPAD, field: "X"}).replace('"X"', json.dumps(value))
        raw = raw.replace("\\\\u", "\\u")
        response = api_client.post(
            "/analyse", content=raw.encode(), headers={"content-type": "application/json"}
        )
        body = _error(response, 422, "requete_invalide")
        assert field in body["detail"]


def test_hardening_statement_numbers_beyond_sqlite_are_refused_not_a_500(api_client) -> None:
    person = "P-HARD-63"
    added = api_client.post("/portfolio/entries", json={"person": person, "text": EHPAD})
    assert added.status_code == 200, added.text
    for number in (2**63, 2**64 + 5):
        too_big = {"person": person, "statement_id": number, "validation": "validated"}
        _error(api_client.post("/portfolio/validate", json=too_big), 422, "requete_invalide")
    largest = {"person": person, "statement_id": 2**31 - 1, "validation": "validated"}
    _error(api_client.post("/portfolio/validate", json=largest), 404, "enonce_inconnu")
    api_client.post("/portfolio/erase", json={"person": person})


def test_hardening_suggest_refuses_unknown_levels_and_referentials(api_client) -> None:
    body = _error(
        api_client.post("/suggest", json={"text": EHPAD, "niveaux": ["99"]}), 404, "code_inconnu"
    )
    assert "99" in body["detail"] and "4" in body["hint"]
    _error(
        api_client.post("/suggest", json={"text": EHPAD, "referentiels": ["nulle"]}),
        404,
        "code_inconnu",
    )
    _error(
        api_client.post("/overview", json={"text": EHPAD, "referentiels": ["nulle"]}),
        404,
        "code_inconnu",
    )


def test_hardening_405_says_which_methods_are_allowed_and_head_health_answers(
    api_client,
) -> None:
    wrong = api_client.delete("/analyse")
    _error(wrong, 405, "methode_non_autorisee")
    assert wrong.headers["allow"] == "POST"
    assert wrong.json()["detail"] == "Méthode non autorisée pour cette adresse."
    head = api_client.head("/health")
    assert head.status_code == 200 and head.content == b""


def test_hardening_logged_paths_cannot_forge_a_line(api_client, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="habilitant.api"):
        api_client.get("/abc%0D%0A2026-12-01 faux journal%00fin")
    lines = [r.getMessage() for r in caplog.records if r.name == "habilitant.api"]
    logged = next(line for line in lines if "/abc" in line)
    assert "%0D%0A" in logged and "%00" in logged
    assert not any(ch in logged for ch in "\r\n\x00")
