"""One chunk of rows through the pipeline: statement rows, coverage rows, error rows.

Pure given a pipeline: the same chunk gives the same rows in the same order, whichever
process (or Dask worker) computes it — which is what makes resumed and distributed runs
produce the same output as one uninterrupted run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from habilitant.batch.table_io import NOT_CSV, NOT_JSON, Row
from habilitant.errors import HabilitantError
from habilitant.inputs import validate_text
from habilitant.reports.render import evidence_dicts
from habilitant.targets import resolve_target

if TYPE_CHECKING:
    from habilitant.pipeline import Habilitant

# Output tables: column -> type (kept in this order).
STATEMENT_SCHEMA = {
    "id": "string",
    "competence_id": "string",
    "libelle": "string",
    "referentiel": "string",
    "kind": "string",
    "decision": "string",
    "score": "float64",
    "evidence": "string",
}
# The statement's own fields among those columns, read from the statement by their names.
STATEMENT_FIELDS = tuple(c for c in STATEMENT_SCHEMA if c not in ("id", "evidence"))
COVERAGE_SCHEMA = {
    "id": "string",
    "certification": "string",
    "bloc": "string",
    "bloc_libelle": "string",
    "coverage_ratio": "float64",
    "ready_for_vae": "bool",
    "covered": "int64",
    "partial": "int64",
    "missing": "int64",
}
ERROR_SCHEMA = {"row": "int64", "id": "string", "code": "string", "reason": "string"}
STATEMENT_COLUMNS = list(STATEMENT_SCHEMA)
COVERAGE_COLUMNS = list(COVERAGE_SCHEMA)
ERROR_COLUMNS = list(ERROR_SCHEMA)
# Every engine computes with this many intra-op threads: floating-point sums depend on how
# the work is split, and a score on a threshold must not flip between a local run and a Dask
# run. Parallelism in batch comes from processes (Dask workers), one thread each.
BATCH_THREADS = 1


@contextmanager
def batch_threads() -> Iterator[None]:
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(BATCH_THREADS)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@dataclass(frozen=True)
class EnrichOptions:
    referentiels: tuple[str, ...] = ()
    certification: str | None = None


class Rows(list):
    """Rows of a chunk; its repr never shows the narratives (Dask logs task arguments)."""

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


@dataclass
class ChunkResult:
    statements: list[dict[str, Any]] = field(default_factory=list)
    coverage: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def printable(value: str) -> str:
    """Text read with escaped bad bytes, made safe to write (bad bytes become U+FFFD)."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _check_row(row: Row, max_chars: int) -> str:
    if row.text == NOT_JSON:
        raise _RowError("ligne_invalide", "La ligne n'est pas un objet JSON.")
    if row.text == NOT_CSV:
        raise _RowError(
            "ligne_invalide",
            "L'enregistrement CSV est mal formé (guillemet non fermé, caractère après un "
            "guillemet fermant, ou nombre de colonnes différent de l'en-tête).",
        )
    if row.text is None or not row.text.strip():
        raise _RowError("texte_vide", "Le texte est vide.")
    try:
        row.text.encode("utf-8")
    except UnicodeEncodeError:
        raise _RowError(
            "texte_non_decodable", "Le texte contient des octets qui ne sont pas de l'UTF-8."
        ) from None
    return validate_text(row.text, max_chars=max_chars)


class _RowError(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def enrich_chunk(pipeline: Habilitant, rows: Sequence[Row], options: EnrichOptions) -> ChunkResult:
    """Analyse every row; a bad row becomes an error row and the chunk goes on."""
    result = ChunkResult()
    target = (
        resolve_target(pipeline.catalog, options.certification) if options.certification else None
    )
    for row in rows:
        identifier = printable(row.id)
        try:
            text = _check_row(row, pipeline.settings.max_text_chars)
            ranking = pipeline.rank(text)  # once, for the statements and the coverage
            analysis = pipeline.analyse(
                text, referentiels=options.referentiels or None, ranking=ranking
            )
            coverage = pipeline.coverage_rankings(target, [ranking]) if target is not None else None
        except _RowError as exc:
            result.errors.append(
                {"row": row.position, "id": identifier, "code": exc.code, "reason": exc.reason}
            )
            continue
        except HabilitantError as exc:
            result.errors.append(
                {"row": row.position, "id": identifier, "code": exc.code, "reason": exc.message}
            )
            continue
        except Exception as exc:  # a bug on one row must not stop the batch, nor leak the text
            reason = f"Erreur interne ({type(exc).__name__}) : ligne ignorée, à signaler."
            result.errors.append(
                {"row": row.position, "id": identifier, "code": "erreur_interne", "reason": reason}
            )
            continue
        for s in analysis.statements:
            result.statements.append(
                {
                    **{column: getattr(s, column) for column in STATEMENT_FIELDS},
                    "id": identifier,
                    "evidence": json.dumps(evidence_dicts(s.evidence), ensure_ascii=False),
                }
            )
        if coverage is not None:
            for bloc in coverage.blocs:
                statuses = [c.status for c in bloc.competences]
                result.coverage.append(
                    {
                        "id": identifier,
                        "certification": coverage.target.code,
                        "bloc": bloc.code,
                        "bloc_libelle": bloc.libelle,
                        "coverage_ratio": bloc.coverage_ratio,
                        "ready_for_vae": bloc.ready_for_vae,
                        "covered": statuses.count("covered"),
                        "partial": statuses.count("partial"),
                        "missing": statuses.count("missing"),
                    }
                )
    return result
