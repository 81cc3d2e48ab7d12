"""The verb a verbless activity shares with an activity before it in the same clause.

« je nettoyais les classes et les sanitaires » gives two activities, « je nettoyais les
classes » and « les sanitaires »: the second is done with the first one's verb. Its segment
keeps its own words as evidence and is *read* (encoded, compared) as « nettoyais les
sanitaires ».

* Only an activity that opens with a determiner shares (« les sanitaires », « du
  repassage »): a bare list (« infirmiers, psychologue ») is rarely the verb's object.
* A light verb (faire, s'occuper, travailler…) or a support verb (assurer, effectuer,
  réaliser) is not shared: « je faisais la plonge et le service » reads « le service »
  alone, which says it better. Neither is the verb of a negated piece.
"""

from __future__ import annotations

from collections.abc import Callable

import habilitant.narrative.lexicon as lex
from habilitant.narrative.context import Tok


def piece_verb(
    toks: list[Tok], a: int, b: int, text: str, is_content: Callable[[Tok], bool]
) -> str | None:
    """What ``toks[a:b]`` can share: the words of the verb it opens with, an infinitive or a
    verb after a subject pronoun, clitic or « avoir » (« nettoyer », « je nettoyais »,
    « j'ai nettoyé »), as written in ``text``. "" when it has a verb that cannot be shared:
    a light verb, one inside the piece, a participle that describes (« composé de… »,
    « situé à… », « chargé de… »). None when it has no verb at all."""
    verbs = [j for j in range(a, b) if toks[j].pos == "VERB"]
    if not verbs:
        return None
    lead = next(
        (
            j
            for j in range(a, b)
            if toks[j].norm not in lex.SUBJECTS
            and toks[j].norm not in lex.CLITICS
            and toks[j].pos not in ("AUX", "PRON")
        ),
        b,
    )
    conjugated = lead > a and (
        toks[lead - 1].norm in lex.SUBJECTS
        or toks[lead - 1].norm in lex.CLITICS
        or (toks[lead - 1].pos == "AUX" and toks[lead - 1].lemma != "etre")
    )
    if (
        lead != verbs[0]
        or not (toks[lead].infinitive or conjugated)
        or not is_content(toks[lead])
        or toks[lead].lemma in lex.SUPPORT_VERBS
    ):
        return ""  # « composé de 5 personnes »: a participle describing, not a task
    return text[toks[lead].start : toks[lead].end]


def read_with_verb(verb: str, text: str) -> str:
    """How a segment is read: « nettoyais » + « les sanitaires »."""
    return f"{verb} {text}" if verb else text
