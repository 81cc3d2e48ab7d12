"""Checks on user text: each bad input gets a clear French message."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from habilitant.errors import InputError, InputTooLargeError
from habilitant.inputs import decode_bytes, nfc_with_offsets, read_text_file, validate_text
from habilitant.narrative.context import prepare_text


def test_inputs_keep_the_text_as_sent_and_map_its_nfc_form_back() -> None:
    decomposed = unicodedata.normalize("NFD", "J'ai fait la réfection des lits à l'hôpital")
    assert validate_text(decomposed) == decomposed  # offsets must index what was sent
    normalized, origin = nfc_with_offsets(decomposed)
    assert normalized == "J'ai fait la réfection des lits à l'hôpital"
    assert origin is not None and len(origin) == len(normalized) + 1
    for word in ("réfection", "lits", "hôpital"):
        start = normalized.index(word)
        original = decomposed[origin[start] : origin[start + len(word)]]
        assert unicodedata.normalize("NFC", original) == word
    assert nfc_with_offsets("déjà NFC") == ("déjà NFC", None)


def test_inputs_map_hangul_jamo_that_compose_across_starters() -> None:
    jamo = "\u1100\u1161 et \u1100\u1161\u11a8"  # composes into two syllables
    normalized, origin = nfc_with_offsets(jamo)
    assert normalized == unicodedata.normalize("NFC", jamo)
    assert origin is not None and origin[-1] == len(jamo)
    assert jamo[origin[normalized.index("et")] :].startswith("et")


def test_inputs_accept_a_single_accented_letter() -> None:
    assert validate_text("à") == "à" and validate_text("ŒUVRE 3") == "ŒUVRE 3"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("\u00a0\u00a0\u2009", "vide"),  # insécables: blank like ASCII spaces
        ("\u200b\u200b\u200b", "aucun mot"),  # zero-width spaces are not whitespace
        ("\x00", "aucun mot"),
        ("12 34 !!", "aucun mot"),
        ("😀😀", "aucun mot"),
        ("Ελληνικά 中文", "lettres latines"),
    ],
)
def test_inputs_refuse_text_without_a_single_letter(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        validate_text(text)
    assert caught.value.http_status == 400 and caught.value.hint


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n"])
def test_inputs_refuse_blank_text(text: str) -> None:
    with pytest.raises(InputError, match="vide"):
        validate_text(text)


def test_inputs_refuse_text_over_the_limit_with_its_size() -> None:
    with pytest.raises(InputTooLargeError) as error:
        validate_text("a" * 101, max_chars=100)
    assert "101" in error.value.message and "100" in error.value.message
    assert error.value.http_status == 400
    with pytest.raises(InputTooLargeError) as error:
        validate_text("a" * 24_000, max_chars=20_000)
    assert error.value.message == (
        "Le texte fait 24 000 caractères, au-delà de la limite de 20 000."
    )


def test_inputs_refuse_binary_bytes_and_read_control_characters_as_spaces() -> None:
    with pytest.raises(InputError, match="binaire"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    # A Word table pasted as text ends its cells with \x07: the words stay readable.
    pasted = "caisse\x07\x01mise en rayon\x07"
    assert validate_text(pasted) == pasted
    assert prepare_text(pasted) == "caisse  mise en rayon "


def test_inputs_name_the_line_of_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "recit.txt"
    path.write_bytes("première ligne\ndeuxième ligne\n".encode("cp1252"))
    with pytest.raises(InputError) as error:
        read_text_file(path)
    assert "UTF-8" in error.value.message and "ligne 1" in error.value.message
    assert str(path) in error.value.message


def test_inputs_accept_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "recit.txt"
    path.write_bytes("\ufeffJ'étais aide-soignante".encode())
    assert read_text_file(path) == "J'étais aide-soignante"


def test_inputs_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="n'existe pas"):
        read_text_file(tmp_path / "absent.txt")
