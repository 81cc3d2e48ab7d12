"""The loaded referentials and lookups by code: certifications, fiches, competences."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from habilitant.domain import Certification, Competence, EmploiType, Fiche, Referentiel
from habilitant.errors import UnknownCodeError

if TYPE_CHECKING:
    from habilitant.links import LinkTables

_RNCP = re.compile(r"^(RNCP|RS)\s*(\d+)$", re.IGNORECASE)


def normalize_certification_code(code: str) -> str:
    """``rncp 37674`` / ``RNCP37674`` -> ``RNCP37674``."""
    match = _RNCP.match(code.strip())
    return f"{match.group(1).upper()}{match.group(2)}" if match else code.strip().upper()


def is_certification_code(code: str) -> bool:
    """Whether ``code`` is an RNCP or RS number (``rncp 37674`` included)."""
    return _RNCP.match(code.strip()) is not None


@dataclass
class Catalog:
    """All loaded referentials, indexed by code. Built once, read many times."""

    referentiels: tuple[Referentiel, ...]
    certifications: dict[str, Certification] = field(default_factory=dict)
    fiches: dict[str, Fiche] = field(default_factory=dict)
    competences: dict[str, Competence] = field(default_factory=dict)
    emplois_types: dict[str, EmploiType] = field(default_factory=dict)

    @classmethod
    def from_referentiels(cls, referentiels: Sequence[Referentiel]) -> Catalog:
        catalog = cls(referentiels=tuple(referentiels))
        # Richer sources first: the official export wins over the 2021 titles-only table.
        depth_rank = {"competences": 0, "bloc_titles": 1}
        certifications = [c for r in referentiels for c in r.certifications]
        for certification in sorted(certifications, key=lambda c: depth_rank.get(c.depth, 2)):
            catalog.certifications.setdefault(certification.code.upper(), certification)
        for referentiel in referentiels:
            for fiche in referentiel.fiches:
                catalog.fiches.setdefault(fiche.code.upper(), fiche)
            for competence in referentiel.competences:
                catalog.competences.setdefault(competence.id, competence)
            for emploi in referentiel.emplois_types:
                catalog.emplois_types.setdefault(emploi.code.upper(), emploi)
        return catalog

    @cached_property
    def links(self) -> LinkTables:
        """The official links between the loaded referentials (built on first use)."""
        from habilitant.links import build_links

        return build_links(self)

    def referentiel(self, name: str) -> Referentiel:
        for referentiel in self.referentiels:
            if referentiel.name == name:
                return referentiel
        raise UnknownCodeError(
            f"Le référentiel « {name} » n'est pas chargé.",
            hint="Référentiels chargés : " + ", ".join(r.name for r in self.referentiels),
        )

    def certification(self, code: str) -> Certification:
        key = normalize_certification_code(code)
        found = self.certifications.get(key)
        if found is None:
            raise UnknownCodeError(
                f"La certification {key} est inconnue des référentiels chargés.",
                hint="Vérifiez le numéro (ex. RNCP37674) ou chargez l'export RNCP complet.",
            )
        return found

    def fiche(self, code: str) -> Fiche:
        found = self.fiches.get(code.strip().upper())
        if found is None:
            raise UnknownCodeError(
                f"La fiche métier {code.strip()} est inconnue des référentiels chargés.",
                hint="Un code ROME a la forme d'une lettre et quatre chiffres (ex. J1501).",
            )
        return found

    def competence(self, competence_id: str) -> Competence:
        found = self.competences.get(competence_id.strip())
        if found is None:
            raise UnknownCodeError(
                f"La compétence {competence_id.strip()} est inconnue des référentiels chargés.",
                hint="Un identifiant a la forme référentiel:code (ex. rome:100023).",
            )
        return found

    def lookup(self, code: str) -> Certification | Fiche | Competence | EmploiType:
        """Whatever ``code`` names: certification, fiche, competence id or emploi-type."""
        code = code.strip()
        key = normalize_certification_code(code)
        if key in self.certifications:
            return self.certifications[key]
        for table, candidate in (
            (self.fiches, code.upper()),
            (self.competences, code),
            (self.emplois_types, code.upper()),
        ):
            if candidate in table:
                return table[candidate]
        raise UnknownCodeError(
            f"Le code « {code} » n'existe dans aucun référentiel chargé.",
            hint="Exemples : RNCP37674 (certification), J1501 (fiche ROME), "
            "rome:100023 (compétence). Voir : habilitant referentiels list",
        )
