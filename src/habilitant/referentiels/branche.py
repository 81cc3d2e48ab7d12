"""A branch's own référentiel d'activités et de compétences (OPCO, observatoire, employer).

Two equivalent forms, specified for their authors in ``referentiels/FORMAT-branche.md``:

* ``referentiel.yaml`` / ``.json``: ``name``, ``title``, ``version`` and
  ``emplois_types: [{code, libelle, famille, activites: [{code, libelle,
  competences: [{code, libelle}]}], competences: [...]}]`` (competences may also sit
  directly under an emploi-type);
* a flat CSV (UTF-8, ``;`` or ``,``), one row per compétence: ``emploi_type_code,
  emploi_type_libelle, activite_code, activite_libelle, competence_code,
  competence_libelle[, famille]``.

Ids are ``<name>:<code>``: codes are unique across activités and compétences. The same
code may be listed under several emplois-types (or activités) with the same wording: it
is one item with several parents. An activité is a :class:`Competence` of kind
``activite`` (parent: its emplois-types); a compétence has the parents ``activite`` and
``emploi_type`` of each place it is listed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from habilitant.domain import EmploiType, Parent, Referentiel, SourceFile
from habilitant.errors import ReferentielError
from habilitant.referentiels.common import (
    ItemCollector,
    collapse_spaces,
    decode,
    read_bytes,
    read_csv,
    source_file,
    where,
)
from habilitant.referentiels.registry import register_reader

CSV_COLUMNS = (
    "emploi_type_code",
    "emploi_type_libelle",
    "activite_code",
    "activite_libelle",
    "competence_code",
    "competence_libelle",
)
FILE_NAMES = ("referentiel.yaml", "referentiel.yml", "referentiel.json", "referentiel.csv")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_HINT = "Voir referentiels/FORMAT-branche.md pour le format attendu."


def _locate(path: Path) -> Path:
    if path.is_dir():
        for name in FILE_NAMES:
            if (path / name).is_file():
                return path / name
        raise ReferentielError(
            f"Aucun fichier {', '.join(FILE_NAMES)} dans le dossier {path}.",
            hint=_HINT,
        )
    if path.suffix.lower() not in (".yaml", ".yml", ".json", ".csv"):
        raise ReferentielError(
            f"Le fichier {path} n'est ni un YAML, ni un JSON, ni un CSV.",
            hint=_HINT,
        )
    return path


def _check_name(name: str, path: Path) -> str:
    if not _NAME.match(name):
        raise ReferentielError(
            f"Le nom de référentiel « {name} » ({path}) n'est pas utilisable dans un identifiant.",
            hint="Utilisez des minuscules, chiffres et tirets (ex. « opco-mobilites »).",
        )
    return name


def _field(node: dict[str, Any], key: str, path: Path, at: str, required: bool = True) -> str:
    value = node.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ReferentielError(
            f"Le fichier {path}, élément {at} : le champ « {key} » doit être un texte.",
            hint=_HINT,
        )
    text = collapse_spaces(str(value))
    if required and not text:
        raise ReferentielError(
            f"Le fichier {path}, élément {at} : le champ « {key} » est manquant ou vide.",
            hint=_HINT,
        )
    return text


def _list(node: dict[str, Any], key: str, path: Path, at: str) -> list[dict[str, Any]]:
    value = node.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ReferentielError(
            f"Le fichier {path}, élément {at} : « {key} » doit être une liste d'objets "
            "(code, libelle...).",
            hint=_HINT,
        )
    return value


@dataclass
class _Emploi:
    libelle: str
    famille: str
    activites: list[str] = field(default_factory=list)
    competences: list[str] = field(default_factory=list)


class _Builder:
    """Emplois-types, activités and compétences of one branch referential."""

    def __init__(self, name: str, version: str, path: Path) -> None:
        self.name, self.path = name, path
        self.items = ItemCollector(name, version)
        self.emplois: dict[str, _Emploi] = {}

    def emploi(self, code: str, libelle: str, famille: str, at: str) -> None:
        found = self.emplois.get(code)
        if found is None:
            self.emplois[code] = _Emploi(libelle, famille)
        elif found.libelle != libelle:
            raise ReferentielError(
                f"Le fichier {self.path}, {at} : l'emploi-type {code} a deux libellés, "
                f"« {found.libelle} » et « {libelle} ».",
                hint="Un code d'emploi-type doit être unique et garder le même libellé.",
            )

    def activite(self, emploi_code: str, code: str, libelle: str, origin: str) -> Parent:
        emploi = self.emplois[emploi_code]
        parent = Parent("emploi_type", emploi_code, emploi.libelle)
        item_id = self.items.add(code, libelle, "activite", (parent,), origin=origin)
        if item_id not in emploi.activites:
            emploi.activites.append(item_id)
        return Parent("activite", code, libelle)

    def competence(
        self, emploi_code: str, activite: Parent | None, code: str, libelle: str, origin: str
    ) -> None:
        emploi = self.emplois[emploi_code]
        parents = [Parent("emploi_type", emploi_code, emploi.libelle)]
        if activite is not None:
            parents.insert(0, activite)
        item_id = self.items.add(code, libelle, "competence", parents, origin=origin)
        if item_id not in emploi.competences:
            emploi.competences.append(item_id)

    def build(self, title: str, version: str, sources: tuple[SourceFile, ...]) -> Referentiel:
        if not self.emplois:
            raise ReferentielError(
                f"Le fichier {self.path} ne décrit aucun emploi-type.", hint=_HINT
            )
        return Referentiel(
            name=self.name,
            title=title or self.name,
            version=version,
            sources=sources,
            competences=self.items.competences(),
            emplois_types=tuple(
                EmploiType(
                    code=code,
                    libelle=e.libelle,
                    referentiel=self.name,
                    famille=e.famille,
                    activite_ids=tuple(e.activites),
                    competence_ids=tuple(e.competences),
                )
                for code, e in self.emplois.items()
            ),
        )


def _load_document(path: Path) -> dict[str, Any]:
    text = decode(path, read_bytes(path), "utf-8-sig")
    try:
        if path.suffix.lower() == ".json":
            document = json.loads(text)
        else:
            import yaml

            document = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ReferentielError(
            f"Le fichier {where(path, exc.lineno)} n'est pas un JSON valide ({exc.msg}).",
            hint=_HINT,
        ) from exc
    except Exception as exc:  # yaml.YAMLError, imported lazily
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ReferentielError(
            f"Le fichier {where(path, line)} n'est pas un YAML valide "
            f"({getattr(exc, 'problem', None) or exc}).",
            hint=_HINT,
        ) from exc
    if not isinstance(document, dict):
        raise ReferentielError(
            f"Le fichier {path} doit contenir un objet (name, title, version, emplois_types).",
            hint=_HINT,
        )
    return document


def _read_document(path: Path, name: str | None) -> Referentiel:
    document = _load_document(path)
    name = _check_name(name or _field(document, "name", path, "racine", False) or path.stem, path)
    version = _field(document, "version", path, "racine", False)
    builder = _Builder(name, version, path)
    for i, node in enumerate(_list(document, "emplois_types", path, "racine")):
        at = f"emplois_types[{i}]"
        code = _field(node, "code", path, at)
        if code in builder.emplois:
            raise ReferentielError(
                f"Le fichier {path}, élément {at} : l'emploi-type {code} est déjà décrit.",
                hint="Chaque emploi-type n'apparaît qu'une fois dans le fichier YAML/JSON.",
            )
        builder.emploi(
            code, _field(node, "libelle", path, at), _field(node, "famille", path, at, False), at
        )
        for j, act in enumerate(_list(node, "activites", path, at)):
            at_act = f"{at}.activites[{j}]"
            parent = builder.activite(
                code,
                _field(act, "code", path, at_act),
                _field(act, "libelle", path, at_act),
                f"{path.name}, {at_act}",
            )
            for k, comp in enumerate(_list(act, "competences", path, at_act)):
                at_comp = f"{at_act}.competences[{k}]"
                builder.competence(
                    code,
                    parent,
                    _field(comp, "code", path, at_comp),
                    _field(comp, "libelle", path, at_comp),
                    f"{path.name}, {at_comp}",
                )
        for k, comp in enumerate(_list(node, "competences", path, at)):
            at_comp = f"{at}.competences[{k}]"
            builder.competence(
                code,
                None,
                _field(comp, "code", path, at_comp),
                _field(comp, "libelle", path, at_comp),
                f"{path.name}, {at_comp}",
            )
    return builder.build(
        _field(document, "title", path, "racine", False), version, (source_file(path),)
    )


def _read_csv(path: Path, name: str | None) -> Referentiel:
    table = read_csv(path, delimiter=None, required=CSV_COLUMNS, clean=collapse_spaces)
    name = _check_name(name or path.stem, path)
    builder = _Builder(name, "", path)
    for line, row in table:
        at = f"ligne {line}"
        origin = where(path.name, line)
        for column in ("emploi_type_code", "emploi_type_libelle"):
            if not row[column]:
                raise ReferentielError(
                    f"Le fichier {where(path, line)} : la colonne {column} est vide.",
                    hint=_HINT,
                )
        emploi = row["emploi_type_code"]
        builder.emploi(emploi, row["emploi_type_libelle"], row.get("famille", ""), at)
        parent = None
        if row["activite_code"] or row["activite_libelle"]:
            if not (row["activite_code"] and row["activite_libelle"]):
                raise ReferentielError(
                    f"Le fichier {where(path, line)} : une activité doit avoir un code et un "
                    "libellé.",
                    hint=_HINT,
                )
            parent = builder.activite(emploi, row["activite_code"], row["activite_libelle"], origin)
        if row["competence_code"] or row["competence_libelle"]:
            if not (row["competence_code"] and row["competence_libelle"]):
                raise ReferentielError(
                    f"Le fichier {where(path, line)} : une compétence doit avoir un code et un "
                    "libellé.",
                    hint=_HINT,
                )
            builder.competence(
                emploi, parent, row["competence_code"], row["competence_libelle"], origin
            )
    return builder.build(name, "", (table.source,))


def read_branche(path: Path, name: str | None = None) -> Referentiel:
    """Read a branch referential (YAML, JSON or CSV file, or a folder holding one).

    ``name`` (used in ids) defaults to the file's ``name`` field, else the file stem.
    """
    file = _locate(Path(path))
    if file.suffix.lower() == ".csv":
        return _read_csv(file, name)
    return _read_document(file, name)


def register_branche(name: str, default_path: str, title: str = "") -> None:
    """Make a branch file loadable by name: ``load_referentiel(name, root)``."""

    def read(path: Path) -> Referentiel:
        return read_branche(path, name)

    register_reader(name, default_path=default_path, title=title or name)(read)
