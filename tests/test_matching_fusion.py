"""Structure pooling, fusion and decisions on a small hand-made index."""

from __future__ import annotations

import numpy as np

from habilitant.domain import Parent
from habilitant.index_entries import IndexEntry
from habilitant.matching.fusion import MatchingConfig, centre, decide, fuse
from habilitant.matching.overlap import TermOverlap
from habilitant.matching.structure import Structure

CAISSE = Parent("fiche", "D1505", "Personnel de caisse", role="Principale")
CAISSE_OTHER = Parent("fiche", "D1505", "Personnel de caisse")
SOINS = Parent("fiche", "J1501", "Aide-soignant")
ENTRIES = [
    IndexEntry("rome:1", "rome", "competence", "1", "Tenir une caisse", (CAISSE,)),
    IndexEntry("rome:2", "rome", "savoir", "2", "Règles d'encaissement", (CAISSE_OTHER,)),
    IndexEntry("rome:3", "rome", "competence", "3", "Réaliser la toilette", (SOINS,)),
    IndexEntry("rome:fiche:D1505", "rome", "fiche", "D1505", "Personnel de caisse"),
    IndexEntry("rome:fiche:J1501", "rome", "fiche", "J1501", "Aide-soignant"),
    IndexEntry(
        "rome:fiche:J1501/appellation/1",
        "rome",
        "appellation",
        "J1501",
        "Aide-soignante",
        (Parent("fiche", "J1501", "Aide-soignant"),),
    ),
]


def test_structure_links_members_titles_and_core_roles() -> None:
    structure = Structure.from_entries(ENTRIES)
    caisse = structure.group_position[("rome", "fiche", "D1505")]
    soins = structure.group_position[("rome", "fiche", "J1501")]
    assert structure.sizes[caisse] == 2 and structure.sizes[soins] == 1
    assert structure.titles[soins].indices.tolist() == [4, 5]  # title + appellation
    assert structure.statement_mask.tolist() == [True, True, True, False, False, False]
    spread = structure.spread(_weights(structure, {caisse: 1.0, soins: 0.5}), core_weight=1.0)
    assert spread.tolist()[:3] == [2.0, 1.0, 0.5]  # the core link is doubled


def _weights(structure: Structure, values: dict[int, float]) -> np.ndarray:
    out = np.zeros(len(structure.groups), dtype=np.float32)
    for group, value in values.items():
        out[group] = value
    return out


def test_structure_pooling_tends_to_max_for_large_beta() -> None:
    structure = Structure.from_entries(ENTRIES)
    evidence = np.array([0.3, 0.1, 0.2, 0, 0, 0], dtype=np.float32)
    caisse = structure.group_position[("rome", "fiche", "D1505")]
    sharp = structure.pool_members(evidence, 1000.0)[caisse]
    soft = structure.pool_members(evidence, 1.0)[caisse]
    assert abs(sharp - 0.3) < 0.01
    assert 0.19 < soft < 0.21  # close to the mean 0.2


def test_centre_subtracts_the_mean_over_statements() -> None:
    sims = np.array([[0.9, 0.8, 0.7, 0.0, 0.0, 0.0]], dtype=np.float32)
    centred = centre(sims, np.array([True, True, True, False, False, False]))
    assert np.allclose(centred[0, :3], [0.1, 0.0, -0.1])


def test_fusion_structure_lifts_items_of_the_supported_fiche() -> None:
    structure = Structure.from_entries(ENTRIES)
    sets = [structure.group_ids("fiche", ["rome"])]
    # One segment resembling "caisse" items and the caisse fiche title.
    dense = np.array([[0.10, 0.05, 0.05, 0.10, 0.0, 0.0]], dtype=np.float32)
    config = MatchingConfig(
        lexical_weight=0.0, structure_weight=0.1, principal_weight=0.0, group_floor=0.0
    )
    fused = fuse(dense, None, structure, config, sets)
    caisse = structure.group_position[("rome", "fiche", "D1505")]
    assert fused.group_posterior[caisse] == 1.0
    # rome:2 and rome:3 have the same evidence; only rome:2 sits in the supported fiche.
    assert fused.score[1] > fused.score[2]
    assert fused.evidence[1] == fused.evidence[2]


def test_fusion_lexical_overlap_counts_shared_words() -> None:
    overlap = TermOverlap.build([["tenir", "caisse"], ["regle", "encaissement"], ["toilett"]])
    matrix = overlap.matrix([["caisse"], ["toilett", "residents"]])
    assert matrix[0, 0] > 0 and matrix[0, 1] == 0 and matrix[0, 2] == 0
    assert matrix[1, 2] == 1.0


def test_decide_says_nothing_below_thresholds() -> None:
    config = MatchingConfig(
        attested_evidence=0.2, confirm_evidence=0.1, attested_score=0.2, confirm_score=0.1
    )
    assert decide(0.25, 0.3, config) == "attested"
    assert decide(0.15, 0.3, config) == "to_confirm"
    assert decide(0.25, 0.15, config) == "to_confirm"
    assert decide(0.05, 0.9, config) is None  # structure alone never attests


def test_fusion_named_job_is_certain_and_lowers_the_confirm_floor() -> None:
    structure = Structure.from_entries(ENTRIES)
    sets = [structure.group_ids("fiche", ["rome"])]
    # The segments resemble the caisse fiche, but the person said « aide-soignante ».
    dense = np.array([[0.10, 0.05, 0.05, 0.10, 0.0, 0.0]], dtype=np.float32)
    config = MatchingConfig(lexical_weight=0.0, structure_weight=0.1, principal_weight=0.0)
    soins = structure.group_position[("rome", "fiche", "J1501")]
    caisse = structure.group_position[("rome", "fiche", "D1505")]
    roles = np.zeros(len(structure.groups), dtype=np.float32)
    roles[soins] = 1.0
    without = fuse(dense, None, structure, config, sets)
    named = fuse(dense, None, structure, config, sets, role_scores=roles)
    assert without.group_posterior[soins] < 1.0 and named.group_posterior[soins] == 1.0
    # The other fiche keeps its own posterior; the named one now ranks first.
    assert named.group_posterior[caisse] == without.group_posterior[caisse]
    assert named.group_scores[soins] > named.group_scores[caisse]
    assert named.named is not None and named.named.tolist()[:3] == [False, False, True]
    assert without.named is None


def test_decide_named_statements_need_less_evidence_to_confirm_never_to_attest() -> None:
    config = MatchingConfig(
        attested_evidence=0.1,
        confirm_evidence=0.06,
        named_confirm_evidence=0.04,
        attested_score=0.28,
        confirm_score=0.22,
    )
    assert decide(0.05, 0.3, config) is None
    assert decide(0.05, 0.3, config, named=True) == "to_confirm"
    assert decide(0.03, 0.3, config, named=True) is None
    assert decide(0.05, 0.2, config, named=True) is None  # the score floor still holds


def test_fusion_best_of_a_small_set_needs_the_floor_for_full_support() -> None:
    structure = Structure.from_entries(ENTRIES)
    sets = [structure.group_ids("fiche", ["rome"])]  # two fiches: a small set
    caisse = structure.group_position[("rome", "fiche", "D1505")]
    weak = np.array([[0.10, 0.05, 0.05, 0.10, 0.0, 0.0]], dtype=np.float32)
    config = MatchingConfig(lexical_weight=0.0, group_floor=0.1, temperature=0.04)
    posterior = fuse(weak, None, structure, config, sets).group_posterior[caisse]
    assert 0.0 < posterior < 0.5  # the best of two, but far below the floor
    large = MatchingConfig(lexical_weight=0.0, group_floor=0.1, small_set=2)
    assert fuse(weak, None, structure, large, sets).group_posterior[caisse] == 1.0
    strong = weak * 4
    assert fuse(strong, None, structure, config, sets).group_posterior[caisse] == 1.0
