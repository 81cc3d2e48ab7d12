"""The certifications, blocs and ROME fiches closest to an experience, presented neutrally.

Every target of the loaded referentials (3,000+ certifications, their blocs, 1,500+ fiches) is
a row of one sparse matrix over the index entries, so ranking them all is one sparse product
per narrative. A row's coverage ratio is the share of its statements covered (partial ones
count half, as in :mod:`habilitant.coverage`). Rows are ranked by::

    key = coverage_ratio + group_weight * group_score + tie_weight * mean_evidence

where ``group_score`` is the matcher's score of the row's fiche / certification / bloc
(pooled member evidence, titles, BM25 — the fiche classifier of ``analyse``). With the ratio
alone, small targets whose two statements are partly covered win. Both weights are decision
values (:class:`~habilitant.coverage.CoverageConfig`, ``suggest_group_weight`` and
``suggest_tie_weight``, recorded with the index's calibration); the group weight was chosen
on the dev offers (fiche accuracy) together with the self-consistency checks and the search
cases (``scripts/bench_coverage.py``). Only the public referentials are used: no provider, no
training offer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
from scipy import sparse

from habilitant.coverage import COVERED, PARTIAL, CoverageConfig, assess
from habilitant.domain import Coverage, Credit, Suggestion, Target, TargetBloc
from habilitant.errors import UnknownCodeError

SuggestionKind = Literal["certification", "bloc", "fiche"]
SUGGESTION_KINDS: tuple[SuggestionKind, ...] = ("certification", "bloc", "fiche")


@dataclass(frozen=True)
class SuggestFilters:
    kinds: tuple[str, ...] = SUGGESTION_KINDS
    niveaux: tuple[str, ...] = ()  # "4", "5"... empty: every level
    actif_only: bool = False
    referentiels: tuple[str, ...] = ()
    limit: int = 10  # per kind


@dataclass(frozen=True)
class Row:
    kind: SuggestionKind
    target: Target
    bloc: TargetBloc | None = None  # for a bloc row: the bloc of ``target``

    @property
    def code(self) -> str:
        return self.bloc.code if self.bloc else self.target.code

    @property
    def libelle(self) -> str:
        return self.bloc.libelle if self.bloc else self.target.libelle

    def item_ids(self) -> list[str]:
        blocs = (self.bloc,) if self.bloc else self.target.blocs
        return [item.competence_id for bloc in blocs for item in bloc.items]


@dataclass(frozen=True)
class SuggestionSpace:
    """All suggestable rows and their statements as a (rows x index entries) matrix."""

    rows: list[Row]
    matrix: sparse.csr_matrix
    sizes: np.ndarray
    groups: np.ndarray  # per row: its group in the matcher's structure, -1 if none

    @classmethod
    def from_targets(
        cls,
        targets: Sequence[Target],
        position: Callable[[str], int | None],
        n_entries: int,
        group: Callable[[Row], int | None] = lambda row: None,
    ) -> SuggestionSpace:
        rows: list[Row] = []
        for target in targets:
            if target.kind == "certification":
                rows.append(Row("certification", target))
                rows.extend(Row("bloc", target, bloc) for bloc in target.blocs)
            elif target.kind == "fiche":
                rows.append(Row("fiche", target))
        row_ids, col_ids, sizes = [], [], np.zeros(len(rows), dtype=np.float32)
        for number, row in enumerate(rows):
            ids = row.item_ids()
            sizes[number] = len(ids)
            for competence_id in ids:
                column = position(competence_id)
                if column is not None:
                    row_ids.append(number)
                    col_ids.append(column)
        matrix = sparse.csr_matrix(
            (np.ones(len(row_ids), dtype=np.float32), (row_ids, col_ids)),
            shape=(len(rows), n_entries),
        )
        matrix.sum_duplicates()
        matrix.data[:] = 1.0
        groups = np.array([-1 if (g := group(row)) is None else g for row in rows], dtype=np.int64)
        return cls(rows, matrix, sizes, groups)

    def scores(
        self,
        statuses: np.ndarray,
        evidence: np.ndarray,
        config: CoverageConfig,
        group_scores: np.ndarray | None = None,
        group_weight: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per row: coverage ratio, and the ranking key (ratio, the matcher's score of the
        row's fiche / certification / bloc, then mean evidence)."""
        credit = np.where(
            statuses == COVERED, 1.0, np.where(statuses == PARTIAL, config.partial_weight, 0.0)
        ).astype(np.float32)
        sizes = np.maximum(self.sizes, 1.0)
        ratios = (self.matrix @ credit) / sizes
        mean_evidence = (self.matrix @ np.clip(evidence, 0.0, None).astype(np.float32)) / sizes
        keys = ratios + config.suggest_tie_weight * mean_evidence
        if group_weight is None:
            group_weight = config.suggest_group_weight
        if group_scores is not None and group_weight:
            known = self.groups >= 0
            values = np.zeros(len(self.rows), dtype=np.float32)
            values[known] = np.nan_to_num(group_scores[self.groups[known]], neginf=0.0)
            keys = keys + group_weight * values
        return ratios, keys

    @cached_property
    def referentiels(self) -> list[str]:
        """The referentials the rows come from (computed once per space)."""
        return sorted({row.target.referentiel for row in self.rows})

    @cached_property
    def levels(self) -> list[str]:
        """The certification levels of the rows (computed once per space)."""
        return sorted({row.target.niveau for row in self.rows if row.target.niveau})

    def check(self, filters: SuggestFilters) -> None:
        """Unknown referentials or levels are errors, never an empty answer."""
        referentiels, levels = self.referentiels, self.levels
        unknown = sorted(set(filters.referentiels) - set(referentiels))
        if unknown:
            raise UnknownCodeError(
                f"Référentiel(s) sans suggestion possible : {', '.join(unknown)}.",
                hint=f"Référentiels suggérés : {', '.join(referentiels)}.",
            )
        unknown = sorted(set(filters.niveaux) - set(levels))
        if unknown:
            raise UnknownCodeError(
                f"Niveau(x) de certification inconnu(s) : {', '.join(unknown)}.",
                hint=f"Niveaux connus : {', '.join(levels)}.",
            )

    def keep(self, filters: SuggestFilters) -> np.ndarray:
        mask = np.array([row.kind in filters.kinds for row in self.rows], dtype=bool)
        if filters.referentiels:
            wanted = set(filters.referentiels)
            mask &= np.array([row.target.referentiel in wanted for row in self.rows])
        if filters.niveaux:
            levels = set(filters.niveaux)
            mask &= np.array(
                [row.kind == "fiche" or row.target.niveau in levels for row in self.rows]
            )
        if filters.actif_only:
            mask &= np.array([row.target.actif for row in self.rows])
        return mask & (self.sizes > 0)


def rank_rows(
    space: SuggestionSpace,
    statuses: np.ndarray,
    evidence: np.ndarray,
    filters: SuggestFilters,
    config: CoverageConfig | None = None,
    group_scores: np.ndarray | None = None,
) -> list[tuple[int, float]]:
    """(row, ranking key) of the best rows of each kind, best first within a kind."""
    ratios, keys = space.scores(statuses, evidence, config or CoverageConfig(), group_scores)
    keys = np.where(space.keep(filters) & (ratios > 0), keys, -np.inf)
    chosen: list[tuple[int, float]] = []
    for kind in filters.kinds:
        of_kind = np.array([row.kind == kind for row in space.rows], dtype=bool)
        candidates = np.flatnonzero(of_kind & np.isfinite(keys))
        best = candidates[np.argsort(-keys[candidates], kind="stable")][: filters.limit]
        chosen.extend((int(i), round(float(keys[i]), 4)) for i in best)
    return chosen


def explain(row: Row, coverage: Coverage) -> str:
    """One line: what drives the suggestion (its best blocs, or its covered statements)."""
    every = [c for b in coverage.blocs for c in b.competences]
    covered = sum(1 for c in every if c.status == "covered")
    partial = sum(1 for c in every if c.status == "partial")
    head = f"{covered} couverte(s), {partial} partielle(s) sur {len(every)}"
    if row.kind == "bloc" or len(coverage.blocs) == 1:
        best = sorted((c for c in every if c.status != "missing"), key=lambda c: -c.score)[:2]
        return head + " : " + " ; ".join(f"« {c.libelle} »" for c in best)
    blocs = sorted(coverage.blocs, key=lambda b: -b.coverage_ratio)[:2]
    drivers = " ; ".join(
        f"« {b.libelle} » ({round(100 * b.coverage_ratio)} %)"
        for b in blocs
        if b.coverage_ratio > 0
    )
    return f"{head} — blocs les plus couverts : {drivers}"


def suggestion(
    row: Row, credits: Mapping[str, Credit], score: float, config: CoverageConfig
) -> Suggestion:
    target = (
        Target(
            row.target.code,
            row.target.libelle,
            row.target.referentiel,
            row.target.kind,
            row.target.depth,
            (row.bloc,),
        )
        if row.bloc
        else row.target
    )
    coverage = assess(target, credits, config=config)
    best = sorted(
        (c for b in coverage.blocs for c in b.competences if c.quotes), key=lambda c: -c.score
    )
    evidence = tuple(dict.fromkeys(q for c in best[:2] for q in c.quotes[:1]))
    return Suggestion(
        code=row.code,
        libelle=row.libelle,
        kind=row.kind,
        referentiel=row.target.referentiel,
        coverage_ratio=coverage.coverage_ratio,
        score=score,
        why=explain(row, coverage),
        niveau=row.target.niveau,
        actif=row.target.actif,
        certification=row.target.code if row.bloc else "",
        evidence=evidence,
    )
