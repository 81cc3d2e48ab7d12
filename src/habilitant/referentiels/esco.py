"""ESCO in French (labels) and the official ESCO <-> ROME crosswalk.

From the folder:

* ``skills_fr.csv`` (required; ``conceptUri, preferredLabel, altLabels``): one
  :class:`Competence` of kind ``competence`` per skill, id ``esco:<uuid>`` (the tail of
  the concept URI), alternative labels split on ``|`` or line breaks. This copy has no
  skillType, so skills and knowledge are not told apart;
* ``occupations_fr.csv`` (optional, same columns): one :class:`Fiche` per occupation
  (code = the uuid, appellations = the alternative labels);
* ``*mapping_esco_rome*.csv`` (optional; the newest by name): a free-text preamble, then
  ``classification 1 ID`` (ESCO occupation URI), ``classification 2 ID`` (ROME appellation
  ``code_ogr``), ``mapping relation`` (``skos:exactMatch``...). Each row becomes
  ``Crosswalk(<ESCO URI>, "rome-appellation:<code_ogr>", <relation>, label=<ESCO label>)``
  (``classification 1 prefered label``, when the file has it); the ROME reader links each
  appellation to its fiche.
"""

from __future__ import annotations

from pathlib import Path

from habilitant.domain import Competence, Crosswalk, Fiche, Referentiel
from habilitant.errors import ReferentielError
from habilitant.referentiels.common import (
    CsvTable,
    check_unique,
    read_csv,
    split_multi,
    where,
)
from habilitant.referentiels.registry import register_reader

NAME = "esco"
_COLUMNS = ("conceptUri", "preferredLabel", "altLabels")
_MAPPING = ("classification 1 ID", "classification 2 ID", "mapping relation")
_MAPPING_LABEL = "classification 1 prefered label"


def _uuid(table: CsvTable, line: int, uri: str) -> str:
    tail = uri.rstrip("/").rsplit("/", 1)[-1]
    if not uri.startswith("http") or not tail:
        raise ReferentielError(
            f"Le fichier {where(table.path, line)} a un conceptUri invalide « {uri} ».",
            hint="Chaque ligne doit commencer par l'URI ESCO du concept "
            "(http://data.europa.eu/esco/...).",
        )
    return tail


def _concepts(path: Path) -> CsvTable:
    table = read_csv(path, required=_COLUMNS)
    check_unique(table, "conceptUri")
    return table


def _mapping_version(path: Path) -> str:
    """``V1.4`` from the preamble (``Mapping project version,V1.4``)."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for _, line in zip(range(30), handle, strict=False):
            key, _, value = line.partition(",")
            if key.strip().lower() == "mapping project version":
                return value.strip()
    return ""


@register_reader(NAME, default_path="esco-fr", title="ESCO (libellés français) et table ESCO-ROME")
def read_esco(path: Path) -> Referentiel:
    """Read the ESCO French files in folder ``path``."""
    folder = Path(path)
    if not folder.is_dir():
        raise ReferentielError(
            f"Le dossier ESCO {folder} est introuvable.",
            hint="Indiquez le dossier qui contient skills_fr.csv (et occupations_fr.csv).",
        )
    skills = _concepts(folder / "skills_fr.csv")
    sources = [skills.source]
    competences = tuple(
        Competence(
            id=f"{NAME}:{_uuid(skills, line, row['conceptUri'])}",
            referentiel=NAME,
            code=_uuid(skills, line, row["conceptUri"]),
            libelle=" ".join(row["preferredLabel"].split()),
            kind="competence",
            alt_labels=tuple(split_multi(row["altLabels"])),
        )
        for line, row in skills
    )
    empty = [c for c in competences if not c.libelle]
    if empty:
        raise ReferentielError(
            f"Le fichier {skills.path} a une compétence sans preferredLabel ({empty[0].code}).",
            hint="Chaque compétence doit avoir un libellé préféré en français.",
        )

    fiches: tuple[Fiche, ...] = ()
    occupations_path = folder / "occupations_fr.csv"
    if occupations_path.exists():
        occupations = _concepts(occupations_path)
        sources.append(occupations.source)
        fiches = tuple(
            Fiche(
                code=_uuid(occupations, line, row["conceptUri"]),
                libelle=" ".join(row["preferredLabel"].split()),
                referentiel=NAME,
                appellations=tuple(split_multi(row["altLabels"])),
            )
            for line, row in occupations
        )

    crosswalks: list[Crosswalk] = []
    mapping_version = ""
    mappings = sorted(folder.glob("*mapping_esco_rome*.csv"))
    if mappings:
        mapping = read_csv(
            mappings[-1],
            required=_MAPPING,
            header_at=lambda row: bool(row) and row[0].strip() == _MAPPING[0],
        )
        sources.append(mapping.source)
        mapping_version = _mapping_version(mapping.path)
        for line, row in mapping:
            uri, code, relation = (row[c].strip() for c in _MAPPING)
            if not uri or not code:
                raise ReferentielError(
                    f"Le fichier {where(mapping.path, line)} a une correspondance incomplète.",
                    hint="Chaque ligne doit donner l'URI ESCO et le code OGR de l'appellation.",
                )
            label = " ".join((row.get(_MAPPING_LABEL) or "").split())
            crosswalks.append(Crosswalk(uri, f"rome-appellation:{code}", relation, label=label))
    version = f"table ESCO-ROME {mapping_version}" if mapping_version else ""
    return Referentiel(
        name=NAME,
        title="ESCO (libellés français)",
        version=version,
        sources=tuple(sources),
        competences=competences,
        fiches=fiches,
        crosswalks=tuple(crosswalks),
        counts={"correspondances_rome": len(crosswalks)},
    )
