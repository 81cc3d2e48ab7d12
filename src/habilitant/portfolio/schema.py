"""The portfolio database schema, as numbered migrations applied when the store opens.

``PRAGMA user_version`` holds the number of migrations applied. Migration *n* (1-based) is
``MIGRATIONS[n - 1]``; each runs in its own transaction together with the version bump, so a
crash leaves the file at the previous version, never between two. Never edit a published
migration: append a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from habilitant.errors import PortfolioStoreError

MIGRATION_1 = """
CREATE TABLE person (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE entry (
    id INTEGER PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    date TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    kind TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '',
    consent INTEGER NOT NULL CHECK (consent IN (0, 1)),
    narrative TEXT CHECK (consent = 1 OR narrative IS NULL),
    certification TEXT NOT NULL DEFAULT '',
    statement_count INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX entry_by_person ON entry (person_id, date, id);

CREATE TABLE statement (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES entry (id) ON DELETE CASCADE,
    competence_id TEXT NOT NULL,
    code TEXT NOT NULL,
    referentiel TEXT NOT NULL,
    libelle TEXT NOT NULL,
    kind TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('attested', 'to_confirm')),
    score REAL NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('analyse', 'cible')),
    parents TEXT NOT NULL DEFAULT '[]',
    validation TEXT NOT NULL DEFAULT 'pending'
        CHECK (validation IN ('pending', 'validated', 'rejected')),
    validated_at TEXT,
    UNIQUE (entry_id, competence_id)
);

CREATE TABLE evidence (
    statement_id INTEGER NOT NULL REFERENCES statement (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    char_start INTEGER NOT NULL CHECK (char_start >= 0),
    char_end INTEGER NOT NULL CHECK (char_end >= char_start),
    text TEXT,
    PRIMARY KEY (statement_id, position)
) WITHOUT ROWID;

-- The narrative's words leave the person's mouth only with their consent.
CREATE TRIGGER evidence_text_needs_consent
BEFORE INSERT ON evidence
WHEN NEW.text IS NOT NULL AND (
    SELECT entry.consent FROM statement JOIN entry ON entry.id = statement.entry_id
    WHERE statement.id = NEW.statement_id
) = 0
BEGIN
    SELECT RAISE(ABORT, 'evidence text without consent');
END;
"""

MIGRATIONS: tuple[str, ...] = (MIGRATION_1,)


def schema_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def migrate(connection: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS) -> int:
    """Apply the migrations the file lacks; return the version reached.

    The connection must be in autocommit mode (``isolation_level=None``). Two processes opening
    a new file at once are safe: each migration re-reads the version inside its transaction."""
    current = schema_version(connection)
    if current > len(migrations):
        raise PortfolioStoreError(
            f"La base des portfolios est au schéma {current}, plus récent que celui de cette "
            f"version d'habilitant ({len(migrations)}).",
            hint="Mettez habilitant à jour, ou indiquez une autre base (HABILITANT_PORTFOLIO_DB).",
        )
    for number in range(current + 1, len(migrations) + 1):
        connection.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(connection) < number:
                for statement in split_statements(migrations[number - 1]):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {number}")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
    return len(migrations)


def split_statements(script: str) -> list[str]:
    """The SQL statements of ``script`` (trigger bodies kept whole)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        raise ValueError(f"incomplete SQL statement at the end of a migration: {buffer!r}")
    return statements
