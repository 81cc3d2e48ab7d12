"""What every command module needs: the settings and the pipeline of the invocation, the
narrative it was given (argument, ``--file`` or ``-``) and where its report goes."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from habilitant.settings import Settings, get_settings

_PIPELINES: dict[str, Any] = {}


def settings_of(ctx: click.Context) -> Settings:
    """The settings given by the global options, or those of the environment."""
    return ctx.find_object(Settings) or get_settings()


def pipeline_of(ctx: click.Context) -> Any:
    """The pipeline for these settings, loaded once per process (models take seconds)."""
    from habilitant.pipeline import Habilitant

    settings = settings_of(ctx)
    key = settings.model_dump_json()
    if key not in _PIPELINES:
        _PIPELINES.clear()
        _PIPELINES[key] = Habilitant(settings)
    return _PIPELINES[key]


def read_input(text: str | None, file: Path | None) -> str:
    """The narrative: ``text``, the file's content, or standard input when ``text`` is "-"."""
    from habilitant.errors import InputError
    from habilitant.inputs import decode_bytes, read_text_file

    if file is not None and text is not None:
        raise InputError("Donnez soit un texte, soit --file, pas les deux.")
    if file is not None:
        return read_text_file(file)
    if text is None:
        raise InputError(
            "Aucun texte fourni.",
            hint='Exemple : habilitant analyse "J\'ai fait des remplacements en EHPAD…" '
            "(ou --file recit.txt, ou - pour l'entrée standard).",
        )
    if text == "-":
        return decode_bytes(sys.stdin.buffer.read(), source="L'entrée standard")
    return text


def emit(report: str, output: Path | None) -> None:
    """Print ``report``, or write it to ``output`` whole (a temporary file renamed into
    place: an interrupted write never leaves half a report)."""
    if output is None:
        click.echo(report.rstrip("\n"))
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.tmp")
    temporary.write_text(report, encoding="utf-8")
    os.replace(temporary, output)
    click.echo(f"Rapport écrit : {output}", err=True)
