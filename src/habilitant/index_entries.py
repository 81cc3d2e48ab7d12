"""What goes into the index: one entry per item, title and appellation of the referentials.

Every competence statement, bloc title, certification title, fiche title and appellation
becomes an :class:`IndexEntry` carrying its provenance, so a search answers with the exact
official wording and where it sits without reloading the referentials.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from habilitant.domain import COMPETENCE_KINDS, Parent, Referentiel

ENTRY_KINDS = (  # the statements a person can be credited with, then what only places them
    *COMPETENCE_KINDS,
    "certification",
    "fiche",
    "appellation",
    "emploi_type",
    "description",
)
DESCRIPTION_CHARS = 1500  # the encoder reads 512 tokens at most


@dataclass(frozen=True)
class IndexEntry:
    """One vector of the index and its provenance."""

    id: str
    referentiel: str
    kind: str
    code: str
    libelle: str
    parents: tuple[Parent, ...] = ()

    def parents_json(self) -> str:
        rows = [
            [p.kind, p.code, p.libelle, p.role] if p.role else [p.kind, p.code, p.libelle]
            for p in self.parents
        ]
        return json.dumps(rows, ensure_ascii=False)

    @staticmethod
    def parse_parents(raw: str) -> tuple[Parent, ...]:
        return tuple(Parent(*fields) for fields in json.loads(raw))


def certification_entry_id(referentiel: str, code: str) -> str:
    return f"{referentiel}:certification:{code}"


def fiche_entry_id(referentiel: str, code: str) -> str:
    return f"{referentiel}:fiche:{code}"


def emploi_type_entry_id(referentiel: str, code: str) -> str:
    return f"{referentiel}:emploi_type:{code}"


def _description(
    group_id: str, referentiel: str, parent: Parent, text: str
) -> Iterable[IndexEntry]:
    """The entry describing a group (a fiche's definition, a certification's activités)."""
    if text.strip():
        yield IndexEntry(
            id=f"{group_id}/description",
            referentiel=referentiel,
            kind="description",
            code=parent.code,
            libelle=text.strip()[:DESCRIPTION_CHARS],
            parents=(parent,),
        )


def entries_for(referentiel: Referentiel) -> Iterable[IndexEntry]:
    """All index entries of one referential, in a stable order."""
    name = referentiel.name
    for competence in referentiel.competences:
        yield IndexEntry(
            id=competence.id,
            referentiel=name,
            kind=competence.kind,
            code=competence.code,
            libelle=competence.libelle,
            parents=competence.parents,
        )
    for certification in referentiel.certifications:
        certification_id = certification_entry_id(name, certification.code)
        yield IndexEntry(
            id=certification_id,
            referentiel=name,
            kind="certification",
            code=certification.code,
            libelle=certification.intitule,
        )
        parent = Parent(
            kind="certification", code=certification.code, libelle=certification.intitule
        )
        yield from _description(certification_id, name, parent, certification.activites_visees)
    for fiche in referentiel.fiches:
        fiche_parent = (Parent(kind="fiche", code=fiche.code, libelle=fiche.libelle),)
        fiche_id = fiche_entry_id(name, fiche.code)
        yield IndexEntry(
            id=fiche_id,
            referentiel=name,
            kind="fiche",
            code=fiche.code,
            libelle=fiche.libelle,
        )
        yield from _description(fiche_id, name, fiche_parent[0], fiche.definition)
        seen = {fiche.libelle}
        for position, appellation in enumerate(fiche.appellations, start=1):
            if appellation in seen:
                continue
            seen.add(appellation)
            yield IndexEntry(
                id=f"{fiche_id}/appellation/{position}",
                referentiel=name,
                kind="appellation",
                code=fiche.code,
                libelle=appellation,
                parents=fiche_parent,
            )
    for emploi in referentiel.emplois_types:
        yield IndexEntry(
            id=emploi_type_entry_id(name, emploi.code),
            referentiel=name,
            kind="emploi_type",
            code=emploi.code,
            libelle=emploi.libelle,
        )


def collect_entries(referentiels: Iterable[Referentiel]) -> list[IndexEntry]:
    """Entries of all referentials; duplicate ids keep the first occurrence."""
    seen: set[str] = set()
    out: list[IndexEntry] = []
    for referentiel in referentiels:
        for entry in entries_for(referentiel):
            if entry.id in seen or not entry.libelle.strip():
                continue
            seen.add(entry.id)
            out.append(entry)
    return out
