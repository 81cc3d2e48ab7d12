"""French narratives, owned here: from a person's own words to activity segments with exact
character spans, the experience (job) each belongs to and its context.

* :mod:`~habilitant.narrative.segment` — :func:`segment_narrative`: clauses, activities, what
  is not about work dropped (the decisions are in its docstring);
* :mod:`~habilitant.narrative.context` — tokens, mentions (role, employer, duration, contract)
  and the grouping of clauses into experiences; :func:`prepare_text` (offset-keeping);
* :mod:`~habilitant.narrative.verbs` — the verb an activity shares with an earlier one;
* :mod:`~habilitant.narrative.glossary` — homonyms read as the referentials mean them;
* :mod:`~habilitant.narrative.lexicon` — word lists and patterns;
* :mod:`~habilitant.narrative.model` — the spaCy French pipeline, loaded once.

    from habilitant.narrative import segment_narrative
    segments = segment_narrative("J'ai fait des remplacements en EHPAD : la toilette…")
"""

from habilitant.errors import LanguageModelError
from habilitant.narrative.model import EXCLUDED_COMPONENTS, MODEL_NAME, load_nlp
from habilitant.narrative.segment import segment_narrative, segment_narratives, segments_from_doc

__all__ = [
    "EXCLUDED_COMPONENTS",
    "MODEL_NAME",
    "LanguageModelError",
    "load_nlp",
    "segment_narrative",
    "segment_narratives",
    "segments_from_doc",
]
