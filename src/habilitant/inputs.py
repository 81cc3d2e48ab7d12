"""Checks on user text: empty, too long, binary, badly encoded.

Each problem raises :class:`~habilitant.errors.InputError` with a French message saying
what is wrong and what to do.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from habilitant.errors import InputError, InputTooLargeError

DEFAULT_MAX_CHARS = 20_000


def decode_bytes(data: bytes, *, source: str = "le texte") -> str:
    """Decode UTF-8 (with or without BOM); refuse binary or other encodings clearly."""
    if b"\x00" in data[:4096]:
        raise InputError(
            f"{source} ressemble à un fichier binaire, pas à du texte.",
            hint="Fournissez un fichier texte (.txt) encodé en UTF-8.",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{source} n'est pas encodé en UTF-8 (octet invalide ligne {line}).",
            hint="Réenregistrez le fichier en UTF-8 (par exemple depuis un éditeur de texte).",
        ) from exc


def read_text_file(path: Path) -> str:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"Le fichier {path} n'existe pas.") from exc
    except OSError as exc:
        raise InputError(f"Le fichier {path} est illisible ({exc.strerror}).") from exc
    return decode_bytes(data, source=f"Le fichier {path}")


def validate_text(text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Return ``text`` unchanged if usable, else raise InputError. The text is kept as sent,
    so that evidence offsets index it; the analysis reads its NFC form
    (:func:`nfc_with_offsets`), control characters as spaces. Binary files are refused when
    their bytes are decoded (:func:`decode_bytes`)."""
    if not isinstance(text, str):
        raise InputError("Le texte doit être une chaîne de caractères.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: bytes that were not UTF-8, or a broken escape
        raise InputError(
            "Le texte contient des caractères invalides (octets qui ne sont pas de l'UTF-8).",
            hint="Réenregistrez le texte en UTF-8, ou recopiez-le depuis un document lisible.",
        ) from None
    if not text.strip():
        raise InputError(
            "Le texte est vide.",
            hint="Collez ou saisissez le récit d'expérience de la personne.",
        )
    if len(text) > max_chars:
        raise InputTooLargeError(
            f"Le texte fait {_thousands(len(text))} caractères, au-delà de la limite de "
            f"{_thousands(max_chars)}.",
            hint="Découpez le récit en plusieurs entretiens ou augmentez "
            "HABILITANT_MAX_TEXT_CHARS.",
        )
    if not _WORD_CHARACTER.search(text):
        # Only spaces of other kinds (insécables, zero-width), NULs, digits or symbols.
        raise InputError(
            "Le texte ne contient aucun mot en lettres latines.",
            hint="Collez ou saisissez le récit d'expérience de la personne, en français.",
        )
    return text


# A Latin letter, accented or not: a narrative has at least one. Explicit ranges, so that the
# API's schema documents the very same rule whatever the regex engine reading it (\w differs
# between Python and ECMAScript).
WORD_CHARACTER = "[A-Za-zÀ-ÖØ-öø-ɏ]"
_WORD_CHARACTER = re.compile(WORD_CHARACTER)


def nfc_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """``text`` in NFC and, when that changed it, the position in ``text`` of each character
    of the result (one more for the end): a span ``[a, b)`` of the result is
    ``[origin[a], origin[b])`` of ``text``. ``None`` when ``text`` is already NFC."""
    if unicodedata.is_normalized("NFC", text):
        return text, None
    # NFC composes a starter with the marks that follow it: chunks from one starter to the
    # next normalise independently (whitespace runs when a script composes two starters).
    chunks = _chunks(text, lambda ch: unicodedata.combining(ch) == 0)
    normalized = [unicodedata.normalize("NFC", text[a:b]) for a, b in chunks]
    if "".join(normalized) != unicodedata.normalize("NFC", text):
        chunks = _chunks(text, str.isspace)
        normalized = [unicodedata.normalize("NFC", text[a:b]) for a, b in chunks]
    origin: list[int] = []
    for (a, b), part in zip(chunks, normalized, strict=True):
        if len(part) == b - a:
            origin.extend(range(a, b))
        else:  # a composed character stands for its whole chunk
            origin.extend([a] + [b] * (len(part) - 1))
    origin.append(len(text))
    return "".join(normalized), origin


def _chunks(text: str, starts: Callable[[str], bool]) -> list[tuple[int, int]]:
    bounds = [0] + [i for i in range(1, len(text)) if starts(text[i])] + [len(text)]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


_FRENCH_MARKERS = frozenset(
    "le la les de des du un une et est en je j ai pour dans sur avec au aux pas que qui "
    "mon ma mes on il elle nous vous ce cette fait été était".split()
)
_WORD = re.compile(r"[a-zA-ZÀ-ÿ']+")


def language_warning(text: str) -> str | None:
    """A French warning when the text does not look French (analysis is still attempted)."""
    text = unicodedata.normalize("NFC", text)
    words = [w.lower() for part in _WORD.findall(text) for w in part.split("'") if w]
    if len(words) < 6:
        return None
    share = sum(1 for w in words if w in _FRENCH_MARKERS) / len(words)
    if share >= 0.08:
        return None
    return (
        "Le texte ne semble pas rédigé en français : l'analyse est faite au mieux, "
        "mais les référentiels sont en français et les résultats peuvent être incomplets."
    )


def _thousands(number: int) -> str:
    """``24000`` -> ``24 000`` (French grouping)."""
    return f"{number:,}".replace(",", " ")
