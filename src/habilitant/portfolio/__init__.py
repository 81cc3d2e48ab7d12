"""Portfolios that grow across interviews: a pseudonymous person's dated entries, the
statements each one found, the counsellor's validations, the progression towards a target
certification, exports and erasure (RGPD). Stored in SQLite (``HABILITANT_PORTFOLIO_DB``).

Importing this package loads no model: only ``sqlite3`` and the domain. The records a
portfolio is made of (``Entry``, ``StoredStatement``…) are in :mod:`.records`.
"""

from __future__ import annotations

from habilitant.portfolio.progression import PortfolioView, ProgressPoint, progression
from habilitant.portfolio.records import ENTRY_KINDS, EntryDraft, Finding
from habilitant.portfolio.service import (
    AddedEntry,
    add_entry,
    erase_person,
    export,
    validate_statement,
    view,
)
from habilitant.portfolio.store import PortfolioStore

__all__ = [
    "ENTRY_KINDS",
    "AddedEntry",
    "EntryDraft",
    "Finding",
    "PortfolioStore",
    "PortfolioView",
    "ProgressPoint",
    "add_entry",
    "erase_person",
    "export",
    "progression",
    "validate_statement",
    "view",
]
