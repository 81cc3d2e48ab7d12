"""Decision values per encoder: shipped per encoder, recorded in the index, used from it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from habilitant.calibration import (
    CALIBRATIONS_DIR,
    calibration_for,
    calibration_of_index,
    from_dict,
)
from habilitant.coverage import CoverageConfig
from habilitant.errors import IndexStateError
from habilitant.index import build_index, load_index
from habilitant.matching.activities import ActivityConfig
from habilitant.matching.fusion import MatchingConfig
from habilitant.pipeline import Habilitant
from habilitant.settings import get_settings
from tests.fakes import HashingEncoder
from tests.test_index import make_referentiel


def test_every_known_encoder_ships_a_calibration() -> None:
    from habilitant.encoder import KNOWN_ENCODERS

    for name in KNOWN_ENCODERS:
        calibration = calibration_for(name)
        assert calibration.calibrated and calibration.encoder == name and calibration.tuned_on
    e5 = calibration_for("multilingual-e5-small")
    assert (e5.matching, e5.decision, e5.coverage) == (
        MatchingConfig(),
        ActivityConfig(),
        CoverageConfig(),
    )


def test_gemma_calibration_brings_its_cosines_to_the_calibrated_scale() -> None:
    gemma = calibration_for("embeddinggemma-300m")
    assert 0.0 < gemma.matching.dense_scale < 1.0  # Gemma's cosines spread wider than e5's
    assert gemma.decision != ActivityConfig()  # recalibrated, not e5's values
    # Tuned on the training narratives, never on the evaluation narratives.
    assert "recits-train" in gemma.tuned_on and "recits-dev" not in gemma.tuned_on


def test_an_encoder_without_calibration_gets_the_defaults_marked_as_such() -> None:
    calibration = calibration_for("some/other-model")
    assert not calibration.calibrated
    assert calibration.matching == MatchingConfig()


def test_a_misspelt_field_is_refused_not_ignored(tmp_path: Path) -> None:
    with pytest.raises(IndexStateError, match="attested_evidance"):
        from_dict({"matching": {"attested_evidance": 0.2}}, "test")
    (tmp_path / "x.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexStateError, match="illisible"):
        calibration_for("x", tmp_path)
    assert {p.stem for p in CALIBRATIONS_DIR.glob("*.json")} >= {"multilingual-e5-small"}


def test_the_index_records_its_calibration_and_the_pipeline_decides_with_it(
    tmp_path: Path,
) -> None:
    encoder = HashingEncoder()
    base = calibration_for("multilingual-e5-small")
    changed = dataclasses.replace(
        base,
        matching=dataclasses.replace(base.matching, attested_evidence=0.2, dense_scale=0.5),
        decision=dataclasses.replace(base.decision, per_segment=2),
        coverage=dataclasses.replace(base.coverage, covered_evidence=0.11),
    )
    index_dir, cache = tmp_path / "index", tmp_path / "cache"
    build_index(
        [make_referentiel()], encoder, index_dir, cache_dir=cache, calibration=base.as_dict()
    )
    again = build_index(
        [make_referentiel()], encoder, index_dir, cache_dir=cache, calibration=base.as_dict()
    )
    assert again.up_to_date
    # Another calibration rebuilds the index from the cache: nothing is re-encoded.
    report = build_index(
        [make_referentiel()], encoder, index_dir, cache_dir=cache, calibration=changed.as_dict()
    )
    assert not report.up_to_date and report.encoded == 0
    index = load_index(index_dir, encoder=encoder)
    assert json.loads(json.dumps(index.manifest["calibration"])) == changed.as_dict()
    assert calibration_of_index(index.manifest, encoder.name) == changed
    h = Habilitant(get_settings(models_dir=tmp_path), encoder=encoder, index=index, nlp=object())
    assert h.config.attested_evidence == 0.2 and h.config.dense_scale == 0.5
    assert h.decision.per_segment == 2
    assert h.calibration.coverage.covered_evidence == 0.11


def test_an_index_older_than_calibrations_uses_its_encoders_file() -> None:
    assert calibration_of_index({}, "multilingual-e5-small") == calibration_for(
        "multilingual-e5-small"
    )


def test_a_decision_file_named_in_the_settings_is_what_the_index_and_pipeline_use(
    tmp_path: Path,
) -> None:
    base = calibration_for("multilingual-e5-small")
    data = base.as_dict()
    data["matching"]["attested_evidence"] = 0.33
    data["tuned_on"] = "valeurs de la structure"
    decision_file = tmp_path / "decisions.json"
    decision_file.write_text(json.dumps(data), encoding="utf-8")
    chosen = calibration_for("multilingual-e5-small", decision_file=decision_file)
    assert chosen.matching.attested_evidence == 0.33 and chosen.tuned_on == data["tuned_on"]

    encoder = HashingEncoder()
    settings = get_settings(models_dir=tmp_path, decision_file=decision_file)
    build_index(
        [make_referentiel()],
        encoder,
        tmp_path / "a",
        cache_dir=tmp_path / "c",
        calibration=base.as_dict(),
    )
    stale = load_index(tmp_path / "a", encoder=encoder)
    with pytest.raises(IndexStateError, match="HABILITANT_DECISION_FILE") as refused:
        Habilitant(settings, encoder=encoder, index=stale, nlp=object())
    assert "index build" in refused.value.hint
    build_index(
        [make_referentiel()],
        encoder,
        tmp_path / "b",
        cache_dir=tmp_path / "c",
        calibration=chosen.as_dict(),
    )
    built = load_index(tmp_path / "b", encoder=encoder)
    h = Habilitant(settings, encoder=encoder, index=built, nlp=object())
    assert h.config.attested_evidence == 0.33 and h.calibration == chosen

    with pytest.raises(IndexStateError, match="introuvable"):
        calibration_for("multilingual-e5-small", decision_file=tmp_path / "absent.json")
    data["coverage"]["covered_evidense"] = 0.1  # a typo is refused, never ignored
    decision_file.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IndexStateError, match="covered_evidense"):
        calibration_for("multilingual-e5-small", decision_file=decision_file)
