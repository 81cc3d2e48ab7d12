"""Batch enrichment of narratives: tables in, statements (and coverage) out; resumable;
on one process or on a Dask cluster. See :func:`habilitant.batch.runner.enrich`."""

from habilitant.batch.rows import EnrichOptions
from habilitant.batch.runner import EnrichReport, enrich

__all__ = ["EnrichOptions", "EnrichReport", "enrich"]
