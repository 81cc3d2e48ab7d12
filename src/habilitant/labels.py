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


def referentiel_label(name: str, title: str = "") -> str:
    return REFERENTIEL_LABELS.get(name) or title or name


def all_labels() -> dict[str, dict[str, str]]:
    """What ``GET /labels`` answers."""
    return {
        "decisions": dict(DECISION_LABELS),
        "statuses": dict(STATUS_LABELS),
        "suggestion_kinds": dict(SUGGESTION_KIND_LABELS),
        "referentiels": dict(REFERENTIEL_LABELS),
    }
