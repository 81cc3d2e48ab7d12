"""The conseiller's whole flow in a real headless Chromium (Debian's /usr/bin/chromium, driven
by Playwright): paste, analyse, click a statement and see its evidence highlighted, open its
neighbours (« proche ») and official links, open a suggested fiche on the certifications that
lead to it, pick a certification and read the bloc chart, download the synthesis. Saves a
screenshot."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, live_server

pytestmark = pytest.mark.integration

CHROMIUM = os.environ.get("HABILITANT_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = REPO_ROOT / "build" / "screenshots"
NARRATIVE = (  # the emoji shifts UTF-16 offsets: highlights must still fall on the right words
    "🙂 Pendant deux ans j'ai travaillé comme développeur web en CDD dans une agence. Je faisais "
    "les maquettes des interfaces avec Figma, puis je réalisais les pages web en HTML et CSS. "
    "Je développais aussi le back-end en PHP : la base de données MySQL, les requêtes SQL, les "
    "API REST."
)


@pytest.fixture(scope="module")
def server(api_app) -> Iterator[str]:
    """A real uvicorn server on a free loopback port, around the session's pipeline."""
    with live_server(api_app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), (
        f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
        "(.ci/run does) or set HABILITANT_CHROMIUM."
    )
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield instance
        instance.close()


@pytest.fixture()
def page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.external_requests = []  # anything leaving the application is a failure
    page.console_errors = []  # includes Content-Security-Policy violations
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith((server, "blob:", "data:"))
            else page.external_requests.append(r.url)
        ),
    )
    page.goto(server + "/")
    page.wait_for_selector("text=Service prêt.")
    page.wait_for_selector("input[name=referentiel]")
    yield page
    context.close()


def referentiels(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.get_attribute("value") for c in page.locator("input[name=referentiel]").all()]


def test_browser_conseiller_flow(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Entretien 1").fill(NARRATIVE)
    page.get_by_label("Certification visée").fill("RNCP37674")
    page.get_by_role("button", name="Analyser").click()
    page.wait_for_selector("#resultats:not([hidden])", timeout=60_000)
    assert not page.locator("#progression").is_visible()

    # Statements grouped by referential; selecting one highlights its evidence in the text.
    statement = page.locator("#enonces button.enonce").first
    assert statement.get_attribute("aria-pressed") == "false"
    statement.click()
    assert statement.get_attribute("aria-pressed") == "true"
    marks = page.locator("#vue-recits mark").all_inner_texts()
    analysis = page.request.post(
        page.url + "analyse", data={"text": NARRATIVE, "referentiels": referentiels(page)}
    ).json()
    assert marks == [e["text"] for e in analysis["statements"][0]["evidence"]]
    assert page.locator("#annonce").inner_text().endswith("surlignée(s) dans le récit.")

    # Keyboard: a statement, then its closed « Proches et liens officiels », then the next
    # statement, reachable and selectable with Tab and Enter.
    statement.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('details.relations') !== null")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.locator("#enonces button.enonce").nth(1).get_attribute("aria-pressed") == "true"

    # A statement opens on its neighbours in the other referentials, each labelled « proche »,
    # exactly those of the API, and on its official links (none of its own) and its fiches.
    with_neighbours = [s for s in analysis["statements"] if s["neighbours"]]
    assert with_neighbours, "the narrative's statements should have neighbours"
    chosen = with_neighbours[0]
    relations = page.locator(f'#enonces details.relations[data-id="{chosen["competence_id"]}"]')
    relations.locator("> summary").click()
    items = relations.locator("ul.proches > li")
    assert [i.get_attribute("data-id") for i in items.all()] == [
        n["competence_id"] for n in chosen["neighbours"]
    ]
    assert set(relations.locator("ul.proches .etiquette").all_inner_texts()) == {"proche"}
    assert chosen["neighbours"][0]["libelle"] in items.first.inner_text()
    assert "Liens officiels" in relations.inner_text()
    assert "équivalent" not in page.locator("#enonces").inner_text()

    # A suggested ROME fiche opens on the certifications that lead to it (official links).
    fiche = page.locator("#liste-suggestions details.fiche-liens").first
    code = fiche.get_attribute("data-fiche")
    fiche.locator("summary").click()
    fiche.locator("ul.liens.certifications, p.vide").first.wait_for(timeout=30_000)
    expected = [
        link["code"]
        for link in page.request.get(page.url + f"fiches/{code}").json()["links"]
        if link["referentiel"] != "esco" and link["status"] == "valid"
    ][:10]
    shown = fiche.locator("ul.liens.certifications > li")
    assert [i.get_attribute("data-code") for i in shown.all()] == expected
    if expected:
        assert set(shown.locator(".etiquette").all_inner_texts()) == {"lien officiel"}

    # Coverage per bloc: both blocs of RNCP37674 in the chart, with their lists.
    rows = page.locator("#graphique .ligne-bloc")
    assert rows.count() == 2
    assert "RNCP37674BC01" in rows.nth(0).inner_text()
    assert "RNCP37674BC02" in rows.nth(1).inner_text()
    assert page.locator("#blocs details.bloc").count() == 2
    covered = page.locator("#blocs button.enonce").first
    covered.click()
    assert page.locator("#vue-recits mark").count() >= 1

    # Suggestions and the downloadable synthesis.
    assert page.locator("#liste-suggestions li").count() >= 3
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger la synthèse (Markdown)").click()
    assert download.value.suggested_filename == "synthese-RNCP37674.md"
    saved = tmp_path / "synthese.md"
    download.value.save_as(saved)
    synthesis = saved.read_text(encoding="utf-8")
    assert synthesis.startswith("# Synthèse de couverture — RNCP37674")
    coverage = page.request.post(
        page.url + "coverage", data={"text": NARRATIVE, "certification": "RNCP37674"}
    ).json()
    covered = [c for b in coverage["blocs"] for c in b["competences"] if c["status"] == "covered"]
    assert synthesis.count("Proches (calculés, pas des équivalences) — RNCP") == len(covered)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#resultats").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "conseiller.png"), full_page=True)
    assert (SCREENSHOTS / "conseiller.png").stat().st_size > 10_000
    assert page.external_requests == []
    assert page.console_errors == []


def test_browser_errors_are_shown_in_french(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.get_by_role("button", name="Analyser").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Saisissez au moins un récit")
    page.get_by_label("Entretien 1").fill(NARRATIVE)
    page.get_by_label("Certification visée").fill("RNCP00001")
    page.get_by_role("button", name="Analyser").click()
    expect(alert).to_contain_text("RNCP00001 est inconnue", timeout=60_000)
    page.get_by_label("Certification visée").fill("")
    page.get_by_label("Entretien 1").fill("mot " * 6000)
    page.get_by_role("button", name="Analyser").click()
    expect(alert).to_contain_text("au-delà de la limite", timeout=60_000)
