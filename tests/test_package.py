"""The front door: importing the package and the CLI loads no heavy library."""

from __future__ import annotations

import subprocess
import sys


def test_package_import_loads_no_torch_faiss_or_spacy() -> None:
    code = (
        "import sys, habilitant, habilitant.cli, habilitant.pipeline;"
        "heavy = [m for m in ('torch', 'faiss', 'spacy', 'sentence_transformers') "
        "if m in sys.modules];"
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_package_exposes_its_front_door() -> None:
    import habilitant

    assert set(habilitant.__all__) >= {
        "CompetenceIndex",
        "Habilitant",
        "load_referentiel",
        "build_index",
    }
    assert callable(habilitant.load_referentiel)
    assert habilitant.Habilitant.__name__ == "Habilitant"
