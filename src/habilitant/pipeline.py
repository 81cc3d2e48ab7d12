"""The ``Habilitant`` façade: load the encoder, index and French model once; analyse texts.

from habilitant.pipeline import Habilitant
h = Habilitant()
analysis = h.analyse("J'ai fait des remplacements en EHPAD : la toilette des résidents…")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from habilitant.budget import check_time_budget
from habilitant.calibration import calibration_for, calibration_of_index
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
from habilitant.errors import IndexStateError, InputError, UnknownCodeError
from habilitant.inputs import language_warning, nfc_with_offsets, validate_text
from habilitant.matching.fusion import MatchingConfig
from habilitant.matching.matcher import Matcher
from habilitant.matching.ranking import Ranking, Reading, rank_reading, read_narrative
from habilitant.settings import Settings, get_settings
from habilitant.statements import ActivityConfig, build_statements
from habilitant.suggest import SuggestFilters, SuggestionSpace, rank_rows, suggestion
from habilitant.targets import resolve_target
from habilitant.training import load_learned

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


def as_narratives(texts: str | Sequence[str]) -> list[str]:
    """One narrative, or several of the same person, as a list."""
    return [texts] if isinstance(texts, str) else list(texts)


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
        decision: ActivityConfig | None = None,
        learned: bool = True,
    ) -> None:
        from habilitant.workspace import load_encoder_for, open_index

        self.settings = settings or get_settings()
        self.encoder = encoder or load_encoder_for(self.settings)
        self.index = index or open_index(self.settings, self.encoder)
        self.calibration = calibration_of_index(self.index.manifest, self.encoder.name)
        if self.settings.decision_file is not None:
            wanted = calibration_for(self.encoder.name, decision_file=self.settings.decision_file)
            if wanted != self.calibration:
                raise IndexStateError(
                    f"Les valeurs de décision de {self.settings.decision_file} "
                    "(HABILITANT_DECISION_FILE) ne sont pas celles de l'index.",
                    hint="Relancez habilitant index build : l'index est reconstruit depuis le "
                    "cache en quelques secondes, avec ces valeurs.",
                )
        self.matcher = Matcher.from_index(self.index, config or self.calibration.matching)
        self.decision = decision or self.calibration.decision
        # The learned item ranking and fiche prediction (habilitant train), the artifact checked
        # once for both; ``learned=False`` ranks as the matcher does (what training needs).
        self.item_prior, self.fiche_classifier = (
            load_learned(self.index, self.matcher.structure) if learned else (None, None)
        )
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

    def read(self, text: str, *, segments: Sequence[Segment] | None = None) -> Reading:
        """Segment and encode ``text`` (the slow part), without matching it."""
        segments = self.segments(text) if segments is None else segments
        return read_narrative(text, segments, self.encoder)

    @cached_property
    def _classifier_groups(self) -> np.ndarray:
        """Per fiche of the classifier, its group in the structure (-1: not indexed)."""
        structure = self.matcher.structure
        fiches = self.fiche_classifier.fiches if self.fiche_classifier else ()
        return np.array(
            [structure.group_position.get(("rome", "fiche", code), -1) for code in fiches],
            dtype=np.int64,
        )

    def group_prior(self, text: str) -> np.ndarray | None:
        """Per structure group, what the learned fiche prediction adds to its score for
        ``text`` (``weight x log(p / p_best)`` of each ROME fiche, 0 for other groups); None
        without a title line or without a trained classifier."""
        if self.fiche_classifier is None:
            return None
        prior = self.fiche_classifier.fiche_prior(text)
        if prior is None:
            return None
        out = np.zeros(len(self.matcher.structure.groups), dtype=np.float32)
        groups = self._classifier_groups
        known = groups >= 0
        out[groups[known]] = prior[known]
        return out

    def rank(
        self,
        text: str,
        *,
        segments: Sequence[Segment] | None = None,
        config: MatchingConfig | None = None,
        learned: bool = True,
    ) -> Ranking:
        """Segment, encode and match ``text`` without deciding anything: the one matching
        path (:func:`habilitant.matching.ranking.rank_reading`) that tuning and evaluation
        run too. ``learned=False`` leaves out the learned fiche prediction."""
        if segments is not None:  # segments of this very text
            prior = self.group_prior(text) if learned else None
            reading = self.read(text, segments=segments)
            return rank_reading(self.matcher, reading, config, prior)
        normalized, origin = nfc_with_offsets(text)
        check_time_budget()
        segments = self.segments(normalized)
        check_time_budget()
        reading = self.read(normalized, segments=segments)
        check_time_budget()
        prior = self.group_prior(normalized) if learned else None
        ranking = rank_reading(self.matcher, reading, config, prior)
        check_time_budget()
        if origin is None:
            return ranking
        # Read in NFC; every span given back indexes the text as it was sent.
        return replace(
            ranking,
            segments=tuple(
                replace(
                    s,
                    text=text[origin[s.start] : origin[s.end]],
                    start=origin[s.start],
                    end=origin[s.end],
                )
                for s in ranking.segments
            ),
        )

    def item_scores(self, ranking: Ranking) -> np.ndarray | None:
        """Per index entry, the order items are ranked in: the learned ranking
        (``habilitant train``) when one was trained for this index, the matcher's score
        otherwise. The per-activity decision of :meth:`analyse` does not use it."""
        fused = ranking.fused
        if fused is None:
            return None
        if self.item_prior is None:
            return fused.score
        return self.item_prior.rank_scores(fused.score, fused.group_scores)

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
            ranking, self.matcher, allowed, self.decision, self.referentiel_order
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
        config = config or self.calibration.coverage
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
                credits_from_ranking(positions, r, n, config)
                for n, r in enumerate(rankings)
                if r.fused is not None
            ],
            config,
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
        self.suggestion_space.check(filters or SuggestFilters())  # before the slow part
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
        self.suggestion_space.check(filters)
        config = config or self.calibration.coverage
        usable = [(n, r) for n, r in enumerate(rankings) if r.fused is not None]
        fused = [(r.fused, r.config) for _, r in usable if r.fused is not None]  # typed view
        if not usable:
            return ()
        statuses = np.max([entry_statuses(f, c, config) for f, c in fused], axis=0)
        evidence = np.max([f.evidence for f, _ in fused], axis=0)
        group_scores = np.max([f.group_scores for f, _ in fused], axis=0)
        space = self.suggestion_space
        out = []
        for row_number, key in rank_rows(space, statuses, evidence, filters, config, group_scores):
            row = space.rows[row_number]
            positions = {i: p for i in row.item_ids() if (p := self.index.position(i)) is not None}
            credits = merge_credits(
                [credits_from_ranking(positions, r, n, config) for n, r in usable], config
            )
            out.append(suggestion(row, credits, key, config))
        return tuple(out)
