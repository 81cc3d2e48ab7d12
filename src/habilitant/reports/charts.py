"""Bar chart of a coverage, bloc by bloc (covered / partial / missing), as PNG or SVG.

matplotlib is imported here only; a Figure with its own Agg canvas (no display, no pyplot).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from habilitant.domain import Coverage
from habilitant.errors import InputError

FORMATS = {".png": "png", ".svg": "svg"}
COLOURS = {"covered": "#1b7f3b", "partial": "#e0a100", "missing": "#c8ccd2"}  # colour-blind safe
LABELS = {"covered": "couvertes", "partial": "partielles", "missing": "manquantes"}


def chart_format(path: str | Path) -> str:
    """``png`` or ``svg`` from the extension, else a clear error."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"Format de graphique non pris en charge : « {path.suffix or path.name} ».",
            hint="Utilisez un nom se terminant par .png ou .svg (ex. --chart couverture.png).",
        )
    return fmt


def write_coverage_chart(coverage: Coverage, path: str | Path) -> Path:
    """Write the chart; the format follows the extension (.png or .svg). Uses a Figure of its
    own (no pyplot state): safe in threads, and the caller's matplotlib backend is untouched."""
    path = Path(path)
    fmt = chart_format(path)
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    blocs = coverage.blocs
    names = [
        textwrap.fill(textwrap.shorten(f"{b.code} {b.libelle}", 90, placeholder="…"), 45)
        for b in blocs
    ]
    counts = {
        status: [sum(1 for c in b.competences if c.status == status) for b in blocs]
        for status in COLOURS
    }
    height = max(3.0, 0.75 * len(blocs) + 2.0)
    with rc_context({"svg.fonttype": "none"}):  # SVG text stays text (searchable)
        figure = Figure(figsize=(10, height))
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        _draw(figure, axes, coverage, names, counts)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format=fmt, dpi=120, metadata=_metadata(fmt))
    return path


def _draw(figure: Any, axes: Any, coverage: Coverage, names: list[str], counts: dict) -> None:
    """Stacked horizontal bars (covered, partial, missing) with each bloc's ratio."""
    blocs = coverage.blocs
    left = [0] * len(blocs)
    for status, colour in COLOURS.items():
        axes.barh(names, counts[status], left=left, color=colour, label=LABELS[status])
        left = [a + b for a, b in zip(left, counts[status], strict=True)]
    for row, bloc in enumerate(blocs):
        axes.text(left[row] + 0.1, row, f"{round(100 * bloc.coverage_ratio)} %", va="center")
    axes.invert_yaxis()
    axes.set_xlabel("Nombre d'énoncés du bloc")
    title = textwrap.shorten(
        f"{coverage.target.code} {coverage.target.libelle} — couverture "
        f"{round(100 * coverage.coverage_ratio)} %",
        140,
        placeholder="…",
    )
    figure.suptitle(textwrap.fill(title, 80), fontsize=11)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3, frameon=False)
    axes.set_xlim(0, max(left + [1]) * 1.15)
    figure.tight_layout()


def _metadata(fmt: str) -> dict[str, str | None]:
    # Reproducible files: no creation date in the SVG.
    return {"Date": None} if fmt == "svg" else {}
