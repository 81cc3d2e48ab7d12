"""The referential's structure as sparse matrices: items grouped by fiche, bloc, certification,
emploi-type, and titles (fiche titles, appellations, bloc and certification titles) pointing at
their group.

Pooling item evidence into a group and spreading a group's evidence back onto its items are
one sparse product each, so the structure costs almost nothing per narrative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from habilitant.index_entries import IndexEntry

# Entry kinds that are statements a person can be credited with.
STATEMENT_KINDS = frozenset(
    {"competence", "macro_competence", "savoir_etre", "savoir", "bloc", "activite"}
)
# Parent kinds that group statements.
GROUP_KINDS = ("fiche", "certification", "emploi_type", "bloc")
# Link roles that mark an item as core to its group (ROME coeur_metier).
CORE_ROLES = frozenset({"Principale"})
# Parents every member of which is required (a bloc's statements, an emploi-type's items).
CORE_PARENT_KINDS = frozenset({"bloc", "certification", "emploi_type"})
# Entry kinds that name a group (their text is the group's title).
TITLE_KINDS = {
    "fiche": "fiche",
    "appellation": "fiche",
    "certification": "certification",
    "emploi_type": "emploi_type",
}


@dataclass(frozen=True)
class Group:
    referentiel: str
    kind: str
    code: str
    libelle: str


@dataclass
class Structure:
    """Groups of the loaded index and the sparse links between groups and entries."""

    groups: list[Group]
    members: sparse.csr_matrix  # groups x entries: 1 where the entry is a statement of the group
    titles: sparse.csr_matrix  # groups x entries: 1 where the entry names the group
    group_position: dict[tuple[str, str, str], int]
    statement_mask: np.ndarray  # entries: True for statements
    sizes: np.ndarray  # statements per group
    link_rows: np.ndarray  # member links as (group, entry, core) arrays, for spreading
    link_cols: np.ndarray
    link_core: np.ndarray  # 1.0 where the referential marks the link as core
    name_mask: np.ndarray  # entries that name a group (title, appellation), not definitions

    @classmethod
    def from_entries(cls, entries: Sequence[IndexEntry]) -> Structure:
        groups: list[Group] = []
        position: dict[tuple[str, str, str], int] = {}

        def group_of(referentiel: str, kind: str, code: str, libelle: str) -> int:
            key = (referentiel, kind, code)
            if key not in position:
                position[key] = len(groups)
                groups.append(Group(referentiel, kind, code, libelle))
            return position[key]

        member_rows: list[int] = []
        member_cols: list[int] = []
        member_core: list[float] = []
        title_rows: list[int] = []
        title_cols: list[int] = []
        mask = np.zeros(len(entries), dtype=bool)
        for column, entry in enumerate(entries):
            if entry.kind in STATEMENT_KINDS:
                mask[column] = True
                for parent in entry.parents:
                    if parent.kind in GROUP_KINDS:
                        row = group_of(entry.referentiel, parent.kind, parent.code, parent.libelle)
                        member_rows.append(row)
                        member_cols.append(column)
                        core = parent.role in CORE_ROLES or parent.kind in CORE_PARENT_KINDS
                        member_core.append(1.0 if core else 0.0)
            if entry.kind == "description" and entry.parents:
                parent = entry.parents[0]
                title_rows.append(
                    group_of(entry.referentiel, parent.kind, parent.code, parent.libelle)
                )
                title_cols.append(column)
            title_kind = TITLE_KINDS.get(entry.kind)
            if title_kind is not None:
                title_rows.append(
                    group_of(entry.referentiel, title_kind, entry.code, entry.libelle)
                )
                title_cols.append(column)
            if entry.kind == "bloc":  # a bloc title names its own bloc group
                title_rows.append(group_of(entry.referentiel, "bloc", entry.code, entry.libelle))
                title_cols.append(column)
        shape = (len(groups), len(entries))
        members = sparse.csr_matrix(
            (np.ones(len(member_rows), dtype=np.float32), (member_rows, member_cols)), shape=shape
        )
        members.sum_duplicates()
        members.data[:] = 1.0
        titles = sparse.csr_matrix(
            (np.ones(len(title_rows), dtype=np.float32), (title_rows, title_cols)), shape=shape
        )
        titles.sum_duplicates()
        titles.data[:] = 1.0
        sizes = np.asarray(members.sum(axis=1)).ravel()
        return cls(
            groups,
            members,
            titles,
            position,
            mask,
            sizes,
            np.asarray(member_rows, dtype=np.int64),
            np.asarray(member_cols, dtype=np.int64),
            np.asarray(member_core, dtype=np.float32),
            np.array([e.kind in TITLE_KINDS or e.kind == "bloc" for e in entries], dtype=bool),
        )

    def group_ids(self, kind: str, referentiels: Sequence[str] | None = None) -> np.ndarray:
        wanted = set(referentiels or ())
        return np.array(
            [
                i
                for i, g in enumerate(self.groups)
                if g.kind == kind and (not wanted or g.referentiel in wanted)
            ],
            dtype=np.int64,
        )

    def pool_members(self, evidence: np.ndarray, beta: float) -> np.ndarray:
        """Log-mean-exp of the members' evidence per group (a soft "top few" mean).

        ``beta`` large tends to the max, small to the mean. Groups without members get -inf.
        """
        peak = float(evidence.max()) if evidence.size else 0.0
        weights = np.exp(beta * (evidence - peak)).astype(np.float32)
        sums = self.members @ weights
        with np.errstate(divide="ignore"):
            pooled = peak + np.log(sums / np.maximum(self.sizes, 1.0)) / beta
        pooled[self.sizes == 0] = -np.inf
        return pooled

    def max_names(self, values: np.ndarray) -> np.ndarray:
        """Like :meth:`max_titles`, over names only (titles, appellations; no definitions)."""
        return self.max_titles(np.where(self.name_mask, values, -np.inf))

    def max_titles(self, evidence: np.ndarray) -> np.ndarray:
        """Best evidence among the titles naming each group (-inf without titles)."""
        out = np.full(len(self.groups), -np.inf, dtype=np.float32)
        rows, columns = self.title_links
        np.maximum.at(out, rows, evidence[columns])
        return out

    @cached_property
    def title_links(self) -> tuple[np.ndarray, np.ndarray]:
        """(group, entry) of every title link, in the order of ``titles.tocoo()``."""
        titles = self.titles.tocoo()
        return titles.row, titles.col

    def spread(self, group_weights: np.ndarray, core_weight: float = 0.0) -> np.ndarray:
        """Per entry, the largest weight among its groups, times ``1 + core_weight`` on core
        links (0 when the entry belongs to no group). Only groups weighing more than 1e-4
        are visited: after a softmax they are few."""
        out = np.zeros(self.members.shape[1], dtype=np.float32)
        active = np.flatnonzero(group_weights > 1e-4)
        if active.size == 0:
            return out
        links = np.flatnonzero(group_weights[self.link_rows] > 1e-4)
        values = group_weights[self.link_rows[links]] * (1.0 + core_weight * self.link_core[links])
        np.maximum.at(out, self.link_cols[links], values.astype(np.float32))
        return out
