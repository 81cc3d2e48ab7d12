"""The portfolio store: one SQLite file (WAL, foreign keys, numbered migrations).

* Durability: each entry is written in one ``BEGIN IMMEDIATE`` transaction with
  ``synchronous=FULL``; a process killed mid-write leaves the entries committed before it and
  no part of the one it was writing.
* Consent: without it, neither the narrative nor the quoted words are written — only the
  statements and the character offsets of their evidence (a trigger refuses quoted words of an
  entry without consent, whatever the caller does).
* Erasure: ``secure_delete`` zeroes deleted content, ``VACUUM`` rebuilds the file without free
  pages, and a ``TRUNCATE`` checkpoint empties the write-ahead log; nothing is cached in memory.
* Threads: one connection per store, shared behind a lock (the API opens one store per app).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from habilitant.domain import Parent
from habilitant.errors import PortfolioStoreError, UnknownPersonError, UnknownStatementError
from habilitant.portfolio.records import (
    Entry,
    EntryDraft,
    Finding,
    Person,
    Portfolio,
    StoredEvidence,
    StoredStatement,
    Validation,
    check_context,
    check_kind,
    check_person_id,
    merge_findings,
)
from habilitant.portfolio.schema import MIGRATIONS, migrate

BUSY_TIMEOUT_S = 10.0


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class PortfolioStore:
    """Portfolios of pseudonymous persons in one SQLite file (see the module docstring)."""

    def __init__(
        self,
        path: str | Path,
        *,
        migrations: Sequence[str] = MIGRATIONS,
        timeout: float = BUSY_TIMEOUT_S,
    ) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():  # personal data: readable by its owner only
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._db = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise PortfolioStoreError(
                f"Impossible d'ouvrir la base des portfolios {self.path} ({exc}).",
                hint="Vérifiez le chemin et les droits, ou choisissez-en un autre "
                "(HABILITANT_PORTFOLIO_DB).",
            ) from exc
        try:
            self._configure()
            self.version = migrate(self._db, migrations)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise PortfolioStoreError(
                f"La base des portfolios {self.path} est illisible ({exc}).",
                hint="Ce fichier n'est pas une base habilitant valide ; restaurez une sauvegarde "
                "ou indiquez une autre base (HABILITANT_PORTFOLIO_DB).",
            ) from exc
        except BaseException:
            self._db.close()
            raise

    def _configure(self) -> None:
        db = self._db
        db.row_factory = sqlite3.Row
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise PortfolioStoreError(
                f"La base des portfolios {self.path} ne peut pas passer en mode WAL ({mode}).",
                hint="Placez-la sur un disque local (pas un partage réseau).",
            )
        for pragma in (
            "foreign_keys = ON",
            "synchronous = FULL",
            "secure_delete = ON",
            "temp_store = MEMORY",  # VACUUM's copy never touches a temporary file
        ):
            db.execute(f"PRAGMA {pragma}")
        if db.execute("PRAGMA foreign_keys").fetchone()[0] != 1:
            raise PortfolioStoreError("Cette version de SQLite ne gère pas les clés étrangères.")

    # --- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> PortfolioStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pragma(self, name: str) -> Any:
        """The value of a read-only ``PRAGMA`` (``journal_mode``, ``user_version``...)."""
        if not name.replace("_", "").isalpha():
            raise ValueError(f"not a pragma name: {name!r}")
        with self._lock:
            return self._db.execute(f"PRAGMA {name}").fetchone()[0]

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; anything raised rolls everything back."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:  # locked, disk full, read-only file...
                raise PortfolioStoreError(
                    f"La base des portfolios {self.path} refuse l'écriture ({exc}).",
                    hint="Rien n'a été enregistré. Vérifiez l'espace disque et les droits, ou "
                    "réessayez si un autre programme écrit en ce moment.",
                ) from exc

    # --- writes ---------------------------------------------------------------------------

    def add_entry(self, draft: EntryDraft) -> Entry:
        """Store one entry and its statements in one transaction; return it as stored."""
        person_id = check_person_id(draft.person_id)
        kind, context = check_kind(draft.kind), check_context(draft.context)
        findings = merge_findings(draft.findings)
        consent = bool(draft.consent)
        now = _now()
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM person WHERE id = ?", (person_id,)).fetchone() is None:
                check_person_id(person_id, new=True)  # a new person: the stricter checks
            db.execute(
                "INSERT INTO person (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
                (person_id, now),
            )
            entry_id = db.execute(
                "INSERT INTO entry (person_id, date, kind, context, consent, narrative, "
                "certification, statement_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    person_id,
                    draft.date.isoformat(),
                    kind,
                    context,
                    int(consent),
                    draft.narrative if consent else None,
                    draft.certification,
                    len(findings),
                    now,
                ),
            ).lastrowid
            for finding in findings:
                self._insert_statement(db, int(entry_id or 0), finding, consent)
            return self._entries(db, "entry.id = ?", (entry_id,))[0]

    @staticmethod
    def _insert_statement(
        db: sqlite3.Connection, entry_id: int, finding: Finding, consent: bool
    ) -> None:
        s = finding.statement
        parents = [
            {"kind": p.kind, "code": p.code, "libelle": p.libelle, "role": p.role}
            for p in s.parents
        ]
        statement_id = db.execute(
            "INSERT INTO statement (entry_id, competence_id, code, referentiel, libelle, kind, "
            "decision, score, source, parents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry_id,
                s.competence_id,
                s.code,
                s.referentiel,
                s.libelle,
                s.kind,
                s.decision,
                float(s.score),
                finding.source,
                json.dumps(parents, ensure_ascii=False),
            ),
        ).lastrowid
        db.executemany(
            "INSERT INTO evidence (statement_id, position, char_start, char_end, text) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (statement_id, position, e.start, e.end, e.text if consent else None)
                for position, e in enumerate(s.evidence)
            ],
        )

    def set_validation(
        self, person_id: str, statement_id: int, validation: Validation
    ) -> StoredStatement:
        """The counsellor's decision on one statement (``pending`` undoes it)."""
        person_id = check_person_id(person_id)
        if not 1 <= statement_id < 2**63:  # SQLite's integers; no statement has such a number
            raise UnknownStatementError(
                f"Aucun énoncé n° {statement_id} dans le portfolio de {person_id}.",
                hint="Les numéros des énoncés sont dans habilitant portfolio show.",
            )
        with self._transaction() as db:
            self._require_person(db, person_id)
            changed = db.execute(
                "UPDATE statement SET validation = ?, validated_at = ? WHERE id = ? AND entry_id "
                "IN (SELECT id FROM entry WHERE person_id = ?)",
                (
                    validation,
                    None if validation == "pending" else _now(),
                    statement_id,
                    person_id,
                ),
            ).rowcount
            if changed != 1:
                raise UnknownStatementError(
                    f"Aucun énoncé n° {statement_id} dans le portfolio de {person_id}.",
                    hint=f"Les numéros sont ceux de : habilitant portfolio show {person_id}",
                )
            rows = self._statements(db, "statement.id = ?", (statement_id,))
        return next(iter(rows.values()))[0]

    def erase(self, person_id: str) -> int:
        """Delete everything about a person, then scrub the file; return the entries erased.

        Re-runnable: a person already erased (or an erasure killed before its scrub) gives 0
        and the file is scrubbed again, so that it ends holding no trace of the person."""
        person_id = check_person_id(person_id)
        with self._transaction() as db:
            count = db.execute(
                "SELECT count(*) FROM entry WHERE person_id = ?", (person_id,)
            ).fetchone()[0]
            db.execute("DELETE FROM person WHERE id = ?", (person_id,))  # cascades
        self.scrub()
        return int(count)

    def scrub(self) -> None:
        """Rebuild the file without free pages and empty the write-ahead log."""
        with self._lock:
            self._db.execute("VACUUM")
            busy, _, _ = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise PortfolioStoreError(
                "L'effacement est enregistré, mais le journal de la base n'a pas pu être vidé : "
                "un autre programme la lit en ce moment.",
                hint="Arrêtez les autres accès (habilitant serve…), puis relancez l'effacement "
                "ou habilitant portfolio erase sur n'importe quelle personne.",
            )

    # --- reads ----------------------------------------------------------------------------

    def portfolio(self, person_id: str) -> Portfolio:
        """A person's entries, oldest first, with their statements and evidence."""
        person_id = check_person_id(person_id)
        with self._lock:
            row = self._require_person(self._db, person_id)
            entries = self._entries(self._db, "entry.person_id = ?", (person_id,))
        return Portfolio(Person(row["id"], row["created_at"]), tuple(entries))

    def has_person(self, person_id: str) -> bool:
        with self._lock:
            found = self._db.execute("SELECT 1 FROM person WHERE id = ?", (person_id,))
            return found.fetchone() is not None

    def integrity(self) -> list[str]:
        """Problems found (empty when sound): SQLite's checks, and entries missing statements."""
        with self._lock:
            db = self._db
            problems = [r[0] for r in db.execute("PRAGMA integrity_check") if r[0] != "ok"]
            problems += [f"foreign key: {tuple(r)}" for r in db.execute("PRAGMA foreign_key_check")]
            for row in db.execute(
                "SELECT entry.id, entry.statement_count, count(statement.id) AS found FROM entry "
                "LEFT JOIN statement ON statement.entry_id = entry.id GROUP BY entry.id "
                "HAVING found != entry.statement_count"
            ):
                problems.append(f"entry {row[0]}: {row[2]} statements of {row[1]}")
        return problems

    @staticmethod
    def _require_person(db: sqlite3.Connection, person_id: str) -> sqlite3.Row:
        row = db.execute("SELECT * FROM person WHERE id = ?", (person_id,)).fetchone()
        if row is None:
            raise UnknownPersonError(
                f"Aucun portfolio pour la personne {person_id}.",
                hint="Vérifiez l'identifiant ; un portfolio naît de sa première entrée "
                "(habilitant portfolio add --person ID --file recit.txt, ou POST "
                "/portfolio/entries).",
            )
        return row

    def _entries(self, db: sqlite3.Connection, where: str, args: tuple) -> list[Entry]:
        statements = self._statements(db, where, args)
        return [
            Entry(
                id=row["id"],
                person_id=row["person_id"],
                date=dt.date.fromisoformat(row["date"]),
                kind=row["kind"],
                context=row["context"],
                consent=bool(row["consent"]),
                narrative=row["narrative"],
                certification=row["certification"],
                created_at=row["created_at"],
                statements=tuple(statements.get(row["id"], ())),
            )
            for row in db.execute(
                f"SELECT * FROM entry WHERE {where} ORDER BY entry.date, entry.id", args
            )
        ]

    @staticmethod
    def _statements(
        db: sqlite3.Connection, where: str, args: tuple
    ) -> dict[int, list[StoredStatement]]:
        """Statements matching ``where`` (over ``statement`` and ``entry``), by entry id."""
        join = "FROM statement JOIN entry ON entry.id = statement.entry_id"
        evidence: dict[int, list[StoredEvidence]] = {}
        for row in db.execute(
            f"SELECT evidence.* {join} JOIN evidence ON evidence.statement_id = statement.id "
            f"WHERE {where} ORDER BY evidence.statement_id, evidence.position",
            args,
        ):
            evidence.setdefault(row["statement_id"], []).append(
                StoredEvidence(row["char_start"], row["char_end"], row["text"])
            )
        out: dict[int, list[StoredStatement]] = {}
        for row in db.execute(
            f"SELECT statement.* {join} WHERE {where} ORDER BY statement.id", args
        ):
            parents = tuple(Parent(**p) for p in json.loads(row["parents"]))
            out.setdefault(row["entry_id"], []).append(
                StoredStatement(
                    id=row["id"],
                    entry_id=row["entry_id"],
                    competence_id=row["competence_id"],
                    code=row["code"],
                    referentiel=row["referentiel"],
                    libelle=row["libelle"],
                    kind=row["kind"],
                    decision=row["decision"],
                    score=row["score"],
                    source=row["source"],
                    validation=row["validation"],
                    validated_at=row["validated_at"],
                    parents=parents,
                    evidence=tuple(evidence.get(row["id"], ())),
                )
            )
        return out
