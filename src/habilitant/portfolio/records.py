"""What a portfolio holds: a pseudonymous person, dated entries, the statements each entry
found and the counsellor's decision on each; and the checks on what users type.

Plain frozen dataclasses (no SQLite, no pydantic): the store reads and writes them, the
service and the renderings consume them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from habilitant.domain import Parent, Statement
from habilitant.errors import PortfolioError
from habilitant.text import collapse_spaces, fold

Validation = Literal["pending", "validated", "rejected"]
Source = Literal["analyse", "cible"]  # found by ``analyse``, or credited to a target at add

# Kinds of entry (ASCII keys, French labels for people).
ENTRY_KINDS: dict[str, str] = {
    "entretien": "Entretien",
    "contrat": "Contrat de travail",
    "formation": "Formation",
    "immersion": "Immersion professionnelle",
    "benevolat": "Bénévolat",
    "stage": "Stage",
    "alternance": "Alternance",
    "service_civique": "Service civique",
    "autre": "Autre",
}
VALIDATION_LABELS: dict[str, str] = {
    "pending": "à examiner",
    "validated": "validée",
    "rejected": "rejetée",
}
MAX_PERSON_ID = 40
MAX_CONTEXT = 300

_PERSON_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# A French phone number (06 12 34 56 78 written without spaces) or a long number (NIR...).
_LONG_NUMBER = re.compile(r"(?<!\d)0[1-9]([._-]?\d\d){4}(?!\d)|\d{9,}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_SPLIT_NUMBER = re.compile(r"\d(?:[._-]?\d){8,}")
# The rules of check_person_id as one pattern each, for the API's schema (a test checks that
# they agree with the function on many ids).
_ID_PATTERN = (
    r"(?!.*(?:\d{9}|(?<!\d)0[1-9](?:[._-]?\d\d){4}(?!\d)))"
    rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{MAX_PERSON_ID - 1}}}\s*$"
)
PERSON_ID_PATTERN = r"^\s*" + _ID_PATTERN  # spaces around the id are trimmed
NEW_PERSON_ID_PATTERN = r"^\s*(?=.*\d)(?!.*\d(?:[._-]?\d){8})" + _ID_PATTERN


@dataclass(frozen=True)
class Person:
    """A pseudonymous person: the id is chosen by the structure, never a name or an e-mail."""

    id: str
    created_at: str  # ISO timestamp (UTC)


@dataclass(frozen=True)
class StoredEvidence:
    """Where a statement's evidence sits in the narrative. ``text`` is kept only with consent."""

    start: int
    end: int
    text: str | None = None


@dataclass(frozen=True)
class StoredStatement:
    """One statement of an entry, as stored, with the counsellor's decision on it."""

    id: int
    entry_id: int
    competence_id: str
    code: str
    referentiel: str
    libelle: str
    kind: str
    decision: Literal["attested", "to_confirm"]
    score: float
    source: Source
    validation: Validation = "pending"
    validated_at: str | None = None
    parents: tuple[Parent, ...] = ()
    evidence: tuple[StoredEvidence, ...] = ()


@dataclass(frozen=True)
class Entry:
    """One dated experience of a person (an interview, a contract, a training...)."""

    id: int
    person_id: str
    date: dt.date
    kind: str
    context: str
    consent: bool
    narrative: str | None  # only when consent was recorded
    certification: str  # the target whose statements were credited at add ("" if none)
    created_at: str
    statements: tuple[StoredStatement, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A statement to store, and where it comes from (``analyse`` or a target's coverage)."""

    statement: Statement
    source: Source = "analyse"


@dataclass(frozen=True)
class EntryDraft:
    """An entry before it is stored (the store gives ids and drops texts without consent)."""

    person_id: str
    date: dt.date
    kind: str
    findings: tuple[Finding, ...]
    consent: bool = False
    narrative: str | None = None
    context: str = ""
    certification: str = ""


@dataclass(frozen=True)
class Portfolio:
    """A person and their entries, oldest first (by date, then by order of recording)."""

    person: Person
    entries: tuple[Entry, ...]

    def statements(self) -> tuple[StoredStatement, ...]:
        return tuple(s for e in self.entries for s in e.statements)


def merge_findings(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """One finding per competence: the best decision (with its source), the best score, every
    distinct evidence span. Order of first appearance is kept."""
    merged: dict[str, Finding] = {}
    for finding in findings:
        key = finding.statement.competence_id
        known = merged.get(key)
        if known is None:
            merged[key] = finding
            continue
        a, b = known.statement, finding.statement
        best = max(a, b, key=lambda s: (s.decision == "attested", s.score))
        spans = {(e.start, e.end): e for e in b.evidence + a.evidence}
        evidence = tuple(spans[k] for k in sorted(spans))
        source = known.source if best is a else finding.source
        merged[key] = Finding(replace(best, score=max(a.score, b.score), evidence=evidence), source)
    return tuple(merged.values())


def check_person_id(value: str, *, new: bool = False) -> str:
    """A short pseudonymous id: letters, digits, ``-``, ``_``, ``.``; no e-mail, no phone.

    A ``new`` id (a person's first entry) must also carry a number, so that it cannot be a
    name (``jean.dupont``), and no chain of 9 digits or more even split by separators (a NIR
    written ``1.85.05.78.006...``, a phone ``06.12.34.56.78``). Ids already stored are read,
    validated and erased with the checks they were created under."""
    person_id = (value or "").strip()
    hint = (
        "Utilisez un identifiant pseudonyme attribué par la structure (ex. P-2024-0173), "
        f"de 1 à {MAX_PERSON_ID} caractères : lettres sans accent, chiffres, « - », « _ », « . »."
    )
    if not person_id:
        raise PortfolioError("Identifiant de personne manquant.", hint=hint)
    if "@" in person_id:
        raise PortfolioError(
            "L'identifiant ressemble à une adresse e-mail : c'est une donnée personnelle.",
            hint=hint,
        )
    if any(ch.isspace() for ch in person_id):
        raise PortfolioError(
            "L'identifiant contient des espaces (un nom et un prénom ?) : il doit être pseudonyme.",
            hint=hint,
        )
    if _LONG_NUMBER.search(person_id):
        raise PortfolioError(
            "L'identifiant contient un long numéro (téléphone, numéro de sécurité sociale ?) : "
            "c'est une donnée personnelle.",
            hint=hint,
        )
    if len(person_id) > MAX_PERSON_ID or not _PERSON_ID.match(person_id):
        raise PortfolioError(f"Identifiant de personne invalide : « {person_id} ».", hint=hint)
    if new and _SPLIT_NUMBER.search(person_id):
        raise PortfolioError(
            "L'identifiant contient un long numéro découpé par des séparateurs (numéro de "
            "sécurité sociale, téléphone ?) : c'est une donnée personnelle.",
            hint=hint,
        )
    if new and not any(ch.isdigit() for ch in person_id):
        raise PortfolioError(
            "L'identifiant ne contient aucun chiffre : il pourrait être un nom "
            "(ex. jean.dupont), qui est une donnée personnelle.",
            hint=hint,
        )
    return person_id


def check_kind(value: str | None) -> str:
    """``bénévolat`` / ``Benevolat`` -> ``benevolat``; unknown kinds are refused."""
    key = fold(collapse_spaces(value or "entretien")).replace(" ", "_").replace("-", "_")
    if key not in ENTRY_KINDS:
        raise PortfolioError(
            f"Nature d'entrée inconnue : « {value} ».",
            hint="Natures possibles : " + ", ".join(ENTRY_KINDS) + ".",
        )
    return key


def check_date(value: str | dt.date | None, *, today: dt.date | None = None) -> dt.date:
    """An ISO date written ``AAAA-MM-JJ`` (``2024-03-18``, the API schema's ``date``
    format), today by default; not in the future."""
    today = today or dt.date.today()
    if value is None:
        return today
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            if not _ISO_DATE.match(value):
                raise ValueError(value)
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise PortfolioError(
                f"Date invalide : « {value} ».",
                hint="Écrivez la date au format AAAA-MM-JJ, par exemple 2024-03-18.",
            ) from exc
    if day > today:
        raise PortfolioError(
            f"La date {day.isoformat()} est dans le futur.",
            hint="Indiquez la date de l'entretien ou de l'expérience, déjà passée.",
        )
    return day


def check_context(value: str | None) -> str:
    """A short free text (« CDD de 6 mois, restauration collective »), spaces collapsed."""
    context = collapse_spaces(value or "")
    if len(context) > MAX_CONTEXT:
        raise PortfolioError(
            f"Le contexte fait {len(context)} caractères, au-delà de {MAX_CONTEXT}.",
            hint="Résumez l'expérience en une phrase ; le récit lui-même va dans --file.",
        )
    return context
