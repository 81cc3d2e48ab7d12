"""The French words people read for the codes of the domain, in one place: the terminal, the
Markdown syntheses, the API (``GET /labels``) and the conseiller's page all take them from
here."""

from __future__ import annotations

DECISION_LABELS = {"attested": "attestée", "to_confirm": "à confirmer"}
STATUS_LABELS = {"covered": "couverte", "partial": "partielle", "missing": "manquante"}
SUGGESTION_KIND_LABELS = {
    "certification": "Certifications",
    "bloc": "Blocs",
    "fiche": "Fiches métiers ROME",
}
# Short names of the referentials, for headings and choices; a referential without one (a
# branch's own) is shown under its title.
REFERENTIEL_LABELS = {
    "rome": "ROME 4.0 — compétences et savoirs",
    "rncp": "RNCP — blocs de compétences",
    "rs": "Répertoire spécifique",
    "rncp-2021": "RNCP — intitulés de blocs (2021)",
    "esco": "ESCO",
    "referens3": "RéFérens III",
}

# Links between referentials (``links.py``): the official ones, published with the
# referentials, and the computed neighbours, never more than « proche ».
LINK_LABELS = {"officiel": "lien officiel", "proche": "proche"}
LINK_RELATION_LABELS = {
    "codes_rome": "code ROME cité par la certification",
    "fiche_parente": "par la fiche parente (code ROME 3)",
    "skos:exactMatch": "correspondance exacte",
    "skos:closeMatch": "correspondance étroite",
    "skos:broadMatch": "métier ESCO plus large",
    "skos:narrowMatch": "métier ESCO plus précis",
}
LINK_SOURCE_LABELS = {
    "rncp_codes_rome": "Export RNCP (CODES_ROME)",
    "rs_codes_rome": "Export RS (CODES_ROME)",
    "rncp2021_rncp_rome": "RNCP 2021 (table rncp_rome)",
    "esco_rome": "Correspondance officielle ESCO ↔ ROME",
    "rome_parent": "ROME 4.0 (fiche parente, code_rome_parent)",
}
LINK_STATUS_LABELS = {
    "valid": "valide",
    "domain_code": "code de domaine du ROME, pas une fiche métier",
    "unknown_code": "code absent du ROME 4.0",
    "unchecked": "non vérifié (ROME non chargé)",
}


def referentiel_label(name: str, title: str = "") -> str:
    return REFERENTIEL_LABELS.get(name) or title or name


def all_labels() -> dict[str, dict[str, str]]:
    """What ``GET /labels`` answers."""
    return {
        "decisions": dict(DECISION_LABELS),
        "statuses": dict(STATUS_LABELS),
        "suggestion_kinds": dict(SUGGESTION_KIND_LABELS),
        "referentiels": dict(REFERENTIEL_LABELS),
        "links": dict(LINK_LABELS),
        "link_relations": dict(LINK_RELATION_LABELS),
        "link_sources": dict(LINK_SOURCE_LABELS),
        "link_statuses": dict(LINK_STATUS_LABELS),
    }
