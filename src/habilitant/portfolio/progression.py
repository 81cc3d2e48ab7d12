"""Progression of a portfolio: the competences attested at each entry date, and the coverage of
a target certification with what was stored up to that date.

Rules, statement by statement (a competence counts when one of its statements does):

* *rejected* by the counsellor: counts for nothing;
* *validated* by the counsellor, or *attested* by the analysis: attested (a covered credit);
* *to_confirm* and not yet validated: to confirm (a partial credit).

Pure functions over :mod:`habilitant.portfolio.records`; the coverage reuses
:func:`habilitant.coverage.assess`, each entry being one narrative (its position in the
portfolio, oldest first, is the quotes' ``narrative``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from habilitant.coverage import CoverageConfig, assess, merge_credits
from habilitant.domain import Coverage, Credit, Quote, Target
from habilitant.portfolio.records import Entry, Portfolio, StoredStatement


@dataclass(frozen=True)
class ProgressPoint:
    """The portfolio as it stood at the end of one entry date (cumulative)."""

    date: dt.date
    entries: int
    attested: int  # distinct competences attested or validated, rejected ones excluded
    validated: int  # distinct competences validated by the counsellor
    to_confirm: int  # distinct competences found but neither attested nor validated
    coverage: Coverage | None = None


@dataclass(frozen=True)
class PortfolioView:
    """A portfolio, its progression and, when one is followed, the target's coverage."""

    portfolio: Portfolio
    points: tuple[ProgressPoint, ...]
    target: Target | None = None

    @property
    def coverage(self) -> Coverage | None:
        """The target's coverage at the last date."""
        return self.points[-1].coverage if self.points else None


def statement_credit(statement: StoredStatement, narrative: int = 0) -> Credit | None:
    """What one stored statement is worth to a coverage (None when rejected)."""
    if statement.validation == "rejected":
        return None
    covered = statement.validation == "validated" or statement.decision == "attested"
    quotes = tuple(Quote(e.start, e.end, e.text or "", narrative) for e in statement.evidence)
    return Credit("covered" if covered else "partial", statement.score, quotes)


def entry_credits(entry: Entry, narrative: int) -> dict[str, Credit]:
    """Credits of one entry by competence id (``narrative``: the entry's position). The store
    keeps one statement per competence and entry."""
    credits = ((s.competence_id, statement_credit(s, narrative)) for s in entry.statements)
    return {competence_id: c for competence_id, c in credits if c is not None}


def credits_until(entries: Sequence[Entry], day: dt.date) -> dict[str, Credit]:
    """Credits accumulated by the entries dated ``day`` or before (positions in ``entries``)."""
    return merge_credits(
        [entry_credits(entry, n) for n, entry in enumerate(entries) if entry.date <= day]
    )


def competence_counts(statements: Iterable[StoredStatement]) -> tuple[int, int, int]:
    """Distinct competences (attested or validated, validated, to confirm only)."""
    attested: set[str] = set()
    validated: set[str] = set()
    found: set[str] = set()
    for s in statements:
        if s.validation == "rejected":
            continue
        found.add(s.competence_id)
        if s.validation == "validated":
            validated.add(s.competence_id)
        if s.validation == "validated" or s.decision == "attested":
            attested.add(s.competence_id)
    return len(attested), len(validated), len(found - attested)


def progression(
    portfolio: Portfolio, target: Target | None = None, config: CoverageConfig | None = None
) -> PortfolioView:
    """One point per entry date: the counts and, with a target, its coverage at that date."""
    config = config or CoverageConfig()
    entries = portfolio.entries
    points = []
    for day in sorted({e.date for e in entries}):
        upto = [e for e in entries if e.date <= day]
        attested, validated, to_confirm = competence_counts(s for e in upto for s in e.statements)
        coverage = None
        if target is not None:
            credits = credits_until(entries, day)
            coverage = assess(target, credits, narratives=len(upto), config=config)
        points.append(ProgressPoint(day, len(upto), attested, validated, to_confirm, coverage))
    return PortfolioView(portfolio, tuple(points), target)
