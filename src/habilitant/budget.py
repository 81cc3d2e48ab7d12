"""A time budget per request: the service answers within it or says why it did not.

The API sets a :class:`TimeBudget` for each request (:func:`time_budget`) and starts it when
the request gets a computing slot; the pipeline calls :func:`check_time_budget` between the
stages of an analysis (segmentation, encoding, matching, statements). Each stage is bounded
whatever the text (see :func:`habilitant.narrative.context.prepare_text`), so a request stops
at most one stage after its budget. Outside the API (CLI, batch) no budget is set.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from habilitant.errors import TimeBudgetExceeded


@dataclass
class TimeBudget:
    seconds: float
    started: float | None = None  # monotonic clock; None: waiting for a computing slot

    def start(self) -> None:
        self.started = time.monotonic()

    def check(self) -> None:
        if self.started is not None and time.monotonic() - self.started > self.seconds:
            raise TimeBudgetExceeded(
                f"L'analyse a dépassé le temps accordé à une requête ({self.seconds:g} s).",
                hint="Raccourcissez le texte ou découpez-le en plusieurs récits ; "
                "l'administrateur peut relever HABILITANT_ANALYSIS_SECONDS.",
            )


_current: ContextVar[TimeBudget | None] = ContextVar("habilitant_time_budget", default=None)


@contextmanager
def time_budget(seconds: float | None) -> Iterator[TimeBudget | None]:
    """The budget of the code run inside (and of the threads it hands work to)."""
    budget = TimeBudget(seconds) if seconds else None
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def current_budget() -> TimeBudget | None:
    return _current.get()


def check_time_budget() -> None:
    budget = _current.get()
    if budget is not None:
        budget.check()
