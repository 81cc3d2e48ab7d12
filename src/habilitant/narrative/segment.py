"""French narrative -> experience segments with exact character spans.

A person tells their work the way they speak: no punctuation, dashes or bullets, "j'ai
fait", "je m'occupais de", "on devait", abbreviations (EHPAD, ASH, CACES), typos, several
jobs in one text. :func:`segment_narrative` cuts such a text into :class:`Segment`\\ s of
ONE activity each, attaches the context of the experience (job) each belongs to, and drops
what is not about work.

Decisions
---------
* **Pipeline.** ``fr_core_news_md`` without ``parser`` and ``ner``, with the small
  ``senter`` enabled: tagger (POS, morphology), lemmas and sentence starts are what the
  rules use. On a 300-word narrative the parser costs about 10 ms more (twice the rest
  of the pipeline) and its trees on unpunctuated oral French are unreliable; NER (about
  13 ms more) is trained on news and misses lowercased shop names. Employers are found
  by rules instead ("chez X", "dans une boulangerie", "en EHPAD", a sector lexicon and
  capitalised names after "au" / "pour").
* **Offsets.** spaCy runs on a copy of the text where a few characters are replaced by
  one character each (curly apostrophes, no-break spaces, ``\\r``), so token offsets
  are offsets in the original text; ``Segment.text == text[start:end]`` always, with
  surrounding spaces, punctuation, bullets and fillers ("et", "euh", "voilà") stripped.
* **Clauses.** Hard cuts at sentence starts, line breaks, ``. ! ? ; :`` and before a
  new clause that an oral text does not punctuate: a subject clitic followed by a verb
  ("... des lits on devait ...", "... en bus avant j'étais ..."), taking leading
  connectors ("et", "puis", "avant") with it, never after "que", "qui", "quand"...; and
  at a comma before a piece that names a role and an employer when an earlier piece
  names another job ("ASH en EHPAD, AVS en école": two jobs).
* **Activities.** Inside a clause, cuts at commas, slashes, parentheses, tabs, spaced
  dashes and emojis; at "et" / "ou" / "puis" / "ainsi que" / "mais aussi" when what
  follows starts a new phrase (a determiner, a verb, or a bare noun inside a list);
  before a determiner that follows a noun with no comma ("le ménage des chambres la
  toilette des résidents"), unless it is a time phrase ("la nuit"); before an infinitive
  that follows a noun; between the nouns of a run of three or more bare nouns, each with
  its adjectives ("toilettes repas ménage linge"; the run is a list). "la préparation et
  distribution des repas" stays one segment (a bare noun after "et" is a coordinated
  noun), and so do "préparer et servir les repas" and "la préparation et la distribution
  des repas" (an action noun or infinitive with no complement, followed by a phrase that
  has one, shares it). The first activity keeps its verb ("j'ai fait la plonge"), the
  next ones are the bare phrases ("le service en salle"): each is exact evidence, and
  is read with the verb before it when that verb says the task ("je nettoyais les classes
  et les sanitaires": "les sanitaires" is read "nettoyais les sanitaires"; see
  :mod:`habilitant.narrative.verbs`).
* **Not work.** A piece needs a content word (noun, verb, proper noun) that is not a
  function word, a light verb (être, faire, aller, travailler...), a time noun, a
  contract status, a heading ("Missions :"), a place after "à" / "en" ("à Lyon"), or
  about pay, transport, housing, weather, greetings, feelings or job search. Negated
  pieces ("je ne faisais pas la caisse"), wishes or plans (conditional mood, vouloir,
  souhaiter) and "je m'appelle ..." give no segment and no context.
* **Role as evidence.** A piece whose only content is context gives a segment for the
  role it names (text = the role phrase: "caissière" in "Avant j'étais caissière en
  intérim"), or for a family-carer phrase ("je m'occupe de ma mère malade"); a piece
  that names only an employer, a duration or a contract gives none.
* **Context and experiences:** see :mod:`habilitant.narrative.context`.

Known limits: a job whose context comes only after a transition-less clause about a
previous job stays in that job; two juxtaposed bare nouns ("encaissement mise en
rayon") stay one segment, while a run of three or more is cut even where a noun is the
object of the one before ("préparation commandes chargement camions"); roles outside
the lexicon are found only after "j'étais", "comme", "en tant que"...
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import habilitant.narrative.lexicon as lex
from habilitant.domain import Segment
from habilitant.narrative.context import (
    Experience,
    Folded,
    Mention,
    Tok,
    alnum,
    assign,
    doc_tokens,
    find_employers,
    find_roles,
    find_spans,
    fold_with_offsets,
    lead_word,
    prepare_text,
    split_jobs,
    trim,
)
from habilitant.narrative.model import load_nlp
from habilitant.narrative.verbs import piece_verb

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc


def segment_narrative(text: str, nlp: Language | None = None) -> list[Segment]:
    """Cut a narrative into activity segments with their experience and context.

    ``nlp`` defaults to :func:`load_nlp`; any French pipeline works (``spacy.blank("fr")``
    too, with word lists standing in for the tagger).
    """
    if not text.strip():
        return []
    nlp = nlp if nlp is not None else load_nlp()
    return segments_from_doc(nlp(prepare_text(text)), text)


def segment_narratives(
    texts: Iterable[str], nlp: Language | None = None, *, batch_size: int = 64
) -> list[list[Segment]]:
    """:func:`segment_narrative` over many texts, through ``nlp.pipe``."""
    texts = list(texts)
    nlp = nlp if nlp is not None else load_nlp()
    docs = nlp.pipe((prepare_text(t) for t in texts), batch_size=batch_size)
    return [segments_from_doc(doc, text) for doc, text in zip(docs, texts, strict=True)]


def _is_content(tok: Tok) -> bool:
    if (
        tok.pos not in lex.CONTENT_POS
        or not tok.norm[:1].isalpha()
        or len(tok.norm) < 2
        or tok.norm in lex.NOT_CONTENT
        or tok.lemma in lex.NOT_CONTENT
    ):
        return False
    if tok.pos in ("VERB", "X"):  # the rule lemmatizer misses "je cherche", "je bossais"
        for ending in lex.VERB_ENDINGS:
            if tok.norm.endswith(ending) and tok.norm[: -len(ending)] + "er" in lex.NOT_CONTENT:
                return False
    return True


# --- Clauses ------------------------------------------------------------------------------


def _clause_start(toks: list[Tok], i: int, a: int) -> int:
    """Where a new clause starts if ``toks[i]`` opens one (-1 when it does not)."""
    tok = toks[i]
    if tok.norm in lex.TRANSITIONS and i > a and i + 1 < len(toks):
        nxt = toks[i + 1]
        if nxt.norm in lex.CONTEXT_OPENERS or (nxt.pos == "NUM" and nxt.norm[:2] in ("19", "20")):
            return i
    if tok.norm not in lex.SUBJECTS:
        return -1
    if tok.norm not in ("jai", "jetais", "jsuis", "chuis", "j'", "j"):
        k = i + 1
        while k < len(toks) and toks[k].norm in lex.CLITICS:
            k += 1
        if k >= len(toks) or toks[k].pos not in ("VERB", "AUX"):
            return -1
    c = i
    while c - 1 > a and (toks[c - 1].norm in lex.CONNECTORS or toks[c - 1].pos == "SPACE"):
        c -= 1
    if not any(alnum(t) and t.norm not in lex.CONNECTORS for t in toks[a:c]):
        return -1
    prev = c - 1
    while prev > a and toks[prev].pos == "SPACE":
        prev -= 1
    if c == i and (
        toks[prev].norm in lex.NO_CLAUSE_AFTER
        or toks[prev].pos in ("ADP", "PRON", "SCONJ", "DET", "AUX")
    ):
        return -1
    return c


def _units(toks: list[Tok], sent_starts: list[bool]) -> list[tuple[int, int, bool]]:
    """Clauses as (first token, end token, starts a line)."""
    units: list[tuple[int, int, bool]] = []
    a, line_start = 0, True
    for i in range(1, len(toks)):
        prev = toks[i - 1]
        newline = prev.pos == "SPACE" and "\n" in prev.norm
        hard = (
            newline
            or sent_starts[i]
            or (prev.pos in ("PUNCT", "SYM", "X") and set(prev.norm) <= lex.HARD_PUNCT)
        )
        cut = i if hard else _clause_start(toks, i, a)
        if cut > a:
            units.append((a, cut, line_start))
            a, line_start = cut, newline
        elif newline:
            line_start = True
    units.append((a, len(toks), line_start))
    return units


# --- Activities inside a clause -----------------------------------------------------------


def _soft_separator(toks: list[Tok], i: int) -> bool:
    tok = toks[i]
    if tok.pos == "SPACE":
        return "\t" in tok.norm
    if alnum(tok) or "'" in tok.norm:
        return False
    if tok.norm in ("-", "–", "—"):
        spaced_before = i == 0 or toks[i - 1].end < tok.start or toks[i - 1].pos == "SPACE"
        spaced_after = i + 1 >= len(toks) or toks[i + 1].start > tok.end
        return spaced_before and spaced_after
    return bool(set(tok.norm) & lex.SOFT_PUNCT) or not (
        set(tok.norm) <= lex.HARD_PUNCT | {'"', "«", "»"}
    )


def _ends_with_complement(toks: list[Tok], a: int, i: int) -> bool:
    """Whether ``toks[a:i]`` ends with a "de" complement ("le nettoyage des bureaux")."""
    j = i - 1
    while j > a and toks[j].pos in ("ADJ", "SPACE"):
        j -= 1
    if toks[j].pos not in ("NOUN", "PROPN", "X"):
        return False
    j -= 1
    while j > a and toks[j].pos == "DET":
        j -= 1
    return j > a and toks[j].norm in lex.OF and toks[j - 1].pos in ("NOUN", "PROPN", "X")


def _split_activities(toks: list[Tok], a: int, b: int) -> list[tuple[int, int, str]]:
    """Pieces of a clause as (first token, end token, how the piece was cut from the previous)."""
    pieces: list[tuple[int, int, str]] = []
    start, kind, listing = a, "start", False
    runs = _noun_runs(toks, a, b)
    i = a
    while i < b:
        tok = toks[i]
        cut, skip = "", 0
        if _soft_separator(toks, i):
            cut, skip = "comma", 1
            listing = listing or tok.norm == ","
        elif tok.norm in lex.COORD and i > start:
            k = i + 1
            while k < b and (toks[k].norm in lex.SKIP_AFTER_COORD or toks[k].pos == "SPACE"):
                k += 1
            nxt = toks[k] if k < b else None
            partitive = nxt is not None and (
                nxt.norm in ("du", "des")
                or (nxt.norm in ("de", "d'") and k + 1 < b and toks[k + 1].norm in ("la", "l'"))
            )
            if nxt is not None and (
                (partitive and not _ends_with_complement(toks, start, i))
                or (nxt.pos in ("DET", "VERB") and nxt.norm not in ("de", "d'"))
                or (nxt.norm in lex.JUXTAPOSED and k + 1 < b and alnum(toks[k + 1]))
                or nxt.norm in lex.SUBJECTS
                or (listing and nxt.pos in ("NOUN", "X"))
            ):
                cut, skip = "coord", k - i
        elif tok.pos == "DET" and tok.norm in lex.JUXTAPOSED and i > start:
            prev = toks[i - 1]
            head = i + 1
            while head < b and toks[head].pos == "ADJ":
                head += 1
            if (
                prev.pos in ("NOUN", "PROPN", "ADJ")
                and prev.end < tok.start
                and (i < 2 or toks[i - 2].norm not in lex.SUBJECTS | lex.COORD)  # "et décharge le"
                and not _verbal_locution(toks, i - 1, start)  # "mis en place les tests"
                and head < b
                and toks[head].norm not in lex.TIME_NOUNS
            ):
                cut = "juxt"
        elif tok.infinitive and i > start and toks[i - 1].pos in ("NOUN", "PROPN"):
            cut = "juxt"
        elif i in runs and i > start:
            cut, listing = "noun", True
        if cut:
            if i > start:
                pieces.append((start, i, kind))
            start, kind = i + skip, cut
            i += max(skip, 1)
        else:
            i += 1
    if start < b:
        pieces.append((start, b, kind))
    return pieces


def _verbal_locution(toks: list[Tok], noun: int, start: int) -> bool:
    """Whether ``toks[noun]`` ends a verb + "en"/"à" + noun locution whose object follows
    ("mis en place les tests", "mettre à jour les fiches", "pris en charge les résidents")."""
    return (
        noun - 2 >= start
        and toks[noun - 1].norm in ("en", "à", "a")
        and toks[noun - 2].pos in ("VERB", "AUX")
    )


def _noun_runs(toks: list[Tok], a: int, b: int) -> set[int]:
    """The nouns after the first of a run of three or more ("toilettes repas ménage linge").

    Adjectives stay with their noun ("repas chauds"); a run after a preposition (a chain
    of complements) or with a capital after its first noun (a title) is not cut.
    """
    cuts: set[int] = set()
    items: list[int] = []
    after_prep = False
    for i in range(a, b + 1):
        tok = toks[i] if i < b else None
        noun = tok is not None and _bare_noun(tok)
        if items and tok is not None and (tok.pos == "ADJ" or noun) and not tok.cap:
            if noun:
                items.append(i)
            continue
        if len(items) >= 3 and not after_prep:
            cuts.update(items[1:])
        items = [i] if noun else []
        after_prep = i > a and toks[i - 1].pos == "ADP"
    return cuts


def _bare_noun(tok: Tok) -> bool:
    """A content noun that can name an activity alone (the tagger says ADJ for "ménage")."""
    noun = tok.pos == "NOUN" or (tok.pos == "ADJ" and tok.norm.endswith(lex.NOUNISH))
    return noun and tok.norm[-1:].isalpha() and _is_content(tok._replace(pos="NOUN"))


def _vetoed(toks: list[Tok], a: int, b: int) -> bool:
    """Negated pieces and wishes or plans are not experience (tastes: :func:`_taste`)."""
    norms = [t.norm for t in toks[a:b]]
    for j, norm in enumerate(norms):
        nxt = norms[j + 1] if j + 1 < len(norms) else ""
        if norm in ("pas", "jamais") and nxt not in lex.NEGATION_EXCEPT_NEXT:
            return True
        if norm in ("rien", "aucun", "aucune") and ("ne" in norms or "n'" in norms):
            return True
    if any(n == "m'" and nxt.startswith("appel") for n, nxt in zip(norms, norms[1:], strict=False)):
        return True  # "je m'appelle Fatima"
    return any(t.conditional or t.lemma in lex.WISH for t in toks[a:b])


def _taste(toks: list[Tok], a: int, b: int) -> bool:
    """« j'adore la cuisine », « je suis passionnée de couture »: the person's taste, not a
    task. Only in the first person: « une expérience en grande distribution est appréciée »
    (an offer's wording) is no taste of the speaker's."""
    return any(
        toks[j].pos == "VERB"
        and toks[j].lemma in lex.TASTE
        and any(t.norm in lex.FIRST_PERSON for t in toks[a:j])
        for j in range(a, b)
    )


def _content(toks: list[Tok], a: int, b: int, context: set[int]) -> list[int]:
    """Content words of ``toks[a:b]`` (a place name, "à Lyon", "en Bourgogne", is not one)."""
    return [
        j
        for j in range(a, b)
        if j not in context
        and (_is_content(toks[j]) or _cared_for(toks, j, a, b))
        and not (toks[j].pos == "PROPN" and j > a and toks[j - 1].norm in lex.PLACE_PREPS)
        and not (toks[j].lemma in lex.HEADINGS and _ends_piece(toks, j, b))
    ]


def _cared_for(toks: list[Tok], j: int, a: int, b: int) -> bool:
    """« des enfants » looked after at work (see ``lex.CARED_FOR``)."""
    return (
        toks[j].norm in lex.CARED_FOR
        and j > a
        and toks[j - 1].norm in lex.CARE_ARTICLES
        and not any(t.lemma == "avoir" for t in toks[a:b])
    )


def _ends_piece(toks: list[Tok], j: int, b: int) -> bool:
    """Nothing but numbers and punctuation after ``toks[j]``: "Missions :", "Expérience 2"."""
    return all(not toks[k].norm[:1].isalpha() for k in range(j + 1, b))


def _merge_shared(
    toks: list[Tok], pieces: list[tuple[int, int, str]], context: set[int]
) -> list[tuple[int, int, str]]:
    """Join "la préparation et la distribution des repas": a bare action noun shares."""
    out: list[tuple[int, int, str]] = []
    for piece in pieces:
        if out and piece[2] == "coord":
            a, b, kind = out[-1]
            left = _content(toks, a, b, context)
            right = _content(toks, piece[0], piece[1], context)
            head = toks[left[0]] if len(left) == 1 else None
            if (
                head is not None
                and (head.pos == "VERB" or head.norm.endswith(lex.ACTION_SUFFIXES))
                and left[0] == max(j for j in range(a, b) if alnum(toks[j]))
                and (len(right) >= 2 or any(toks[j].norm in lex.OF for j in range(*piece[:2])))
            ):
                out[-1] = (a, piece[1], kind)
                continue
        out.append(piece)
    return out


def segments_from_doc(doc: Doc, text: str) -> list[Segment]:
    """The segments of ``text`` from its parsed copy ``doc`` (see :func:`segment_narrative`)."""
    toks = doc_tokens(doc)
    if not toks:
        return []
    sent_starts = [bool(t.is_sent_start) and t.i > 0 for t in doc]
    folded = fold_with_offsets(doc.text)
    units = split_jobs(toks, _units(toks, sent_starts), folded, text)
    by_unit = assign(find_spans(folded, text), [toks[a].start for a, _, _ in units])
    experiences = [Experience()]
    for (a, b, line_start), spans in zip(units, by_unit, strict=True):
        _read_clause(toks, a, b, line_start, spans, folded, text, experiences)
    kept = [exp for exp in experiences if exp.spans]
    segments = [
        Segment(text[start:end], start, end, index, exp.context(), exp.verbs.get((start, end), ""))
        for index, exp in enumerate(kept)
        for start, end in exp.spans
    ]
    return sorted(segments, key=lambda s: (s.start, s.end))


def _read_clause(
    toks: list[Tok],
    a: int,
    b: int,
    line_start: bool,
    spans: list[Mention],
    folded: Folded,
    text: str,
    experiences: list[Experience],
) -> None:
    lead = lead_word(toks, a, b)
    if lead >= b:
        return
    mentions = spans + find_roles(toks, a, b, lead, folded, text)
    mentions += find_employers(toks, a, b, lead, folded, text)
    context = {
        j
        for j in range(a, b)
        for m in mentions
        if m.value != "saisonnier" and m.start < toks[j].end and toks[j].start < m.end
    }
    pieces = _merge_shared(toks, _split_activities(toks, a, b), context)
    found: list[tuple[int, int]] = []
    vetoed: list[tuple[int, int]] = []
    shared: dict[tuple[int, int], str] = {}  # verbless piece -> verb it shares
    bare, verb, taste = True, "", False
    for pa, pb, cut in pieces:
        pa, pb = trim(toks, pa, pb)
        if pa >= pb:
            continue
        start, end = toks[pa].start, toks[pb - 1].end
        own = piece_verb(toks, pa, pb, text, _is_content)
        verb = verb if own is None else own
        # A verbless piece after a taste is a taste too (« j'adore la cuisine et les
        # voyages »); after a negation it may be the contrary (« pas la caisse, les rayons »).
        taste = _taste(toks, pa, pb) or (own is None and taste)
        if taste or _vetoed(toks, pa, pb):
            vetoed.append((start, end))
            verb = ""
        elif _content(toks, pa, pb, context) or (cut == "noun" and pa not in context):
            found.append((start, end))
            if own is None and verb and toks[pa].norm in lex.SHARES_A_VERB:
                shared[(start, end)] = verb
            bare = False
        else:
            for kind in ("role", "aidant"):
                inside = [m for m in mentions if m.kind == kind and start <= m.start < end]
                if inside:
                    found.extend((m.start, m.end) for m in inside)
                    break
    mentions = [m for m in mentions if not any(s <= m.start < e for s, e in vetoed)]
    first = next(j for j in range(a, b) if alnum(toks[j]))
    clause = folded.text[folded.first[toks[first].start] : folded.first[toks[b - 1].end]]
    work = bool(lex.WORK_INTRO.search(clause)) or any(m.kind == "role" for m in mentions)
    # An employer in a clause about an activity is weak (rank 1: fills an empty slot) or,
    # after "à" ("je les emmenais à l'école"), a destination rather than an employer.
    mentions = [
        Mention(m.kind, m.start, m.end, m.value, 0)
        if m.kind == "employer" and (bare or work)
        else m
        for m in mentions
        if m.kind != "employer" or m.rank < 2 or bare or work
    ]
    cue = bool(lex.EXPERIENCE_CUE.search(clause) or lex.ALSO_CUE.search(clause))
    if experiences[-1].starts_new(
        mentions, cue=cue, line_start=line_start, lead_end=toks[lead].end
    ):
        experiences.append(Experience())
    exp = experiences[-1]
    exp.mentions.extend(mentions)
    exp.spans.extend(span for span in found if span not in exp.spans)
    exp.verbs.update(shared)
