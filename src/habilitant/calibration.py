"""Decision values per encoder: which cosine is "evidence" depends on the encoder.

Thresholds on evidence (centred cosine plus lexical overlap) were calibrated for
multilingual-e5-small; another encoder spreads its cosines differently. Each known encoder
has a calibration file ``calibrations/<encoder>.json``, written from
``scripts/calibrate_encoder.py`` and ``scripts/tune_matching.py`` (training narratives only)::

    {"encoder": "...", "tuned_on": "...",
     "matching": {field: value}, "decision": {...}, "coverage": {...}, "neighbours": {...}}

Fields left out keep the defaults of :class:`MatchingConfig`, :class:`ActivityConfig`,
:class:`CoverageConfig` and :class:`~habilitant.neighbours.NeighbourConfig` (the floor of the
computed neighbours, from ``scripts/calibrate_neighbours.py``). ``index build`` records the
resolved calibration in the index manifest; the pipeline decides with the one its index
records, so an index and its thresholds always travel together.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from habilitant.coverage import CoverageConfig
from habilitant.errors import IndexStateError
from habilitant.matching.activities import ActivityConfig
from habilitant.matching.fusion import MatchingConfig
from habilitant.neighbours import NeighbourConfig

CALIBRATIONS_DIR = Path(__file__).resolve().parent / "calibrations"
_SECTIONS = {
    "matching": MatchingConfig,
    "decision": ActivityConfig,
    "coverage": CoverageConfig,
    "neighbours": NeighbourConfig,
}


@dataclass(frozen=True)
class Calibration:
    """The decision values an encoder's index is used with."""

    encoder: str
    matching: MatchingConfig
    decision: ActivityConfig
    coverage: CoverageConfig
    tuned_on: str
    calibrated: bool = True  # False: no file for this encoder, defaults used as they are
    neighbours: NeighbourConfig = field(default_factory=NeighbourConfig)

    def as_dict(self) -> dict[str, Any]:
        return {
            "encoder": self.encoder,
            "tuned_on": self.tuned_on,
            "calibrated": self.calibrated,
            **{name: dataclasses.asdict(getattr(self, name)) for name in _SECTIONS},
        }


def from_dict(data: dict[str, Any], origin: str) -> Calibration:
    """A calibration from its JSON form; unknown fields are refused (a typo would otherwise
    be silently ignored and the default used)."""
    if not isinstance(data, dict):
        raise IndexStateError(
            f"Calibration illisible ({origin}) : un objet JSON est attendu.",
            hint="Reconstruisez l'index : habilitant index build --force",
        )
    sections: dict[str, Any] = {}
    for name, kind in _SECTIONS.items():
        values = data.get(name) or {}
        known = {f.name for f in dataclasses.fields(kind)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise IndexStateError(
                f"Calibration {origin} : champs inconnus dans « {name} » : {', '.join(unknown)}.",
                hint=f"Champs possibles : {', '.join(sorted(known))}.",
            )
        sections[name] = kind(**values)
    return Calibration(
        encoder=str(data.get("encoder", "")),
        tuned_on=str(data.get("tuned_on", "")),
        calibrated=bool(data.get("calibrated", True)),
        **sections,
    )


def calibration_for(
    encoder: str, folder: Path = CALIBRATIONS_DIR, *, decision_file: Path | None = None
) -> Calibration:
    """The calibration for ``encoder`` (its name): ``decision_file`` when the settings name one
    (``HABILITANT_DECISION_FILE``, same format), else the one shipped for the encoder;
    defaults, marked not calibrated, for an encoder without one."""
    if decision_file is not None:
        path = Path(decision_file)
        if not path.is_file():
            raise IndexStateError(
                f"Le fichier de valeurs de décision {path} (HABILITANT_DECISION_FILE) est "
                "introuvable.",
                hint="Corrigez le chemin, ou retirez la variable pour les valeurs livrées "
                f"(src/habilitant/calibrations/{encoder}.json).",
            )
        return _read(path)
    path = folder / f"{encoder}.json"
    if not path.is_file():
        return Calibration(
            encoder=encoder,
            matching=MatchingConfig(),
            decision=ActivityConfig(),
            coverage=CoverageConfig(),
            neighbours=NeighbourConfig(),
            tuned_on="aucune : valeurs de multilingual-e5-small, non recalibrées",
            calibrated=False,
        )
    return _read(path)


def _read(path: Path) -> Calibration:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexStateError(f"Calibration illisible : {path} ({exc}).") from exc
    return from_dict(data, str(path))


def calibration_of_index(manifest: dict[str, Any], encoder: str) -> Calibration:
    """The calibration an index was built with; for an index older than calibrations, the
    one shipped for its encoder."""
    recorded = manifest.get("calibration")
    if recorded is None:
        return calibration_for(encoder)
    return from_dict(recorded, "du manifeste de l'index")
