"""The ``Habilitant`` façade: load the encoder, index and French model once; analyse texts.

from habilitant.pipeline import Habilitant
h = Habilitant()
analysis = h.analyse("J'ai fait des remplacements en EHPAD : la toilette des résidents…")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from habilitant.catalog import normalize_certification_code
from habilitant.coverage import (
    CoverageConfig,
    assess,
    credits_from_ranking,
    entry_statuses,
    merge_credits,
)
from habilitant.domain import (
    COMPETENCE_KINDS,
    Analysis,
    Coverage,
    Overview,
    Segment,
    Suggestion,
    Target,
)
from habilitant.errors import InputError, UnknownCodeError
from habilitant.inputs import language_warning, validate_text
from habilitant.matching.fusion import Fused, MatchingConfig
from habilitant.matching.matcher import Matcher
from habilitant.narrative_glossary import glossed
from habilitant.narrative_verbs import read_with_verb
from habilitant.settings import Settings, get_settings
from habilitant.statements import StatementLimits, build_statements
from habilitant.suggest import SuggestFilters, SuggestionSpace, rank_rows, suggestion
from habilitant.targets import resolve_target

if TYPE_CHECKING:
    from habilitant.catalog import Catalog
    from habilitant.encoder import Encoder
    from habilitant.index import CompetenceIndex


@dataclass(frozen=True)
class Filters:
    """Which statements to keep. Empty means no restriction."""

    referentiels: tuple[str, ...] = ()
    certifications: tuple[str, ...] = ()
    fiches: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ranking:
    """Everything the matcher computed for one text (used by evaluation and coverage)."""

    segments: tuple[Segment, ...]
    fused: Fused | None  # None when the text has no work segment
    dense: np.ndarray  # raw (segments, entries) cosine similarities
    offsets: np.ndarray  # per segment, its mean similarity with the statements


def reading(segment: Segment) -> str:
    """The segment's words as matched: the verb it shares (:mod:`narrative_verbs`), then its
    own words read with the glossary (:mod:`narrative_glossary`)."""
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


def as_narratives(texts: str | Sequence[str]) -> list[str]:
    """One narrative, or several of the same person, as a list."""
    return [texts] if isinstance(texts, str) else list(texts)


def experience_members(segments: Sequence[Segment]) -> list[list[int]]:
    """Positions of the segments of each experience (job), in order of first appearance."""
    groups: dict[int, list[int]] = {}
    for position, segment in enumerate(segments):
        groups.setdefault(segment.experience, []).append(position)
    return list(groups.values())


# Caring for a relative (« aidant familial ») is the work ROME names « Assistant / Assistante
# de vie aux familles » (K1311), the usual target of a proche aidant's VAE: such an
# experience names that job, whatever words the person uses for it.
CAREGIVER_JOB = "Assistante de vie aux familles"


def job_mentions(
    segments: Sequence[Segment], members: list[list[int]]
) -> tuple[list[list[str]], list[list[str]]]:
    """Per experience, the roles its context names (plus :data:`CAREGIVER_JOB` for care of a
    relative), and, when it names none, its first segment, whose opening words may be the
    job (« Serveuse l'été dans un restaurant »): see :mod:`habilitant.matching.role_names`."""
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


def combine(results: list[tuple[np.ndarray, Fused]]) -> Fused:
    """Per-experience results merged: each entry keeps its best experience."""
    if len(results) == 1:
        members, fused = results[0]
        return Fused(
            fused.evidence,
            members[fused.best_segment],
            fused.score,
            fused.group_scores,
            fused.group_posterior,
            fused.named,
        )
    scores = np.stack([fused.score for _, fused in results])
    best = scores.argmax(axis=0)
    columns = np.arange(scores.shape[1])
    evidence = np.stack([fused.evidence for _, fused in results])[best, columns]
    segment = np.stack([m[fused.best_segment] for m, fused in results])[best, columns]
    named = None
    if any(fused.named is not None for _, fused in results):
        none = np.zeros(len(columns), dtype=bool)
        flags = np.stack([none if f.named is None else f.named for _, f in results])
        named = flags[best, columns]
    return Fused(
        evidence,
        segment,
        scores[best, columns],
        np.max([fused.group_scores for _, fused in results], axis=0),
        np.max([fused.group_posterior for _, fused in results], axis=0),
        named,
    )


class Habilitant:
    """Loads models and index once; ``analyse`` is then fast and side-effect free."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        encoder: Encoder | None = None,
        index: CompetenceIndex | None = None,
        nlp: Any = None,
        config: MatchingConfig | None = None,
        limits: StatementLimits | None = None,
    ) -> None:
        from habilitant.workspace import load_encoder_for, open_index

        self.settings = settings or get_settings()
        self.encoder = encoder or load_encoder_for(self.settings)
        self.index = index or open_index(self.settings, self.encoder)
        self.matcher = Matcher.from_index(self.index, config)
        self.limits = limits or StatementLimits()
        self._nlp = nlp
        self._masks: dict[Filters, np.ndarray] = {}
        self.referentiel_order = tuple(dict.fromkeys(e.referentiel for e in self.index.entries))

    @property
    def config(self) -> MatchingConfig:
        return self.matcher.config

    @cached_property
    def nlp(self) -> Any:
        if self._nlp is None:
            from habilitant.narrative import load_nlp

            self._nlp = load_nlp()
        return self._nlp

    @cached_property
    def catalog(self) -> Catalog:
        from habilitant.workspace import load_catalog

        return load_catalog(self.settings, list(self.index.manifest["referentiels"]))

    def segments(self, text: str) -> list[Segment]:
        from habilitant.narrative import segment_narrative

        return segment_narrative(text, self.nlp)

    def rank(self, text: str, *, segments: Sequence[Segment] | None = None) -> Ranking:
        """Segment, encode and match ``text`` without deciding anything."""
        segments = tuple(self.segments(text) if segments is None else segments)
        if not segments:
            empty = np.zeros((0, len(self.index)), dtype=np.float32)
            return Ranking(segments, None, empty, np.zeros(0, dtype=np.float32))
        # Each experience (job) is matched on its own: its own fiche, its own certification.
        members = experience_members(segments)
        read = [reading(s) for s in segments]
        # Each experience's whole text, its homonyms read as the glossary says (« la
        # toilette » of a person is no word of the animal groomer's fiche for its BM25).
        spans = [
            glossed(span, additions=False) if span else " ".join(read[i] for i in rows)
            for span, rows in zip(experience_spans(text, segments, members), members, strict=True)
        ]
        segment_vectors = self.encoder.encode_queries(
            [with_context(s, r) for s, r in zip(segments, read, strict=True)]
        )
        roles, leads = job_mentions(segments, members)
        # One dense product and one lexical product for all segments, then each experience.
        fused, dense, offsets = self.matcher.match_experiences(
            read, segment_vectors, members, spans, roles=roles, leads=leads
        )
        results = [(np.asarray(rows), f) for rows, f in zip(members, fused, strict=True)]
        return Ranking(segments, combine(results), dense, offsets)

    def analyse(
        self,
        text: str,
        *,
        referentiels: Sequence[str] | None = None,
        certifications: Sequence[str] | None = None,
        fiches: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        ranking: Ranking | None = None,
    ) -> Analysis:
        """Competence statements supported by the narrative, in the referentials' wording."""
        text = validate_text(text, max_chars=self.settings.max_text_chars)
        filters = Filters(
            tuple(referentiels or ()),
            tuple(normalize_certification_code(c) for c in certifications or ()),
            tuple(f.strip().upper() for f in fiches or ()),
            tuple(kinds or ()),
        )
        allowed = self.allowed(filters)
        warnings = [w for w in (language_warning(text),) if w]
        ranking = ranking or self.rank(text)  # a ranking of this very text, when given
        if ranking.fused is None:
            warnings.append("Aucune activité professionnelle n'a été repérée dans le texte.")
            return Analysis((), ranking.segments, tuple(warnings))
        statements = build_statements(
            ranking.fused,
            ranking.dense,
            ranking.offsets,
            ranking.segments,
            self.index.entries,
            self.matcher.structure,
            self.config,
            allowed,
            self.limits,
            self.referentiel_order,
        )
        return Analysis(statements, ranking.segments, tuple(warnings))

    def allowed(self, filters: Filters) -> np.ndarray:
        """Boolean mask over index entries for these filters (unknown codes are errors)."""
        mask = self._masks.get(filters)  # shared by the API's threads: no check-then-read
        if mask is None:
            mask = self._compute_mask(filters)
            if len(self._masks) > 256:
                self._masks.clear()
            self._masks[filters] = mask
        return mask

    def _compute_mask(self, filters: Filters) -> np.ndarray:
        entries = self.index.entries
        mask = np.ones(len(entries), dtype=bool)
        if filters.referentiels:
            known = {e.referentiel for e in entries}
            unknown = sorted(set(filters.referentiels) - known)
            if unknown:
                raise UnknownCodeError(
                    f"Référentiel(s) absent(s) de l'index : {', '.join(unknown)}.",
                    hint=f"Référentiels indexés : {', '.join(sorted(known))}.",
                )
            wanted = set(filters.referentiels)
            mask &= np.array([e.referentiel in wanted for e in entries])
        if filters.kinds:
            unknown_kinds = sorted(set(filters.kinds) - set(COMPETENCE_KINDS))
            if unknown_kinds:
                raise UnknownCodeError(
                    f"Nature(s) inconnue(s) : {', '.join(unknown_kinds)}.",
                    hint="Natures possibles : " + ", ".join(COMPETENCE_KINDS) + ".",
                )
            wanted = set(filters.kinds)
            mask &= np.array([e.kind in wanted for e in entries])
        for kind, codes in (("certification", filters.certifications), ("fiche", filters.fiches)):
            if not codes:
                continue
            present = {p.code for e in entries for p in e.parents if p.kind == kind}
            unknown = sorted(set(codes) - present)
            if unknown:
                label = "Certification(s)" if kind == "certification" else "Fiche(s) métier"
                raise UnknownCodeError(
                    f"{label} inconnue(s) de l'index : {', '.join(unknown)}.",
                    hint="Vérifiez le code, ou reconstruisez l'index avec le référentiel "
                    "qui la contient (habilitant index build).",
                )
            wanted = set(codes)
            mask &= np.array(
                [any(p.kind == kind and p.code in wanted for p in e.parents) for e in entries]
            )
        return mask

    def overview(
        self,
        texts: str | Sequence[str],
        *,
        referentiels: Sequence[str] | None = None,
        target: str | None = None,
        suggest_filters: SuggestFilters | None = None,
    ) -> Overview:
        """:meth:`analyse` of each narrative, :meth:`coverage` of ``target`` and
        :meth:`suggest`, on one ranking per narrative (each of those alone ranks again).
        Codes are checked before any narrative is read."""
        self.allowed(Filters(tuple(referentiels or ()), (), (), ()))
        resolved = resolve_target(self.catalog, target) if target else None
        rankings, warnings = self.rankings(texts)
        analyses = tuple(
            self.analyse(text, referentiels=referentiels, ranking=ranking)
            for text, ranking in zip(as_narratives(texts), rankings, strict=True)
        )
        coverage = (
            self.coverage_rankings(resolved, rankings, warnings) if resolved is not None else None
        )
        suggestions = self.suggest_rankings(rankings, suggest_filters)
        return Overview(analyses, coverage, suggestions, tuple(warnings))

    # --- Coverage and suggestions (VAE) -------------------------------------------------

    def rankings(self, texts: str | Sequence[str]) -> tuple[list[Ranking], list[str]]:
        """One ranking per narrative of the same person, and a warning for each that has no
        work segment (it is skipped)."""
        narratives = as_narratives(texts)
        if not narratives:
            raise InputError("Aucun récit fourni.", hint="Donnez au moins un récit d'expérience.")
        rankings, warnings = [], []
        for number, narrative in enumerate(narratives, start=1):
            text = validate_text(narrative, max_chars=self.settings.max_text_chars)
            warning = language_warning(text)
            if warning:
                warnings.append(f"Récit {number} : {warning}")
            ranking = self.rank(text)
            if ranking.fused is None:
                warnings.append(
                    f"Récit {number} : aucune activité professionnelle n'a été repérée."
                )
            rankings.append(ranking)
        return rankings, warnings

    def coverage(
        self, target: str, texts: str | Sequence[str], config: CoverageConfig | None = None
    ) -> Coverage:
        """How much of ``target`` (RNCP/RS code, ROME fiche, emploi-type) the narratives cover,
        bloc by bloc. Several narratives of one person accumulate their evidence."""
        resolved = resolve_target(self.catalog, target)
        rankings, warnings = self.rankings(texts)
        return self.coverage_rankings(resolved, rankings, warnings, config)

    def coverage_rankings(
        self,
        resolved: Target,
        rankings: Sequence[Ranking],
        warnings: Sequence[str] = (),
        config: CoverageConfig | None = None,
    ) -> Coverage:
        """:meth:`coverage` on narratives already ranked (see :meth:`rankings`)."""
        config = config or CoverageConfig()
        warnings = list(warnings)
        ids = [item.competence_id for bloc in resolved.blocs for item in bloc.items]
        positions = {i: p for i in ids if (p := self.index.position(i)) is not None}
        if len(positions) < len(ids):
            warnings.append(
                f"{len(ids) - len(positions)} énoncé(s) de la cible ne sont pas dans l'index : "
                "reconstruisez-le (habilitant index build)."
            )
        credits = merge_credits(
            [
                credits_from_ranking(
                    positions, r.fused, r.dense, r.offsets, r.segments, self.config, n, config
                )
                for n, r in enumerate(rankings)
                if r.fused is not None
            ]
        )
        return assess(
            resolved,
            credits,
            narratives=len(rankings),
            config=config,
            warnings=warnings,
        )

    @cached_property
    def suggestion_space(self) -> SuggestionSpace:
        from habilitant.targets import all_targets

        position = self.matcher.structure.group_position
        return SuggestionSpace.from_targets(
            list(all_targets(self.catalog)),
            self.index.position,
            len(self.index),
            lambda row: position.get((row.target.referentiel, row.kind, row.code)),
        )

    def suggest(
        self,
        texts: str | Sequence[str],
        filters: SuggestFilters | None = None,
        config: CoverageConfig | None = None,
    ) -> tuple[tuple[Suggestion, ...], tuple[str, ...]]:
        """Certifications, blocs and fiches ranked by how much of them the narratives cover,
        each explained in one line; and the warnings."""
        rankings, warnings = self.rankings(texts)
        return self.suggest_rankings(rankings, filters, config), tuple(warnings)

    def suggest_rankings(
        self,
        rankings: Sequence[Ranking],
        filters: SuggestFilters | None = None,
        config: CoverageConfig | None = None,
    ) -> tuple[Suggestion, ...]:
        """:meth:`suggest` on narratives already ranked (see :meth:`rankings`)."""
        filters = filters or SuggestFilters()
        config = config or CoverageConfig()
        usable = [(n, r) for n, r in enumerate(rankings) if r.fused is not None]
        if not usable:
            return ()
        statuses = np.max([entry_statuses(r.fused, self.config, config) for _, r in usable], axis=0)
        evidence = np.max([r.fused.evidence for _, r in usable], axis=0)
        group_scores = np.max([r.fused.group_scores for _, r in usable], axis=0)
        space = self.suggestion_space
        out = []
        for row_number, key in rank_rows(space, statuses, evidence, filters, config, group_scores):
            row = space.rows[row_number]
            positions = {i: p for i in row.item_ids() if (p := self.index.position(i)) is not None}
            credits = merge_credits(
                [
                    credits_from_ranking(
                        positions, r.fused, r.dense, r.offsets, r.segments, self.config, n, config
                    )
                    for n, r in usable
                ]
            )
            out.append(suggestion(row, credits, key, config))
        return tuple(out)
