"""What the interfaces show beside a statement: its official links (:mod:`habilitant.links`)
and its computed neighbours in the other referentials (:mod:`habilitant.neighbours`).

The official tables link métiers and certifications (a ROME fiche or appellation to the
certifications that cite it and to ESCO occupations), not statements: a competence, savoir or
bloc title has no official link of its own, and the links of its fiche or certification are
theirs, not the statement's (a ROME savoir-faire is not « the » ESCO occupation of each fiche
it belongs to). A statement's ``links`` are therefore those of its own item when the tables
give it some, and empty otherwise; its place (its fiches, bloc, certification) is in its
``parents``, and the page opens a fiche on the certifications that prepare for it.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from habilitant.links import Link, links_for
from habilitant.neighbours import Neighbour, NeighbourConfig, NeighbourSpace, neighbours

if TYPE_CHECKING:
    from habilitant.catalog import Catalog
    from habilitant.domain import Analysis, Coverage
    from habilitant.pipeline import Habilitant


@dataclass(frozen=True)
class StatementRelations:
    """A statement's official links (« lien officiel ») and computed neighbours (« proche »)."""

    links: tuple[Link, ...] = ()
    neighbours: tuple[Neighbour, ...] = ()


def statement_links(competence_id: str, catalog: Catalog) -> tuple[Link, ...]:
    """The official links of a statement's own item (none for a competence, see above)."""
    item = catalog.competences.get(competence_id)
    return links_for(item, catalog) if item is not None else ()


def relations(
    competence_ids: Sequence[str],
    catalog: Catalog,
    space: NeighbourSpace,
    config: NeighbourConfig | None = None,
) -> dict[str, StatementRelations]:
    """Links and neighbours of each statement, computed once for them all."""
    found = neighbours(space, competence_ids, config)
    return {
        competence_id: StatementRelations(
            statement_links(competence_id, catalog), found.get(competence_id, ())
        )
        for competence_id in dict.fromkeys(competence_ids)
    }


_SPACES: dict[int, tuple[weakref.ref[Any], NeighbourSpace]] = {}
_LOCK = threading.Lock()


def neighbour_space(pipeline: Habilitant) -> NeighbourSpace:
    """The neighbour space of a loaded pipeline, built once from its matcher (its vectors
    and lexical overlap are shared, not copied) and kept while the pipeline lives."""
    matcher = pipeline.matcher
    with _LOCK:
        found = _SPACES.get(id(matcher))
        if found is not None and found[0]() is matcher:
            return found[1]
        for key in [key for key, (ref, _) in _SPACES.items() if ref() is None]:
            del _SPACES[key]
        space = NeighbourSpace.from_matcher(matcher)
        _SPACES[id(matcher)] = (weakref.ref(matcher), space)
        return space


def pipeline_relations(
    pipeline: Habilitant, competence_ids: Sequence[str]
) -> dict[str, StatementRelations]:
    """:func:`relations` with a loaded pipeline's catalog, index and calibration."""
    return relations(
        competence_ids,
        pipeline.catalog,
        neighbour_space(pipeline),
        pipeline.calibration.neighbours,
    )


def analysis_relations(
    pipeline: Habilitant, analyses: Sequence[Analysis]
) -> dict[str, StatementRelations]:
    """The relations of every statement of these analyses (one computation for all)."""
    ids = [s.competence_id for analysis in analyses for s in analysis.statements]
    return pipeline_relations(pipeline, ids)


def coverage_neighbours(
    pipeline: Habilitant, coverage: Coverage
) -> Mapping[str, tuple[Neighbour, ...]]:
    """The neighbours of a target's covered competences: what its Markdown synthesis gives
    beside each of them."""
    ids = [
        c.competence_id
        for bloc in coverage.blocs
        for c in bloc.competences
        if c.status == "covered"
    ]
    found = neighbours(neighbour_space(pipeline), ids, pipeline.calibration.neighbours)
    return {competence_id: found.get(competence_id, ()) for competence_id in ids}


def statements_neighbours(
    pipeline: Habilitant, competence_ids: Sequence[str]
) -> Mapping[str, tuple[Neighbour, ...]]:
    """The neighbours of these competences (e.g. what a portfolio attests), each id present."""
    found = neighbours(neighbour_space(pipeline), competence_ids, pipeline.calibration.neighbours)
    return {competence_id: found.get(competence_id, ()) for competence_id in competence_ids}


def competence_neighbours(pipeline: Habilitant, competence_id: str) -> tuple[Neighbour, ...] | None:
    """A competence's neighbours; None when the index does not hold it."""
    found = neighbours(neighbour_space(pipeline), [competence_id], pipeline.calibration.neighbours)
    return found.get(competence_id)
