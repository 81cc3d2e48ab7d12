"""Typed settings, read from the environment (prefix ``HABILITANT_``).

* ``HABILITANT_REFERENTIELS``: folder holding the official files (layout of
  ``referentiels/README.md``); default ``referentiels/data`` in the repository.
* ``HABILITANT_MODELS_DIR``: built encoder and indexes; default ``models/``.
* ``HABILITANT_ENCODER``: ``multilingual-e5-small`` (default, MIT), ``embeddinggemma-300m``
  (installed by ``habilitant encoder install embeddinggemma``; Gemma Terms of Use) or any
  sentence-transformers name / path.
* ``HABILITANT_ENCODER_DIMENSION``: truncate a Matryoshka encoder's vectors (Gemma: 512, 256,
  128); unset for the full size.
* ``HABILITANT_BATCH_SIZE``: texts per encoder pass; unset for the encoder's measured best.
* ``HABILITANT_INDEX_DIR``: the index folder; default one per encoder: ``<models>/index`` for
  multilingual-e5-small, ``<models>/index-<encoder>[-<dimension>]`` for the others.
* ``HABILITANT_API_KEY``: when set, every API endpoint but ``/health`` and the page's static
  files requires it (header ``X-API-Key``).
* ``HABILITANT_CORS_ORIGINS``: origins allowed to call the API from a browser (JSON list);
  empty (closed) by default.
* ``HABILITANT_MAX_BODY_BYTES``: largest request body the API reads (413 beyond).
* ``HABILITANT_ANALYSIS_SECONDS``: time budget of one API request once it has a computing slot
  (503 ``analyse_trop_longue`` beyond; 0 for none).
* ``HABILITANT_BODY_READ_SECONDS``: time a client has to send its whole body (408 beyond).
* ``HABILITANT_DECISION_FILE``: the decision values (thresholds, weights; the JSON format of
  ``src/habilitant/calibrations/<encoder>.json``) to build the index with instead of the ones
  shipped for the encoder; ``index build`` records them, ``/version`` shows them.
* ``HABILITANT_TRAINING_OFFERS``: labelled offers (``offres-ft-train.jsonl``) that
  ``habilitant train`` learns the item ranking from.
* ``HABILITANT_PORTFOLIO_DB``: the SQLite file of the portfolios (``habilitant portfolio``);
  default ``data/portfolio.sqlite3`` in the repository (git-ignored).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ENCODER = "multilingual-e5-small"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HABILITANT_", extra="ignore")

    referentiels: Path = Field(default=REPO_ROOT / "referentiels" / "data")
    models_dir: Path = Field(default=REPO_ROOT / "models")
    encoder: str = DEFAULT_ENCODER
    index_dir: Path | None = None
    max_text_chars: int = 20_000
    encoder_dimension: int | None = None
    batch_size: int | None = None
    precision: str = "auto"  # encoder arithmetic: auto (bf16 where the CPU has it), fp32, bf16
    api_key: SecretStr | None = None
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = 1_000_000
    api_concurrency: int = 0  # analyses computed at once by one API process (0: one per CPU)
    decision_file: Path | None = None  # decision values (calibration JSON) instead of shipped
    analysis_seconds: float = 30.0  # time budget of one API request once computing (0: none)
    body_read_seconds: float = 20.0  # time a client has to send its whole request body
    portfolio_db: Path = Field(default=REPO_ROOT / "data" / "portfolio.sqlite3")
    training_offers: Path | None = None  # labelled offers for habilitant train

    def child_settings(self, *, with_secrets: bool = False) -> dict[str, Any]:
        """Every setting, as JSON values, for a process started from this one (an API
        worker, a Dask worker) to rebuild the same :class:`Settings`: no list of fields is
        kept by hand anywhere. The API key only ``with_secrets`` (API workers need it)."""
        data = self.model_dump(mode="json", exclude={"api_key"})
        if with_secrets and self.api_key is not None:
            data["api_key"] = self.api_key.get_secret_value()
        return {name: value for name, value in data.items() if value is not None}

    def child_environment(self, *, with_secrets: bool = False) -> dict[str, str]:
        """:meth:`child_settings` as ``HABILITANT_*`` environment variables."""
        return {
            f"HABILITANT_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
            for name, value in self.child_settings(with_secrets=with_secrets).items()
        }

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir or self.models_dir / index_folder_name(
            self.encoder, self.encoder_dimension
        )


def index_folder_name(encoder: str, dimension: int | None = None) -> str:
    """One index per encoder (and truncation): ``index`` for the default encoder at full
    size, ``index-<encoder>[-<dimension>]`` otherwise."""
    if encoder == DEFAULT_ENCODER and dimension is None:
        return "index"
    slug = re.sub(r"[^a-z0-9]+", "-", Path(encoder).name.lower()).strip("-") or "encoder"
    return f"index-{slug}" + (f"-{dimension}" if dimension else "")


def get_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit overrides (None values ignored)."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
