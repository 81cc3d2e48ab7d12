"""Reading batch tables row by row, and why a row is refused (fast tier: no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from habilitant.batch.rows import _check_row, _RowError
from habilitant.batch.table_io import NOT_CSV, NOT_JSON, Row, read_rows


def _rows(path: Path) -> list[Row]:
    chunks = read_rows(path, text_column="recit", id_column="ref", chunk_rows=2)
    return [row for chunk in chunks for row in chunk]


def test_batch_rows_csv_open_quote_costs_one_row_and_keeps_the_next(tmp_path: Path) -> None:
    source = tmp_path / "recits.csv"
    source.write_text(
        "\ufeffref,recit\n"
        '1,"la plonge, le service\n'  # never closed
        '2,"la caisse"\n'
        '3,"sur deux\nlignes"\n'
        "\n"
        "4,trop,de cellules\n"
        "5,la mise en rayon\n"
        '6,"fermé" puis du texte\n',
        encoding="utf-8",
    )
    rows = _rows(source)
    assert [(r.position, r.id) for r in rows] == [
        (0, "ligne 2"),
        (1, "2"),
        (2, "3"),
        (3, "ligne 7"),
        (4, "5"),
        (5, "ligne 9"),
    ]
    assert [r.text for r in rows if r.text != NOT_CSV] == [
        "la caisse",
        "sur deux\nlignes",
        "la mise en rayon",
    ]


def test_batch_rows_csv_refuses_a_file_without_the_columns(tmp_path: Path) -> None:
    from habilitant.errors import InputError

    source = tmp_path / "recits.csv"
    source.write_text("id,texte\n1,la plonge\n", encoding="utf-8")
    with pytest.raises(InputError, match="recit"):
        _rows(source)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (NOT_CSV, "ligne_invalide"),
        (NOT_JSON, "ligne_invalide"),
        (None, "texte_vide"),
        ("   ", "texte_vide"),
        ("caf\udce9", "texte_non_decodable"),
    ],
)
def test_batch_rows_say_why_a_row_is_refused(text: str | None, code: str) -> None:
    with pytest.raises(_RowError) as refused:
        _check_row(Row(0, "r1", text), max_chars=1000)
    assert refused.value.code == code and refused.value.reason


def test_batch_rows_keep_a_good_text_as_it_is() -> None:
    assert (
        _check_row(Row(0, "r1", "J'ai fait la plonge."), max_chars=1000) == "J'ai fait la plonge."
    )
