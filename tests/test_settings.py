"""Settings handed to child processes (API workers, Dask workers): every field, from one
place, and the API key only where it is needed (fast tier)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from habilitant.batch.dask_engine import worker_settings
from habilitant.settings import Settings, get_settings


def _chosen(tmp_path: Path) -> Settings:
    return get_settings(
        referentiels=tmp_path / "refs",
        models_dir=tmp_path / "models",
        encoder="embeddinggemma-300m",
        encoder_dimension=256,
        max_text_chars=12_000,
        cors_origins=["https://cep.example.fr"],
        decision_file=tmp_path / "decisions.json",
        analysis_seconds=12.5,
        api_key=SecretStr("s3cret"),
    )


def test_a_child_process_rebuilds_exactly_the_same_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = _chosen(tmp_path)
    for name in list(Settings.model_fields):
        monkeypatch.delenv(f"HABILITANT_{name.upper()}", raising=False)
    for variable, value in chosen.child_environment(with_secrets=True).items():
        monkeypatch.setenv(variable, value)
    rebuilt = get_settings()
    assert rebuilt == chosen
    assert rebuilt.api_key is not None and rebuilt.api_key.get_secret_value() == "s3cret"


def test_the_api_key_leaves_only_when_asked(tmp_path: Path) -> None:
    chosen = _chosen(tmp_path)
    assert "HABILITANT_API_KEY" not in chosen.child_environment()
    assert "s3cret" not in json.dumps(chosen.child_environment())
    assert chosen.child_environment(with_secrets=True)["HABILITANT_API_KEY"] == "s3cret"


def test_dask_workers_get_every_setting_but_the_key_and_a_resolved_precision(
    tmp_path: Path,
) -> None:
    chosen = _chosen(tmp_path)
    data = json.loads(worker_settings(chosen))
    assert "api_key" not in data and data["precision"] in ("fp32", "bf16")
    on_worker = get_settings(**data)
    assert on_worker.decision_file == chosen.decision_file  # a field no list named by hand
    assert on_worker.model_dump(exclude={"api_key", "precision"}) == chosen.model_dump(
        exclude={"api_key", "precision"}
    )
