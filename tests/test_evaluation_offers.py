"""``evaluate_offers`` on the real model and index: three systems on the same cases, and the
labels the loaded ROME lacks left out of the metrics (counted), never counted as misses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from habilitant.errors import InputError
from habilitant.evaluation.datasets import load_eval_cases
from habilitant.evaluation.offers import SYSTEMS, evaluate_offers
from habilitant.evaluation.report import offers_table

pytestmark = pytest.mark.integration

TEXT = "Vous servez les plats en salle, prenez les commandes des clients et dressez les tables."


def _code(habilitant, libelle: str) -> str:
    return next(
        e.code for e in habilitant.index.entries if e.referentiel == "rome" and e.libelle == libelle
    )


def _write(path: Path, cases: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases), "utf-8")
    return path


def test_evaluate_offers_scores_known_labels_and_counts_unknown_ones(
    habilitant, tmp_path: Path
) -> None:
    expected = [
        {"code": _code(habilitant, "Prendre une commande client")},
        {"code": _code(habilitant, "Effectuer le service des plats à table")},
    ]
    cases = [
        {"id": "a", "text": TEXT, "rome_fiche": "G1803", "expected_items": expected},
        # Same text, labels of another ROME version: left out, not misses.
        {"id": "b", "text": TEXT, "rome_fiche": "Z9999", "expected_items": [{"code": "0"}]},
    ]
    path = _write(tmp_path / "set.jsonl", cases)
    report = evaluate_offers(habilitant, load_eval_cases(path), dataset=path.name)
    assert report["n"] == 2 and set(SYSTEMS) <= set(report["systems"])
    # The matcher's own ranking is shown beside the learned one when one was trained.
    learned = habilitant.item_prior is not None
    assert ("habilitant, matcher only" in report["systems"]) == learned
    assert report["labels"] == {
        "expected_items": 3,
        "unknown_items": 1,
        "unknown_fiches": 1,
        "unknown_examples": ["0", "Z9999"],
    }
    ours = report["systems"]["habilitant"]
    assert ours["n_items"] == 1 and ours["n_fiches"] == 1  # case b counts for nothing
    assert ours["recall@5"] == 1.0  # both items among the first five
    assert ours["fiche_acc@1"] == 1.0  # Serveur / Serveuse en restauration
    matcher = report["systems"]["habilitant, matcher only" if learned else "habilitant"]
    assert matcher["recall@5"] == 1.0 and matcher["mrr"] == 1.0  # both ranked first
    table = offers_table(report)
    assert "1 item(s) attendu(s) sur 3 et 1 fiche(s) absents du ROME chargé" in table


def test_evaluate_offers_with_no_known_label_gives_no_number(habilitant, tmp_path: Path) -> None:
    case = {"id": "b", "text": TEXT, "rome_fiche": "Z9999", "expected_items": [{"code": "0"}]}
    path = _write(tmp_path / "set.jsonl", [case])
    report = evaluate_offers(habilitant, load_eval_cases(path))
    for system in report["systems"].values():
        assert system["mrr"] is None and system["fiche_acc@1"] is None
    assert "—" in offers_table({**report, "dataset": "set.jsonl"})


def test_evaluation_set_without_cases_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "vide.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="ne contient aucun cas"):
        load_eval_cases(path)
