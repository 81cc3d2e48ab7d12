"""French text normalisation shared by ids and lexical matching."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})

# Short function words that carry no meaning for matching.
STOPWORDS = frozenset(
    """
    a au aux avec ce ces cet cette d de des du elle en et etc il ils j je l la le les leur leurs
    lui m ma mais me mes moi mon n ne nos notre nous on ou par pas pour qu que qui s sa se ses
    son sur t ta te tes toi ton tu un une vos votre vous y est sont ete etre ai as avait avons
    avez ont fait faire
    """.split()
)


def collapse_spaces(text: str) -> str:
    """Collapse runs of whitespace into one space and strip."""
    return _SPACES.sub(" ", text).strip()


def normalize_apostrophes(text: str) -> str:
    return text.translate(_APOSTROPHES)


def fold(text: str) -> str:
    """Lower-case, strip accents, unify apostrophes: ``Réfection`` -> ``refection``."""
    text = normalize_apostrophes(text).lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace("œ", "oe")


def tokens(text: str) -> list[str]:
    """Folded word tokens without stop words (used by the lexical matcher)."""
    return [t for t in _NON_WORD.split(fold(text)) if t and t not in STOPWORDS]


def slug(text: str) -> str:
    """A stable ASCII key for a wording (ids of items that have no code)."""
    return "-".join(_NON_WORD.split(fold(text))).strip("-")
