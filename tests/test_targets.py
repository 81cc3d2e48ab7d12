"""Targets on the real referentials: blocs and statements as the referential words them."""

from __future__ import annotations

import pytest

from habilitant.errors import UnknownCodeError
from habilitant.targets import TITLES_ONLY_NOTE, resolve_target

pytestmark = pytest.mark.integration


def test_targets_rncp_certification_has_its_blocs_and_competence_lists(catalog) -> None:
    target = resolve_target(catalog, "rncp 37674")
    assert (target.code, target.kind, target.depth) == ("RNCP37674", "certification", "competences")
    assert [b.code for b in target.blocs] == ["RNCP37674BC01", "RNCP37674BC02"]
    assert all(len(b.items) == 4 for b in target.blocs)
    first = target.blocs[0].items[0]
    assert first.competence_id == "rncp:RNCP37674BC01:1"
    assert first.libelle == catalog.competence(first.competence_id).libelle
    assert target.actif and target.niveau == "5" and target.notes == ()


def test_targets_titles_only_certification_is_judged_on_bloc_titles(catalog) -> None:
    code = next(
        c.code for c in catalog.certifications.values() if c.depth == "bloc_titles" and c.actif
    )
    target = resolve_target(catalog, code)
    assert target.depth == "bloc_titles" and TITLES_ONLY_NOTE in target.notes
    for bloc in target.blocs:
        assert [i.libelle for i in bloc.items] == [bloc.libelle]
        assert bloc.items[0].competence_id == f"rncp-2021:{bloc.code}"


@pytest.mark.parametrize(
    ("code", "successor"), [("RNCP35419", "RNCP42147"), ("RS5000", "RS6604"), ("RS6232", "RS7485")]
)
def test_targets_inactive_certification_says_so_and_names_its_successor(
    catalog, code: str, successor: str
) -> None:
    target = resolve_target(catalog, code)
    assert not target.actif
    assert any("n'est plus active" in note for note in target.notes)
    assert any(successor in note and "remplacée" in note for note in target.notes)
    assert successor in target.successors


def test_targets_rome_fiche_groups_competences_by_macro_competence(catalog) -> None:
    fiche = catalog.fiche("J1501")
    target = resolve_target(catalog, "j1501")
    assert target.kind == "fiche" and target.libelle == fiche.libelle
    items = [i.competence_id for b in target.blocs for i in b.items]
    assert sorted(items) == sorted(link.competence_id for link in fiche.items)
    assert target.blocs[-2].libelle == "Savoirs"
    assert target.blocs[-1].libelle == "Savoir-être professionnels"
    macro_blocs = target.blocs[:-2]
    for bloc in macro_blocs:
        for item in bloc.items:
            competence = catalog.competence(item.competence_id)
            macros = {p.libelle for p in competence.parents if p.kind == "macro_competence"}
            assert bloc.libelle in macros or competence.libelle == bloc.libelle


def test_targets_emploi_type_of_a_branch_referential(catalog) -> None:
    emploi = next(iter(catalog.emplois_types.values()))
    target = resolve_target(catalog, emploi.code)
    assert target.kind == "emploi_type"
    assert [b.libelle for b in target.blocs][0] == "Activités"
    assert sum(len(b.items) for b in target.blocs) == len(emploi.activite_ids) + len(
        emploi.competence_ids
    )


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("RNCP99999999", "La certification RNCP99999999 est inconnue"),
        ("Z9999", "n'existe dans aucun référentiel"),
        ("  ", "Aucune cible"),
    ],
)
def test_targets_unknown_code_is_a_clear_error(catalog, code: str, message: str) -> None:
    with pytest.raises(UnknownCodeError, match=message):
        resolve_target(catalog, code)
