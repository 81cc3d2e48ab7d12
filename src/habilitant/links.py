"""Official links between referentials, kept as their publishers give them.

Built once per :class:`~habilitant.catalog.Catalog` (``catalog.links``), from what the
readers loaded:

* **ROME fiche <-> RNCP / RS certification**: a certification's ``rome_codes`` (the XML
  export's ``CODES_ROME``, the 2021 ``rncp_rome`` table). Those tables cite ROME 3 codes.
  ROME 4.0 kept the 532 ROME 3 codes as fiches and derived each of its other fiches from one
  of them (``code_rome_parent``): a cited code that names a ROME 4.0 fiche links to it
  (relation ``codes_rome``), and each fiche derived from it gets the certification through
  its parent (relation ``fiche_parente``, listed after the direct ones). A cited code that
  names no fiche is kept and flagged: a ROME domain code (``M18``, ``M1800``, ``H``) or an
  unknown one — never dropped, never shown as valid. A certification found in several
  sources is one link with every source.
* **ROME appellation / fiche <-> ESCO occupation**: the official ESCO-ROME table maps ESCO
  occupations to ROME appellations with a SKOS relation, kept as given; a fiche's ESCO
  occupations are those of its appellations, each with the appellation it came through.

Every link here is ``label="officiel"``; the computed neighbours of a statement
(:mod:`habilitant.neighbours`) are « proche », never official. Plain functions over frozen
dataclasses; no I/O.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from habilitant.domain import Certification, Competence, EmploiType, Fiche

if TYPE_CHECKING:
    from habilitant.catalog import Catalog

LinkLabel = Literal["officiel", "proche"]
LinkStatus = Literal["valid", "domain_code", "unknown_code", "unchecked"]

ROME = "rome"
ESCO = "esco"
# Where a certification's ROME codes come from, by the reader that loaded it.
CERTIFICATION_SOURCES = {
    "rncp": "rncp_codes_rome",
    "rs": "rs_codes_rome",
    "rncp-2021": "rncp2021_rncp_rome",
}
ESCO_SOURCE = "esco_rome"
PARENT_SOURCE = "rome_parent"
# Strongest ESCO relation first.
_RELATION_ORDER = {
    "skos:exactMatch": 0,
    "skos:closeMatch": 1,
    "skos:narrowMatch": 2,
    "skos:broadMatch": 3,
}
_DOMAIN = re.compile(r"^([A-Z])$|^([A-Z]\d{2})(?:00)?$")


@dataclass(frozen=True)
class Link:
    """One official link from an item to ``code`` of referential ``referentiel``."""

    referentiel: str  # the linked item's: "rome", "esco", "rncp", "rs", "rncp-2021"
    code: str  # RNCP37674, K1311, an ESCO occupation's uuid; as published when flagged
    libelle: str
    relation: str  # "codes_rome", "fiche_parente", or the ESCO relation as given
    sources: tuple[str, ...]  # keys of labels.LINK_SOURCE_LABELS
    label: LinkLabel = "officiel"
    status: LinkStatus = "valid"
    niveau: str = ""  # certifications: level, active, state
    actif: bool | None = None
    etat: str = ""
    # What the link goes through: the appellation (code_ogr) of an ESCO link, the parent
    # fiche of a parent link; the domain a flagged domain code names.
    via: str = ""
    via_libelle: str = ""
    uri: str = ""  # an ESCO occupation's concept URI


@dataclass(frozen=True)
class LinkTables:
    """Every official link, by the code of the item they start from."""

    certifications_by_fiche: Mapping[str, tuple[Link, ...]]
    fiches_by_certification: Mapping[str, tuple[Link, ...]]
    esco_by_appellation: Mapping[str, tuple[Link, ...]]
    esco_by_fiche: Mapping[str, tuple[Link, ...]]
    rome_by_esco: Mapping[str, tuple[Link, ...]]
    counts: Mapping[str, int]


def _tail(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def _code_status(code: str, fiches: Mapping[str, Fiche]) -> tuple[LinkStatus, str]:
    """Whether a cited ROME code names a fiche; else the domain it names, if any."""
    if not fiches:
        return "unchecked", ""
    if code in fiches:
        return "valid", ""
    match = _DOMAIN.match(code)
    domain = match and (match.group(1) or match.group(2))
    if domain and any(known.startswith(domain) for known in fiches):
        return "domain_code", domain
    return "unknown_code", ""


def _certification_order(link: Link) -> tuple[bool, int, bool, str]:
    """Active first, then by level; at one level, a state from the current export before a
    state of January 2021."""
    niveau = int(link.niveau) if link.niveau.isdigit() else 99
    return (not link.actif, niveau, link.referentiel == "rncp-2021", link.code)


def _esco_order(link: Link) -> tuple[int, str, str]:
    return (_RELATION_ORDER.get(link.relation, 9), link.libelle.lower(), link.via_libelle.lower())


def _certification_links(
    catalog: Catalog, fiches: Mapping[str, Fiche], parents: Mapping[str, str]
) -> tuple[dict[str, tuple[Link, ...]], dict[str, tuple[Link, ...]], dict[str, int]]:
    published: dict[str, dict[str, list[str]]] = defaultdict(dict)  # cert -> code -> sources
    for referentiel in catalog.referentiels:
        for certification in referentiel.certifications:
            source = CERTIFICATION_SOURCES.get(
                certification.referentiel, f"{certification.referentiel}_codes_rome"
            )
            for raw in certification.rome_codes:
                sources = published[certification.code.upper()].setdefault(raw.strip().upper(), [])
                if source not in sources:
                    sources.append(source)

    counts: dict[str, int] = defaultdict(int)
    by_certification: dict[str, tuple[Link, ...]] = {}
    direct: dict[str, list[Link]] = defaultdict(list)
    for cert_code, codes in published.items():
        certification = catalog.certifications[cert_code]
        outgoing = []
        for code, sources in codes.items():
            status, domain = _code_status(code, fiches)
            counts[f"codes_{status}"] += 1
            if status == "valid" and parents.get(code) == code:
                counts["codes_rome3_mapped"] += 1
            fiche = fiches.get(code)
            outgoing.append(
                Link(
                    ROME,
                    code,
                    fiche.libelle if fiche else "",
                    "codes_rome",
                    tuple(sources),
                    status=status,
                    via=domain,
                )
            )
            if status == "valid":
                direct[code].append(
                    Link(
                        certification.referentiel,
                        certification.code,
                        certification.intitule,
                        "codes_rome",
                        tuple(sources),
                        niveau=certification.niveau,
                        actif=certification.actif,
                        etat=certification.etat,
                    )
                )
        by_certification[cert_code] = tuple(outgoing)

    by_fiche: dict[str, tuple[Link, ...]] = {}
    for code in fiches:
        own = sorted(direct.get(code, ()), key=_certification_order)
        parent = parents.get(code, code)
        inherited: list[Link] = []
        if parent != code:
            cited = {link.code for link in own}
            inherited = [
                replace(
                    link,
                    relation="fiche_parente",
                    sources=(*link.sources, PARENT_SOURCE),
                    via=parent,
                    via_libelle=fiches[parent].libelle,
                )
                for link in sorted(direct.get(parent, ()), key=_certification_order)
                if link.code not in cited
            ]
        if own or inherited:
            by_fiche[code] = (*own, *inherited)
            counts["fiches_with_certifications"] += 1
            counts["fiches_with_direct_certifications"] += bool(own)
    counts["certifications_with_rome_codes"] = sum(1 for codes in published.values() if codes)
    return by_fiche, by_certification, counts


def build_links(catalog: Catalog) -> LinkTables:
    """Every official link between the catalog's referentials (once per catalog)."""
    fiches = {f.code.upper(): f for r in catalog.referentiels if r.name == ROME for f in r.fiches}
    parents: dict[str, str] = {}
    appellations: dict[str, tuple[str, str]] = {}  # code_ogr -> (fiche, appellation label)
    for referentiel in catalog.referentiels:
        if referentiel.name != ROME:
            continue
        for crosswalk in referentiel.crosswalks:
            if crosswalk.relation == "code_rome_parent":
                parents[_tail(crosswalk.source)] = _tail(crosswalk.target)
            elif crosswalk.source.startswith("rome-appellation:"):
                appellations[_tail(crosswalk.source)] = (_tail(crosswalk.target), crosswalk.label)
    by_fiche, by_certification, counts = _certification_links(catalog, fiches, parents)

    occupations = {f.code: f for r in catalog.referentiels if r.name == ESCO for f in r.fiches}
    by_appellation: dict[str, list[Link]] = defaultdict(list)
    esco_by_fiche: dict[str, list[Link]] = defaultdict(list)
    rome_by_esco: dict[str, list[Link]] = defaultdict(list)
    for referentiel in catalog.referentiels:
        if referentiel.name != ESCO:
            continue
        for crosswalk in referentiel.crosswalks:
            if not crosswalk.target.startswith("rome-appellation:"):
                continue
            uuid, appellation = _tail(crosswalk.source), _tail(crosswalk.target)
            occupation = occupations.get(uuid)
            fiche_code, appellation_label = appellations.get(appellation, ("", ""))
            link = Link(
                ESCO,
                uuid,
                occupation.libelle if occupation else crosswalk.label,
                crosswalk.relation,
                (ESCO_SOURCE,),
                via=appellation,
                via_libelle=appellation_label,
                uri=crosswalk.source,
            )
            by_appellation[appellation].append(link)
            if fiche_code:
                esco_by_fiche[fiche_code].append(link)
            status: LinkStatus = "valid" if fiche_code in fiches else "unknown_code"
            if not appellations:
                status = "unchecked"
            fiche = fiches.get(fiche_code)
            rome_by_esco[uuid].append(
                Link(
                    ROME,
                    fiche_code,
                    fiche.libelle if fiche else "",
                    crosswalk.relation,
                    (ESCO_SOURCE,),
                    status=status,
                    via=appellation,
                    via_libelle=appellation_label,
                )
            )
            counts["esco_rome_links"] += 1
            if status != "valid":
                counts[f"esco_appellations_{status}"] += 1
    counts["fiches_with_esco"] = len(esco_by_fiche)
    counts["appellations_with_esco"] = len(by_appellation)
    return LinkTables(
        certifications_by_fiche=by_fiche,
        fiches_by_certification=by_certification,
        esco_by_appellation=_sorted(by_appellation),
        esco_by_fiche=_sorted(esco_by_fiche),
        rome_by_esco={k: tuple(sorted(v, key=_esco_order)) for k, v in rome_by_esco.items()},
        counts=dict(counts),
    )


def _sorted(table: Mapping[str, Iterable[Link]]) -> dict[str, tuple[Link, ...]]:
    return {key: tuple(sorted(links, key=_esco_order)) for key, links in table.items()}


def links_for(
    item: Certification | Fiche | Competence | EmploiType, catalog: Catalog
) -> tuple[Link, ...]:
    """The official links of an item: a certification's ROME fiches; a ROME fiche's
    certifications (direct, then through its parent) and ESCO occupations; an ESCO
    occupation's ROME fiches. Nothing for other items: a statement (competence, savoir, bloc
    title) has no official link of its own (:mod:`habilitant.relations`)."""
    tables = catalog.links
    if isinstance(item, Certification):
        return tables.fiches_by_certification.get(item.code.upper(), ())
    if isinstance(item, Fiche) and item.referentiel == ROME:
        code = item.code.upper()
        return (*tables.certifications_by_fiche.get(code, ()), *tables.esco_by_fiche.get(code, ()))
    if isinstance(item, Fiche) and item.referentiel == ESCO:
        return tables.rome_by_esco.get(item.code, ())
    return ()
