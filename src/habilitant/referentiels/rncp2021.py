"""RNCP bloc titles at national scale: the January 2021 tables (``*.v1.4.csv``).

Windows-1252, ``;``-separated, trailing empty columns, apostrophes sometimes doubled.

* ``rncp_blocs_competences`` (required): one :class:`Bloc` per row, with no statements,
  and one :class:`Competence` of kind ``bloc`` per bloc title (id ``rncp-2021:<code>``);
  one :class:`Certification` per fiche that has blocs, with ``depth="bloc_titles"``;
* ``rncp_info`` (optional): title, level (``niveau5`` -> ``5``), ACTIVE/INACTIVE, état,
  predecessors and successors. A fiche has one row per predecessor / successor: the rows
  are merged;
* ``rncp_rome`` (optional): the ROME (v3) codes of each fiche.

The table repeats one bloc code with two different titles (``RNCP34305BC04``): both
blocs are kept, the second as ``RNCP34305BC04-2``, and ``counts["blocs_codes_repetes"]``
says how many such repeats were found.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from habilitant.domain import Bloc, Certification, Competence, Parent, Referentiel
from habilitant.errors import ReferentielError
from habilitant.referentiels.common import read_csv, where
from habilitant.referentiels.registry import register_reader

NAME = "rncp-2021"
ENCODING = "cp1252"
_VERSION = re.compile(r"\.v(\d+(?:\.\d+)*)\.csv$")


def _table_path(folder: Path, stem: str, required: bool) -> Path | None:
    matches = sorted(folder.glob(f"{stem}*.csv"))
    if not matches:
        if required:
            raise ReferentielError(
                f"Le fichier {stem}.v<version>.csv est introuvable dans {folder}.",
                hint="Indiquez le dossier des tables RNCP 2021 (rncp_blocs_competences, "
                "rncp_info, rncp_rome).",
            )
        return None
    return matches[-1]


def _undouble(value: str) -> str:
    return value.replace("''", "'")


def _append(values: list[str], code: str) -> None:
    if code and code not in values:
        values.append(code)


@register_reader(
    NAME, default_path="rncp/blocs-2021", title="RNCP, tables des blocs de compétences 2021"
)
def read_rncp_2021(path: Path) -> Referentiel:
    """Read the 2021 tables in folder ``path``."""
    folder = Path(path)
    if not folder.is_dir():
        raise ReferentielError(
            f"Le dossier {folder} est introuvable.",
            hint="Indiquez le dossier des tables RNCP 2021 (rncp_blocs_competences...).",
        )
    blocs_path = _table_path(folder, "rncp_blocs_competences", required=True)
    assert blocs_path is not None
    blocs = read_csv(
        blocs_path,
        encoding=ENCODING,
        delimiter=";",
        required=("CodeRNCP", "numero_bloc", "intitule"),
        clean_text=_undouble,
    )
    sources = [blocs.source]

    info: dict[str, dict[str, str]] = {}
    predecessors: dict[str, list[str]] = defaultdict(list)
    successors: dict[str, list[str]] = defaultdict(list)
    info_path = _table_path(folder, "rncp_info", required=False)
    if info_path is not None:
        table = read_csv(
            info_path,
            encoding=ENCODING,
            delimiter=";",
            required=("CodeRNCP", "intituleDiplome", "ActiveInactive", "EtatFiche", "NiveauEurope"),
            clean_text=_undouble,
        )
        sources.append(table.source)
        for raw in table.rows:
            row = {key: value.strip() for key, value in raw.items()}
            code = row["CodeRNCP"]
            info.setdefault(code, row)
            _append(predecessors[code], row.get("AncienneFiche", ""))
            _append(successors[code], row.get("NouvelleFiche", ""))

    rome: dict[str, list[str]] = defaultdict(list)
    rome_path = _table_path(folder, "rncp_rome", required=False)
    if rome_path is not None:
        table = read_csv(rome_path, encoding=ENCODING, delimiter=";", required=("CodeRNCP", "Rome"))
        sources.append(table.source)
        for row in table.rows:
            _append(rome[row["CodeRNCP"].strip()], row["Rome"].strip())

    by_fiche: dict[str, list[tuple[str, str]]] = defaultdict(list)
    seen: dict[str, int] = {}
    repeats = 0
    for line, row in blocs:
        fiche, code, title = (row[c].strip() for c in ("CodeRNCP", "numero_bloc", "intitule"))
        if not fiche or not code:
            raise ReferentielError(
                f"Le fichier {where(blocs.path, line)} a une ligne sans CodeRNCP ou sans "
                "numero_bloc.",
                hint="Complétez la ligne ou récupérez le fichier d'origine.",
            )
        seen[code] = seen.get(code, 0) + 1
        if seen[code] > 1:
            repeats += 1
            code = f"{code}-{seen[code]}"
        by_fiche[fiche].append((code, title or code))

    version_match = _VERSION.search(blocs_path.name)
    version = f"v{version_match.group(1)} (janvier 2021)" if version_match else "janvier 2021"
    competences: list[Competence] = []
    certifications: list[Certification] = []
    for fiche, fiche_blocs in by_fiche.items():
        row = info.get(fiche, {})
        intitule = row.get("intituleDiplome", "")
        parent = Parent("certification", fiche, intitule)
        for code, title in fiche_blocs:
            competences.append(
                Competence(
                    id=f"{NAME}:{code}",
                    referentiel=NAME,
                    code=code,
                    libelle=title,
                    kind="bloc",
                    parents=(parent,),
                    version=version,
                )
            )
        certifications.append(
            Certification(
                code=fiche,
                intitule=intitule,
                referentiel=NAME,
                niveau=re.sub(r"\D", "", row.get("NiveauEurope", "")),
                etat=row.get("EtatFiche", ""),
                actif=row.get("ActiveInactive", "").upper() == "ACTIVE",
                rome_codes=tuple(rome.get(fiche, ())),
                blocs=tuple(Bloc(code, title) for code, title in fiche_blocs),
                successors=tuple(successors.get(fiche, ())),
                predecessors=tuple(predecessors.get(fiche, ())),
                depth="bloc_titles",
            )
        )
    return Referentiel(
        name=NAME,
        title="RNCP, blocs de compétences (tables de janvier 2021)",
        version=version,
        sources=tuple(sources),
        competences=tuple(competences),
        certifications=tuple(certifications),
        counts={
            "blocs_codes_repetes": repeats,
            "fiches_sans_info": len(set(by_fiche) - set(info)),
        },
    )
