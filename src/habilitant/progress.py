"""A tqdm progress bar usable as the library's ``progress(done, total)`` callback."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any


class TqdmProgress:
    """``with TqdmProgress("Encodage") as progress: build(..., progress=progress)``."""

    def __init__(self, description: str, *, unit: str = "it", disable: bool | None = None) -> None:
        self.description = description
        self.unit = unit
        self.disable = disable
        self._bar: Any = None

    def __enter__(self) -> TqdmProgress:
        return self

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                desc=self.description,
                unit=f" {self.unit}",
                file=sys.stderr,
                disable=bool(self.disable),
                # In a log file (no terminal) refresh rarely rather than not at all.
                mininterval=0.1 if sys.stderr.isatty() else 5.0,
                dynamic_ncols=True,
                smoothing=0.1,
            )
        self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        """End the bar now (before other messages); a later call starts a new one."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
