"""Job titles said in a narrative, matched to the referentials' own names of jobs.

A narrative often names the job (« j'étais aide-soignante », « ASH en maison de
retraite », « magasinier cariste chez… »); :mod:`habilitant.narrative.context` keeps it
as the experience's role. The referentials list the official names of each job: ROME
fiche titles and appellations (« Aide-soignant / Aide-soignante », « Agent / Agente de
service hospitalier (ASH) »), ESCO occupation labels, emploi-type titles (certification
and bloc titles name diplomas and tasks, not jobs). A role that is one of these names, or
contains one as whole words (« aide-soignante de nuit »), points at the named group; the
fusion makes that group certain for the experience, so the competences of the job the
person named come first. A name shared by several groups of one kind (« chef d'équipe »)
makes each of them less certain.

Names are compared folded (case, accents, apostrophes), with hyphens as spaces, the
« (H/F) » marks dropped, each gendered form of « Masculin / Féminin suite » on its own,
and an acronym in parentheses (« (ASH) ») as a name too. The longest name found in a role
wins, the earliest on equal lengths.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from habilitant.index_entries import IndexEntry
from habilitant.matching.structure import Structure
from habilitant.text import STOPWORDS, collapse_spaces, fold

# Entry kinds whose text is the name of a job: ROME fiche titles and appellations, ESCO
# occupation labels, emploi-type titles. A certification is not a job (« Santé (fiche
# nationale) », « DU… »), nor is a bloc (« Réaliser », « Recrutement »).
JOB_NAME_KINDS = frozenset({"fiche", "appellation", "emploi_type"})

_GENDER_MARK = re.compile(r"\(\s*[hf]\s*/\s*[hf]\s*\)|\b[hf]\s*/\s*[hf]\b")
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
_NON_WORD = re.compile(r"[^0-9a-z']+")
_INCLUSIVE = re.compile(r"(\w)-e\b")
_ROME_SPLIT = re.compile(r"\s+/\s+")
_ESCO_SPLIT = re.compile(r"(?<=\w)/(?=\w)")


def normalise(text: str) -> str:
    """Folded words separated by one space: « Aide-Soignante (H/F) » -> ``aide soignante``."""
    folded = fold(_GENDER_MARK.sub(" ", text.lower()))
    return collapse_spaces(_NON_WORD.sub(" ", folded.replace("'", "' ")))


def name_variants(libelle: str) -> set[str]:
    """The normalised forms a person may use for one referential name.

    « Conducteur / Conductrice d'engins agricoles » gives ``conducteur d' engins agricoles``
    and ``conductrice d' engins agricoles`` (never ``conducteur`` alone); « Agent / Agente
    de service hospitalier (ASH) » gives both gendered forms and ``ash``; « Chargé-e de la
    logistique » gives ``charge de la logistique`` and ``chargee de la logistique``.
    """
    acronyms = [m.strip() for m in _PARENTHESES.findall(libelle) if _ACRONYM.match(m.strip())]
    bare = _PARENTHESES.sub(" ", libelle)
    # ROME writes « Masculin / Féminin suite », ESCO « masculin suite/féminin suite »; a
    # slash inside a form (« plastique/caoutchouc ») is not a gender split.
    splitter = _ROME_SPLIT if _ROME_SPLIT.search(bare) else _ESCO_SPLIT
    parts = [p.strip() for p in splitter.split(bare) if p.strip()]
    if len(parts) > 2:
        parts = [bare.strip()]
    forms = set(parts)
    if len(parts) == 2:
        first, second = parts
        words_first, words_second = first.split(), second.split()
        # « Masculin / Féminin suite »: the masculine head takes the shared suite.
        if len(words_second) > len(words_first):
            forms = {second, " ".join(words_first + words_second[len(words_first) :])}
    # Inclusive writing (RéFérens « Chargé-e de… »): both forms.
    forms = {
        f for form in forms for f in (_INCLUSIVE.sub(r"\1", form), _INCLUSIVE.sub(r"\1e", form))
    }
    out = {normalise(form) for form in forms} | {normalise(a) for a in acronyms}
    return {form for form in out if form}


def _is_name(variant: str) -> bool:
    """False for what cannot stand for a job in a sentence: a function word (« SI » folds to
    the French « si »), one or two letters, a form starting with a lone letter (« e … »)."""
    words = variant.split()
    return len(variant) > 2 and variant not in STOPWORDS and len(words[0]) > 1


@dataclass
class RoleNames:
    """Normalised job names -> the groups they name."""

    groups_of: dict[str, np.ndarray]
    longest: int  # words in the longest name
    group_set: np.ndarray  # per group, its (referentiel, kind) set: ambiguity is counted within

    @classmethod
    def build(cls, structure: Structure, entries: Sequence[IndexEntry]) -> RoleNames:
        named: dict[str, set[int]] = {}
        rows, columns = structure.title_links
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            if entries[column].kind not in JOB_NAME_KINDS:
                continue  # definitions, certification and bloc titles do not name a job
            for variant in name_variants(entries[column].libelle):
                if _is_name(variant):
                    named.setdefault(variant, set()).add(row)
        groups_of = {k: np.fromiter(sorted(v), dtype=np.int64) for k, v in named.items()}
        longest = max((len(k.split()) for k in groups_of), default=0)
        sets: dict[tuple[str, str], int] = {}
        group_set = np.array(
            [sets.setdefault((g.referentiel, g.kind), len(sets)) for g in structure.groups],
            dtype=np.int64,
        )
        return cls(groups_of, longest, group_set)

    def named_groups(self, role: str, *, leading: bool = False) -> np.ndarray:
        """Groups named by the longest referential name found in ``role`` as whole words,
        the earliest in the role on equal lengths (a French job title starts with its
        head: « secrétaire d'avocat » is a secrétaire). With ``leading``, only a name that
        opens ``role`` counts (« Serveuse l'été dans un restaurant »)."""
        words = normalise(role).split()
        for size in range(min(self.longest, len(words)), 0, -1):
            for start in range(1 if leading else len(words) - size + 1):
                key = " ".join(words[start : start + size])
                if key in self.groups_of:
                    return self.groups_of[key]
        return np.zeros(0, dtype=np.int64)

    def scores(self, roles: Iterable[str], leads: Iterable[str] = ()) -> np.ndarray | None:
        """Per group, how surely ``roles`` (and the job names opening ``leads``) name it:
        1 / the number of groups of its kind the same text names (« chef d'équipe » names
        several fiches, each less surely); None when nothing names a group."""
        found = [self.named_groups(role) for role in roles]
        found += [self.named_groups(lead, leading=True) for lead in leads]
        out: np.ndarray | None = None
        for groups in found:
            if groups.size == 0:
                continue
            if out is None:
                out = np.zeros(self.group_set.size, dtype=np.float32)
            sets, counts = np.unique(self.group_set[groups], return_counts=True)
            share = dict(zip(sets.tolist(), (1.0 / counts).tolist(), strict=True))
            values = np.array([share[s] for s in self.group_set[groups].tolist()], np.float32)
            out[groups] = np.maximum(out[groups], values)
        return out
