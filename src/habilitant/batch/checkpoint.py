"""Checkpoints of a batch: one file per finished chunk, beside the output.

``OUTPUT.parts/`` holds ``manifest.json`` (input sha256, columns, options, chunk size) and
``chunk-NNNNNNNN.json`` per finished chunk, each written to a temporary name, synced, then
renamed — a killed run leaves only whole chunks. A rerun with the same input and options skips
them; the outputs are assembled in chunk order at the end, so they are identical to an
uninterrupted run's. ``OUTPUT.done.json`` records a finished run.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from habilitant.batch.rows import COVERAGE_SCHEMA, ERROR_SCHEMA, STATEMENT_SCHEMA, ChunkResult
from habilitant.batch.table_io import TableWriter
from habilitant.errors import InputError

FORMAT = 1


def output_paths(output: Path) -> dict[str, Path]:
    """The files a batch writes: statements (OUTPUT), coverage, errors."""
    return {
        "statements": output,
        "coverage": output.with_name(f"{output.stem}.coverage{output.suffix}"),
        "errors": output.with_name(f"{output.stem}.errors.csv"),
    }


class Checkpoint:
    def __init__(self, output: Path, manifest: dict[str, Any]) -> None:
        self.output = output
        self.folder = output.with_name(f"{output.name}.parts")
        self.done_file = output.with_name(f"{output.name}.done.json")
        self.manifest = {"format": FORMAT, **manifest}

    def finished(self) -> bool:
        """True when a previous run with the same input and options completed."""
        if not self.done_file.is_file():
            return False
        done = json.loads(self.done_file.read_text(encoding="utf-8"))
        return done.get("manifest") == self.manifest and all(
            Path(p).is_file() for p in done.get("outputs", [])
        )

    def open(self, *, restart: bool = False) -> set[int]:
        """Prepare the parts folder; the chunks already done."""
        manifest_file = self.folder / "manifest.json"
        if restart and self.folder.exists():
            shutil.rmtree(self.folder)
        if manifest_file.is_file():
            previous = json.loads(manifest_file.read_text(encoding="utf-8"))
            if previous != self.manifest:
                raise InputError(
                    f"{self.folder} contient un traitement interrompu d'un autre fichier ou "
                    "avec d'autres options.",
                    hint="Relancez avec les mêmes fichier et options pour le reprendre, ou "
                    "ajoutez --restart pour repartir de zéro.",
                )
        else:  # a fresh run: chunks left without a manifest belong to no known run
            self.folder.mkdir(parents=True, exist_ok=True)
            for stale in self.folder.glob("chunk-*.json"):
                stale.unlink()
            _write_json(manifest_file, self.manifest)
        self.done_file.unlink(missing_ok=True)
        return {
            int(p.stem.split("-")[1])
            for p in self.folder.glob("chunk-*.json")
            if p.stem[6:].isdigit()
        }

    def save(self, number: int, result: ChunkResult) -> None:
        _write_json(self.folder / f"chunk-{number:08d}.json", asdict(result))

    def assemble(self) -> dict[str, int]:
        """Write the outputs from every chunk, in order, one chunk in memory at a time; remove
        the parts. Returns the row counts."""
        schemas = {
            "statements": STATEMENT_SCHEMA,
            "coverage": COVERAGE_SCHEMA,
            "errors": ERROR_SCHEMA,
        }
        if not self.manifest.get("certification"):
            del schemas["coverage"]
        paths = output_paths(self.output)
        writers = {name: TableWriter(paths[name], schema) for name, schema in schemas.items()}
        for path in sorted(self.folder.glob("chunk-*.json")):
            chunk = json.loads(path.read_text(encoding="utf-8"))
            for name, writer in writers.items():
                writer.write(chunk[name])
        counts = {"statements": 0, "coverage": 0, "errors": 0}
        counts.update({name: writer.commit() for name, writer in writers.items()})
        written = [str(paths[name]) for name in writers]
        _write_json(self.done_file, {"manifest": self.manifest, "outputs": written})
        shutil.rmtree(self.folder)
        return counts


def _write_json(path: Path, data: Any) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
