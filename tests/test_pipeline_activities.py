"""One matching path and the per-activity decision, on the real model, index and referentials."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from habilitant.evaluation.narratives import habilitant_outcome
from habilitant.evaluation.offers import RomeView
from habilitant.matching.ranking import rank_reading

pytestmark = pytest.mark.integration

SIX = (
    "Serveuse dans une brasserie pendant deux ans : je prenais les commandes, je servais les "
    "plats, j'encaissais les clients. Avant j'étais commis de cuisine dans un restaurant : "
    "j'épluchais les légumes, je faisais la plonge et je préparais les entrées."
)


def test_tuning_path_and_analyse_give_identical_scores(habilitant) -> None:
    # What scripts/tune_matching.py does: read once (a pickled reading, as its cache keeps
    # it), then rank and decide through evaluation.narratives under a configuration.
    reading = pickle.loads(pickle.dumps(habilitant.read(SIX)))
    tuned = rank_reading(habilitant.matcher, reading, habilitant.config)
    production = habilitant.rank(SIX)
    assert np.array_equal(tuned.fused.score, production.fused.score)
    assert np.array_equal(tuned.fused.group_scores, production.fused.group_scores)
    outcome = habilitant_outcome(habilitant, SIX, tuned, RomeView.from_pipeline(habilitant))
    analysis = habilitant.analyse(SIX, referentiels=["rome"])
    assert outcome.stated == tuple(s.code for s in analysis.statements)
    assert [s.score for s in habilitant.analyse(SIX, ranking=tuned).statements] == [
        s.score for s in habilitant.analyse(SIX).statements
    ]
    # The decision tuning tries is the one analyse takes: a stricter one states nothing.
    tuned_decision = habilitant.decision
    try:
        habilitant.decision = dataclasses.replace(
            tuned_decision, confirm_evidence=1.0, named_confirm_evidence=1.0
        )
        assert not habilitant_outcome(
            habilitant, SIX, tuned, RomeView.from_pipeline(habilitant)
        ).stated
    finally:
        habilitant.decision = tuned_decision


def test_six_activities_are_six_answered_activities(habilitant) -> None:
    analysis = habilitant.analyse(SIX, referentiels=["rome"])
    roles = {s.context.role.lower() for s in analysis.segments}
    activities = [s for s in analysis.segments if s.text.lower() not in roles]
    assert len(activities) == 6, [s.text for s in analysis.segments]
    answered = {(e.start, e.end) for s in analysis.statements for e in s.evidence[:1]}
    for segment in activities:
        assert (segment.start, segment.end) in answered, (
            segment.text,
            [(s.libelle, [e.text for e in s.evidence]) for s in analysis.statements],
        )
    assert len(analysis.statements) <= 2 * len(activities)


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour, je m'appelle Julie et j'habite à Lyon depuis deux ans.",
        "J'adore la cuisine et les voyages, et le week-end je regarde le foot.",
    ],
)
def test_a_text_without_work_states_nothing(habilitant, text: str) -> None:
    assert habilitant.analyse(text).statements == ()
