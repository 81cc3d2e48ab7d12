"""Request and response schemas, named by role. Field names are those of the CLI's ``--json``
(``habilitant analyse --json``, ``coverage --json``, ``suggest --json``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from habilitant.inputs import DEFAULT_MAX_CHARS, WORD_CHARACTER
from habilitant.portfolio.records import (
    ENTRY_KINDS,
    MAX_CONTEXT,
    NEW_PERSON_ID_PATTERN,
    PERSON_ID_PATTERN,
)

# Constraints the schema documents and the service enforces itself, with its French 400 and
# hint (a pydantic constraint would answer a bare 422): what the schema calls valid is
# accepted and what it calls invalid is refused (schemathesis checks it in the test suite).
NARRATIVE: dict[str, Any] = {
    "minLength": 1,
    "maxLength": DEFAULT_MAX_CHARS,
    "pattern": WORD_CHARACTER,
}
Narrative = Annotated[str, Field(json_schema_extra=NARRATIVE)]


def _json_integer(value: Any) -> Any:
    """A JSON integer: ``23`` or ``23.0`` (the same number), never ``"23"`` nor ``true``."""
    if isinstance(value, bool | str):
        raise ValueError("un entier est attendu")
    return value


JsonInt = Annotated[int, Field(strict=False), BeforeValidator(_json_integer)]


class _Request(BaseModel):
    # Strict: 0 is not false and "5" is not 5, as the schema says.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _encodable(cls, value: Any, info: ValidationInfo) -> Any:
        """Codes, ids and dates must be text: a lone surrogate (valid JSON, not Unicode text)
        is refused here. Narratives get their own French message from the pipeline."""
        if info.field_name in ("text", "texts"):
            return value
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                item.encode("utf-8")  # UnicodeEncodeError is a ValueError: a 422
        return value


class _Narratives(_Request):
    """One narrative (``text``) or several of the same person (``texts``, one per interview)."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["text"], "properties": {"text": {"type": "string"}}},
                {"required": ["texts"], "properties": {"texts": {"type": "array"}}},
            ]
        }
    )

    text: str | None = Field(
        None, description="Un récit d'expérience.", json_schema_extra=NARRATIVE
    )
    texts: list[Narrative] | None = Field(
        None,
        description="Plusieurs récits de la même personne (un par entretien).",
        max_length=20,
        json_schema_extra={"minItems": 1},
    )

    @model_validator(mode="after")
    def _one_source(self) -> _Narratives:
        if (self.text is None) == (self.texts is None):
            raise ValueError("Donnez soit « text », soit « texts ».")
        return self

    def narratives(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])


class AnalyseRequest(_Request):
    text: str = Field(
        ...,
        description="Le récit d'expérience, tel que la personne le raconte.",
        json_schema_extra=NARRATIVE,
    )
    referentiels: list[str] = Field(default_factory=list, description="rome, rncp, rs, esco…")
    certification: str | list[str] | None = Field(None, description="ex. RNCP37674")
    fiches: list[str] = Field(default_factory=list, description="Fiches ROME, ex. J1501")
    kinds: list[str] = Field(default_factory=list, description="competence, savoir…")

    def certifications(self) -> list[str]:
        if self.certification is None:
            return []
        return [self.certification] if isinstance(self.certification, str) else self.certification


class CoverageRequest(_Narratives):
    certification: str = Field(
        ..., description="Cible : numéro RNCP/RS (RNCP37674), fiche ROME (J1501) ou emploi-type."
    )
    include_markdown: bool = Field(False, description="Joindre la synthèse Markdown.")


class SuggestRequest(_Narratives):
    niveaux: list[str] = Field(default_factory=list, description='Niveaux, ex. ["4", "5"]')
    actif_only: bool = False
    referentiels: list[str] = Field(default_factory=list)
    kinds: list[Literal["certification", "bloc", "fiche"]] = Field(default_factory=list)
    limit: JsonInt = Field(10, ge=1, le=50, description="Suggestions par type.")


class OverviewRequest(_Narratives):
    """What the conseiller's page asks: the statements of each narrative, the coverage of a
    target (optional) and the closest targets, from one reading of the narratives."""

    referentiels: list[str] = Field(
        default_factory=list, description="Référentiels des énoncés (rome, rncp, rs, esco…)."
    )
    certification: str | None = Field(
        None, description="Cible facultative : RNCP37674, J1501 ou un emploi-type."
    )
    include_markdown: bool = Field(False, description="Joindre la synthèse Markdown de la cible.")
    limit: JsonInt = Field(5, ge=1, le=50, description="Suggestions par type.")


class EvidencePublic(BaseModel):
    start: int
    end: int
    text: str


class QuotePublic(EvidencePublic):
    narrative: int = Field(0, description="Position du récit (0 = premier entretien).")


class ParentPublic(BaseModel):
    kind: str
    code: str
    libelle: str


class _Statement(BaseModel):
    """The fields of every statement: analysed, or stored in a portfolio."""

    competence_id: str
    code: str
    referentiel: str
    libelle: str = Field(..., description="Le libellé exact du référentiel.")
    kind: str
    decision: Literal["attested", "to_confirm"]
    score: float
    parents: list[ParentPublic]
    evidence: list[EvidencePublic]


class LinkPublic(BaseModel):
    """An official link, kept as its publisher gives it (:mod:`habilitant.links`)."""

    referentiel: str
    code: str
    libelle: str
    relation: str = Field(..., description="codes_rome, fiche_parente, skos:exactMatch…")
    sources: list[str] = Field(..., description="Tables officielles d'où vient le lien.")
    label: Literal["officiel"] = Field(..., description="Toujours « officiel » (lien officiel).")
    status: Literal["valid", "domain_code", "unknown_code", "unchecked"]
    niveau: str
    actif: bool | None
    etat: str
    via: str
    via_libelle: str
    uri: str


class NeighbourPublic(BaseModel):
    """A statement of another referential close to this one: computed, never an equivalence
    (:mod:`habilitant.neighbours`)."""

    competence_id: str
    referentiel: str
    kind: str
    code: str
    libelle: str = Field(..., description="Le libellé exact de l'autre référentiel.")
    score: float = Field(..., description="Au moins le seuil calibré de l'encodeur.")
    label: Literal["proche"] = Field(..., description="Toujours « proche », jamais équivalent.")
    parents: list[ParentPublic]


class StatementPublic(_Statement):
    """A statement of an analysis, with its official links (usually none: the official tables
    link métiers and certifications, not statements) and its neighbours in the other
    referentials."""

    links: list[LinkPublic] = Field(..., description="Liens officiels de l'énoncé lui-même.")
    neighbours: list[NeighbourPublic] = Field(
        ..., description="Énoncés proches des autres référentiels (calculés, « proche »)."
    )


class ContextPublic(BaseModel):
    role: str
    employer: str
    duration: str
    contract: str


class SegmentPublic(BaseModel):
    start: int
    end: int
    text: str
    experience: int
    context: ContextPublic


class AnalysisPublic(BaseModel):
    statements: list[StatementPublic]
    segments: list[SegmentPublic]
    warnings: list[str]


class TargetPublic(BaseModel):
    code: str
    libelle: str
    referentiel: str
    kind: str
    niveau: str
    actif: bool
    successors: list[str]


class CompetenceCoveragePublic(BaseModel):
    competence_id: str
    libelle: str
    status: Literal["covered", "partial", "missing"]
    score: float
    evidence: list[QuotePublic]


class BlocCoveragePublic(BaseModel):
    code: str
    libelle: str
    coverage_ratio: float
    ready_for_vae: bool
    competences: list[CompetenceCoveragePublic]


class GapPublic(BaseModel):
    competence_id: str
    libelle: str
    bloc: str


class CoverageReportPublic(BaseModel):
    target: TargetPublic
    coverage_ratio: float
    depth: Literal["competences", "bloc_titles"]
    narratives: int
    blocs: list[BlocCoveragePublic]
    gaps: list[GapPublic]
    warnings: list[str]
    markdown: str | None = None


class SuggestionPublic(BaseModel):
    code: str
    libelle: str
    kind: Literal["certification", "bloc", "fiche"]
    referentiel: str
    niveau: str
    actif: bool
    coverage_ratio: float
    score: float
    certification: str
    why: str
    evidence: list[QuotePublic]


class SuggestionsPublic(BaseModel):
    suggestions: list[SuggestionPublic]
    warnings: list[str]


class ErrorPublic(BaseModel):
    detail: str = Field(..., description="Message pour les personnes (français).")
    code: str = Field(..., description="Code stable pour les machines.")
    hint: str = ""


class LabelsPublic(BaseModel):
    decisions: dict[str, str] = Field(..., description="attested, to_confirm")
    statuses: dict[str, str] = Field(..., description="covered, partial, missing")
    suggestion_kinds: dict[str, str] = Field(..., description="certification, bloc, fiche")
    referentiels: dict[str, str] = Field(..., description="Nom court de chaque référentiel.")
    links: dict[str, str] = Field(..., description="officiel, proche")
    link_relations: dict[str, str] = Field(
        ..., description="codes_rome, fiche_parente, skos:exactMatch…"
    )
    link_sources: dict[str, str] = Field(..., description="Table officielle d'où vient un lien.")
    link_statuses: dict[str, str] = Field(
        ..., description="valid, domain_code, unknown_code, unchecked"
    )


class HealthPublic(BaseModel):
    status: Literal["ready", "loading", "failed"]
    detail: str = ""


class VersionPublic(BaseModel):
    version: str
    encoder: str
    encoder_dimension: int
    index_entries: int
    calibration: dict[str, Any] = Field(
        description="Valeurs de décision de l'index (seuils, poids), propres à l'encodeur."
    )
    referentiels: dict[str, str]


# --- Portfolio (habilitant portfolio …): the person id travels in the body, never in the URL
# (URLs end up in logs and browser histories).


class _PersonRequest(_Request):
    person: str = Field(
        ...,
        max_length=100,
        description="Identifiant pseudonyme de la personne (ex. P-2024-0173).",
        json_schema_extra={"pattern": PERSON_ID_PATTERN},
    )


class PortfolioEntryRequest(_PersonRequest):
    person: str = Field(
        ...,
        max_length=100,
        description="Identifiant pseudonyme de la personne (ex. P-2024-0173) : au moins un "
        "chiffre, aucun long numéro.",
        json_schema_extra={"pattern": NEW_PERSON_ID_PATTERN},
    )
    text: str = Field(
        ...,
        description="Le récit de l'entretien ou de l'expérience.",
        json_schema_extra=NARRATIVE,
    )
    date: str | None = Field(
        None,
        description="AAAA-MM-JJ, au plus aujourd'hui ; aujourd'hui par défaut.",
        json_schema_extra={"format": "date"},
    )
    kind: str = Field(
        "entretien",
        description="Nature de l'entrée.",
        json_schema_extra={"enum": list[Any](ENTRY_KINDS)},
    )
    context: str | None = Field(
        None,
        description="Contexte en une phrase.",
        json_schema_extra={"maxLength": MAX_CONTEXT},
    )
    consent: bool = Field(
        False, description="La personne consent à la conservation du récit et des extraits."
    )
    certification: str | None = Field(
        None, description="Cible suivie : ses énoncés couverts sont enregistrés aussi."
    )


class PortfolioRequest(_PersonRequest):
    certification: str | None = Field(
        None, description="Cible dont suivre la couverture à chaque date (ex. RNCP37674)."
    )


class PortfolioExportRequest(PortfolioRequest):
    format: Literal["json", "csv", "markdown"] = "json"


class PortfolioEraseRequest(_PersonRequest):
    """Erase everything about the person (RGPD)."""


class StatementValidationRequest(_PersonRequest):
    statement_id: JsonInt = Field(
        ...,
        ge=1,
        le=2**31 - 1,  # exact as a float too (JSON numbers); SQLite's limit is far above
        description="Numéro de l'énoncé (voir /portfolio/show).",
    )
    validation: Literal["validated", "rejected", "pending"] = Field(
        ..., description="validated, rejected, ou pending pour annuler."
    )


class PersonPublic(BaseModel):
    id: str
    created_at: str


class StoredEvidencePublic(BaseModel):
    start: int
    end: int
    text: str | None = Field(None, description="Extrait cité, seulement avec le consentement.")


class StoredStatementPublic(_Statement):
    """A statement of an entry as stored: the statement, where it is kept, and the
    counsellor's decision on it; its evidence holds the quoted words only with consent."""

    id: int
    entry_id: int
    source: Literal["analyse", "cible"]
    validation: Literal["pending", "validated", "rejected"]
    validated_at: str | None
    evidence: list[StoredEvidencePublic]  # type: ignore[assignment]  # quotes may be withheld


class PortfolioEntryPublic(BaseModel):
    id: int
    date: str
    kind: str
    context: str
    consent: bool
    narrative: str | None = Field(None, description="Le récit, seulement avec le consentement.")
    certification: str
    created_at: str
    statements: list[StoredStatementPublic]


class PortfolioEntryAddedPublic(BaseModel):
    person: str
    entry: PortfolioEntryPublic
    warnings: list[str]


class BlocProgressPublic(BaseModel):
    code: str
    libelle: str
    coverage_ratio: float


class ProgressPointPublic(BaseModel):
    date: str
    entries: int
    attested: int = Field(..., description="Compétences distinctes attestées ou validées.")
    validated: int
    to_confirm: int
    coverage_ratio: float | None
    blocs: list[BlocProgressPublic]


class PortfolioPublic(BaseModel):
    person: PersonPublic
    entries: list[PortfolioEntryPublic]
    progression: list[ProgressPointPublic]
    coverage: CoverageReportPublic | None


class PortfolioErasedPublic(BaseModel):
    person: str
    entries_erased: int


class OverviewPublic(BaseModel):
    analyses: list[AnalysisPublic] = Field(..., description="Une analyse par récit, dans l'ordre.")
    coverage: CoverageReportPublic | None = Field(None, description="Sans cible : null.")
    suggestions: SuggestionsPublic
