"""The reader registry: a plain dict filled by a decorator.

Our own readers (ROME, RNCP, ESCO, branches) register exactly as a third party would::

    @register_reader("my-branch", default_path="branches/my-branch", title="...")
    def read_my_branch(path: Path) -> Referentiel: ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from habilitant.domain import Referentiel

ReadFunction = Callable[[Path], Referentiel]


@dataclass(frozen=True)
class ReaderSpec:
    name: str
    default_path: str  # relative to the referentiels root
    title: str
    read: ReadFunction


READERS: dict[str, ReaderSpec] = {}


def register_reader(
    name: str, *, default_path: str, title: str
) -> Callable[[ReadFunction], ReadFunction]:
    """Register ``read(path) -> Referentiel`` under ``name``."""

    def decorator(read: ReadFunction) -> ReadFunction:
        READERS[name] = ReaderSpec(name=name, default_path=default_path, title=title, read=read)
        return read

    return decorator
