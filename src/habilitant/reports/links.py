"""The official links of a certification or a fiche and the computed neighbours of a statement,
for ``referentiels show``, ``analyse --json``, the API and the syntheses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

from habilitant.domain import Certification, Fiche
from habilitant.labels import (
    LINK_LABELS,
    LINK_RELATION_LABELS,
    LINK_SOURCE_LABELS,
    LINK_STATUS_LABELS,
    referentiel_label,
)
from habilitant.links import ESCO, PARENT_SOURCE, ROME, Link
from habilitant.neighbours import Neighbour

# How many lines each list shows in the terminal; --json gives them all.
CERTIFICATIONS_SHOWN = 15
OCCUPATIONS_SHOWN = 10
FICHES_SHOWN = 20
APPELLATIONS_SHOWN = 3
OFFICIAL = LINK_LABELS["officiel"]
CLOSE = LINK_LABELS["proche"]


def link_dicts(links: Sequence[Link]) -> list[dict[str, Any]]:
    """Links as in every JSON answer (``referentiels show --json``, ``/fiches``,
    ``/certifications``)."""
    return [{**asdict(link), "sources": list(link.sources)} for link in links]


def neighbour_dicts(neighbours: Sequence[Neighbour]) -> list[dict[str, Any]]:
    """Neighbours as in every JSON answer (``analyse --json``, the API, ``referentiels show
    --json`` of a competence)."""
    return [
        {
            "competence_id": n.competence_id,
            "referentiel": n.referentiel,
            "kind": n.kind,
            "code": n.code,
            "libelle": n.libelle,
            "score": n.score,
            "label": n.label,
            "parents": [{"kind": p.kind, "code": p.code, "libelle": p.libelle} for p in n.parents],
        }
        for n in neighbours
    ]


def _place(neighbour: Neighbour) -> str:
    places = [p for p in neighbour.parents if p.kind != "fiche"][:2]
    fiches = [p.code for p in neighbour.parents if p.kind == "fiche"]
    where = [f"{p.kind} {p.code}" for p in places]
    if fiches:
        where.append("fiche " + ", ".join(fiches))
    return f" · {' · '.join(where)}" if where else ""


def neighbours_text(neighbours: Sequence[Neighbour] | None) -> list[str]:
    """The lines ``referentiels show`` prints for a statement's neighbours."""
    heading = (
        f"Proches dans les autres référentiels ({CLOSE} : rapprochement calculé, "
        "pas une équivalence) :"
    )
    if neighbours is None:
        return [
            heading,
            "  Non calculés : aucun index ne contient cet énoncé (habilitant index build).",
        ]
    if not neighbours:
        return [heading, "  Aucun énoncé d'un autre référentiel n'atteint le seuil."]
    lines = [heading]
    current = None
    for neighbour in neighbours:
        if neighbour.referentiel != current:
            current = neighbour.referentiel
            lines.append(f"  {referentiel_label(current)}")
        lines.append(
            f"    • {neighbour.libelle} — {CLOSE} ({neighbour.score:.2f}) · "
            f"{neighbour.competence_id}{_place(neighbour)}"
        )
    return lines


def synthesis_neighbours_line(neighbours: Sequence[Neighbour], per_group: int = 2) -> str:
    """One line of a Markdown synthesis: a statement's RNCP and ESCO neighbours."""
    parts = []
    for name, referentiels in SYNTHESIS_GROUPS:
        found = sorted(
            (n for n in neighbours if n.referentiel in referentiels), key=lambda n: -n.score
        )[:per_group]
        words = ", ".join(f"« {n.libelle.rstrip(' ;')} »{_bloc_of(n)}" for n in found)
        parts.append(f"{name} : {words or 'aucun au-dessus du seuil'}")
    return f"{CLOSE.capitalize()}s (calculés, pas des équivalences) — " + " ; ".join(parts)


def _bloc_of(neighbour: Neighbour) -> str:
    """Where an RNCP neighbour stands, by its bloc's code; nothing for an ESCO skill."""
    if neighbour.kind == "bloc":
        return f" ({neighbour.code})"
    for kind in ("bloc", "certification"):
        for parent in neighbour.parents:
            if parent.kind == kind:
                return f" ({parent.code})"
    return ""


# The referentials a synthesis line gives a statement's neighbours in.
SYNTHESIS_GROUPS = (("RNCP", ("rncp", "rncp-2021")), ("ESCO", ("esco",)))


def _sources(link: Link) -> str:
    return " + ".join(LINK_SOURCE_LABELS.get(s, s) for s in link.sources)


def _more(total: int, shown: int, what: str) -> list[str]:
    if total <= shown:
        return []
    return [f"  … et {total - shown} autres {what} (liste complète : --json)"]


def _certification_line(link: Link) -> str:
    niveau = f"niveau {link.niveau}" if link.niveau else "niveau ?"
    state = "active" if link.actif else "inactive"
    if link.referentiel == "rncp-2021":
        state += " en 2021"
    # A parent link's heading names the parent: the line gives the certification's own source.
    own = replace(link, sources=tuple(s for s in link.sources if s != PARENT_SOURCE))
    return f"  • {link.code} — {link.libelle} · {niveau} · {state} · {_sources(own)}"


def _flag(link: Link) -> str:
    label = LINK_STATUS_LABELS.get(link.status, link.status)
    return f" ⚠ {label}" + (f" ({link.via})" if link.via and link.via != link.code else "")


def _grouped(links: Sequence[Link], limit: int, what: str) -> list[str]:
    """One line per linked item, its relations and the appellations they come through."""
    by_code: dict[str, list[Link]] = {}
    for link in links:
        by_code.setdefault(link.code or f"?{link.via}", []).append(link)
    lines = []
    for code_links in list(by_code.values())[:limit]:
        first = code_links[0]
        relations: dict[str, list[str]] = {}
        for link in code_links:
            relations.setdefault(link.relation, []).append(f"« {link.via_libelle or link.via} »")
        parts = []
        for relation, names in relations.items():
            extra = (
                f" (+{len(names) - APPELLATIONS_SHOWN})" if len(names) > APPELLATIONS_SHOWN else ""
            )
            label = LINK_RELATION_LABELS.get(relation, relation)
            parts.append(f"{label} : {', '.join(names[:APPELLATIONS_SHOWN])}{extra}")
        if first.status != "valid":
            head = f"  •{_flag(first)}"
        else:
            head = (
                f"  • {first.libelle}"
                if first.referentiel == ESCO
                else f"  • {first.code} — {first.libelle}"
            )
        lines.append(f"{head} — {' ; '.join(parts)}")
    return lines + _more(len(by_code), limit, what)


def certification_links_text(links: Sequence[Link]) -> list[str]:
    lines = [f"Fiches ROME citées ({OFFICIAL}) :"]
    if not links:
        return [*lines, "  Aucun code ROME n'est cité pour cette certification."]
    for link in links[:FICHES_SHOWN]:
        if link.status == "valid":
            lines.append(f"  • {link.code} — {link.libelle} · {_sources(link)}")
        else:
            lines.append(f"  • {link.code}{_flag(link)} · {_sources(link)}")
    return lines + _more(len(links), FICHES_SHOWN, "codes ROME")


def fiche_links_text(fiche: Fiche, links: Sequence[Link]) -> list[str]:
    if fiche.referentiel == ESCO:
        return [
            f"Fiches ROME ({OFFICIAL}, {LINK_SOURCE_LABELS['esco_rome']}) :",
            *(_grouped(links, FICHES_SHOWN, "fiches") or ["  Aucune appellation ROME."]),
        ]
    direct = [link for link in links if link.relation == "codes_rome"]
    inherited = [link for link in links if link.relation == "fiche_parente"]
    lines = [f"Certifications qui mènent à ce métier ({OFFICIAL}) :"]
    if direct:
        lines += [_certification_line(link) for link in direct[:CERTIFICATIONS_SHOWN]]
        lines += _more(len(direct), CERTIFICATIONS_SHOWN, "certifications")
    if inherited:
        parent = inherited[0]
        opening = (
            f"  {fiche.code}"
            if direct
            else f"  Aucune certification chargée ne cite {fiche.code} ; elle"
        )
        lines.append(
            f"{opening} est issue en ROME 4.0 de la fiche {parent.via} « {parent.via_libelle} » "
            f"(code ROME 3), que citent {'aussi ' if direct else ''}{len(inherited)} "
            "certification(s) :"
        )
        lines += [_certification_line(link) for link in inherited[:CERTIFICATIONS_SHOWN]]
        lines += _more(len(inherited), CERTIFICATIONS_SHOWN, "certifications")
    if not direct and not inherited:
        lines.append(f"  Aucune certification chargée ne cite {fiche.code} ni sa fiche parente.")
    esco = [link for link in links if link.referentiel == ESCO]
    lines.append(
        f"Métiers ESCO de ses appellations ({OFFICIAL}, {LINK_SOURCE_LABELS['esco_rome']}) :"
    )
    lines += _grouped(esco, OCCUPATIONS_SHOWN, "métiers ESCO") or [
        "  Aucun métier ESCO n'est rattaché aux appellations de cette fiche."
    ]
    return lines


def links_text(item: Certification | Fiche, links: Sequence[Link]) -> list[str]:
    """The lines ``referentiels show`` prints after the item."""
    if isinstance(item, Certification):
        return certification_links_text(links)
    if item.referentiel in (ROME, ESCO):
        return fiche_links_text(item, links)
    return []
