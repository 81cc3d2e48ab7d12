"""RéFérens III: emplois-types of higher education and research (ministry open data).

``fr-esr_referentiel_metier_referens_3.csv`` (UTF-8, ``;``): one row per emploi-type
(code ``referens_id``, libellé ``referens_intitule``, famille ``referens_bap``) whose
multi-valued cells are ``|``-separated:

* ``referens_activites_principales`` -> kind ``activite``;
* ``referens_competences_operationnelles`` -> kind ``competence``;
* ``referens_connaissances`` -> kind ``savoir``;
* ``referens_competences_comportementales`` -> kind ``savoir_etre``.

RéFérens gives these items no usable code (``competences_id`` does not line up with the
lists), so each distinct wording (spaces collapsed, case kept) is one item, listed under
all its emplois-types, with a stable id made of a prefix and the first 10 hex digits of
the SHA-1 of the wording: ``referens3:co-<hash>`` (compétence), ``act-`` (activité),
``sa-`` (savoir), ``se-`` (savoir-être). The definitions of the MESR competence dictionary
(tooltips of the ``*_definitions`` HTML columns) become ``definition`` when given.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from habilitant.domain import CompetenceKind, EmploiType, Parent, Referentiel
from habilitant.errors import ReferentielError
from habilitant.referentiels.common import (
    ItemCollector,
    check_unique,
    collapse_spaces,
    read_csv,
    split_multi,
    where,
)
from habilitant.referentiels.registry import register_reader

NAME = "referens3"
FILE_NAME = "fr-esr_referentiel_metier_referens_3.csv"
# column -> (kind, id prefix, column of definitions)
COLUMNS: dict[str, tuple[CompetenceKind, str, str]] = {
    "referens_activites_principales": ("activite", "act", ""),
    "referens_competences_operationnelles": (
        "competence",
        "co",
        "referens_competences_operationnelles_definitions",
    ),
    "referens_connaissances": ("savoir", "sa", "referens_connaissances_definitions"),
    "referens_competences_comportementales": (
        "savoir_etre",
        "se",
        "referens_competences_comportementales_definitions",
    ),
}
_LI = re.compile(r"<li>(.*?)</li>", re.DOTALL)
_TOOLTIP = re.compile(r'<span class="tooltiptext">(.*?)</span>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_NO_DEFINITION = "Définition non nécessaire"


def item_code(prefix: str, wording: str) -> str:
    """``co-1a2b3c4d5e``: stable across files as long as the wording is unchanged."""
    digest = hashlib.sha1(collapse_spaces(wording).encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:10]}"


def _definitions(cell: str) -> dict[str, str]:
    """``<li>Wording <span ...><span class="tooltiptext">Definition (source : ...)``."""
    out = {}
    for item in _LI.findall(cell):
        tooltip = _TOOLTIP.search(item)
        wording = collapse_spaces(html.unescape(_TAG.sub(" ", _TOOLTIP.sub("", item))))
        if tooltip is None or not wording:
            continue
        definition = collapse_spaces(html.unescape(_TAG.sub(" ", tooltip.group(1))))
        if definition and not definition.startswith(_NO_DEFINITION):
            out[wording] = definition
    return out


@register_reader(NAME, default_path="branches/referens3", title="RéFérens III (MESR)")
def read_referens3(path: Path) -> Referentiel:
    """Read RéFérens III (the CSV file, or the folder holding it)."""
    file = Path(path)
    if file.is_dir():
        file = file / FILE_NAME
    table = read_csv(
        file,
        delimiter=";",
        required=("referens_id", "referens_intitule", "referens_bap", *COLUMNS),
    )
    check_unique(table, "referens_id")
    items = ItemCollector(NAME, "III")
    emplois = []
    for line, row in table:
        code, libelle = row["referens_id"].strip(), collapse_spaces(row["referens_intitule"])
        if not code or not libelle:
            raise ReferentielError(
                f"Le fichier {where(table.path, line)} a un emploi-type sans referens_id ou "
                "sans referens_intitule.",
                hint="Récupérez le fichier officiel RéFérens III.",
            )
        parent = Parent("emploi_type", code, libelle)
        ids: dict[CompetenceKind, list[str]] = {}
        for column, (kind, prefix, definitions_column) in COLUMNS.items():
            definitions = _definitions(row[definitions_column]) if definitions_column else {}
            for wording in split_multi(row[column], "|"):
                item_id = items.add(
                    item_code(prefix, wording),
                    wording,
                    kind,
                    (parent,),
                    origin=where(table.path.name, line),
                    definition=definitions.get(wording, ""),
                )
                if item_id not in ids.setdefault(kind, []):
                    ids[kind].append(item_id)
        emplois.append(
            EmploiType(
                code=code,
                libelle=libelle,
                referentiel=NAME,
                famille=collapse_spaces(row["referens_bap"]),
                activite_ids=tuple(ids.get("activite", ())),
                competence_ids=tuple(
                    i for kind in ("competence", "savoir", "savoir_etre") for i in ids.get(kind, ())
                ),
            )
        )
    return Referentiel(
        name=NAME,
        title="RéFérens III (emplois-types de l'enseignement supérieur et de la recherche)",
        version="III",
        sources=(table.source,),
        competences=items.competences(),
        emplois_types=tuple(emplois),
    )
