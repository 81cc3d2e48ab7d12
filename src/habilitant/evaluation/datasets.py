"""Readers of the evaluation sets in ``../shared/eval`` (read at run time, never copied).

* JSON Lines of texts with their expected ROME items (``offres-ft-2025-dev.jsonl`` and
  the other sets in the same format): :func:`load_eval_cases`;
* JSON Lines of narratives with their experiences' fiches and concepts
  (``recits-dev.jsonl``, the training narratives of ``scripts/data``):
  :func:`load_narrative_cases`;
* ``rncp-search-cases.json``, real certification searches and the numeros a user
  expected: :func:`load_rncp_search_cases` (plus the validity / habilitation checks of
  the same file).

Problems raise :class:`~habilitant.errors.InputError` naming the file and the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from habilitant.errors import InputError


@dataclass(frozen=True)
class ExpectedItem:
    code: str  # ROME code_ogr
    libelle: str
    kind: str  # "competence", "savoir"...


@dataclass(frozen=True)
class EvalCase:
    """One text with what a human expected from it.

    ``expected_codes`` may be empty (the recruiter selected no item): such a case still
    counts for fiche metrics (``rome_fiche``) but not for item metrics
    (see :attr:`has_expected_items` and ``load_eval_cases(..., with_items_only=True)``).
    """

    id: str
    title: str
    text: str
    rome_fiche: str | None
    expected_codes: tuple[str, ...]
    expected_items: tuple[ExpectedItem, ...] = ()
    source: str = ""  # where the offer was collected (training: held-out by source)

    @property
    def has_expected_items(self) -> bool:
        return bool(self.expected_codes)

    @property
    def offer_text(self) -> str:
        """The offer as published: its title on the first line, then its description. The
        training file's texts already open with the title; the dev file's do not, and an
        evaluation that left it out would hide the job's name from every system."""
        title = self.title.strip()
        if not title or self.text.lstrip().startswith(title):
            return self.text
        return f"{title}\n{self.text}"


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"Le fichier d'évaluation {path} est introuvable.") from exc
    except OSError as exc:
        raise InputError(f"Le fichier d'évaluation {path} est illisible ({exc.strerror}).") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}, ligne {line} : le fichier n'est pas encodé en UTF-8.",
            hint="Réenregistrez-le en UTF-8.",
        ) from exc


def _optional_string(obj: dict[str, Any], key: str, where: str) -> str | None:
    """``obj[key]`` as a string, None when absent, null or blank (an integer is accepted)."""
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(f"{where} : le champ « {key} » doit être une chaîne de caractères.")
    return str(value)


def _required_string(obj: dict[str, Any], key: str, where: str) -> str:
    value = _optional_string(obj, key, where)
    if value is None:
        raise InputError(f"{where} : champ « {key} » manquant ou vide.")
    return value


def _expected_items(raw: Any, where: str) -> tuple[ExpectedItem, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InputError(f"{where} : « expected_items » doit être une liste.")
    items = []
    for position, item in enumerate(raw, start=1):
        item_where = f"{where}, expected_items[{position}]"
        if not isinstance(item, dict):
            raise InputError(f"{item_where} : objet {{code, libelle, kind}} attendu.")
        items.append(
            ExpectedItem(
                code=_required_string(item, "code", item_where),
                libelle=_optional_string(item, "libelle", item_where) or "",
                kind=_optional_string(item, "kind", item_where) or "",
            )
        )
    return tuple(items)


def parse_eval_case(obj: Any, where: str) -> EvalCase:
    """One JSON object of the JSONL format into an :class:`EvalCase`."""
    if not isinstance(obj, dict):
        raise InputError(f"{where} : un objet JSON est attendu.")
    items = _expected_items(obj.get("expected_items"), where)
    codes = tuple(dict.fromkeys(item.code for item in items))  # unique, in given order
    return EvalCase(
        id=_required_string(obj, "id", where),
        title=_optional_string(obj, "title", where) or "",
        text=_required_string(obj, "text", where),
        rome_fiche=_optional_string(obj, "rome_fiche", where),
        expected_codes=codes,
        expected_items=items,
        source=_optional_string(obj, "source", where) or "",
    )


def _json_lines(path: Path) -> Iterator[tuple[str, Any]]:
    """Each non-blank line of a JSON Lines file, parsed, with where it is (« file, ligne N »)."""
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}, ligne {number}"
        try:
            yield where, json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where} : JSON invalide ({exc.msg}, colonne {exc.colno}).") from exc


class _Case(Protocol):
    @property
    def id(self) -> str: ...


CaseT = TypeVar("CaseT", bound=_Case)


def _unique_cases(cases: Iterable[tuple[str, CaseT]]) -> list[CaseT]:
    """The cases in order; an id seen twice is refused, naming both places."""
    out: list[CaseT] = []
    seen: dict[str, str] = {}
    for where, case in cases:
        if case.id in seen:
            file = where.rsplit(", ligne", 1)[0]
            first = seen[case.id].removeprefix(f"{file}, ")  # « ligne N » in the same file
            raise InputError(f"{where} : l'identifiant {case.id!r} figure déjà {first}.")
        seen[case.id] = where
        out.append(case)
    return out


def load_eval_cases(path: str | Path, *, with_items_only: bool = False) -> tuple[EvalCase, ...]:
    """Read a JSONL evaluation set (``id``, ``title``, ``text``, ``rome_fiche``,
    ``expected_items``). Blank lines are ignored; ids must be unique.

    ``with_items_only`` drops the cases without expected items (for item metrics).
    """
    path = Path(path)
    cases = _unique_cases((where, parse_eval_case(obj, where)) for where, obj in _json_lines(path))
    if not cases:
        raise InputError(
            f"Le jeu d'évaluation {path} ne contient aucun cas.",
            hint="Une ligne JSON par cas : id, text, rome_fiche, expected_items "
            "(voir ../shared/eval/README.md).",
        )
    if with_items_only:
        return tuple(case for case in cases if case.has_expected_items)
    return tuple(cases)


# --- narratives (recits-dev.jsonl) ------------------------------------------------------


@dataclass(frozen=True)
class LabelledExperience:
    """One experience (job) of a narrative: the ROME fiches acceptable for it and its
    concepts, each a list of item codes any one of which states the activity told."""

    fiches: tuple[str, ...]
    concepts: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class NarrativeCase:
    """A narrative as a person tells it, with what a counsellor expects from it."""

    id: str
    text: str
    experiences: tuple[LabelledExperience, ...]
    negative: bool = False  # no work content: nothing should be stated

    @property
    def concepts(self) -> tuple[tuple[str, ...], ...]:
        return tuple(c for e in self.experiences for c in e.concepts)

    @property
    def fiches(self) -> frozenset[str]:
        return frozenset(f for e in self.experiences for f in e.fiches)


def _code_list(raw: Any, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{where} : « {key} » doit être une liste non vide de codes.")
    if not all(isinstance(code, str | int) and not isinstance(code, bool) for code in raw):
        raise InputError(f"{where} : « {key} » ne doit contenir que des codes.")
    return tuple(dict.fromkeys(str(code).strip() for code in raw))


def parse_narrative_case(obj: Any, where: str) -> NarrativeCase:
    """One JSON object of the narratives format into a :class:`NarrativeCase`."""
    if not isinstance(obj, dict):
        raise InputError(f"{where} : un objet JSON est attendu.")
    raw = obj.get("experiences")
    if not isinstance(raw, list):
        raise InputError(f"{where} : « experiences » doit être une liste (vide si négatif).")
    experiences = []
    for number, exp in enumerate(raw, start=1):
        exp_where = f"{where}, experiences[{number}]"
        if not isinstance(exp, dict) or not isinstance(exp.get("concepts"), list):
            raise InputError(f"{exp_where} : objet {{fiches, concepts}} attendu.")
        experiences.append(
            LabelledExperience(
                _code_list(exp.get("fiches"), exp_where, "fiches"),
                tuple(
                    _code_list(concept, f"{exp_where}, concepts[{n}]", "concepts")
                    for n, concept in enumerate(exp["concepts"], start=1)
                ),
            )
        )
    negative = bool(obj.get("negative", False))
    if negative and any(e.concepts for e in experiences):
        raise InputError(f"{where} : un récit « negative » ne peut pas avoir de concepts.")
    return NarrativeCase(
        id=_required_string(obj, "id", where),
        text=_required_string(obj, "text", where),
        experiences=tuple(experiences),
        negative=negative,
    )


def is_narratives_file(path: str | Path) -> bool:
    """True when the first case of a JSONL file is in the narratives format
    (``experiences``), False for the offers format (``expected_items`` / ``rome_fiche``)."""
    for line in _read_text(Path(path)).splitlines():
        if line.strip():
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                return False
            return isinstance(obj, dict) and "experiences" in obj
    return False


def load_narrative_cases(*paths: str | Path) -> tuple[NarrativeCase, ...]:
    """Read one or more JSONL narrative sets; ids must be unique across them."""
    cases = _unique_cases(
        (where, parse_narrative_case(obj, where))
        for path in map(Path, paths)
        for where, obj in _json_lines(path)
    )
    if not cases:
        raise InputError(
            f"Aucun récit dans {', '.join(map(str, paths))}.",
            hint="Une ligne JSON par récit : id, text, experiences [{fiches, concepts}], "
            "negative (voir ../shared/eval/README.md).",
        )
    return tuple(cases)


# --- rncp-search-cases.json -------------------------------------------------------------


@dataclass(frozen=True)
class RncpSearchCase:
    """A real search: the query, an optional level filter, the numeros a user expected."""

    query: str
    expect: tuple[str, ...]
    niveau: int | None = None


@dataclass(frozen=True)
class RncpValidityCase:
    numero: str
    actif: bool
    remplacee_par: tuple[str, ...] = ()


@dataclass(frozen=True)
class RncpHabilitationCase:
    numero: str
    siret: str
    habilite: bool
    roles: tuple[str, ...] = ()


def _load_json_sections(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}, ligne {exc.lineno} : JSON invalide ({exc.msg}).") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path} : un objet JSON (search, validity, habilitation) est attendu.")
    return data


def _section(data: dict[str, Any], path: Path, name: str) -> list[dict[str, Any]]:
    section = data.get(name, [])
    if not isinstance(section, list) or not all(isinstance(c, dict) for c in section):
        raise InputError(f"{path} : « {name} » doit être une liste d'objets.")
    return section


def _str_tuple(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InputError(f"{where} : « {key} » doit être une liste de chaînes.")
    return tuple(value)


def load_rncp_search_cases(path: str | Path) -> tuple[RncpSearchCase, ...]:
    """The ``search`` cases of ``rncp-search-cases.json``."""
    path = Path(path)
    cases = []
    for position, raw in enumerate(_section(_load_json_sections(path), path, "search"), 1):
        where = f"{path}, search[{position}]"
        query = _required_string(raw, "query", where)
        expect = _str_tuple(raw.get("expect"), where, "expect")
        if not expect:
            raise InputError(f"{where} : « expect » est vide.")
        niveau = raw.get("niveau")
        if niveau is not None and (isinstance(niveau, bool) or not isinstance(niveau, int)):
            raise InputError(f"{where} : « niveau » doit être un entier.")
        cases.append(RncpSearchCase(query=query, expect=expect, niveau=niveau))
    return tuple(cases)


def load_rncp_validity_cases(path: str | Path) -> tuple[RncpValidityCase, ...]:
    """The ``validity`` cases (is a numero active, what replaced it)."""
    path = Path(path)
    cases = []
    for position, raw in enumerate(_section(_load_json_sections(path), path, "validity"), 1):
        where = f"{path}, validity[{position}]"
        numero = _required_string(raw, "numero", where)
        if not isinstance(raw.get("actif"), bool):
            raise InputError(f"{where} : « actif » doit valoir true ou false.")
        remplacee_par = _str_tuple(raw.get("remplacee_par"), where, "remplacee_par")
        cases.append(RncpValidityCase(numero, raw["actif"], remplacee_par))
    return tuple(cases)


def load_rncp_habilitation_cases(path: str | Path) -> tuple[RncpHabilitationCase, ...]:
    """The ``habilitation`` cases (is an organisation, by SIRET or SIREN, habilitated)."""
    path = Path(path)
    cases = []
    for position, raw in enumerate(_section(_load_json_sections(path), path, "habilitation"), 1):
        where = f"{path}, habilitation[{position}]"
        numero = _required_string(raw, "numero", where)
        siret = _required_string(raw, "siret", where)
        if not isinstance(raw.get("habilite"), bool):
            raise InputError(f"{where} : « habilite » doit valoir true ou false.")
        roles = _str_tuple(raw.get("roles"), where, "roles")
        cases.append(RncpHabilitationCase(numero, siret, raw["habilite"], roles))
    return tuple(cases)


def applicable_search_cases(
    cases: Iterable[RncpSearchCase], known_numeros: Iterable[str]
) -> tuple[RncpSearchCase, ...]:
    """Cases that can be scored against the loaded data.

    A case whose expected numeros are all absent is skipped (not counted as a miss);
    otherwise its ``expect`` keeps only the numeros that are present.
    """
    known = set(known_numeros)
    kept = []
    for case in cases:
        present = tuple(numero for numero in case.expect if numero in known)
        if present:
            kept.append(RncpSearchCase(case.query, present, case.niveau))
    return tuple(kept)
