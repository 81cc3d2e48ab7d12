"""Fetch the official referential files, recording version and checksum.

Two modes: the publishers' own sites (data.gouv.fr datasets, resolved through their API to
the latest matching resource), or a mirror given by ``base_url`` serving the layout of
``referentiels/sources.json``. Each file is written to a temporary name and renamed, so an
interrupted download never damages a file already there. Without internet the error says
how to point the tool at a local copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from habilitant.errors import DownloadError
from habilitant.settings import REPO_ROOT

SOURCES = REPO_ROOT / "referentiels" / "sources.json"
RECORD = "telechargements.json"
TIMEOUT_S = 30
OFFLINE_HINT = (
    "Sans accès à Internet : téléchargez les fichiers depuis les sites des producteurs "
    "(voir referentiels/README.md), puis indiquez leur dossier avec "
    "HABILITANT_REFERENTIELS=/chemin (ou --referentiels /chemin). Un miroir local "
    "s'utilise avec --base-url http://hote/chemin."
)


@dataclass(frozen=True)
class DownloadRecord:
    name: str
    url: str
    path: str
    sha256: str
    size: int
    downloaded_at: str
    version: str = ""


def load_sources(path: Path = SOURCES) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["referentiels"]


def _fetch(url: str, target: Path) -> tuple[str, int]:
    """Stream ``url`` to ``target`` atomically; return (sha256, size)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part-{os.getpid()}")
    digest = hashlib.sha256()
    size = 0
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "habilitant"})
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, open(tmp, "wb") as out:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except urllib.error.HTTPError as exc:
        raise DownloadError(
            f"Le serveur a répondu {exc.code} pour {url}.", hint=OFFLINE_HINT
        ) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        host = urllib.parse.urlparse(url).netloc
        raise DownloadError(
            f"Impossible de joindre {host} ({getattr(exc, 'reason', exc)}).", hint=OFFLINE_HINT
        ) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return digest.hexdigest(), size


def _latest_resource(dataset_api: str, pattern: str) -> tuple[str, str]:
    """URL and title of the newest resource of a data.gouv.fr dataset matching ``pattern``."""
    try:
        with urllib.request.urlopen(dataset_api, timeout=TIMEOUT_S) as response:
            dataset = json.load(response)
    except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as exc:
        host = urllib.parse.urlparse(dataset_api).netloc
        raise DownloadError(
            f"Impossible de lire la description du jeu de données sur {host} ({exc}).",
            hint=OFFLINE_HINT,
        ) from exc
    regex = re.compile(pattern)
    candidates = [
        r
        for r in dataset.get("resources", [])
        if regex.search(r.get("url", "")) or regex.search(r.get("title", ""))
    ]
    if not candidates:
        raise DownloadError(
            f"Aucune ressource ne correspond à {pattern} dans {dataset_api}.",
            hint="Le producteur a peut-être renommé ses fichiers : " + OFFLINE_HINT,
        )
    newest = max(candidates, key=lambda r: r.get("last_modified") or r.get("created_at") or "")
    return newest["url"], newest.get("title", "")


def _official(
    source: dict[str, Any], dest: Path, log: Callable[[str], None]
) -> list[DownloadRecord]:
    official = source.get("official")
    if not official:
        raise DownloadError(
            f"Le référentiel « {source['name']} » n'a pas de source officielle téléchargeable "
            f"automatiquement (voir {source.get('landing_page', 'referentiels/README.md')}).",
            hint=OFFLINE_HINT,
        )
    if "dataset_api" in official:
        url, version = _latest_resource(official["dataset_api"], official["resource"])
    else:
        url, version = official["url"], ""
    relative = official.get("save_as") or f"{official['extract_to']}/.archive.zip"
    target = dest / relative
    log(f"Téléchargement de {source['name']} depuis {url}")
    sha256, size = _fetch(url, target)
    if "extract_to" in official:
        with zipfile.ZipFile(target) as archive:
            archive.extractall(dest / official["extract_to"])
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return [DownloadRecord(source["name"], url, relative, sha256, size, now, version)]


def _mirror(
    source: dict[str, Any], dest: Path, base_url: str, log: Callable[[str], None]
) -> list[DownloadRecord]:
    records = []
    for relative in source["files"]:
        url = f"{base_url.rstrip('/')}/{urllib.parse.quote(relative)}"
        log(f"Téléchargement de {relative}")
        sha256, size = _fetch(url, dest / relative)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        records.append(DownloadRecord(source["name"], url, relative, sha256, size, now))
    return records


def download_referentiels(
    dest: Path,
    *,
    base_url: str | None = None,
    only: Sequence[str] | None = None,
    sources: list[dict[str, Any]] | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> list[DownloadRecord]:
    """Download the referentials into ``dest`` and append to ``dest/telechargements.json``."""
    sources = sources if sources is not None else load_sources()
    known = {s["name"] for s in sources}
    unknown = sorted(set(only or ()) - known)
    if unknown:
        raise DownloadError(
            f"Référentiel(s) inconnu(s) : {', '.join(unknown)}.",
            hint=f"Référentiels connus : {', '.join(sorted(known))}.",
        )
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    records: list[DownloadRecord] = []
    for source in sources:
        if only and source["name"] not in only:
            continue
        if base_url:
            records.extend(_mirror(source, dest, base_url, log))
        else:
            records.extend(_official(source, dest, log))
    record_path = dest / RECORD
    history = json.loads(record_path.read_text("utf-8")) if record_path.is_file() else []
    history.extend(asdict(r) for r in records)
    tmp = record_path.with_name(f".{RECORD}.tmp")
    tmp.write_text(json.dumps(history, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, record_path)
    return records
