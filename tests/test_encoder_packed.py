"""The packed forward pass gives sentence-transformers' vectors, faster, on the real encoder."""

from __future__ import annotations

import numpy as np
import pytest

from habilitant.encoder.packed import _buckets

TEXTS = [
    "J'ai fait des remplacements en EHPAD",
    "la toilette des résidents",
    "les repas",
    "Avant j'étais caissière en intérim chez Carrefour pendant deux ans, à l'encaissement "
    "et à la mise en rayon, avec l'inventaire une fois par an",
    "accueil",
]


def test_encoder_packed_buckets_cover_every_token_once() -> None:
    lengths = [40, 38, 31, 20, 19, 9, 8, 8]
    buckets = _buckets(lengths)
    assert [b.keys.shape for b in buckets] == [(3, 40), (2, 20), (3, 9)]  # 31 >= 0.75 * 40
    rows = np.concatenate([b.gather[b.slots].numpy() for b in buckets])
    assert rows.tolist() == list(range(sum(lengths)))
    for bucket in buckets:
        assert int(bucket.keys.sum()) == len(bucket.slots)


def test_encoder_packed_matches_sentence_transformers(settings) -> None:
    torch = pytest.importorskip("torch")
    from habilitant.workspace import load_encoder_for

    encoder = load_encoder_for(settings)
    packed = encoder._packed_model()
    assert packed is not None, "the default encoder is a BERT with mean pooling"
    vectors = encoder.encode_queries(TEXTS)
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=encoder._bf16):
        reference = encoder._loaded().encode(
            ["query: " + text for text in TEXTS], convert_to_numpy=True, show_progress_bar=False
        )
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    assert vectors.shape == reference.shape and vectors.dtype == np.float32
    # As close as sentence-transformers is to itself when the batch changes.
    assert float((vectors * reference).sum(axis=1).min()) > 0.9999
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Order and batching do not move a text's vector beyond float rounding.
    single = encoder.encode_queries(TEXTS[1:2])
    assert float(single[0] @ vectors[1]) > 0.9999
