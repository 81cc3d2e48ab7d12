"""EmbeddingGemma through the whole pipeline, on a referential subset (the RNCP extract and
RéFérens III: ~4,600 texts, about a minute to encode; the full index takes ~21 minutes on 2
cores and is never built by the tests): its own index folder, its calibration recorded there,
statements in the exact wording of the referential with the person's words as evidence,
silence on a text without work.

The subset must be broad: evidence is a cosine *centred* on the mean over the index's
statements, and the RNCP extract alone (mostly web and management) centres on the very
topic of the narrative and leaves nothing to say, with either encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from habilitant.calibration import calibration_for
from habilitant.encoder.gemma import GEMMA_MODEL_NAME
from habilitant.pipeline import Habilitant

pytestmark = pytest.mark.integration

WEB = (
    "Pendant deux ans j'ai créé des sites web pour des associations de mon quartier. "
    "Je faisais les maquettes des pages avec les bénévoles, puis l'intégration en HTML et CSS. "
    "J'ai aussi monté la base de données MySQL des adhérents et je mettais les sites en ligne."
)
ON_TOPIC = ("web", "site", "base de données", "bases de données", "intégration", "maquette")


@pytest.fixture(scope="module")
def gemma(settings, tmp_path_factory) -> tuple[Habilitant, object]:
    from habilitant.workspace import build

    assert (settings.models_dir / GEMMA_MODEL_NAME / "habilitant_model.json").is_file(), (
        "EmbeddingGemma n'est pas installé : make test l'installe."
    )
    subset = settings.model_copy(
        update={"encoder": GEMMA_MODEL_NAME, "index_dir": tmp_path_factory.mktemp("g") / "index"}
    )
    report = build(subset, ["rncp", "referens3"])
    return Habilitant(subset), report


def test_gemma_index_records_the_gemma_calibration(gemma) -> None:
    h, report = gemma
    assert 4000 < report.count < 6000
    manifest = h.index.manifest
    assert manifest["encoder"]["name"] == GEMMA_MODEL_NAME
    assert manifest["encoder"]["dimension"] == 768
    shipped = calibration_for(GEMMA_MODEL_NAME)
    assert h.calibration == shipped and shipped.calibrated
    assert h.config.dense_scale == shipped.matching.dense_scale < 1.0
    assert h.decision == shipped.decision


def test_gemma_states_a_web_developers_experience_in_rncp_wording(gemma) -> None:
    h, _ = gemma
    analysis = h.analyse(WEB)
    assert analysis.statements
    wordings = {entry.libelle for entry in h.index.entries}
    for statement in analysis.statements:
        assert statement.libelle in wordings  # the referential's exact wording
        assert statement.evidence
        for evidence in statement.evidence:
            assert WEB[evidence.start : evidence.end] == evidence.text
    on_topic = [s for s in analysis.statements if any(w in s.libelle.lower() for w in ON_TOPIC)]
    assert len(on_topic) >= 2


def test_gemma_says_nothing_on_a_text_without_work(gemma) -> None:
    h, _ = gemma
    assert h.analyse("Bonjour, je voudrais prendre rendez-vous mardi prochain.").statements == ()


def test_gemma_and_e5_indexes_live_side_by_side(settings, gemma) -> None:
    h, _ = gemma
    e5_dir = settings.resolved_index_dir
    assert e5_dir.name == "index" and Path(h.index.path) != e5_dir
