"""Tables in and out of a batch: CSV, Parquet and JSON Lines (pandas / pyarrow).

Input is read in chunks of rows (``Row``: position in the file, id, text). Text that is not
valid UTF-8 is kept with its bad bytes escaped (``surrogateescape``) so that only the rows
concerned are refused, not the whole file. Output tables are written to a temporary file and
renamed into place: a crash never leaves a half-written output.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from habilitant.errors import InputError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl"}


@dataclass(frozen=True)
class Row:
    position: int  # 0-based row number in the input
    id: str
    text: str | None  # None when the cell is empty / missing


def table_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"Format de fichier non pris en charge : {path.name}.",
            hint="Utilisez un fichier .csv, .parquet ou .jsonl.",
        )
    return fmt


def fingerprint(path: Path) -> str:
    """sha256 of the file's bytes: a resumed run must read exactly the same input."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_columns(path: Path, columns: list[str], wanted: tuple[str, str]) -> None:
    missing = [c for c in wanted if c not in columns]
    if missing:
        raise InputError(
            f"Colonne(s) absente(s) de {path.name} : {', '.join(missing)}.",
            hint="Colonnes disponibles : " + ", ".join(map(str, columns)) + ". "
            "Indiquez-les avec --text-column et --id-column.",
        )


def _cell(value: object) -> str | None:
    """A cell as text: None when missing or empty; integers stay integers (``1``, not ``1.0``)."""
    if value is None or (isinstance(value, float) and value != value):  # NaN
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text else None


def _csv_chunks(path: Path, columns: tuple[str, str], chunk_rows: int) -> Iterator[list[tuple]]:
    """Records of a comma-separated file, parsed strictly: a record that is not CSV (a quote
    left open, a character after a closing quote, too many or too few cells) becomes a bad
    row named by its line, and reading goes on from the line after its first one, so that an
    unterminated quote never swallows the rows that follow."""
    chunk: list[tuple] = []
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
        records = _csv_records(handle)
        header = next((fields for _, fields in records if fields), None)
        if header is None:
            return
        header = [name.lstrip("\ufeff") if i == 0 else name for i, name in enumerate(header)]
        _check_columns(path, header, columns)
        wanted = [header.index(c) for c in columns]
        for line, fields in records:
            if fields is not None and not fields:  # a blank line
                continue
            if fields is None or len(fields) != len(header):
                chunk.append((f"ligne {line}", NOT_CSV))
            else:
                chunk.append(tuple(fields[i] for i in wanted))
            if len(chunk) == chunk_rows:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


class _Lines:
    """Physical lines of a file, numbered, that can be read again from just after the first
    line of the record being parsed."""

    def __init__(self, handle: Iterable[str]) -> None:
        self._source = enumerate(handle, start=1)
        self._replay: deque[tuple[int, str]] = deque()
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        item = self._replay.popleft() if self._replay else next(self._source)
        self.taken.append(item)
        return item[1]

    def start_record(self) -> None:
        self.taken = []

    def skip_first_line(self) -> int:
        """Give back every line of the current record but its first; its line number."""
        first = self.taken[0][0]
        self._replay.extendleft(reversed(self.taken[1:]))
        self.taken = []
        return first


def _csv_records(handle: Iterable[str]) -> Iterator[tuple[int, list[str] | None]]:
    """(first line, cells) of each record; cells ``None`` for a record that is not CSV. The
    field size limit (128 KiB) bounds what an open quote can swallow before it is refused."""
    lines = _Lines(handle)
    while True:
        reader = csv.reader(lines, strict=True)
        try:
            while True:
                lines.start_record()
                fields = next(reader)
                yield lines.taken[0][0], fields
        except StopIteration:
            return
        except csv.Error:
            if not lines.taken:
                return
            yield lines.skip_first_line(), None


def _parquet_chunks(path: Path, columns: tuple[str, str], chunk_rows: int) -> Iterator[list[tuple]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    _check_columns(path, parquet.schema_arrow.names, columns)
    for batch in parquet.iter_batches(batch_size=chunk_rows, columns=list(columns)):
        ids, texts = (batch.column(c).cast(pa.string()).to_pylist() for c in columns)
        yield list(zip(ids, texts, strict=True))


def _jsonl_chunks(path: Path, columns: tuple[str, str], chunk_rows: int) -> Iterator[list[tuple]]:
    """One JSON object per line; a line that is not one is a bad row, not a bad file."""
    chunk: list[tuple] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8", errors="surrogateescape") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                obj = None
            if isinstance(obj, dict):
                seen.update(obj)
                chunk.append((obj.get(columns[0]), obj.get(columns[1])))
            else:
                chunk.append((f"ligne {number}", NOT_JSON))
            if len(chunk) == chunk_rows:
                yield chunk
                chunk = []
    if chunk:
        yield chunk
    if not seen:
        return
    _check_columns(path, sorted(seen), columns)


NOT_JSON = "\udcff"  # marks a line that is not a JSON object (refused like undecodable text)
NOT_CSV = "\udcfe"  # marks a record that is not CSV (an unterminated quote, a wrong cell count)


def _chunks(path: Path, columns: tuple[str, str], chunk_rows: int) -> Iterator[list[tuple]]:
    fmt = table_format(path)
    if not path.is_file():
        raise InputError(f"Le fichier {path} est introuvable.", hint="Vérifiez le chemin.")
    readers = {"csv": _csv_chunks, "parquet": _parquet_chunks, "jsonl": _jsonl_chunks}
    try:
        yield from readers[fmt](path, columns, chunk_rows)
    except InputError:
        raise
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(
            f"Le fichier {path.name} ne peut pas être lu comme {fmt.upper()} : {exc}",
            hint="Vérifiez son format (séparateur, guillemets, une ligne JSON par ligne).",
        ) from exc


def read_rows(
    path: Path, *, text_column: str, id_column: str, chunk_rows: int = 256
) -> Iterator[list[Row]]:
    """Chunks of rows, in file order."""
    position = 0
    for pairs in _chunks(path, (id_column, text_column), chunk_rows):
        rows = []
        for identifier, text in pairs:
            rows.append(Row(position, _cell(identifier) or "", _cell(text)))
            position += 1
        yield rows


def count_rows(path: Path, *, text_column: str, id_column: str) -> int:
    if table_format(path) == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    return sum(
        len(chunk)
        for chunk in read_rows(path, text_column=text_column, id_column=id_column, chunk_rows=4096)
    )


class TableWriter:
    """Writes a table chunk by chunk (memory bounded by one chunk) to a temporary file, and
    renames it into place on :meth:`commit`: a crash never leaves a half-written output.
    ``schema`` maps each column to ``string``, ``float64``, ``int64`` or ``bool``."""

    def __init__(self, path: Path, schema: dict[str, str]) -> None:
        self.path, self.schema, self.format = path, schema, table_format(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.temporary = path.with_name(f".{path.name}.tmp")
        self._handle: TextIO | None = None
        self._parquet: Any = None  # a pyarrow ParquetWriter (pyarrow ships no stubs)
        self._rows = 0

    def write(self, rows: list[dict[str, object]]) -> None:
        frame = pd.DataFrame(rows, columns=list(self.schema))
        if self.format == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            types = {
                "string": pa.string,
                "float64": pa.float64,
                "int64": pa.int64,
                "bool": pa.bool_,
            }
            schema = pa.schema([(name, types[kind]()) for name, kind in self.schema.items()])
            table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.temporary, schema)
            if rows:
                self._parquet.write_table(table)
        else:
            if self._handle is None:
                self._handle = self.temporary.open("w", encoding="utf-8", newline="")
                if self.format == "csv":
                    frame.iloc[0:0].to_csv(self._handle, index=False)
            if self.format == "csv":
                if rows:
                    frame.to_csv(self._handle, index=False, header=False)
            else:
                for row in rows:  # one JSON object per line, columns in schema order
                    record = {name: row.get(name) for name in self.schema}
                    line = json.dumps(record, ensure_ascii=False)
                    self._handle.write(line + "\n")
        self._rows += len(rows)

    def commit(self) -> int:
        if self._parquet is None and self._handle is None:
            self.write([])  # an empty table still has its columns
        if self._parquet is not None:
            self._parquet.close()
        if self._handle is not None:
            self._handle.close()
        with self.temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self.temporary, self.path)
        return self._rows
