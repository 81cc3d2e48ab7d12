"""What the links between referentials are measured with (``scripts/calibrate_neighbours.py``,
``scripts/measure_links.py``): plain functions over the catalog, the neighbour space and the
official tables, no printing.

* **The official ESCO ↔ ROME crosswalk** gives, for each ROME appellation of the index, the
  ESCO occupations it is mapped to: positives for the neighbour score (an appellation's
  nearest ESCO occupation should be its official one). Negatives are random (appellation,
  occupation) pairs, and — harder — the best-scoring occupation whose official ROME fiches
  all lie in another ROME grand domaine (the letter of the code).
* **The RNCP extract** gives, for each certification with competence lists, its official ROME
  fiches (:mod:`habilitant.links`: a ROME 3 code found as its fiche or one of the ROME 4.0
  fiches derived from it): are they among the fiches the suggestion ranks for the
  certification's own competence text?
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from math import comb
from typing import TYPE_CHECKING

import numpy as np

from habilitant.links import ESCO, ROME
from habilitant.neighbours import OCCUPATION_KINDS, NeighbourSpace, best_by_code

if TYPE_CHECKING:
    from habilitant.catalog import Catalog
    from habilitant.domain import Certification

CHUNK = 512  # appellations scored at once (a chunk holds rows x 13,500 occupation names)


@dataclass(frozen=True)
class OccupationPair:
    """A ROME appellation of the index and the ESCO occupations the official table maps it
    to (those the index holds)."""

    row: int  # index position of the appellation (or of its fiche, when worded alike)
    appellation: str  # code_ogr
    fiche: str
    esco: frozenset[str]  # ESCO occupation codes (uuids)


def crosswalk_pairs(catalog: Catalog, space: NeighbourSpace) -> list[OccupationPair]:
    """Every ROME appellation of the index with at least one official ESCO occupation the
    index holds, in code order."""
    labels: dict[str, tuple[str, str]] = {}  # code_ogr -> (fiche, appellation label)
    for referentiel in catalog.referentiels:
        if referentiel.name != ROME:
            continue
        for crosswalk in referentiel.crosswalks:
            if crosswalk.source.startswith("rome-appellation:"):
                fiche = crosswalk.target.rsplit(":", 1)[-1]
                labels[crosswalk.source.rsplit(":", 1)[-1]] = (fiche, crosswalk.label)
    rows: dict[tuple[str, str], int] = {}
    occupations: set[str] = set()
    for position, entry in enumerate(space.entries):
        if entry.referentiel == ROME and entry.kind in OCCUPATION_KINDS:
            rows.setdefault((entry.code, entry.libelle), position)
        elif entry.referentiel == ESCO and entry.kind == "fiche":
            occupations.add(entry.code)
    pairs = []
    for appellation, links in sorted(catalog.links.esco_by_appellation.items()):
        fiche, label = labels.get(appellation, ("", ""))
        row = rows.get((fiche, label))
        official = frozenset(link.code for link in links) & occupations
        if row is not None and official:
            pairs.append(OccupationPair(row, appellation, fiche, official))
    return pairs


def split_by_fiche(pairs: Sequence[OccupationPair]) -> tuple[list[OccupationPair], ...]:
    """Two halves, by a hash of the fiche code (appellations of one fiche stay together):
    one to calibrate on, one to report on."""
    halves: tuple[list[OccupationPair], list[OccupationPair]] = ([], [])
    for pair in pairs:
        halves[hashlib.sha256(pair.fiche.encode()).digest()[0] % 2].append(pair)
    return halves


@dataclass(frozen=True)
class OccupationScores:
    """Each appellation's score with every ESCO occupation (its best title or appellation)."""

    pairs: Sequence[OccupationPair]
    codes: list[str]  # ESCO occupation codes, the columns
    scores: np.ndarray  # pairs x occupations

    def official(self) -> np.ndarray:
        """Per appellation, the score of its best official occupation."""
        column = {code: n for n, code in enumerate(self.codes)}
        return np.array(
            [
                max(self.scores[i, column[c]] for c in pair.esco)
                for i, pair in enumerate(self.pairs)
            ],
            dtype=np.float32,
        )

    def unrelated(self) -> np.ndarray:
        """Every (appellation, occupation) pair the official table does not make: random
        pairs, all of them."""
        column = {code: n for n, code in enumerate(self.codes)}
        mask = np.ones(self.scores.shape, dtype=bool)
        for i, pair in enumerate(self.pairs):
            mask[i, [column[c] for c in pair.esco]] = False
        return self.scores[mask]

    def other_domain(self, catalog: Catalog) -> np.ndarray:
        """Per appellation, the best score among the occupations whose official ROME fiches
        all lie in another grand domaine than the appellation's fiche."""
        domains = [
            {link.code[:1] for link in catalog.links.rome_by_esco.get(code, ()) if link.code}
            for code in self.codes
        ]
        out = np.full(len(self.pairs), np.nan, dtype=np.float32)
        by_letter: dict[str, list[int]] = {}
        for i, pair in enumerate(self.pairs):
            by_letter.setdefault(pair.fiche[:1], []).append(i)
        for letter, members in by_letter.items():
            columns = [n for n, d in enumerate(domains) if d and letter not in d]
            if columns:
                out[members] = self.scores[np.ix_(members, columns)].max(axis=1)
        return out

    def hits(self, k: int) -> float:
        """Share of appellations whose official occupation is among the ``k`` nearest."""
        if not len(self.pairs):
            return 0.0
        top = np.argsort(-self.scores, axis=1, kind="stable")[:, :k]
        return float(
            np.mean(
                [
                    any(self.codes[c] in pair.esco for c in row)
                    for row, pair in zip(top, self.pairs, strict=True)
                ]
            )
        )


def occupation_scores(
    space: NeighbourSpace, pairs: Sequence[OccupationPair], lexical_weight: float
) -> OccupationScores:
    """Score each appellation against every ESCO occupation of the index."""
    columns = space.positions_of(ESCO, OCCUPATION_KINDS)
    names = [space.entries[int(c)].code for c in columns]
    parts, codes = [], list(dict.fromkeys(names))
    for start in range(0, len(pairs), CHUNK):
        rows = [p.row for p in pairs[start : start + CHUNK]]
        codes, grouped = best_by_code(space.scores(rows, lexical_weight, columns), names)
        parts.append(grouped)
    scores = np.vstack(parts) if parts else np.zeros((0, len(codes)), dtype=np.float32)
    return OccupationScores(pairs, codes, scores)


def floor_from_random(random_scores: np.ndarray, rate: float) -> float:
    """The score that a share ``rate`` of random pairs reaches (its upper quantile)."""
    return float(np.quantile(random_scores, 1.0 - rate))


def share_at_or_above(values: np.ndarray, floor: float) -> float:
    values = values[np.isfinite(values)]
    return float(np.mean(values >= floor)) if values.size else 0.0


def random_statement_scores(
    space: NeighbourSpace, lexical_weight: float, rows: int, per_row: int, seed: int = 0
) -> np.ndarray:
    """Scores of random pairs of statements of two different referentials: what the floor
    lets through when nothing relates a statement to another referential's."""
    rng = np.random.default_rng(seed)
    statements = np.concatenate(list(space.candidates.values()))
    referentiel = np.array([space.entries[int(i)].referentiel for i in statements])
    chosen = rng.choice(len(statements), size=min(rows, len(statements)), replace=False)
    out = []
    for start in range(0, len(chosen), CHUNK):
        part = chosen[start : start + CHUNK]
        scores = space.scores(statements[part], lexical_weight)
        for n, choice in enumerate(part):
            others = np.flatnonzero(referentiel != referentiel[choice])
            if others.size:
                picks = statements[rng.choice(others, size=min(per_row, others.size))]
                out.append(scores[n, picks])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


# --- Certifications -> the fiches the suggestion ranks ----------------------------------


def certification_text(certification: Certification, catalog: Catalog) -> str:
    """A certification's own competence wording: its blocs' competences, one per line."""
    lines = []
    for bloc in certification.blocs:
        for competence_id in bloc.competence_ids:
            competence = catalog.competences.get(competence_id)
            if competence is not None and competence.kind != "bloc":
                lines.append(competence.libelle.strip().rstrip(";").strip())
    return "\n".join(line for line in lines if line)


def official_fiches(certification: Certification, catalog: Catalog) -> dict[str, frozenset[str]]:
    """Each ROME code the certification cites (valid ones) and the ROME 4.0 fiches that count
    as finding it: the fiche itself and the fiches derived from it (``code_rome_parent``)."""
    code = certification.code.upper()
    cited = {
        link.code
        for link in catalog.links.fiches_by_certification.get(code, ())
        if link.status == "valid"
    }
    found: dict[str, set[str]] = {c: {c} for c in cited}
    for fiche, links in catalog.links.certifications_by_fiche.items():
        for link in links:
            if link.code == code and link.relation == "fiche_parente" and link.via in found:
                found[link.via].add(fiche)
    return {c: frozenset(f) for c, f in sorted(found.items())}


def chance_of_hit(fiches: int, wanted: int, k: int) -> float:
    """Probability that ``k`` fiches drawn at random among ``fiches`` include at least one of
    ``wanted`` of them."""
    if wanted <= 0 or fiches <= 0:
        return 0.0
    k = min(k, fiches)
    return 1.0 - comb(fiches - wanted, k) / comb(fiches, k)
