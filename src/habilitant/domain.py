"""The domain model: frozen dataclasses shared by every stage.

Data flows referential -> index -> narrative -> matches -> statements / coverage.
Nothing here imports pydantic, FastAPI, torch, faiss or spaCy.

Identifiers
-----------
Every :class:`Competence` has a stable ``id`` made of the referential name and the
source's own code, e.g. ``rome:100023`` (ROME ``code_ogr``), ``rncp:RNCP37674BC01:2``
(RNCP bloc code + position of the statement in ``LISTE_COMPETENCES``, 1-based),
``rncp:RNCP37674BC01`` (the bloc title itself), ``rncp-2021:RNCP10013BC01``,
``esco:<uuid>``, ``referens3:<code>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# Kinds of referential items. French referential nouns, ASCII, Python case.
CompetenceKind = Literal[
    "competence",  # ROME savoir-faire, RNCP statement, ESCO skill, branch competence
    "macro_competence",  # ROME macro-compétence
    "savoir_etre",  # ROME savoir-être professionnel
    "savoir",  # ROME savoir / ESCO knowledge / branch connaissance
    "bloc",  # RNCP bloc title (a bloc de compétences as one statement)
    "activite",  # branch activité
]

ParentKind = Literal[
    "certification", "bloc", "fiche", "macro_competence", "emploi_type", "activite", "famille"
]

COMPETENCE_KINDS: tuple[str, ...] = (
    "competence",
    "macro_competence",
    "savoir_etre",
    "savoir",
    "bloc",
    "activite",
)


@dataclass(frozen=True)
class Parent:
    """Where an item sits in its referential (a bloc, a certification, a fiche...)."""

    kind: ParentKind
    code: str
    libelle: str
    role: str = ""  # the link's flag, e.g. ROME coeur_metier « Principale » / « Émergente »


@dataclass(frozen=True)
class Competence:
    """One statement of a referential, in its exact official wording."""

    id: str
    referentiel: str
    code: str
    libelle: str
    kind: CompetenceKind
    parents: tuple[Parent, ...] = ()
    version: str = ""
    alt_labels: tuple[str, ...] = ()
    definition: str = ""


@dataclass(frozen=True)
class Bloc:
    """A bloc de compétences of a certification."""

    code: str
    libelle: str
    competence_ids: tuple[str, ...] = ()
    modalites_evaluation: str = ""


CertificationDepth = Literal["competences", "bloc_titles"]


@dataclass(frozen=True)
class Certification:
    """An RNCP (or RS) certification with its blocs."""

    code: str  # "RNCP37674"
    intitule: str
    referentiel: str
    niveau: str = ""  # "5" for NIV5 / niveau5
    etat: str = ""  # ETAT_FICHE, e.g. "Publiée"
    actif: bool = True
    rome_codes: tuple[str, ...] = ()
    nsf_codes: tuple[str, ...] = ()
    formacodes: tuple[str, ...] = ()
    activites_visees: str = ""
    capacites_attestees: str = ""
    blocs: tuple[Bloc, ...] = ()
    successors: tuple[str, ...] = ()  # NOUVELLES_CERTIFICATIONS
    predecessors: tuple[str, ...] = ()  # ANCIENNES_CERTIFICATIONS
    depth: CertificationDepth = "competences"


@dataclass(frozen=True)
class FicheItem:
    """A link fiche métier -> competence, with ROME's ``coeur_metier`` flag."""

    competence_id: str
    coeur_metier: str = ""  # "Principale", "Émergente" or ""


@dataclass(frozen=True)
class Fiche:
    """A ROME fiche métier (or an occupation of another referential)."""

    code: str  # "J1501"
    libelle: str
    referentiel: str
    appellations: tuple[str, ...] = ()
    items: tuple[FicheItem, ...] = ()
    definition: str = ""


@dataclass(frozen=True)
class EmploiType:
    """An emploi-type of a branch referential: activités and compétences."""

    code: str
    libelle: str
    referentiel: str
    famille: str = ""
    activite_ids: tuple[str, ...] = ()
    competence_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceFile:
    """A file a referential was read from, with its checksum."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Crosswalk:
    """A link between two items, as the publisher gives it: across referentials (ESCO
    occupation -> ROME appellation) or inside one (ROME appellation -> fiche, ROME fiche ->
    its parent fiche)."""

    source: str
    target: str
    relation: str
    label: str = ""  # the source item's label in the same file (appellation, ESCO occupation)


@dataclass(frozen=True)
class Referentiel:
    """Everything read from one source, in the shared domain model."""

    name: str  # registry name: "rome", "rncp", "rncp-2021", "esco", "referens3"
    title: str
    version: str
    sources: tuple[SourceFile, ...] = ()
    competences: tuple[Competence, ...] = ()
    certifications: tuple[Certification, ...] = ()
    fiches: tuple[Fiche, ...] = ()
    emplois_types: tuple[EmploiType, ...] = ()
    crosswalks: tuple[Crosswalk, ...] = ()
    counts: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    def count(self) -> dict[str, int]:
        """Counts shown by ``habilitant referentiels list``."""
        kinds: dict[str, int] = {}
        for competence in self.competences:
            kinds[competence.kind] = kinds.get(competence.kind, 0) + 1
        out = {
            "certifications": len(self.certifications),
            "blocs": sum(len(c.blocs) for c in self.certifications),
            "fiches": len(self.fiches),
            "emplois_types": len(self.emplois_types),
            "items": len(self.competences),
        }
        out.update({f"kind:{k}": v for k, v in sorted(kinds.items())})
        out.update(self.counts)
        return out


# --- Narrative -> segments -------------------------------------------------------------

ContractType = Literal[
    "cdi",
    "cdd",
    "interim",
    "saisonnier",
    "benevolat",
    "stage",
    "alternance",
    "service_civique",
    "aidant_familial",
    "independant",
    "",
]


@dataclass(frozen=True)
class ExperienceContext:
    """What the narrative says about one experience (empty strings when it says nothing)."""

    role: str = ""
    employer: str = ""  # employer or sector as written ("EHPAD", "grande surface")
    duration: str = ""  # as written ("6 mois", "deux ans", "de 2019 à 2021")
    contract: ContractType = ""


@dataclass(frozen=True)
class Segment:
    """One activity of the narrative, with its character span in the original text."""

    text: str  # exactly ``narrative[start:end]``
    start: int
    end: int
    experience: int = 0  # index of the experience (job) the segment belongs to
    context: ExperienceContext = ExperienceContext()
    # The verb of an earlier activity of the same clause that this verbless one shares
    # (« nettoyais » for « les sanitaires » in « je nettoyais les classes et les
    # sanitaires »): read with the segment for matching, never part of the evidence.
    verb: str = ""


# --- Matches -> statements --------------------------------------------------------------

Decision = Literal["attested", "to_confirm"]


@dataclass(frozen=True)
class Evidence:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Statement:
    """A competence stated in the referential's exact wording, with its evidence."""

    competence_id: str
    code: str
    referentiel: str
    libelle: str
    kind: str
    decision: Decision
    score: float
    parents: tuple[Parent, ...] = ()
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Analysis:
    """The result of analysing one narrative."""

    statements: tuple[Statement, ...]
    segments: tuple[Segment, ...]
    warnings: tuple[str, ...] = ()


# --- Statements -> coverage of a target ---------------------------------------------------

CoverageStatus = Literal["covered", "partial", "missing"]
TargetKind = Literal["certification", "fiche", "emploi_type"]


@dataclass(frozen=True)
class TargetItem:
    """One statement of a target, as the referential words it."""

    competence_id: str
    libelle: str


@dataclass(frozen=True)
class TargetBloc:
    """A bloc of a target: an RNCP bloc, a ROME macro-compétence, an emploi-type's activités."""

    code: str
    libelle: str
    items: tuple[TargetItem, ...]


@dataclass(frozen=True)
class Target:
    """What a person's experience is compared with: a certification, a fiche, an emploi-type."""

    code: str
    libelle: str
    referentiel: str
    kind: TargetKind
    depth: CertificationDepth
    blocs: tuple[TargetBloc, ...]
    niveau: str = ""
    actif: bool = True
    successors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what the user must know (inactive, replaced, titles only)


@dataclass(frozen=True)
class Quote:
    """Evidence in one of several narratives (``narrative`` is its position, from 0)."""

    start: int
    end: int
    text: str
    narrative: int = 0


@dataclass(frozen=True)
class Credit:
    """What the narratives say about one competence of a target."""

    status: CoverageStatus
    score: float
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class CompetenceCoverage:
    competence_id: str
    libelle: str
    status: CoverageStatus
    score: float
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class BlocCoverage:
    code: str
    libelle: str
    coverage_ratio: float
    ready_for_vae: bool
    competences: tuple[CompetenceCoverage, ...]


@dataclass(frozen=True)
class Coverage:
    """A target, bloc by bloc: covered, partial, missing; the gaps; the overall ratio."""

    target: Target
    coverage_ratio: float
    blocs: tuple[BlocCoverage, ...]
    gaps: tuple[CompetenceCoverage, ...]
    narratives: int = 1
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """A certification, bloc or fiche close to the experience, with the reason in one line."""

    code: str
    libelle: str
    kind: Literal["certification", "bloc", "fiche"]
    referentiel: str
    coverage_ratio: float
    score: float
    why: str
    niveau: str = ""
    actif: bool = True
    certification: str = ""  # for a bloc: its certification's code
    evidence: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class Overview:
    """The narratives of one person read once: each one's statements, the coverage of a
    target (when one is given) and the closest certifications, blocs and fiches."""

    analyses: tuple[Analysis, ...]
    coverage: Coverage | None
    suggestions: tuple[Suggestion, ...]
    warnings: tuple[str, ...] = ()
