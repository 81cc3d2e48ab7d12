"""The OpenAPI schema says what the service does: a bounded schemathesis run (every check,
fixed seed, over 1,000 generated requests) against a real server finds no server error and
no mismatch between the schema and the answers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from api import create_app

from tests.conftest import live_server

pytestmark = pytest.mark.integration

SEED = 20261201
EXAMPLES = 80  # per operation: about 1,700 generated requests in all


def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(
    settings, habilitant, tmp_path: Path
) -> None:
    local = settings.model_copy(update={"portfolio_db": tmp_path / "portfolio.sqlite3"})
    app = create_app(local, pipeline=habilitant)
    with live_server(app) as url:
        run = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "run",
                f"{url}/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                str(EXAMPLES),
                "--seed",
                str(SEED),
                "--workers",
                "1",
                "--no-shrink",
                "--report",
                "junit",
                "--report-junit-path",
                str(tmp_path / "schemathesis.xml"),
            ],
            capture_output=True,
            text=True,
            timeout=1200,
            cwd=tmp_path,
        )
    output = run.stdout + run.stderr
    generated = re.search(r"(\d+) generated", output)
    assert generated, output[-3000:]
    assert int(generated.group(1)) >= 1000, output[-3000:]
    assert run.returncode == 0, output[-6000:]
