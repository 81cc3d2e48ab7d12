"""Helpers shared by the readers: checksums, strict CSV reading, consistency checks.

Every problem becomes a :class:`~habilitant.errors.ReferentielError` whose French message
names the file and the line (or element) and whose hint says what to do.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from habilitant.domain import Competence, CompetenceKind, Parent, SourceFile
from habilitant.errors import ReferentielError
from habilitant.text import collapse_spaces

__all__ = [
    "HINT_REDOWNLOAD",
    "CsvTable",
    "ItemCollector",
    "check_unique",
    "collapse_spaces",
    "decode",
    "read_bytes",
    "read_csv",
    "source_file",
    "split_multi",
    "where",
]

HINT_REDOWNLOAD = (
    "Téléchargez à nouveau les fichiers officiels (habilitant referentiels download) "
    "ou vérifiez le chemin indiqué par HABILITANT_REFERENTIELS."
)


def where(path: Path | str, line: int | None = None) -> str:
    """``fichier X, ligne N`` for messages."""
    return f"{path}, ligne {line}" if line else str(path)


def source_file(path: Path, data: bytes | None = None) -> SourceFile:
    """A :class:`SourceFile` (sha256, size) for ``path``; reads it in chunks unless given."""
    digest = hashlib.sha256()
    if data is not None:
        digest.update(data)
        size = len(data)
    else:
        size = 0
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
    return SourceFile(path=str(path), sha256=digest.hexdigest(), size=size)


def read_bytes(path: Path) -> bytes:
    """The whole file; missing or empty files raise a clear error."""
    if not path.is_file():
        raise ReferentielError(
            f"Le fichier {path} est introuvable.",
            hint=HINT_REDOWNLOAD,
        )
    data = path.read_bytes()
    if not data.strip():
        raise ReferentielError(
            f"Le fichier {path} est vide.",
            hint="Le téléchargement a sans doute échoué : " + HINT_REDOWNLOAD,
        )
    return data


def decode(path: Path, data: bytes, encoding: str) -> str:
    """Decode strictly; a bad byte is reported with its line number."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReferentielError(
            f"Le fichier {where(path, line)} n'est pas encodé en {encoding} "
            f"(octet {data[exc.start : exc.start + 1]!r} illisible).",
            hint=f"Enregistrez le fichier en {encoding}, ou récupérez le fichier officiel "
            "sans le rouvrir dans un tableur.",
        ) from exc


@dataclass
class CsvTable:
    """A CSV file read strictly: header, rows as dicts, the line of each row."""

    path: Path
    source: SourceFile
    header: tuple[str, ...]
    rows: list[dict[str, str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        return iter(zip(self.lines, self.rows, strict=True))

    def __len__(self) -> int:
        return len(self.rows)


def _sniff_delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def read_csv(
    path: Path,
    *,
    encoding: str = "utf-8",
    delimiter: str | None = ",",
    required: Sequence[str] = (),
    header_at: Callable[[list[str]], bool] | None = None,
    clean: Callable[[str], str] | None = None,
    clean_text: Callable[[str], str] | None = None,
) -> CsvTable:
    """Read ``path`` strictly.

    ``delimiter=None`` guesses ``;`` or ``,`` from the header. ``header_at`` finds the real
    header when the file starts with free text (ESCO mappings). ``clean`` is applied to
    every value, ``clean_text`` to the whole decoded text (faster, e.g. to undo doubled
    apostrophes). Empty trailing columns are dropped; a row with too few or too many
    values is an error.
    """
    data = read_bytes(path)
    text = decode(path, data, "utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding)
    source = source_file(path, data)
    if clean_text is not None:
        text = clean_text(text)
    first = text.lstrip().split("\n", 1)[0]
    delimiter = delimiter or _sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    header_line = 0
    try:
        for raw in reader:
            if header_at is None and not any(v.strip() for v in raw):
                continue
            if header_at is None or header_at(raw):
                header = [h.strip() for h in raw]
                header_line = reader.line_num
                break
        if header is None:
            raise ReferentielError(
                f"Le fichier {path} ne contient pas de ligne d'en-tête reconnue.",
                hint=HINT_REDOWNLOAD,
            )
        while header and not header[-1]:
            header.pop()
        missing = [c for c in required if c not in header]
        if missing:
            raise ReferentielError(
                f"Le fichier {where(path, header_line)} n'a pas la ou les colonnes attendues : "
                + ", ".join(missing)
                + f" (colonnes trouvées : {', '.join(header)}).",
                hint="Vérifiez qu'il s'agit du bon fichier et de la bonne version du "
                "référentiel, avec sa ligne d'en-tête d'origine.",
            )
        table = CsvTable(path=path, source=source, header=tuple(header))
        width = len(header)
        rows, lines = table.rows, table.lines
        for raw in reader:
            if len(raw) != width:
                if not any(v.strip() for v in raw):
                    continue
                if len(raw) < width or any(v.strip() for v in raw[width:]):
                    raise ReferentielError(
                        f"Le fichier {where(path, reader.line_num)} a {len(raw)} colonnes "
                        f"au lieu de {width}.",
                        hint="Ligne tronquée, ou séparateur non protégé par des guillemets : "
                        "corrigez la ligne ou récupérez le fichier officiel.",
                    )
                raw = raw[:width]
            elif not any(raw):
                continue
            if clean is not None:
                raw = [clean(v) for v in raw]
            rows.append(dict(zip(header, raw, strict=True)))
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise ReferentielError(
            f"Le fichier {where(path, reader.line_num)} est un CSV mal formé : {exc}.",
            hint="Vérifiez les guillemets de la ligne ou récupérez le fichier officiel.",
        ) from exc
    if not table.rows:
        raise ReferentielError(
            f"Le fichier {path} ne contient aucune ligne de données.",
            hint=HINT_REDOWNLOAD,
        )
    return table


def check_unique(table: CsvTable, column: str) -> None:
    """Raise if a code appears twice in ``column`` (both lines are named)."""
    seen: dict[str, int] = {}
    for line, row in table:
        code = row[column]
        if code in seen:
            raise ReferentielError(
                f"Le fichier {table.path} contient deux fois le code « {code} » "
                f"(colonne {column}, lignes {seen[code]} et {line}).",
                hint="Chaque code doit être unique : supprimez le doublon ou récupérez "
                "le fichier officiel.",
            )
        seen[code] = line


def split_multi(value: str, separators: str = "|\n") -> list[str]:
    """Split a multi-valued cell, collapse spaces, drop empty values (order kept)."""
    parts = [value]
    for sep in separators:
        parts = [p for part in parts for p in part.split(sep)]
    return [c for c in (collapse_spaces(p) for p in parts) if c]


@dataclass
class _Item:
    code: str
    libelle: str
    kind: CompetenceKind
    origin: str
    definition: str = ""
    parents: list[Parent] = field(default_factory=list)


class ItemCollector:
    """Builds competences that may appear under several parents (branch referentials).

    The same code seen again adds a parent; the same code with another wording is an error.
    """

    def __init__(self, referentiel: str, version: str) -> None:
        self.referentiel = referentiel
        self.version = version
        self._items: dict[str, _Item] = {}

    def add(
        self,
        code: str,
        libelle: str,
        kind: CompetenceKind,
        parents: Iterable[Parent],
        *,
        origin: str,
        definition: str = "",
    ) -> str:
        """Add (or find) item ``code``; return its id ``<referentiel>:<code>``."""
        item_id = f"{self.referentiel}:{code}"
        item = self._items.get(item_id)
        if item is None:
            item = _Item(code, libelle, kind, origin, definition)
            self._items[item_id] = item
        elif item.libelle != libelle or item.kind != kind:
            raise ReferentielError(
                f"Le code « {code} » désigne deux éléments différents : "
                f"« {item.libelle} » ({item.origin}) et « {libelle} » ({origin}).",
                hint="Un code doit être unique dans tout le référentiel (activités et "
                "compétences comprises) : renommez l'un des deux.",
            )
        for parent in parents:
            if parent not in item.parents:
                item.parents.append(parent)
        if definition and not item.definition:
            item.definition = definition
        return item_id

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def competences(self) -> tuple[Competence, ...]:
        return tuple(
            Competence(
                id=item_id,
                referentiel=self.referentiel,
                code=item.code,
                libelle=item.libelle,
                kind=item.kind,
                parents=tuple(item.parents),
                version=self.version,
                definition=item.definition,
            )
            for item_id, item in self._items.items()
        )
