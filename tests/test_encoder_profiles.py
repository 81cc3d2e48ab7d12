"""The two known encoders through the one encoder layer: prompts, precision, Matryoshka
truncation, one index folder each. EmbeddingGemma is the real model, installed by
``make test`` (habilitant encoder install embeddinggemma)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from habilitant.encoder import (
    KNOWN_ENCODERS,
    Prefixes,
    SentenceTransformerEncoder,
    load_encoder,
    prefixes_for,
)
from habilitant.encoder.gemma import EMBEDDINGGEMMA, GEMMA_MODEL_NAME
from habilitant.errors import EncoderError
from habilitant.settings import get_settings, index_folder_name

pytestmark = pytest.mark.integration

TEXTS = [
    "Je faisais la toilette des résidents et je les aidais à manger.",
    "Réaliser les soins d'hygiène et de confort de la personne",
    "Conduite de chariot élévateur, chargement des camions",
    "Encaisser le montant d'une vente",
]


@pytest.fixture(scope="module")
def gemma_dir(settings) -> Path:
    path = settings.models_dir / GEMMA_MODEL_NAME
    assert (path / "habilitant_model.json").is_file(), (
        "EmbeddingGemma n'est pas installé : make test l'installe "
        "(habilitant encoder install embeddinggemma)."
    )
    return path


@pytest.fixture(scope="module")
def gemma_fp32(settings, gemma_dir: Path) -> SentenceTransformerEncoder:
    encoder = load_encoder(GEMMA_MODEL_NAME, models_dir=settings.models_dir, precision="fp32")
    assert isinstance(encoder, SentenceTransformerEncoder)
    return encoder


def test_gemma_prompts_are_the_model_cards_retrieval_prompts(gemma_fp32, gemma_dir) -> None:
    """Our raw texts, prefixed in one place, give the vectors of sentence-transformers'
    own ``encode_query`` / ``encode_document`` (the prompts of the model's config)."""
    from sentence_transformers import SentenceTransformer

    assert gemma_fp32.prefixes == prefixes_for(GEMMA_MODEL_NAME)
    assert gemma_fp32.prefixes.query == "task: search result | query: "
    assert gemma_fp32.prefixes.passage == "title: none | text: "
    reference = SentenceTransformer(str(gemma_dir), device="cpu", local_files_only=True)
    queries = reference.encode_query(TEXTS, convert_to_numpy=True)
    documents = reference.encode_document(TEXTS, convert_to_numpy=True)
    ours_q, ours_d = gemma_fp32.encode_queries(TEXTS), gemma_fp32.encode_passages(TEXTS)
    assert ours_q.shape == (len(TEXTS), 768) and ours_q.dtype == np.float32
    assert np.min(np.sum(ours_q * queries, axis=1)) > 0.9999
    assert np.min(np.sum(ours_d * documents, axis=1)) > 0.9999
    # A query and a passage of the same text differ: the prompts are applied.
    assert np.max(np.sum(ours_q * ours_d, axis=1)) < 0.99


def test_gemma_reproduces_its_card_example_through_our_encoder(gemma_fp32) -> None:
    card = EMBEDDINGGEMMA.card
    assert card is not None
    query = gemma_fp32.encode_queries([card.query])
    documents = gemma_fp32.encode_passages(list(card.documents))
    similarities = (query @ documents.T)[0]
    assert np.allclose(similarities, card.similarities, atol=card.tolerance)


def test_gemma_paraphrase_ranks_the_right_statement_first(gemma_fp32) -> None:
    statements = gemma_fp32.encode_passages(TEXTS[1:])
    narrative = gemma_fp32.encode_queries([TEXTS[0]])
    assert int(np.argmax(narrative @ statements.T)) == 0


def test_bf16_stays_within_a_cosine_of_fp32(settings, gemma_fp32) -> None:
    bf16 = load_encoder(GEMMA_MODEL_NAME, models_dir=settings.models_dir, precision="bf16")
    cosines = np.sum(bf16.encode_passages(TEXTS) * gemma_fp32.encode_passages(TEXTS), axis=1)
    assert cosines.min() > 0.998
    assert bf16.checksum == gemma_fp32.checksum  # same weights: the same cached vectors


def test_matryoshka_truncation_keeps_the_first_coordinates(settings, gemma_fp32) -> None:
    small = load_encoder(
        GEMMA_MODEL_NAME, models_dir=settings.models_dir, precision="fp32", dimension=256
    )
    assert small.dimension == 256
    assert small.checksum != gemma_fp32.checksum  # other vectors, another cache and index
    full = gemma_fp32.encode_passages(TEXTS)
    expected = full[:, :256] / np.linalg.norm(full[:, :256], axis=1, keepdims=True)
    assert np.allclose(small.encode_passages(TEXTS), expected, atol=1e-5)
    with pytest.raises(EncoderError, match="Dimension 1024 impossible"):
        load_encoder(GEMMA_MODEL_NAME, models_dir=settings.models_dir, dimension=1024)


def test_e5_keeps_its_prefixes_and_both_encoders_are_listed() -> None:
    assert prefixes_for("multilingual-e5-small") == Prefixes("query: ", "passage: ")
    assert set(KNOWN_ENCODERS) == {"multilingual-e5-small", GEMMA_MODEL_NAME}
    assert KNOWN_ENCODERS["multilingual-e5-small"].licence == "MIT"
    assert KNOWN_ENCODERS[GEMMA_MODEL_NAME].matryoshka == (512, 256, 128)


def test_a_missing_gemma_folder_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match="habilitant encoder install embeddinggemma"):
        load_encoder(GEMMA_MODEL_NAME, models_dir=tmp_path)


def test_each_encoder_has_its_own_index_folder(tmp_path: Path) -> None:
    assert index_folder_name("multilingual-e5-small") == "index"
    assert index_folder_name(GEMMA_MODEL_NAME) == "index-embeddinggemma-300m"
    assert index_folder_name(GEMMA_MODEL_NAME, 256) == "index-embeddinggemma-300m-256"
    assert index_folder_name("/opt/models/My_Model") == "index-my-model"
    settings = get_settings(models_dir=tmp_path, encoder=GEMMA_MODEL_NAME)
    assert settings.resolved_index_dir == tmp_path / "index-embeddinggemma-300m"
    explicit = get_settings(models_dir=tmp_path, index_dir=tmp_path / "x")
    assert explicit.resolved_index_dir == tmp_path / "x"
