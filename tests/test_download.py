"""`referentiels download` against a local HTTP server serving ../shared."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from habilitant.cli import cli
from habilitant.download import download_referentiels, load_sources
from habilitant.errors import DownloadError


@pytest.fixture(scope="module")
def server(referentiels_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("www")
    (root / "referentiels").symlink_to(referentiels_dir)
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_download_from_mirror_records_checksums(
    server: str, referentiels_dir: Path, tmp_path: Path
) -> None:
    records = download_referentiels(
        tmp_path, base_url=f"{server}/referentiels", only=["rncp", "referens3"]
    )
    assert {r.name for r in records} == {"rncp", "referens3"}
    for record in records:
        assert _sha(tmp_path / record.path) == _sha(referentiels_dir / record.path)
        assert record.sha256 == _sha(referentiels_dir / record.path)
    history = json.loads((tmp_path / "telechargements.json").read_text())
    assert len(history) == len(records)


def test_download_every_declared_file_exists_in_shared(referentiels_dir: Path) -> None:
    for source in load_sources():
        for relative in source["files"]:
            assert (referentiels_dir / relative).is_file(), relative


def test_download_cli_from_mirror(server: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "referentiels",
            "download",
            "--dest",
            str(tmp_path),
            "--base-url",
            f"{server}/referentiels",
            "--only",
            "esco",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "esco-fr" / "skills_fr.csv").stat().st_size > 1_000_000


def test_download_resolves_latest_official_resource(server: str, tmp_path: Path) -> None:
    sources = [
        {
            "name": "referens3",
            "files": [],
            "official": {
                "dataset_api": "",  # set below to a local JSON description
                "resource": r"referens.*\.csv$",
                "save_as": "branches/referens3/latest.csv",
            },
        }
    ]
    dataset = {
        "resources": [
            {
                "url": f"{server}/referentiels/branches/referens3/"
                "fr-esr_referentiel_metier_referens_3.csv",
                "title": "referens.csv",
                "last_modified": "2021-02-24",
            },
            {
                "url": f"{server}/nothing/old.csv",
                "title": "old referens.csv",
                "last_modified": "2019-01-01",
            },
        ]
    }
    sources[0]["official"]["dataset_api"] = _serve_json(dataset)
    records = download_referentiels(tmp_path / "dest", sources=sources)
    assert records[0].url.endswith("fr-esr_referentiel_metier_referens_3.csv")
    assert (tmp_path / "dest" / "branches/referens3/latest.csv").stat().st_size > 100_000


def _serve_json(data: dict) -> str:
    body = json.dumps(data).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/api/1/datasets/x/"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_download_unreachable_says_how_to_use_a_local_copy(tmp_path: Path) -> None:
    existing = tmp_path / "esco-fr" / "skills_fr.csv"
    existing.parent.mkdir()
    existing.write_text("déjà là")
    with pytest.raises(DownloadError) as error:
        download_referentiels(
            tmp_path, base_url=f"http://127.0.0.1:{_closed_port()}", only=["esco"]
        )
    assert "HABILITANT_REFERENTIELS" in str(error.value)
    assert existing.read_text() == "déjà là"  # nothing already stored is damaged
    assert not list(tmp_path.rglob(".*part*"))


def test_download_unknown_referentiel_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="inconnu"):
        download_referentiels(tmp_path, base_url="http://127.0.0.1:1", only=["nope"])
