"""Official links between referentials: on a tiny hand-built catalog (fast), then on the real
files of ../shared (the ``catalog`` fixture makes those integration tests)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from habilitant.catalog import Catalog
from habilitant.domain import Certification, Crosswalk, Fiche, Referentiel
from habilitant.labels import (
    LINK_LABELS,
    LINK_RELATION_LABELS,
    LINK_SOURCE_LABELS,
    LINK_STATUS_LABELS,
    all_labels,
)
from habilitant.links import Link, build_links, links_for
from habilitant.reports.render import show_dict, show_text

ESCO_URI = "http://data.europa.eu/esco/occupation/"


def _rome() -> Referentiel:
    fiches = (
        Fiche("K1302", "Assistant / Assistante de vie dépendance", "rome"),
        Fiche("K1311", "Assistant / Assistante de vie aux familles", "rome"),
        Fiche("M1805", "Développeur / Développeuse informatique", "rome"),
    )
    crosswalks = (
        Crosswalk("rome-appellation:11255", "rome-fiche:K1311", "skos:broader", "ADVF"),
        Crosswalk(
            "rome-appellation:11453", "rome-fiche:K1311", "skos:broader", "Auxiliaire de vie"
        ),
        Crosswalk("rome-appellation:14747", "rome-fiche:K1302", "skos:broader", "Garde-malade"),
        Crosswalk("rome-fiche:K1302", "rome-fiche:K1302", "code_rome_parent", "AVD"),
        Crosswalk("rome-fiche:K1311", "rome-fiche:K1302", "code_rome_parent", "ADVF"),
        Crosswalk("rome-fiche:M1805", "rome-fiche:M1805", "code_rome_parent", "Dév"),
    )
    return Referentiel("rome", "ROME", "460", fiches=fiches, crosswalks=crosswalks)


def _certification(
    code: str, referentiel: str, niveau: str, actif: bool, *rome: str
) -> Certification:
    return Certification(code, f"Titre {code}", referentiel, niveau, "Publiée", actif, rome)


def _catalog(*, with_rome: bool = True, many: int = 0) -> Catalog:
    rncp = Referentiel(
        "rncp",
        "RNCP",
        "",
        certifications=(_certification("RNCP1", "rncp", "5", True, "K1302", "M1800", "Z9999"),),
    )
    extra = tuple(
        _certification(f"RNCP9{i:03d}", "rncp-2021", "4", True, "K1302") for i in range(many)
    )
    rncp2021 = Referentiel(
        "rncp-2021",
        "RNCP 2021",
        "",
        certifications=(
            _certification("RNCP1", "rncp-2021", "5", True, "K1302"),
            _certification("RNCP2", "rncp-2021", "3", False, "K1302"),
            _certification("RNCP3", "rncp-2021", "6", True, "K1311"),
            _certification("RNCP4", "rncp-2021", "3", True, "K1302"),
            *extra,
        ),
    )
    esco = Referentiel(
        "esco",
        "ESCO",
        "",
        fiches=(Fiche("aaa", "assistant de vie/assistante de vie", "esco"),),
        crosswalks=(
            Crosswalk(ESCO_URI + "aaa", "rome-appellation:11453", "skos:closeMatch", "ancien"),
            Crosswalk(ESCO_URI + "aaa", "rome-appellation:11255", "skos:exactMatch", "ancien"),
            Crosswalk(ESCO_URI + "bbb", "rome-appellation:14747", "skos:broadMatch", "aide"),
            Crosswalk(ESCO_URI + "bbb", "rome-appellation:99999", "skos:closeMatch", "aide"),
        ),
    )
    referentiels = [rncp, rncp2021, esco] + ([_rome()] if with_rome else [])
    return Catalog.from_referentiels(referentiels)


def _codes(links: tuple[Link, ...]) -> list[str]:
    return [link.code for link in links]


def test_links_certification_to_rome_flags_codes_that_name_no_fiche() -> None:
    catalog = _catalog()
    links = links_for(catalog.certification("RNCP1"), catalog)
    assert _codes(links) == ["K1302", "M1800", "Z9999"]  # as published, none dropped
    k1302, domain, unknown = links
    assert (k1302.status, k1302.libelle, k1302.relation) == (
        "valid",
        "Assistant / Assistante de vie dépendance",
        "codes_rome",
    )
    # Found in the export and in the 2021 table: one link, both sources.
    assert k1302.sources == ("rncp_codes_rome", "rncp2021_rncp_rome")
    assert (domain.status, domain.via, domain.libelle) == ("domain_code", "M18", "")
    assert (unknown.status, unknown.libelle) == ("unknown_code", "")
    assert all(link.label == "officiel" for link in links)


def test_links_fiche_lists_active_certifications_first_then_by_level() -> None:
    catalog = _catalog()
    links = links_for(catalog.fiche("K1302"), catalog)
    certifications = [link for link in links if link.referentiel != "esco"]
    # RNCP4 (active, 3), RNCP1 (active, 5, current export), RNCP2 (inactive, 3).
    assert _codes(tuple(certifications)) == ["RNCP4", "RNCP1", "RNCP2"]
    assert [link.actif for link in certifications] == [True, True, False]
    rncp1 = certifications[1]
    assert (rncp1.referentiel, rncp1.niveau, rncp1.etat) == ("rncp", "5", "Publiée")
    assert rncp1.sources == ("rncp_codes_rome", "rncp2021_rncp_rome")


def test_links_rome_3_code_reaches_the_fiches_derived_from_it() -> None:
    catalog = _catalog()
    links = links_for(catalog.fiche("K1311"), catalog)
    certifications = [link for link in links if link.referentiel != "esco"]
    # Its own certification first, then those of its parent's ROME 3 code, in their order.
    assert _codes(tuple(certifications)) == ["RNCP3", "RNCP4", "RNCP1", "RNCP2"]
    assert certifications[0].relation == "codes_rome" and certifications[0].via == ""
    inherited = certifications[1:]
    assert {link.relation for link in inherited} == {"fiche_parente"}
    assert {link.via for link in inherited} == {"K1302"}
    assert all(link.sources[-1] == "rome_parent" for link in inherited)
    # The parent does not get its children's certifications.
    assert "RNCP3" not in _codes(links_for(catalog.fiche("K1302"), catalog))
    assert links_for(catalog.fiche("M1805"), catalog) == ()


def test_links_esco_occupations_of_a_fiche_come_through_its_appellations() -> None:
    catalog = _catalog()
    esco = [
        link for link in links_for(catalog.fiche("K1311"), catalog) if link.referentiel == "esco"
    ]
    # Strongest relation first, each with the appellation it came through.
    assert [(link.code, link.relation, link.via, link.via_libelle) for link in esco] == [
        ("aaa", "skos:exactMatch", "11255", "ADVF"),
        ("aaa", "skos:closeMatch", "11453", "Auxiliaire de vie"),
    ]
    assert esco[0].libelle == "assistant de vie/assistante de vie"  # occupations_fr, not the table
    assert esco[0].uri == ESCO_URI + "aaa" and esco[0].sources == ("esco_rome",)
    tables = catalog.links
    assert _codes(tables.esco_by_appellation["14747"]) == ["bbb"]
    assert tables.esco_by_appellation["14747"][0].libelle == "aide"  # label of the table


def test_links_esco_occupation_to_rome_flags_an_unknown_appellation() -> None:
    catalog = _catalog()
    links = catalog.links.rome_by_esco["bbb"]
    # Kept and flagged, in the order of their relations (closeMatch before broadMatch).
    assert [(link.code, link.status, link.via) for link in links] == [
        ("", "unknown_code", "99999"),
        ("K1302", "valid", "14747"),
    ]
    occupation = catalog.fiche("aaa")
    assert {link.code for link in links_for(occupation, catalog)} == {"K1311"}


def test_links_without_rome_loaded_are_unchecked_not_unknown() -> None:
    catalog = _catalog(with_rome=False)
    links = links_for(catalog.certification("RNCP1"), catalog)
    assert {link.status for link in links} == {"unchecked"}


def test_links_are_built_once_per_catalog() -> None:
    catalog = _catalog()
    assert catalog.links is catalog.links
    assert build_links(catalog) == catalog.links


def test_links_every_code_has_its_french_label() -> None:
    catalog = _catalog()
    tables = catalog.links
    every = [
        link
        for table in (
            tables.certifications_by_fiche,
            tables.fiches_by_certification,
            tables.esco_by_fiche,
            tables.rome_by_esco,
        )
        for links in table.values()
        for link in links
    ]
    assert {link.relation for link in every} <= set(LINK_RELATION_LABELS)
    assert {s for link in every for s in link.sources} <= set(LINK_SOURCE_LABELS)
    assert {link.status for link in every} <= set(LINK_STATUS_LABELS)
    assert LINK_LABELS == {"officiel": "lien officiel", "proche": "proche"}
    assert all_labels()["links"] == LINK_LABELS
    assert all_labels()["link_sources"]["rncp2021_rncp_rome"] == "RNCP 2021 (table rncp_rome)"


def test_links_show_text_caps_long_lists_and_says_so() -> None:
    catalog = _catalog(many=20)
    text = show_text(catalog.fiche("K1311"), catalog)
    assert "Certifications qui mènent à ce métier (lien officiel) :" in text
    assert "RNCP3 — Titre RNCP3 · niveau 6 · active en 2021 · RNCP 2021 (table rncp_rome)" in text
    assert "est issue en ROME 4.0 de la fiche K1302" in text
    assert "que citent aussi 23 certification(s)" in text
    assert "… et 8 autres certifications (liste complète : --json)" in text
    assert "assistant de vie/assistante de vie — correspondance exacte : « ADVF » ; " in text
    certification = show_text(catalog.certification("RNCP1"), catalog)
    assert "K1302 — Assistant / Assistante de vie dépendance" in certification
    assert "M1800 ⚠ code de domaine du ROME, pas une fiche métier (M18)" in certification
    assert "Z9999 ⚠ code absent du ROME 4.0" in certification


def test_links_show_dict_and_the_api_carry_typed_links(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from api import create_app

    from habilitant.settings import get_settings

    catalog = _catalog()
    data = show_dict(catalog.fiche("K1311"), catalog)
    first = data["links"][0]
    assert first == {
        "referentiel": "rncp-2021",
        "code": "RNCP3",
        "libelle": "Titre RNCP3",
        "relation": "codes_rome",
        "sources": ["rncp2021_rncp_rome"],
        "label": "officiel",
        "status": "valid",
        "niveau": "6",
        "actif": True,
        "etat": "Publiée",
        "via": "",
        "via_libelle": "",
        "uri": "",
    }
    settings = get_settings(referentiels=tmp_path, models_dir=tmp_path)
    app = create_app(settings, pipeline=SimpleNamespace(catalog=catalog))  # type: ignore[arg-type]
    with TestClient(app) as client:
        assert client.get("/fiches/k1311").json() == json.loads(json.dumps(data))
        certification = client.get("/certifications/RNCP1").json()
        assert [link["status"] for link in certification["links"]] == [
            "valid",
            "domain_code",
            "unknown_code",
        ]
        assert client.get("/labels").json()["link_statuses"] == LINK_STATUS_LABELS


# --- The real files -------------------------------------------------------------------


@pytest.fixture(scope="module")
def tables(catalog):  # type: ignore[no-untyped-def]
    return catalog.links


def _of(table: Any, code: str) -> tuple[Link, ...]:
    return table.get(code, ())


def test_links_real_k1311_gets_its_certifications_through_k1302(catalog, tables) -> None:  # type: ignore[no-untyped-def]
    links = links_for(catalog.fiche("K1311"), catalog)
    certifications = [link for link in links if link.referentiel != "esco"]
    # No table cites K1311 (a ROME 4.0 fiche); the 2021 table cites its ROME 3 parent K1302.
    assert not any(link.relation == "codes_rome" for link in certifications)
    assert len(certifications) == len(_of(tables.certifications_by_fiche, "K1302")) == 25
    assert {link.via for link in certifications} == {"K1302"}
    assert "RNCP4821" in _codes(tuple(certifications))  # Assistant(e) de vie aux familles
    active = [link.actif for link in certifications]
    assert active == sorted(active, reverse=True) and active[0] and not active[-1]
    esco = {
        (link.libelle, link.relation, link.via_libelle)
        for link in links
        if link.referentiel == "esco"
    }
    assert (
        "assistant de vie/assistante de vie",
        "skos:exactMatch",
        "Assistant / Assistante de vie aux familles",
    ) in esco


def test_links_real_fiche_certifications_are_ordered_active_then_level(catalog, tables) -> None:  # type: ignore[no-untyped-def]
    assert len(tables.certifications_by_fiche["K1302"]) == 25
    assert len(tables.certifications_by_fiche["M1805"]) == 151
    for code, links in tables.certifications_by_fiche.items():
        for relation in ("codes_rome", "fiche_parente"):
            group = [link for link in links if link.relation == relation]
            keys = [(not link.actif, int(link.niveau or 99)) for link in group]
            assert keys == sorted(keys), code
        relations = [link.relation for link in links]
        assert relations == sorted(relations), code  # its own certifications, then its parent's
    m1805 = _codes(tables.certifications_by_fiche["M1805"])
    assert "RNCP37674" in m1805  # from the XML export's CODES_ROME


def test_links_real_certification_in_both_rncp_sources_is_one_link(catalog) -> None:  # type: ignore[no-untyped-def]
    links = links_for(catalog.certification("RNCP34762"), catalog)
    assert _codes(links) == ["M1202", "M1205", "M1705", "M1402", "M1707"]
    assert {link.sources for link in links} == {("rncp_codes_rome", "rncp2021_rncp_rome")}
    back = [link for link in links_for(catalog.fiche("M1202"), catalog) if link.code == "RNCP34762"]
    assert len(back) == 1


def test_links_real_rome_3_codes_are_mapped_or_flagged(catalog, tables) -> None:  # type: ignore[no-untyped-def]
    counts = tables.counts
    # Every cited code that names a fiche is one of the 532 ROME 3 codes ROME 4.0 kept.
    assert counts["codes_valid"] == counts["codes_rome3_mapped"] == 8601
    assert counts["codes_domain_code"] == 127 and counts["codes_unknown_code"] == 5
    flagged = {link.code: link for link in links_for(catalog.certification("RNCP31392"), catalog)}
    assert flagged["H12"].status == "domain_code" and flagged["M"].status == "domain_code"
    assert flagged["H1"].status == "unknown_code"  # a ROME 3 grouping ROME 4.0 has not
    vet = {link.code: link for link in links_for(catalog.certification("RNCP40344"), catalog)}
    assert (vet["A1500"].status, vet["A1500"].via) == ("domain_code", "A15")
    assert vet["A1504"].status == "valid" and vet["A1504"].libelle == "Vétérinaire"
    assert counts["fiches_with_direct_certifications"] == 483
    assert counts["fiches_with_certifications"] == 1466


def test_links_real_esco_occupations(catalog, tables) -> None:  # type: ignore[no-untyped-def]
    counts = tables.counts
    assert counts["esco_rome_links"] == 11118 and counts["appellations_with_esco"] == 11118
    assert counts["fiches_with_esco"] == 1421
    assert "esco_appellations_unknown_code" not in counts  # every appellation is in ROME v460
    relations = {link.relation for links in tables.esco_by_fiche.values() for link in links}
    assert relations == {
        "skos:exactMatch",
        "skos:closeMatch",
        "skos:broadMatch",
        "skos:narrowMatch",
    }
    assert all(link.libelle for links in tables.esco_by_fiche.values() for link in links)


def test_links_real_cli_show_k1311(settings) -> None:  # type: ignore[no-untyped-def]
    from habilitant.cli import cli

    base = ["--referentiels", str(settings.referentiels), "--models-dir", str(settings.models_dir)]
    shown = CliRunner().invoke(cli, [*base, "referentiels", "show", "K1311"])
    assert shown.exit_code == 0, shown.output
    text = shown.output
    assert "K1311 — Assistant / Assistante de vie aux familles" in text
    assert "Certifications qui mènent à ce métier (lien officiel) :" in text
    assert (
        "Aucune certification chargée ne cite K1311 ; elle est issue en ROME 4.0 de la fiche K1302"
        in text
    )
    assert "RNCP 2021 (table rncp_rome)" in text and "… et 10 autres certifications" in text
    assert (
        "Métiers ESCO de ses appellations (lien officiel, Correspondance officielle ESCO ↔ ROME)"
        in text
    )
    assert "assistant de vie/assistante de vie — correspondance exacte" in text
    as_json = CliRunner().invoke(cli, [*base, "referentiels", "show", "K1311", "--json"])
    assert len(json.loads(as_json.output)["links"]) == 31


def test_links_real_api_fiche_k1311(settings, catalog) -> None:  # type: ignore[no-untyped-def]
    from api import create_app

    app = create_app(settings, pipeline=SimpleNamespace(catalog=catalog))  # type: ignore[arg-type]
    with TestClient(app) as client:
        fiche = client.get("/fiches/K1311").json()
        certification = client.get("/certifications/RNCP37674").json()
    links = fiche["links"]
    assert {link["label"] for link in links} == {"officiel"}
    certifications = [link for link in links if link["referentiel"] != "esco"]
    assert len(certifications) == 25 and certifications[0]["relation"] == "fiche_parente"
    assert certifications[0]["actif"] is True and certifications[0]["niveau"] == "3"
    esco = [link for link in links if link["referentiel"] == "esco"]
    assert esco[0]["relation"] == "skos:exactMatch" and esco[0]["uri"].startswith(ESCO_URI)
    assert [(link["code"], link["status"]) for link in certification["links"]] == [
        ("M1805", "valid")
    ]
