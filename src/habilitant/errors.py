"""Errors that say what happened and how to fix it.

The library raises these; the CLI maps them to an exit message and code, the API
to an HTTP status with a French ``detail`` and a stable machine ``code``.
Messages are written for the end user (French); ``hint`` says what to do.
"""

from __future__ import annotations


class HabilitantError(Exception):
    """Base class. ``code`` is stable and machine readable."""

    code = "erreur"
    http_status = 400

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class ReferentielError(HabilitantError):
    """A referential file is missing, malformed or inconsistent."""

    code = "referentiel_invalide"
    http_status = 500


class UnknownCodeError(HabilitantError):
    """A code (certification, fiche, competence) that no loaded referential knows."""

    code = "code_inconnu"
    http_status = 404


class IndexStateError(HabilitantError):
    """The index is missing, or does not match the encoder / referentials."""

    code = "index_invalide"
    http_status = 503


class EncoderError(HabilitantError):
    """The encoder model is missing or cannot be loaded."""

    code = "encodeur_indisponible"
    http_status = 503


class InputError(HabilitantError):
    """User input is unusable: empty, too long, binary, badly encoded."""

    code = "texte_invalide"
    http_status = 400


class InputTooLargeError(InputError):
    """A text over the configured length (a field's limit; bodies over the byte limit get
    the API's 413)."""

    code = "texte_trop_long"
    http_status = 400


class DownloadError(HabilitantError):
    """The official files could not be fetched."""

    code = "telechargement_impossible"
    http_status = 502


class LanguageModelError(HabilitantError):
    """The spaCy French model is missing or cannot be loaded."""

    code = "modele_langue_indisponible"
    http_status = 503


class PortfolioError(HabilitantError):
    """A portfolio request is unusable: bad person id, date, kind, or a forbidden action."""

    code = "portfolio_invalide"
    http_status = 400


class UnknownPersonError(PortfolioError):
    """No portfolio is stored for this person id."""

    code = "personne_inconnue"
    http_status = 404


class UnknownStatementError(PortfolioError):
    """No stored statement has this id in this person's portfolio."""

    code = "enonce_inconnu"
    http_status = 404


class PortfolioStoreError(HabilitantError):
    """The portfolio database cannot be opened or used (newer schema, damaged file, locked)."""

    code = "portfolio_indisponible"
    http_status = 503


class ServiceUnavailable(HabilitantError):
    """The API is still loading its models, or failed to."""

    code = "service_indisponible"
    http_status = 503


class TimeBudgetExceeded(HabilitantError):
    """One request's analysis ran past the service's time budget (``analysis_seconds``)."""

    code = "analyse_trop_longue"
    http_status = 503


class Unauthorized(HabilitantError):
    """An API key is configured and the request did not carry it."""

    code = "cle_api_requise"
    http_status = 401


class ClusterError(HabilitantError):
    """The Dask cluster cannot be reached or a worker failed."""

    code = "cluster_indisponible"
    http_status = 503
