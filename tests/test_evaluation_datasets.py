"""Evaluation set readers: the JSONL format, rncp-search-cases.json, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from habilitant.errors import InputError
from habilitant.evaluation.datasets import (
    EvalCase,
    RncpSearchCase,
    applicable_search_cases,
    load_eval_cases,
    load_rncp_habilitation_cases,
    load_rncp_search_cases,
    load_rncp_validity_cases,
)

CASE_WITH_ITEMS = {
    "id": "A1",
    "title": "Aide à domicile (H/F)",
    "text": "Vous préparez les repas des résidents.",
    "rome_fiche": "K1302",
    "expected_items": [
        {"code": "107834", "libelle": "Évaluer les besoins de la personne", "kind": "competence"},
        {"code": 100341, "libelle": "Procédures d'encaissement", "kind": "savoir"},
        {"code": "107834", "libelle": "Évaluer les besoins de la personne", "kind": "competence"},
    ],
}
CASE_WITHOUT_ITEMS = {
    "id": "A2",
    "title": "Serveur",
    "text": "Service en salle.",
    "rome_fiche": "G1803",
    "expected_items": [],
}


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_datasets_read_cases_with_unique_codes_in_order(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "set.jsonl",
        [json.dumps(CASE_WITH_ITEMS, ensure_ascii=False), "", json.dumps(CASE_WITHOUT_ITEMS)],
    )
    cases = load_eval_cases(path)
    assert [c.id for c in cases] == ["A1", "A2"]
    first = cases[0]
    assert isinstance(first, EvalCase)
    assert first.rome_fiche == "K1302"
    assert first.expected_codes == ("107834", "100341")  # integer code read as text, deduped
    assert [item.kind for item in first.expected_items] == ["competence", "savoir", "competence"]
    assert first.has_expected_items and not cases[1].has_expected_items


def test_datasets_keep_cases_without_items_unless_asked(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "set.jsonl", [json.dumps(CASE_WITH_ITEMS), json.dumps(CASE_WITHOUT_ITEMS)]
    )
    assert len(load_eval_cases(path)) == 2  # fiche metrics use both
    assert [c.id for c in load_eval_cases(path, with_items_only=True)] == ["A1"]


def test_datasets_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [json.dumps(CASE_WITH_ITEMS), '{"id": "A3",'])
    with pytest.raises(InputError) as error:
        load_eval_cases(path)
    assert "bad.jsonl, ligne 2" in error.value.message
    assert "JSON invalide" in error.value.message


@pytest.mark.parametrize("field", ["id", "text"])
def test_datasets_missing_required_field_is_named(tmp_path: Path, field: str) -> None:
    case = {k: v for k, v in CASE_WITH_ITEMS.items() if k != field}
    path = write_jsonl(tmp_path / "set.jsonl", [json.dumps(case)])
    with pytest.raises(InputError, match=f"ligne 1 : champ « {field} » manquant"):
        load_eval_cases(path)


def test_datasets_item_without_code_is_refused(tmp_path: Path) -> None:
    case = dict(CASE_WITH_ITEMS, expected_items=[{"libelle": "Sans code"}])
    path = write_jsonl(tmp_path / "set.jsonl", [json.dumps(case)])
    with pytest.raises(InputError, match=r"expected_items\[1\] : champ « code »"):
        load_eval_cases(path)


def test_datasets_bad_encoding_reports_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    second = json.dumps(CASE_WITHOUT_ITEMS, ensure_ascii=False).replace("Serveur", "Réceptionniste")
    path.write_bytes((json.dumps(CASE_WITH_ITEMS) + "\n" + second + "\n").encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1\.jsonl, ligne 2 : .*UTF-8"):
        load_eval_cases(path)


def test_datasets_duplicate_id_is_refused(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "set.jsonl", [json.dumps(CASE_WITH_ITEMS)] * 2)
    with pytest.raises(InputError, match="ligne 2 : l'identifiant 'A1' figure déjà ligne 1"):
        load_eval_cases(path)


def test_datasets_missing_file_is_clear(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="introuvable"):
        load_eval_cases(tmp_path / "absent.jsonl")


def test_datasets_applicable_search_cases_skip_absent_numeros() -> None:
    cases = (
        RncpSearchCase("développeur web", ("RNCP37674", "RNCP35959")),
        RncpSearchCase("TOEIC", ("RS7229",)),
    )
    kept = applicable_search_cases(cases, {"RNCP35959", "RNCP99999"})
    assert kept == (RncpSearchCase("développeur web", ("RNCP35959",)),)


def test_datasets_search_case_with_bad_niveau_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps({"search": [{"query": "RH", "niveau": "5", "expect": ["X"]}]}))
    with pytest.raises(InputError, match=r"search\[1\] : « niveau »"):
        load_rncp_search_cases(path)


@pytest.mark.integration
def test_datasets_real_offres_counts(shared_dir: Path) -> None:
    # eval/README.md: 68 offers, 49 with items, 225 items (178 compétences, 47 savoirs).
    cases = load_eval_cases(shared_dir / "eval" / "offres-ft-2025-dev.jsonl")
    assert len(cases) == 68
    assert all(case.rome_fiche for case in cases)
    with_items = [case for case in cases if case.has_expected_items]
    assert len(with_items) == 49
    items = [item for case in with_items for item in case.expected_items]
    assert len(items) == 225
    assert sum(item.kind == "competence" for item in items) == 178
    assert sum(item.kind == "savoir" for item in items) == 47


@pytest.mark.integration
def test_datasets_real_rncp_search_cases(shared_dir: Path) -> None:
    path = shared_dir / "eval" / "rncp-search-cases.json"
    search = load_rncp_search_cases(path)
    assert len(search) == 46
    assert search[0] == RncpSearchCase("développeur web", ("RNCP37674", "RNCP35959"))
    assert RncpSearchCase("cybersécurité", ("RNCP37300",), niveau=6) in search
    validity = load_rncp_validity_cases(path)
    assert len(validity) == 7
    assert any(c.numero == "RS5000" and c.remplacee_par == ("RS6604",) for c in validity)
    habilitation = load_rncp_habilitation_cases(path)
    assert len(habilitation) == 4
    assert habilitation[0].roles == ("former", "evaluer") and habilitation[0].habilite


def test_an_offer_is_evaluated_with_its_title_once() -> None:
    from habilitant.evaluation.datasets import EvalCase

    dev_like = EvalCase("1", "Aide-soignant (H/F)", "Vous assurez les soins.", "J1501", ())
    assert dev_like.offer_text == "Aide-soignant (H/F)\nVous assurez les soins."
    train_like = EvalCase("2", "Cariste", "Cariste\nConduite de chariots.", "N1101", ())
    assert train_like.offer_text == "Cariste\nConduite de chariots."
    assert EvalCase("3", " ", "Texte seul.", None, ()).offer_text == "Texte seul."
