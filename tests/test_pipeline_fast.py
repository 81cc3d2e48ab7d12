"""The whole matching path on a tiny synthetic referential, with fakes for the encoder
(:class:`tests.fakes.HashingEncoder`) and for spaCy (``spacy.blank("fr")``): segments, dense
and lexical evidence, the fiche structure, fusion and statements (fast tier: no model, no
index on disk beyond a temporary one, no ../shared)."""

from __future__ import annotations

import pytest
import spacy

from habilitant.domain import Competence, Parent, Referentiel, SourceFile
from habilitant.index import build_index, load_index
from habilitant.pipeline import Habilitant
from habilitant.settings import get_settings
from tests.fakes import HashingEncoder

CAISSE = Parent(kind="fiche", code="D1505", libelle="Personnel de caisse")
CUISINE = Parent(kind="fiche", code="G1602", libelle="Personnel de cuisine")
ITEMS = [
    ("1", "Encaisser le montant d'une vente", CAISSE),
    ("2", "Accueillir les clients en caisse", CAISSE),
    ("3", "Ranger les produits en rayon", CAISSE),
    ("4", "Faire la plonge et laver la vaisselle", CUISINE),
    ("5", "Éplucher et découper les légumes", CUISINE),
    ("6", "Dresser les assiettes pour le service", CUISINE),
]
NARRATIVE = (
    "J'étais plongeur dans un restaurant : je faisais la plonge, je lavais la vaisselle et "
    "j'épluchais les légumes."
)


def _referentiel() -> Referentiel:
    return Referentiel(
        name="rome",
        title="ROME de test",
        version="1",
        sources=(SourceFile(path="test.csv", sha256="b" * 64, size=1),),
        competences=tuple(
            Competence(
                id=f"rome:{code}",
                referentiel="rome",
                code=code,
                libelle=wording,
                kind="competence",
                parents=(fiche,),
            )
            for code, wording, fiche in ITEMS
        ),
    )


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Habilitant:
    root = tmp_path_factory.mktemp("fast")
    encoder = HashingEncoder(dimension=256)
    build_index([_referentiel()], encoder, root / "index", cache_dir=root / "cache")
    index = load_index(root / "index", encoder=encoder)
    return Habilitant(
        get_settings(models_dir=root), encoder=encoder, index=index, nlp=spacy.blank("fr")
    )


def test_pipeline_fast_ranks_the_items_and_the_fiche_the_narrative_describes(pipeline) -> None:
    ranking = pipeline.rank(NARRATIVE)
    assert ranking.segments and ranking.fused is not None
    scores = pipeline.item_scores(ranking)
    assert scores is not None
    entries = pipeline.index.entries
    best = sorted(range(len(entries)), key=lambda i: -scores[i])
    top = [entries[i].code for i in best if entries[i].kind == "competence"][:2]
    assert set(top) == {"4", "5"}  # the plonge and the vegetables, not the till
    structure = pipeline.matcher.structure
    fiches = structure.group_ids("fiche", ["rome"])
    by_code = {structure.groups[g].code: ranking.fused.group_scores[g] for g in fiches}
    assert by_code["G1602"] > by_code["D1505"]


def test_pipeline_fast_statements_quote_the_narrative_exactly(pipeline) -> None:
    analysis = pipeline.analyse(NARRATIVE)
    for segment in analysis.segments:
        assert NARRATIVE[segment.start : segment.end] == segment.text
    for statement in analysis.statements:
        assert statement.referentiel == "rome"
        assert statement.libelle in {wording for _, wording, _ in ITEMS}
        for evidence in statement.evidence:
            assert NARRATIVE[evidence.start : evidence.end] == evidence.text
    codes = {s.code for s in analysis.statements}
    assert not codes & {"1", "2", "3"}  # nothing of the till is claimed
