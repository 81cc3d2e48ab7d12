"""Tokens and context of the experiences in a French narrative (for :mod:`habilitant.narrative`).

Everything here works on :class:`Tok` (a plain view of a spaCy token) and on the
narrative folded by :func:`habilitant.text.fold` with a map back to the original
characters, so that every mention keeps an exact span. Word lists and patterns live in
:mod:`habilitant.narrative.lexicon`.

A *mention* is a piece of context found in one clause: a role (``caissière``), an
employer or sector (``EHPAD``, ``chez Carrefour`` → ``Carrefour``, ``une boulangerie``),
a duration as written (``6 mois``, ``de 2018 à 2020``, ``tous les étés``), a contract
type (one of :data:`habilitant.domain.ContractType`) or a family-carer phrase
(``je m'occupe de ma mère``). ``rank`` orders mentions of one kind: lower is stronger.

* **Roles** come from a lexicon (ASH, AVS, caissière, agent d'entretien...) after
  "j'étais", "je suis", "comme", "en tant que", "poste de"... or leading a clause, and
  from any noun after "j'étais" / "comme". Contract words about other people ("des
  apprentis") and ages ("j'ai 45 ans", "à 18 ans") are ignored.
* **Experiences.** A clause starts a new experience when the current one already has
  something and the clause (a) names a role or an employer that differs from the
  current one (an employer in a clause that describes an activity only fills an empty
  slot, and after "à" it is taken for a destination: "je les emmenais à l'école"),
  (b) opens a new line with a different duration ("2018-2020 : ..."), or (c) starts
  with a transition ("avant", "puis", "depuis 2019", "j'ai aussi"...) and brings
  context not known yet. Context found anywhere in an experience applies to all its
  segments (first role and employer, best duration, explicit contract before inferred
  one). Experiences are numbered 0, 1, ... over those that have segments.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple, cast

import habilitant.narrative.lexicon as lex
from habilitant.domain import ContractType, ExperienceContext
from habilitant.text import fold

if TYPE_CHECKING:
    from spacy.tokens import Doc


class Tok(NamedTuple):
    """What the segmenter needs of one spaCy token (character offsets in the narrative)."""

    start: int
    end: int
    norm: str  # folded text
    lemma: str  # folded lemma (the norm when the pipeline has no lemmatizer)
    pos: str  # universal POS, guessed from word lists when the pipeline has no tagger
    cap: bool  # written with a capital first letter
    infinitive: bool  # VerbForm=Inf
    conditional: bool  # Mood=Cnd


@dataclass(frozen=True)
class Mention:
    """A piece of context with its span in the narrative."""

    kind: str  # "role" | "employer" | "duration" | "contract" | "aidant"
    start: int
    end: int
    value: str  # the text as written; the ContractType for contracts
    rank: int = 0  # lower is stronger (contracts: 0 explicit, 1 inferred)


class Folded(NamedTuple):
    """The folded narrative and maps between folded and original character indices."""

    text: str
    origin: list[int]  # origin[k]: original index of folded character k
    first: list[int]  # first[j]: folded index of original character j (len = n + 1)

    def span(self, a: int, b: int, original: str) -> tuple[int, int]:
        start, end = self.origin[a], self.origin[b - 1] + 1
        while end < len(original) and unicodedata.combining(original[end]):
            end += 1
        return start, end


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    return fold(ch)


def fold_with_offsets(text: str) -> Folded:
    """``text`` folded character by character, with the maps between both."""
    parts = [_fold_char(ch) for ch in text]
    if all(len(part) == 1 for part in parts):  # the usual case: one folded char per char
        identity = list(range(len(text) + 1))
        return Folded("".join(parts), identity[:-1], identity)
    origin: list[int] = []
    first: list[int] = []
    for j, part in enumerate(parts):
        first.append(len(origin))
        origin.extend([j] * len(part))
    first.append(len(origin))
    return Folded("".join(parts), origin, first)


fold_word = lru_cache(maxsize=1 << 16)(fold)


# spaCy's tokenizer strips prefixes and suffixes one character at a time, copying the rest
# of the word each time: an unbroken run of 19,000 emoji or « ( » costs minutes and holds the
# interpreter. No word of a narrative is this long.
LONGEST_RUN = 64
_LONG_RUN = re.compile(rf"\S{{{LONGEST_RUN + 1},}}")


def _break_run(match: re.Match[str]) -> str:
    """Symbols and punctuation of an over-long run become spaces; letters and digits stay."""
    return "".join(c if c.isalnum() else " " for c in match.group())


def prepare_text(text: str) -> str:
    """Replacements of one character by one character: offsets stay those of ``text``.
    Runs of over :data:`LONGEST_RUN` characters without a space are broken at their symbols,
    so that spaCy's cost stays linear in the text's length whatever the text."""
    return _LONG_RUN.sub(_break_run, text.translate(lex.SAME_LENGTH))


def doc_tokens(doc: Doc) -> list[Tok]:
    """The tokens of ``doc``; word lists guess the POS when the pipeline has no tagger."""
    tagged = doc.has_annotation("POS")
    lemmatized = doc.has_annotation("LEMMA")
    out = []
    for t in doc:
        word = t.text
        norm = fold_word(word)
        if tagged:
            pos = t.pos_
        elif t.is_space:
            pos = "SPACE"
        elif not any(c.isalnum() for c in norm):
            pos = "PUNCT"
        else:
            pos = lex.GUESSED_POS.get(norm, "X")
        morph = str(t.morph) if tagged and pos in ("VERB", "AUX") else ""
        lemma = t.lemma_ if lemmatized else ""
        out.append(
            Tok(
                start=t.idx,
                end=t.idx + len(word),
                norm=norm,
                lemma=fold_word(lemma) if lemma else norm,
                pos=pos,
                cap=word[:1].isupper(),
                infinitive="VerbForm=Inf" in morph,
                # the tagger says Cnd for some imperfects ("je faisais"): check the ending
                conditional="Mood=Cnd" in morph and norm.endswith(lex.CONDITIONAL_ENDINGS),
            )
        )
    return out


def alnum(tok: Tok) -> bool:
    return any(c.isalnum() for c in tok.norm)


def lead_word(toks: list[Tok], a: int, b: int) -> int:
    """The first word of ``toks[a:b]`` that is not a connector or a filler (``b`` if none)."""
    return next((j for j in range(a, b) if alnum(toks[j]) and toks[j].norm not in lex.LEAD_TRIM), b)


def trim(toks: list[Tok], a: int, b: int) -> tuple[int, int]:
    """Strip spaces, punctuation, bullets and fillers at both ends (b is exclusive)."""
    while a < b:
        tok = toks[a]
        if not alnum(tok) or tok.norm in lex.LEAD_TRIM:
            a += 1
        elif (
            tok.norm in ("du", "en", "par")
            and a + 1 < b
            and toks[a + 1].norm in ("coup", "fait", "plus", "contre")
        ):
            a += 2
        elif (
            tok.norm in ("apres", "avant", "depuis")
            and a + 1 < b
            and (toks[a + 1].norm in lex.SUBJECTS or not alnum(toks[a + 1]))
        ):
            a += 1
        else:
            break
    while b > a and (not alnum(toks[b - 1]) or toks[b - 1].norm in lex.TRAIL_TRIM):
        b -= 1
    if b - 1 > a and b < len(toks) and toks[b].norm in (")", ".") and _list_number(toks[b - 1]):
        b -= 1  # "1) accueil des patients 2) prise de rendez-vous"
    return a, b


def _list_number(tok: Tok) -> bool:
    return len(tok.norm) <= 2 and (tok.norm.isdigit() or tok.norm in ("a", "b", "c", "d"))


# --- Mentions -----------------------------------------------------------------------------


def _alpha(tok: Tok) -> bool:
    return tok.norm[:1].isalpha()


def _token_ending_at(toks: list[Tok], j: int, b: int, end: int) -> int:
    """Index of the last token of ``toks[j:b]`` that starts before ``end``."""
    while j + 1 < b and toks[j + 1].start < end:
        j += 1
    return j


def _extend_np(toks: list[Tok], k: int, b: int, *, caps: bool = False) -> int:
    """Extend a noun phrase ending at ``k`` over adjectives and one ``de`` complement."""

    def ok(tok: Tok) -> bool:
        return _alpha(tok) and tok.norm not in lex.NOT_IN_NP

    k = _glue(toks, k, b)
    j, limit = k + 1, k + (4 if caps else 2)
    while (
        j < b
        and j <= limit
        and ok(toks[j])
        and (
            (toks[j].pos == "ADJ" and not toks[j].norm.endswith(lex.NOUNISH))
            or (caps and toks[j].cap and toks[j].pos not in ("PUNCT", "PRON", "VERB", "AUX"))
        )
    ):
        k, j = j, j + 1
    if j + 1 < b and toks[j].norm in lex.OF:
        n = j + 2 if toks[j + 1].norm in lex.DETERMINERS and j + 2 < b else j + 1
        head = toks[n]
        if ok(head) and head.pos in ("NOUN", "PROPN", "X") and (caps or not head.cap):
            k = n
            while k + 1 < b and k < n + 2 and toks[k + 1].pos == "ADJ" and ok(toks[k + 1]):
                k += 1
    return _glue(toks, k, b)


def _glue(toks: list[Tok], k: int, b: int) -> int:
    """Take the tokens written without a space after ``toks[k]``: "McDonald's", "Leroy-Merlin"."""
    while (
        k + 1 < b
        and toks[k + 1].start == toks[k].end
        and (toks[k + 1].norm[:1].isalnum() or toks[k + 1].norm in ("-", "'", "&"))
    ):
        k += 1
    while toks[k].norm in ("-", "'", "&"):
        k -= 1
    return k


def find_roles(
    toks: list[Tok], a: int, b: int, content_start: int, folded: Folded, text: str
) -> list[Mention]:
    """Roles of one clause: after "j'étais", "comme", "en tant que"... or leading the clause."""
    out: list[Mention] = []
    fa = folded.first[toks[a].start]
    j = a
    while j < b:
        tok, last = toks[j], -1
        if _alpha(tok):
            fs = folded.first[tok.start]
            m = lex.ROLES.match(folded.text, fs)
            if m and (
                lex.TRIGGER_END.search(folded.text[max(fa, fs - 80) : fs])
                or (j == content_start and tok.pos != "VERB")
            ):
                last = _token_ending_at(toks, j, b, folded.origin[m.end() - 1] + 1)
                nxt = toks[last + 1].norm if last + 1 < b else ""
                if nxt in lex.ROLE_STOP_AFTER or (j == content_start and nxt in lex.DETERMINERS):
                    last = -1
            elif (
                tok.pos == "NOUN"
                and not tok.cap
                and tok.norm not in lex.NOT_ROLE
                and not lex.SECTORS.match(folded.text, fs)
                and lex.STRONG_TRIGGER_END.search(folded.text[max(fa, fs - 80) : fs])
            ):
                last = j
        if last >= 0:
            last = _extend_np(toks, last, b)
            start, end = toks[j].start, toks[last].end
            out.append(Mention("role", start, end, text[start:end]))
            j = last + 1
        else:
            j += 1
    return out


def find_employers(
    toks: list[Tok], a: int, b: int, content_start: int, folded: Folded, text: str
) -> list[Mention]:
    """Employers or sectors: "chez X", "dans une boulangerie", "en EHPAD", "au Leclerc"."""
    out: list[Mention] = []
    j = a
    while j < b:
        prep = toks[j].norm if toks[j].norm in lex.EMPLOYER_PREPS else ""
        if not prep and j != content_start:
            j += 1
            continue
        k = j + 1 if prep else j
        det = k < b and toks[k].norm in lex.DETERMINERS and prep != "en"
        if det:
            k += 1
        if k >= b or not _alpha(toks[k]):
            j += 1
            continue
        head, last = toks[k], -1
        fs = folded.first[head.start]
        m = lex.SECTORS.match(folded.text, fs)
        if prep == "chez":
            if head.pos != "PRON" and head.norm not in lex.PRONOUNS | lex.FAMILY | lex.TIME_NOUNS:
                last = _extend_np(toks, k, b, caps=True)
        elif m:
            last = _extend_np(
                toks, _token_ending_at(toks, k, b, folded.origin[m.end() - 1] + 1), b, caps=True
            )
        elif prep == "dans" and det and head.norm in lex.FIELDS:
            last = _extend_np(toks, k, b)
        elif (
            prep in ("au", "aux", "pour", "dans")
            or (prep == "a" and det)
            or (prep == "en" and not head.cap)
        ):
            text_k = text[head.start : head.end]
            acronym = len(text_k) >= 2 and text_k.isupper() and text_k.isalpha()
            if (acronym and head.norm not in lex.NOT_EMPLOYER_ACRONYMS) or (
                head.cap and prep != "en" and head.pos in ("PROPN", "NOUN", "X")
            ):
                last = _extend_np(toks, k, b, caps=True)
        if last >= 0:
            first = k - 1 if det else k
            start, end = toks[first].start, toks[last].end
            rank = 0 if prep == "chez" else 2 if prep in ("a", "au", "aux") else 1
            out.append(Mention("employer", start, end, text[start:end], rank))
            j = last + 1
        else:
            j += 1
    return out


def find_spans(folded: Folded, text: str) -> list[Mention]:
    """Durations, contracts and family-carer phrases anywhere in the narrative."""
    out: list[Mention] = []
    ftext = folded.text
    for pattern, rank in lex.DURATIONS:
        for m in pattern.finditer(ftext):
            before = ftext[max(0, m.start() - 20) : m.start()]
            if lex.NOT_DURATION_BEFORE.search(before) or lex.NOT_DURATION_AFTER.match(
                ftext, m.end()
            ):
                continue
            start, end = folded.span(m.start(), m.end(), text)
            out.append(Mention("duration", start, end, text[start:end], rank))
    for pattern, kind, rank in lex.CONTRACTS:
        for m in pattern.finditer(ftext):
            if lex.STATUS_PERSON.match(m.group()) and lex.OTHERS_BEFORE.search(
                ftext, max(0, m.start() - 12), m.start()
            ):
                continue  # "j'encadrais des apprentis" is not an apprenticeship
            start, end = folded.span(m.start(), m.end(), text)
            out.append(Mention("contract", start, end, kind, rank))
    for m in lex.AIDANT.finditer(ftext):
        if lex.GERUND_BEFORE.search(ftext[max(0, m.start() - 4) : m.start()]):
            continue
        start, end = folded.span(m.start(), m.end(), text)
        out.append(Mention("aidant", start, end, text[start:end]))
        out.append(Mention("contract", start, end, "aidant_familial", 0))
    return out


def assign(mentions: list[Mention], unit_starts: list[int]) -> list[list[Mention]]:
    """Group mentions by the clause (given by its first character) where they start."""
    out: list[list[Mention]] = [[] for _ in unit_starts]
    for mention in mentions:
        index = bisect.bisect_right(unit_starts, mention.start) - 1
        if index >= 0:
            out[index].append(mention)
    return out


def split_jobs(
    toks: list[Tok], units: list[tuple[int, int, bool]], folded: Folded, text: str
) -> list[tuple[int, int, bool]]:
    """Cut a clause before a comma piece that names a role and an employer when an earlier
    piece of the clause names a role and another employer ("ASH en EHPAD, AVS en école").

    Each job then gets its own experience (:meth:`Experience.starts_new`). Clauses are
    (first token, end token, starts a line).
    """
    out: list[tuple[int, int, bool]] = []
    for a, b, line_start in units:
        starts = [a] + [i + 1 for i in range(a, b) if toks[i].norm == ","]
        pieces = list(zip(starts, [*starts[1:], b], strict=True)) if len(starts) > 1 else []
        first, previous = a, ""
        for pa, pb in pieces:
            employer = _job(toks, pa, pb, folded, text)
            if previous and employer and not same_value(previous, employer):
                out.append((first, pa, line_start and first == a))
                first = pa
            previous = employer or previous
        out.append((first, b, line_start and first == a))
    return out


def _job(toks: list[Tok], a: int, b: int, folded: Folded, text: str) -> str:
    """The employer of ``toks[a:b]`` if it also names a role ("" if not)."""
    lead = lead_word(toks, a, b)
    roles = find_roles(toks, a, b, lead, folded, text) if lead < b else []
    employers = find_employers(toks, a, b, lead, folded, text) if roles else []
    apart = (e for e in employers if all(e.end <= r.start or r.end <= e.start for r in roles))
    return next((e.value for e in apart), "")


def same_value(a: str, b: str) -> bool:
    """Loose equality of two roles or employers ("caissière" ~ "caissier", "un EHPAD" ~ "EHPAD")."""
    x, y = (
        re.sub(r"[^a-z0-9]", "", re.sub(r"^(?:(?:le|la|les|un|une|des|l')\s*)", "", fold(v)))
        for v in (a, b)
    )
    if x == y or x.startswith(y) or y.startswith(x):
        return True
    common = 0
    while common < min(len(x), len(y)) and x[common] == y[common]:
        common += 1
    return common >= 5 and common >= 0.7 * min(len(x), len(y))


# --- Experiences --------------------------------------------------------------------------


class Experience:
    """Builder of one experience while the clauses are read: its mentions and segment spans."""

    def __init__(self) -> None:
        self.mentions: list[Mention] = []
        self.spans: list[tuple[int, int]] = []
        self.verbs: dict[tuple[int, int], str] = {}  # see habilitant.narrative.verbs

    def best(self, kind: str) -> Mention | None:
        found = [m for m in self.mentions if m.kind == kind]
        return min(found, key=lambda m: (m.rank, m.start)) if found else None

    def context(self) -> ExperienceContext:
        role, employer, duration, contract = (
            m.value if (m := self.best(k)) else ""
            for k in ("role", "employer", "duration", "contract")
        )
        return ExperienceContext(role, employer, duration, cast(ContractType, contract))

    def starts_new(
        self, mentions: list[Mention], *, cue: bool, line_start: bool, lead_end: int
    ) -> bool:
        """Whether a clause with these mentions opens another experience (module docstring)."""
        if not self.mentions and not self.spans:
            return False
        for m in mentions:
            current = self.best(m.kind)
            if current is None:
                continue
            other_job = m.kind in ("role", "employer") and m.rank == 0
            if other_job and not same_value(m.value, current.value):
                return True  # another role or employer
            new_line = m.kind == "duration" and line_start and m.start < lead_end
            if new_line and fold(m.value) != fold(current.value):
                return True  # a new line that starts with another period
        if not cue:
            return False
        for m in mentions:
            current = self.best(m.kind)
            if m.kind == "aidant":
                continue
            if current is None:
                return True
            if m.kind == "contract":
                if m.rank == 0 and m.value != current.value:
                    return True
            elif not same_value(m.value, current.value):
                return True
        return False
