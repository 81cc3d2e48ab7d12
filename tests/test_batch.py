"""Batch enrichment on the real pipeline: formats, bad rows, resuming after an interruption
(exception and SIGKILL), and a 2-worker local Dask cluster giving the single-process output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from habilitant.batch import EnrichOptions, enrich
from habilitant.batch.table_io import read_rows
from habilitant.errors import InputError, UnknownCodeError

pytestmark = pytest.mark.integration

NARRATIVES = [
    "J'étais caissière en intérim : l'encaissement, la mise en rayon et l'accueil des clients.",
    "J'ai fait des remplacements en EHPAD : la toilette des résidents, l'aide aux repas.",
    "Développeur web : je réalisais les pages web en HTML et CSS et la base de données MySQL.",
    "Bonjour, il fait beau aujourd'hui.",
    "Saisonnier aux vendanges, puis cariste : je conduisais un chariot élévateur en entrepôt.",
    "Assistante RH : je gérais les contrats de travail et je préparais les éléments de paie.",
]


class Crash(Exception):
    """Stands for any failure in the middle of a batch."""


def _table(path: Path, bad_rows: bool = True) -> Path:
    rows = [{"ref": f"p{i}", "recit": text} for i, text in enumerate(NARRATIVES)]
    if bad_rows:
        rows += [{"ref": "vide", "recit": ""}, {"ref": "long", "recit": "mot " * 6000}]
    frame = pd.DataFrame(rows)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_csv(path, index=False)
    return path


def _run(settings, habilitant, source: Path, output: Path, **kwargs):  # type: ignore[no-untyped-def]
    return enrich(
        settings,
        source,
        output,
        text_column="recit",
        id_column="ref",
        load_pipeline=lambda: habilitant,
        **kwargs,
    )


@pytest.fixture(scope="module")
def reference(settings, habilitant, tmp_path_factory) -> Path:
    """One uninterrupted single-process run (with a target), to compare others with."""
    folder = tmp_path_factory.mktemp("reference")
    source = _table(folder / "recits.csv")
    with open(source, "ab") as handle:  # a row that is not UTF-8
        handle.write(b"latin1,caissi\xe8re en int\xe9rim\n")
    output = folder / "enrichi.csv"
    report = _run(
        settings,
        habilitant,
        source,
        output,
        options=EnrichOptions(certification="RNCP37674"),
        chunk_rows=2,
    )
    assert report.rows == len(NARRATIVES) + 3 and report.errors == 3
    return output


def test_batch_writes_one_row_per_statement_and_coverage_per_bloc(reference: Path) -> None:
    statements = pd.read_csv(reference)
    assert list(statements.columns)[:7] == [
        "id",
        "competence_id",
        "libelle",
        "referentiel",
        "kind",
        "decision",
        "score",
    ]
    assert "evidence" in statements.columns
    assert {"p0", "p1", "p2", "p4", "p5"} <= set(statements["id"])
    assert "p3" not in set(statements["id"])  # unrelated text: no statement
    for row in statements.itertuples():
        evidence = json.loads(row.evidence)
        text = NARRATIVES[int(row.id[1:])]
        assert all(text[e["start"] : e["end"]] == e["text"] for e in evidence)
    coverage = pd.read_csv(reference.with_name("enrichi.coverage.csv"))
    assert set(coverage["bloc"]) == {"RNCP37674BC01", "RNCP37674BC02"}
    assert len(coverage) == 2 * len(NARRATIVES)


def test_batch_bad_rows_go_to_the_errors_file_with_a_reason(reference: Path) -> None:
    errors = pd.read_csv(reference.with_name("enrichi.errors.csv"))
    by_id = dict(zip(errors["id"], errors["code"], strict=True))
    assert by_id == {
        "vide": "texte_vide",
        "long": "texte_trop_long",
        "latin1": "texte_non_decodable",
    }
    assert all(isinstance(reason, str) and reason for reason in errors["reason"])


def test_batch_resumes_after_an_interruption_to_the_same_output(
    settings, habilitant, reference: Path, tmp_path: Path
) -> None:
    source = tmp_path / "recits.csv"
    source.write_bytes(reference.with_name("recits.csv").read_bytes())
    output = tmp_path / "enrichi.csv"

    def stop_after_two(done: int, total: int) -> None:
        if done >= 4:
            raise Crash("interrupted")

    options = EnrichOptions(certification="RNCP37674")
    with pytest.raises(Crash):
        _run(
            settings,
            habilitant,
            source,
            output,
            options=options,
            chunk_rows=2,
            progress=stop_after_two,
        )
    assert not output.exists()
    assert len(list((tmp_path / "enrichi.csv.parts").glob("chunk-*.json"))) == 2
    report = _run(settings, habilitant, source, output, options=options, chunk_rows=2)
    assert report.skipped_chunks == 2
    assert output.read_bytes() == reference.read_bytes()
    assert (
        output.with_name("enrichi.coverage.csv").read_bytes()
        == reference.with_name("enrichi.coverage.csv").read_bytes()
    )
    assert not (tmp_path / "enrichi.csv.parts").exists()
    again = _run(settings, habilitant, source, output, options=options, chunk_rows=2)
    assert again.already_done
    # Parts left by an interrupted run with other options are refused, unless --restart.
    with pytest.raises(Crash):
        _run(settings, habilitant, source, output, chunk_rows=3, progress=stop_after_two)
    with pytest.raises(InputError, match="autre fichier ou avec d'autres options"):
        _run(settings, habilitant, source, output, options=options, chunk_rows=2)
    assert output.read_bytes() == reference.read_bytes()  # the finished output is untouched
    restarted = _run(settings, habilitant, source, output, chunk_rows=3, restart=True)
    assert restarted.skipped_chunks == 0 and not restarted.already_done


def test_batch_resumes_after_sigkill(settings, habilitant, reference: Path, tmp_path: Path) -> None:
    source = tmp_path / "recits.csv"
    source.write_bytes(reference.with_name("recits.csv").read_bytes())
    output = tmp_path / "enrichi.csv"
    command = [
        sys.executable, "-m", "habilitant",
        "--referentiels", str(settings.referentiels), "--models-dir", str(settings.models_dir),
        "enrich", str(source), str(output), "--text-column", "recit", "--id-column", "ref",
        "--certification", "RNCP37674", "--chunk-rows", "2",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = tmp_path / "enrichi.csv.parts"
    deadline = time.monotonic() + 240
    while not list(parts.glob("chunk-*.json")) and process.poll() is None:
        assert time.monotonic() < deadline, "no chunk written in 240 s"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done = len(list(parts.glob("chunk-*.json")))
    assert done >= 1 and not output.exists()
    report = _run(
        settings,
        habilitant,
        source,
        output,
        options=EnrichOptions(certification="RNCP37674"),
        chunk_rows=2,
    )
    assert report.skipped_chunks == done
    assert output.read_bytes() == reference.read_bytes()


def test_batch_on_a_two_worker_dask_cluster_gives_the_same_output(
    settings, reference: Path, tmp_path: Path
) -> None:
    source = tmp_path / "recits.csv"
    source.write_bytes(reference.with_name("recits.csv").read_bytes())
    output = tmp_path / "enrichi.csv"
    report = enrich(
        settings,
        source,
        output,
        text_column="recit",
        id_column="ref",
        options=EnrichOptions(certification="RNCP37674"),
        engine="dask",
        workers=2,
        chunk_rows=2,
    )
    assert report.cluster["workers"] == 2 and report.cluster["threads"] == 2
    assert output.read_bytes() == reference.read_bytes()
    assert (
        output.with_name("enrichi.errors.csv").read_bytes()
        == reference.with_name("enrichi.errors.csv").read_bytes()
    )


@pytest.mark.parametrize(
    ("source_name", "output_name"), [("in.parquet", "out.jsonl"), ("in.jsonl", "out.parquet")]
)
def test_batch_reads_and_writes_parquet_and_jsonl(
    settings, habilitant, tmp_path: Path, source_name: str, output_name: str
) -> None:
    source = _table(tmp_path / source_name, bad_rows=False)
    output = tmp_path / output_name
    report = _run(settings, habilitant, source, output, chunk_rows=4)
    assert report.rows == len(NARRATIVES) and report.errors == 0
    frame = (
        pd.read_parquet(output) if output.suffix == ".parquet" else pd.read_json(output, lines=True)
    )
    assert len(frame) == report.statements > 0
    assert set(frame["decision"]) <= {"attested", "to_confirm"}


def test_batch_refuses_bad_files_and_options_before_any_work(
    settings, habilitant, tmp_path: Path
) -> None:
    source = _table(tmp_path / "recits.csv", bad_rows=False)
    with pytest.raises(InputError, match="Colonne\\(s\\) absente\\(s\\).*texte"):
        enrich(settings, source, tmp_path / "o.csv", text_column="texte", id_column="ref")
    with pytest.raises(InputError, match="non pris en charge"):
        _run(settings, habilitant, source, tmp_path / "o.xlsx")
    with pytest.raises(UnknownCodeError):
        _run(
            settings,
            habilitant,
            source,
            tmp_path / "o.csv",
            options=EnrichOptions(certification="RNCP00001"),
        )
    with pytest.raises(InputError, match="introuvable"):
        _run(settings, habilitant, tmp_path / "absent.csv", tmp_path / "o.csv")
    assert not list(tmp_path.glob("o.*"))


def test_batch_reads_rows_in_file_order_with_positions(tmp_path: Path) -> None:
    source = _table(tmp_path / "recits.csv")
    chunks = list(read_rows(source, text_column="recit", id_column="ref", chunk_rows=3))
    rows = [row for chunk in chunks for row in chunk]
    assert [len(c) for c in chunks] == [3, 3, 2]
    assert [r.position for r in rows] == list(range(8))
    assert rows[6].id == "vide" and rows[6].text is None


def test_batch_jsonl_keeps_integer_ids_and_refuses_bad_lines_only(
    settings, habilitant, tmp_path: Path
) -> None:
    source = tmp_path / "recits.jsonl"
    source.write_text(
        json.dumps({"ref": 1, "recit": NARRATIVES[0]}, ensure_ascii=False)
        + "\n{pas du json\n"
        + json.dumps({"recit": NARRATIVES[2]}, ensure_ascii=False)
        + "\n"
        + json.dumps({"ref": 3, "recit": NARRATIVES[1]}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    output = tmp_path / "out.csv"
    report = _run(settings, habilitant, source, output, chunk_rows=1)
    assert report.rows == 4 and report.errors == 1
    ids = set(pd.read_csv(output, dtype=str)["id"])
    assert {"1", "3"} <= ids and "1.0" not in ids
    errors = pd.read_csv(output.with_name("out.errors.csv"), dtype=str)
    assert list(errors["code"]) == ["ligne_invalide"] and list(errors["id"]) == ["ligne 2"]


def test_batch_csv_unterminated_quote_is_one_error_row_and_loses_no_other_row(
    settings, habilitant, tmp_path: Path
) -> None:
    source = tmp_path / "recits.csv"
    source.write_text(
        "ref,recit\n"
        f'1,"{NARRATIVES[0]}\n'  # the quote is never closed on this record
        f'2,"{NARRATIVES[1]}"\n'
        f'3,"{NARRATIVES[2][:40]}\n{NARRATIVES[2][40:]}"\n'  # a legitimate multi-line cell
        f"4,{NARRATIVES[4].replace(',', ' ')},en trop\n"
        f"5,{NARRATIVES[5].replace(',', ' ')}\n",
        encoding="utf-8",
    )
    rows = [
        row for chunk in read_rows(source, text_column="recit", id_column="ref") for row in chunk
    ]
    assert [row.id for row in rows] == ["ligne 2", "2", "3", "ligne 6", "5"]
    assert rows[2].text == NARRATIVES[2][:40] + "\n" + NARRATIVES[2][40:]
    output = tmp_path / "out.csv"
    report = _run(settings, habilitant, source, output, chunk_rows=2)
    assert report.rows == 5 and report.errors == 2
    assert {"2", "3", "5"} <= set(pd.read_csv(output, dtype=str)["id"])
    errors = pd.read_csv(output.with_name("out.errors.csv"), dtype=str)
    assert list(errors["id"]) == ["ligne 2", "ligne 6"]
    assert set(errors["code"]) == {"ligne_invalide"}
    assert all("guillemet" in reason for reason in errors["reason"])


def test_batch_refuses_an_unknown_referentiel_before_any_work(
    settings, habilitant, tmp_path: Path
) -> None:
    source = _table(tmp_path / "recits.csv", bad_rows=False)
    with pytest.raises(UnknownCodeError, match="pas-un-referentiel"):
        _run(
            settings,
            habilitant,
            source,
            tmp_path / "o.csv",
            options=EnrichOptions(referentiels=("pas-un-referentiel",)),
        )
    assert not list(tmp_path.glob("o.*"))


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_batch_table_writer_streams_chunks_into_one_table(tmp_path: Path, suffix: str) -> None:
    from habilitant.batch.rows import ERROR_SCHEMA
    from habilitant.batch.table_io import TableWriter

    path = tmp_path / f"errors{suffix}"
    writer = TableWriter(path, ERROR_SCHEMA)
    writer.write([{"row": 0, "id": "a", "code": "texte_vide", "reason": "Le texte est vide."}])
    writer.write([])
    writer.write([{"row": 5, "id": "b", "code": "x", "reason": "« guillemets », virgule, ok"}])
    assert not path.exists()  # nothing visible before commit
    assert writer.commit() == 2
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
    elif suffix == ".jsonl":
        frame = pd.read_json(path, lines=True, dtype=False)
    else:
        frame = pd.read_csv(path)
    assert list(frame.columns) == list(ERROR_SCHEMA)
    assert list(frame["row"]) == [0, 5] and frame["reason"][1] == "« guillemets », virgule, ok"
    empty = TableWriter(tmp_path / f"empty{suffix}", ERROR_SCHEMA)
    assert empty.commit() == 0 and (tmp_path / f"empty{suffix}").is_file()
