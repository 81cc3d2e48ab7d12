"""One narrative, read and ranked: the single matching path of production, tuning and evaluation.

Two steps, so that tuning can change the configuration without encoding again:

* :func:`read_narrative` (slow: the encoder) turns a text and its segments into a
  :class:`Reading`: each segment's words as matched, its vector, each experience's members,
  its text, and the jobs it names;
* :func:`rank_reading` (fast: products with the index and the structure) turns a reading
  into a :class:`Ranking` for one :class:`~habilitant.matching.fusion.MatchingConfig`: each
  experience (job) matched on its own (its own fiche, its own certification), then merged.

``Habilitant.rank`` is exactly ``rank_reading(matcher, read_narrative(...), config)``;
``scripts/tune_matching.py`` and ``habilitant evaluate`` call the same two functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from scipy import sparse

from habilitant.domain import Segment
from habilitant.matching.fusion import Fused, MatchingConfig
from habilitant.narrative.glossary import glossed
from habilitant.narrative.verbs import read_with_verb

if TYPE_CHECKING:
    from habilitant.matching.matcher import Matcher


class QueryEncoder(Protocol):
    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...


# Caring for a relative (« aidant familial ») is the work ROME names « Assistant / Assistante
# de vie aux familles » (K1311), the usual target of a proche aidant's VAE: such an
# experience names that job, whatever words the person uses for it.
CAREGIVER_JOB = "Assistante de vie aux familles"


def reading(segment: Segment) -> str:
    """The segment's words as matched: the verb it shares (:mod:`habilitant.narrative.verbs`),
    then its own words read with the glossary (:mod:`habilitant.narrative.glossary`)."""
    return read_with_verb(segment.verb, glossed(segment.text))


def with_context(segment: Segment, read: str | None = None) -> str:
    """The segment as encoded: its :func:`reading` (``read`` when already computed), then
    the job and place it was done in, when the narrative says them and the segment does not
    (« la hygiène corporelle des résidents — EHPAD (établissement…) »)."""
    extra = [
        glossed(value)
        for value in (segment.context.role, segment.context.employer)
        if value and value.lower() not in segment.text.lower()
    ]
    text = reading(segment) if read is None else read
    return f"{text} — {', '.join(extra)}" if extra else text


def experience_members(segments: Sequence[Segment]) -> list[list[int]]:
    """Positions of the segments of each experience (job), in order of first appearance."""
    groups: dict[int, list[int]] = {}
    for position, segment in enumerate(segments):
        groups.setdefault(segment.experience, []).append(position)
    return list(groups.values())


def job_mentions(
    segments: Sequence[Segment], members: list[list[int]]
) -> tuple[list[list[str]], list[list[str]]]:
    """Per experience, the roles its context names (plus :data:`CAREGIVER_JOB` for care of a
    relative), and, when it names none, its first segment, whose opening words may be the
    job (« Serveuse l'été dans un restaurant… »): see :mod:`habilitant.matching.role_names`."""
    roles = [sorted({segments[i].context.role for i in rows} - {""}) for rows in members]
    leads = [
        [] if said else [segments[rows[0]].text] for said, rows in zip(roles, members, strict=True)
    ]
    for said, rows in zip(roles, members, strict=True):
        if any(segments[i].context.contract == "aidant_familial" for i in rows):
            said.append(CAREGIVER_JOB)
    return roles, leads


def experience_spans(text: str, segments: Sequence[Segment], groups: list[list[int]]) -> list[str]:
    """The text of each experience: from where the previous one ends to where the next one
    starts, so context words that are not segments (« en EHPAD ») still count."""
    if len(groups) == 1:
        return [text]
    firsts = sorted((min(segments[i].start for i in g), n) for n, g in enumerate(groups))
    spans = [""] * len(groups)
    for rank, (start, n) in enumerate(firsts):
        begin = 0 if rank == 0 else max(segments[i].end for i in groups[firsts[rank - 1][1]])
        end = len(text) if rank == len(firsts) - 1 else firsts[rank + 1][0]
        last = max(segments[i].end for i in groups[n])
        spans[n] = text[min(begin, start) : max(end, last)]
    return spans


@dataclass(frozen=True)
class Reading:
    """What the encoder and the glossary made of one narrative; no index involved yet."""

    text: str
    segments: tuple[Segment, ...]
    read: tuple[str, ...]  # per segment, its words as matched (:func:`reading`)
    vectors: np.ndarray  # per segment, the query vector of :func:`with_context`
    members: tuple[tuple[int, ...], ...]  # per experience, its segments' positions
    spans: tuple[str, ...]  # per experience, its text read with the glossary's homonyms
    roles: tuple[tuple[str, ...], ...]  # per experience, the jobs its context names
    leads: tuple[tuple[str, ...], ...]  # per experience without a role, its first segment


def read_narrative(text: str, segments: Sequence[Segment], encoder: QueryEncoder) -> Reading:
    """Encode the segments of ``text`` with their context, and gather each experience."""
    segments = tuple(segments)
    members = experience_members(segments)
    read = [reading(s) for s in segments]
    # Each experience's whole text, its homonyms read as the glossary says (« la
    # toilette » of a person is no word of the animal groomer's fiche for its BM25).
    spans = [
        glossed(span, additions=False) if span else " ".join(read[i] for i in rows)
        for span, rows in zip(experience_spans(text, segments, members), members, strict=True)
    ]
    if segments:
        vectors = encoder.encode_queries(
            [with_context(s, r) for s, r in zip(segments, read, strict=True)]
        )
    else:
        vectors = np.zeros((0, 0), dtype=np.float32)
    roles, leads = job_mentions(segments, members)
    return Reading(
        text,
        segments,
        tuple(read),
        np.asarray(vectors, dtype=np.float32),
        tuple(tuple(rows) for rows in members),
        tuple(spans),
        tuple(tuple(r) for r in roles),
        tuple(tuple(t) for t in leads),
    )


@dataclass(frozen=True)
class Ranking:
    """Everything the matcher computed for one narrative, under one configuration; what
    statements, coverage, suggestions and evaluation read. No decision is taken here."""

    segments: tuple[Segment, ...]
    config: MatchingConfig
    fused: Fused | None  # experiences merged: each entry keeps its best one; None: no segment
    experiences: tuple[Fused, ...]  # per experience; ``best_segment`` holds global positions
    members: tuple[tuple[int, ...], ...]  # per experience, its segments' positions
    dense: np.ndarray  # raw (segments, entries) cosine similarities
    offsets: np.ndarray  # per segment, its mean similarity with the statements
    lexical: sparse.csr_matrix | None  # (segments, entries) share of each entry's words used

    def segment_evidence(self, position: int) -> np.ndarray:
        """Evidence of every entry in segment ``position`` alone, on the scale of
        :attr:`Fused.evidence`: centred cosine plus the weighted lexical overlap."""
        row = np.subtract(self.dense[position], self.offsets[position], dtype=np.float32)
        if self.lexical is not None and self.config.lexical_weight:
            part = self.lexical[position]
            row[part.indices] += np.float32(self.config.lexical_weight) * part.data
        return row


def empty_ranking(entries: int, config: MatchingConfig) -> Ranking:
    empty = np.zeros((0, entries), dtype=np.float32)
    return Ranking((), config, None, (), (), empty, np.zeros(0, dtype=np.float32), None)


def rank_reading(
    matcher: Matcher,
    reading: Reading,
    config: MatchingConfig | None = None,
    group_prior: np.ndarray | None = None,
) -> Ranking:
    """Match a :class:`Reading` against the whole index (see the module's docstring);
    ``group_prior``: the learned fiche prediction for the text, per group (or None)."""
    config = config or matcher.config
    if not reading.segments:
        return empty_ranking(len(matcher.entries), config)
    members = [list(rows) for rows in reading.members]
    fused, dense, offsets, lexical = matcher.match_experiences(
        reading.read,
        reading.vectors,
        members,
        reading.spans,
        config,
        roles=reading.roles,
        leads=reading.leads,
        group_prior=group_prior,
    )
    located = tuple(
        Fused(
            f.evidence,
            np.asarray(rows)[f.best_segment],
            f.score,
            f.group_scores,
            f.group_posterior,
            f.named,
            f.support,
        )
        for rows, f in zip(members, fused, strict=True)
    )
    return Ranking(
        reading.segments,
        config,
        combine(located),
        located,
        reading.members,
        dense,
        offsets,
        lexical,
    )


def combine(results: Sequence[Fused]) -> Fused:
    """Per-experience results (``best_segment`` as global positions) merged: each entry
    keeps its best experience."""
    if len(results) == 1:
        return results[0]
    scores = np.stack([fused.score for fused in results])
    best = scores.argmax(axis=0)
    columns = np.arange(scores.shape[1])

    def pick(arrays: list[np.ndarray]) -> np.ndarray:
        return np.stack(arrays)[best, columns]

    given = [f.support for f in results if f.support is not None]
    supports = given if len(given) == len(results) else None
    named = None
    if any(fused.named is not None for fused in results):
        none = np.zeros(len(columns), dtype=bool)
        named = pick([none if f.named is None else f.named for f in results])
    return Fused(
        pick([f.evidence for f in results]),
        pick([f.best_segment for f in results]),
        scores[best, columns],
        np.max([fused.group_scores for fused in results], axis=0),
        np.max([fused.group_posterior for fused in results], axis=0),
        named,
        None if supports is None else pick(supports),
    )
