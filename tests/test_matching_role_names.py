"""Job titles said in a narrative -> the referentials' names of jobs (hand-made index)."""

from __future__ import annotations

import numpy as np

from habilitant.domain import Parent
from habilitant.index_entries import IndexEntry
from habilitant.matching.role_names import RoleNames, name_variants, normalise
from habilitant.matching.structure import Structure


def _appellation(fiche: str, libelle: str, number: int) -> IndexEntry:
    return IndexEntry(
        f"rome:{fiche}/appellation/{number}",
        "rome",
        "appellation",
        fiche,
        libelle,
        (Parent("fiche", fiche, fiche),),
    )


ENTRIES = [
    IndexEntry(
        "rome:1", "rome", "competence", "1", "Réaliser des soins", (Parent("fiche", "J1501", "AS"),)
    ),
    IndexEntry("rome:2", "rome", "competence", "2", "Nettoyer", (Parent("fiche", "J1301", "ASH"),)),
    IndexEntry("rome:3", "rome", "competence", "3", "Encadrer", (Parent("fiche", "H2504", "C"),)),
    IndexEntry("rome:4", "rome", "competence", "4", "Animer", (Parent("fiche", "I1101", "D"),)),
    IndexEntry("rome:fiche:J1501", "rome", "fiche", "J1501", "Aide-soignant / Aide-soignante"),
    _appellation("J1301", "Agent / Agente de service hospitalier (ASH)", 1),
    _appellation("J1501", "Aide-soignant hospitalier / Aide-soignante hospitalière", 2),
    _appellation("H2504", "Chef d'équipe", 3),
    _appellation("I1101", "Chef d'équipe", 4),
    _appellation("M1803", "Responsable des systèmes d'information (SI)", 5),
    IndexEntry("rncp:RNCP1", "rncp", "certification", "RNCP1", "Santé (fiche nationale)"),
    IndexEntry(
        "rncp:RNCP1BC01",
        "rncp",
        "bloc",
        "RNCP1BC01",
        "Recrutement",
        (Parent("certification", "RNCP1", "Santé"),),
    ),
    IndexEntry(
        "rome:J1501/definition",
        "rome",
        "description",
        "J1501",
        "Réalise des soins d'hygiène auprès d'une secrétaire",
        (Parent("fiche", "J1501", "AS"),),
    ),
]


def test_variants_split_gendered_forms_and_keep_acronyms() -> None:
    assert name_variants("Conducteur / Conductrice d'engins agricoles") == {
        "conducteur d' engins agricoles",
        "conductrice d' engins agricoles",
    }
    assert name_variants("Agent / Agente de service hospitalier (ASH)") == {
        "agent de service hospitalier",
        "agente de service hospitalier",
        "ash",
    }
    assert name_variants("Chargé-e de la logistique") == {
        "charge de la logistique",
        "chargee de la logistique",
    }
    assert name_variants("Magasinier / Magasinière (H/F)") == {"magasinier", "magasiniere"}
    assert name_variants("Chef / Cheffe d'équipe en plastique/caoutchouc") == {
        "chef d' equipe en plastique caoutchouc",
        "cheffe d' equipe en plastique caoutchouc",
    }
    assert name_variants("technicien d’engins/technicienne d’engins") == {
        "technicien d' engins",
        "technicienne d' engins",
    }
    assert normalise("Aide-Soignante (H/F) de nuit") == "aide soignante de nuit"


def _group(structure: Structure, code: str) -> int:
    return structure.group_position[("rome", "fiche", code)]


def test_roles_name_groups_by_whole_words_longest_first() -> None:
    structure = Structure.from_entries(ENTRIES)
    names = RoleNames.build(structure, ENTRIES)
    soins, ash = _group(structure, "J1501"), _group(structure, "J1301")
    assert names.named_groups("Aide-soignante de nuit").tolist() == [soins]
    assert names.named_groups("aide soignante hospitalière").tolist() == [soins]
    assert names.named_groups("ASH").tolist() == [ash]
    assert names.named_groups("cash").size == 0  # whole words only
    assert names.named_groups("secrétaire").size == 0  # definitions do not name a job
    # Certification and bloc titles are not jobs; « SI » folds to the French « si ».
    assert names.named_groups("santé").size == 0
    assert names.named_groups("recrutement").size == 0
    assert names.named_groups("si besoin").size == 0
    assert names.scores(["vendeuse", "caissière"]) is None


def test_a_name_shared_by_several_groups_names_each_less_surely() -> None:
    structure = Structure.from_entries(ENTRIES)
    scores = RoleNames.build(structure, ENTRIES).scores(["chef d'équipe", "ASH"])
    assert scores is not None
    assert scores[_group(structure, "H2504")] == 0.5 == scores[_group(structure, "I1101")]
    assert scores[_group(structure, "J1301")] == 1.0
    assert np.count_nonzero(scores) == 3


def test_a_leading_name_counts_only_where_it_opens_the_text() -> None:
    structure = Structure.from_entries(ENTRIES)
    names = RoleNames.build(structure, ENTRIES)
    soins = _group(structure, "J1501")
    opening = names.named_groups("Aide-soignante l'été à l'hôpital", leading=True)
    assert opening.tolist() == [soins]
    assert names.named_groups("j'aidais l'aide-soignante", leading=True).size == 0
    scores = names.scores([], leads=["ASH en maison de retraite"])
    assert scores is not None and scores[_group(structure, "J1301")] == 1.0
