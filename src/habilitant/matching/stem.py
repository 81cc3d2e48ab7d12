"""A light French stemmer for folded tokens (lower case, no accents).

In the spirit of Savoy's light stemmers: remove the plural, then at most one
inflectional or derivational ending, so that the forms a narrative and a referential
use for the same idea meet on one stem::

    residents, residente          -> resident
    preparer, preparation,
    preparateur, preparatrice     -> prepar
    vendeur, vendeuse             -> vend
    conducteur, conductrice,
    conduction                    -> conduct
    boulanger, boulangere,
    boulangerie                   -> boulang
    chevaux                       -> cheval

Deterministic, dictionary-free and idempotent on its own output for the common
cases; tokens of three characters or fewer and tokens with digits are kept as they
are. It expects the output of :func:`habilitant.text.tokens` (accents already folded).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

MIN_STEM = 3

# Endings removed after the plural, longest first; the first that matches and leaves at
# least MIN_STEM characters wins. (ending, replacement)
_ENDINGS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        (
            ("issement", ""),  # etablissement -> etabl (etablir -> etabl)
            ("atrice", ""),  # formatrice -> form
            ("ateur", ""),  # formateur -> form
            ("ation", ""),  # formation -> form
            ("ement", ""),  # enseignement -> enseign
            ("trice", "t"),  # conductrice -> conduct
            ("ienne", "ien"),  # technicienne -> technicien
            ("euse", ""),  # vendeuse -> vend
            ("iere", ""),  # cuisiniere -> cuisin
            ("erie", ""),  # boulangerie -> boulang
            ("ante", ""),  # enseignante -> enseign
            ("ance", ""),  # surveillance -> surveill
            ("eur", ""),  # vendeur -> vend
            ("ier", ""),  # cuisinier -> cuisin
            ("ere", ""),  # boulangere -> boulang
            ("ant", ""),  # enseignant -> enseign
            ("ion", ""),  # direction -> direct
            ("ive", "if"),  # educative -> educatif
            ("ir", ""),  # etablir -> etabl
            ("er", ""),  # preparer -> prepar
            ("ee", ""),  # preparee -> prepar
            ("e", ""),  # residente -> resident
        ),
        key=lambda pair: -len(pair[0]),
    )
)


def _strip_plural(token: str) -> str:
    if token.endswith("aux") and len(token) > 4:
        return token[:-3] + "al"  # chevaux -> cheval, commerciaux -> commercial
    if token.endswith(("s", "x")) and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """The light stem of one folded token."""
    if len(token) <= MIN_STEM or not token.isalpha():
        return token
    token = _strip_plural(token)
    for ending, replacement in _ENDINGS:
        if token.endswith(ending) and len(token) - len(ending) >= MIN_STEM:
            return token[: len(token) - len(ending)] + replacement
    return token


def stem_all(tokens: Iterable[str]) -> list[str]:
    """Stem every token, keeping order and repetitions."""
    return [stem(token) for token in tokens]
