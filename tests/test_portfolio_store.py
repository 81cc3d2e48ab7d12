"""The SQLite portfolio store on its own (no model): migrations, WAL, consent, validations,
erasure down to the file's bytes, and durability when a writer is killed."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from habilitant.domain import Evidence, Parent, Statement
from habilitant.errors import PortfolioStoreError, UnknownPersonError, UnknownStatementError
from habilitant.portfolio import EntryDraft, Finding, PortfolioStore
from habilitant.portfolio.schema import MIGRATION_1, MIGRATIONS

REPO_ROOT = Path(__file__).resolve().parent.parent
NARRATIVE = (
    "Je réalisais les maquettes des interfaces et les pages web en HTML et CSS chez Zorglub."
)
QUOTE = "les maquettes des interfaces"
SPAN = (NARRATIVE.index(QUOTE), NARRATIVE.index(QUOTE) + len(QUOTE))


def statement(
    competence_id: str = "rncp:RNCP37674BC01:2",
    decision: str = "attested",
    score: float = 0.3,
    spans: tuple[tuple[int, int], ...] = (SPAN,),
    text: str = NARRATIVE,
) -> Statement:
    return Statement(
        competence_id=competence_id,
        code=competence_id.rsplit(":", 1)[-1],
        referentiel=competence_id.split(":", 1)[0],
        libelle=f"Énoncé {competence_id}",
        kind="competence",
        decision=decision,  # type: ignore[arg-type]
        score=score,
        parents=(Parent("certification", "RNCP37674", "Développeur web et web mobile"),),
        evidence=tuple(Evidence(a, b, text[a:b]) for a, b in spans),
    )


def draft(
    person: str = "P-0001",
    day: str = "2024-01-15",
    consent: bool = False,
    statements: tuple[Statement, ...] | None = None,
    context: str = "",
) -> EntryDraft:
    found = statements if statements is not None else (statement(),)
    return EntryDraft(
        person_id=person,
        date=dt.date.fromisoformat(day),
        kind="entretien",
        findings=tuple(Finding(s) for s in found),
        consent=consent,
        narrative=NARRATIVE,
        context=context,
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "portfolio.sqlite3"


@pytest.fixture
def store(db_path: Path):  # type: ignore[no-untyped-def]
    with PortfolioStore(db_path) as opened:
        yield opened


def raw_bytes(path: Path) -> bytes:
    """The database file and its write-ahead log, as on disk."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_portfolio_store_opens_in_wal_with_foreign_keys_and_current_schema(
    store: PortfolioStore, db_path: Path
) -> None:
    assert store.pragma("journal_mode") == "wal"
    assert store.pragma("foreign_keys") == 1
    assert store.pragma("secure_delete") == 1
    assert store.pragma("user_version") == len(MIGRATIONS) == store.version
    assert oct(db_path.stat().st_mode & 0o777) == "0o600"
    store.add_entry(draft())
    store.close()
    with PortfolioStore(db_path) as again:  # reopening applies nothing twice
        assert again.pragma("user_version") == len(MIGRATIONS)
        assert len(again.portfolio("P-0001").entries) == 1


def test_portfolio_store_applies_a_new_migration_to_an_older_file(db_path: Path) -> None:
    with PortfolioStore(db_path, migrations=(MIGRATION_1,)) as old:
        old.add_entry(draft(context="avant migration"))
    extra = "ALTER TABLE entry ADD COLUMN source_file TEXT NOT NULL DEFAULT '';"
    with PortfolioStore(db_path, migrations=(MIGRATION_1, extra)) as new:
        assert new.pragma("user_version") == 2
        assert new.portfolio("P-0001").entries[0].context == "avant migration"
    columns = [r[1] for r in sqlite3.connect(db_path).execute("PRAGMA table_info(entry)")]
    assert "source_file" in columns


def test_portfolio_store_refuses_a_newer_schema_and_a_damaged_file(
    db_path: Path, tmp_path: Path
) -> None:
    PortfolioStore(db_path).close()
    raw = sqlite3.connect(db_path)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(PortfolioStoreError, match="plus récent"):
        PortfolioStore(db_path)
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"ceci n'est pas une base SQLite" * 200)
    with pytest.raises(PortfolioStoreError, match="illisible"):
        PortfolioStore(damaged)


def test_portfolio_store_keeps_narrative_and_quotes_only_with_consent(
    store: PortfolioStore, db_path: Path
) -> None:
    without = store.add_entry(draft(person="P-SANS-1", consent=False))
    assert without.narrative is None and not without.consent
    evidence = without.statements[0].evidence[0]
    assert (evidence.start, evidence.end, evidence.text) == (*SPAN, None)
    assert QUOTE not in raw_bytes(db_path).decode("utf-8", "replace")

    with_consent = store.add_entry(draft(person="P-AVEC-1", consent=True))
    assert with_consent.narrative == NARRATIVE
    assert with_consent.statements[0].evidence[0].text == QUOTE
    assert QUOTE in raw_bytes(db_path).decode("utf-8", "replace")


def test_portfolio_store_refuses_quoted_words_of_an_entry_without_consent(
    store: PortfolioStore, db_path: Path
) -> None:
    entry = store.add_entry(draft(consent=False))
    raw = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.IntegrityError, match="without consent"):
        raw.execute("INSERT INTO evidence VALUES (?, 9, 0, 4, 'mots')", (entry.statements[0].id,))
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute("UPDATE entry SET narrative = 'récit' WHERE id = ?", (entry.id,))
    raw.close()


def test_portfolio_store_reports_a_locked_base_and_writes_nothing(db_path: Path) -> None:
    PortfolioStore(db_path).close()
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    with PortfolioStore(db_path, timeout=0.2) as store:
        with pytest.raises(PortfolioStoreError, match="refuse l'écriture"):
            store.add_entry(draft())
        other.execute("ROLLBACK")
        other.close()
        assert not store.has_person("P-0001")
        store.add_entry(draft())  # the connection is usable again
        assert store.has_person("P-0001")


def test_portfolio_store_sorts_entries_by_date_and_merges_duplicate_statements(
    store: PortfolioStore,
) -> None:
    store.add_entry(draft(day="2024-03-02"))
    twice = (
        statement(decision="to_confirm", score=0.2, spans=((0, 2),)),
        statement(decision="attested", score=0.3, spans=(SPAN,)),
    )
    store.add_entry(draft(day="2024-01-15", statements=twice))
    entries = store.portfolio("P-0001").entries
    assert [e.date.isoformat() for e in entries] == ["2024-01-15", "2024-03-02"]
    (merged,) = entries[0].statements
    assert merged.decision == "attested" and merged.score == 0.3
    assert [(e.start, e.end) for e in merged.evidence] == [(0, 2), SPAN]


def test_portfolio_store_validates_and_rejects_only_the_persons_statements(
    store: PortfolioStore,
) -> None:
    mine = store.add_entry(draft(statements=(statement(), statement("rome:100023"))))
    other = store.add_entry(draft(person="P-0002"))
    first, second = mine.statements
    assert store.set_validation("P-0001", first.id, "validated").validation == "validated"
    rejected = store.set_validation("P-0001", second.id, "rejected")
    assert rejected.validation == "rejected" and rejected.validated_at
    stored = {s.id: s for s in store.portfolio("P-0001").statements()}
    assert stored[first.id].validation == "validated"
    assert stored[second.id].validation == "rejected"
    assert store.set_validation("P-0001", second.id, "pending").validated_at is None
    with pytest.raises(UnknownStatementError):
        store.set_validation("P-0001", other.statements[0].id, "validated")
    with pytest.raises(UnknownStatementError):
        store.set_validation("P-0001", 10_000, "validated")
    with pytest.raises(UnknownPersonError):
        store.set_validation("P-9999", first.id, "validated")
    for beyond_sqlite in (2**63, 2**70, 0, -1):  # never an OverflowError from SQLite
        with pytest.raises(UnknownStatementError):
            store.set_validation("P-0001", beyond_sqlite, "validated")


def test_portfolio_store_erase_leaves_nothing_in_the_file_or_its_log(
    store: PortfolioStore, db_path: Path
) -> None:
    person, kept = "P-EFFACE-77", "P-GARDE-12"
    for day in ("2024-01-15", "2024-02-20", "2024-03-02"):
        store.add_entry(draft(person=person, day=day, consent=True, context="chez Zorglub"))
    store.add_entry(draft(person=kept, consent=False))
    store.set_validation(person, store.portfolio(person).statements()[0].id, "validated")
    before = raw_bytes(db_path)
    assert person.encode() in before and QUOTE.encode() in before  # the check can fail

    assert store.erase(person) == 3
    while_open = raw_bytes(db_path)
    store.close()  # the last connection folds and removes the log
    for data in (while_open, raw_bytes(db_path)):
        assert person.encode() not in data
        assert QUOTE.encode() not in data
        assert b"Zorglub" not in data
        assert kept.encode() in data
    with PortfolioStore(db_path) as again:
        assert not again.has_person(person)
        assert len(again.portfolio(kept).entries) == 1
        assert again.integrity() == []
    with PortfolioStore(db_path) as again:
        assert again.erase(person) == 0  # erasing again is harmless


def test_portfolio_store_erase_killed_before_its_scrub_is_finished_by_running_it_again(
    store: PortfolioStore, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = "P-EFFACE-78"
    store.add_entry(draft(person=person, consent=True, context="chez Zorglub"))
    store.add_entry(draft(person="P-GARDE-13", consent=False))

    def killed() -> None:
        raise KeyboardInterrupt  # stands for kill -9 between the delete and the scrub

    with monkeypatch.context() as patch:
        patch.setattr(store, "scrub", killed)
        with pytest.raises(KeyboardInterrupt):
            store.erase(person)
    assert not store.has_person(person)
    left = raw_bytes(db_path)
    assert person.encode() in left or QUOTE.encode() in left  # the trace the issue found
    assert store.erase(person) == 0  # "unknown person" no longer stops the scrub
    scrubbed = raw_bytes(db_path)
    assert person.encode() not in scrubbed and QUOTE.encode() not in scrubbed
    assert b"Zorglub" not in scrubbed


WRITER = """
import datetime as dt, sys
from habilitant.domain import Evidence, Statement
from habilitant.portfolio import EntryDraft, Finding, PortfolioStore

store = PortfolioStore(sys.argv[1])
start = int(sys.argv[2])
for n in range(start, start + 100_000):
    statements = tuple(
        Statement(f"rome:{n}-{i}", f"{n}-{i}", "rome", "x" * 200, "competence", "attested",
                  0.5, (), tuple(Evidence(j, j + 5, '') for j in range(3)))
        for i in range(40 + n % 7)
    )
    findings = tuple(Finding(s) for s in statements)
    entry = store.add_entry(EntryDraft("P-KILL-1", dt.date(2024, 1, 1), "entretien", findings,
                                       context=f"n={n}"))
    print(entry.id, n, flush=True)
"""


def test_portfolio_store_survives_a_writer_killed_mid_write(db_path: Path) -> None:
    PortfolioStore(db_path).close()
    committed: dict[int, int] = {}  # entry id -> n, as printed after each commit
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}
    start = 0
    for delay in (0.003, 0.011, 0.029):
        with subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db_path), str(start)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        ) as writer:
            assert writer.stdout is not None
            for _ in range(8):
                entry_id, n = map(int, writer.stdout.readline().split())
                committed[entry_id] = n
            time.sleep(delay)  # somewhere inside a later transaction
            writer.send_signal(signal.SIGKILL)
            for line in writer.stdout:  # lines printed before the kill
                entry_id, n = map(int, line.split())
                committed[entry_id] = n
            assert writer.wait() == -signal.SIGKILL
        start = max(committed.values()) + 1_000

    with PortfolioStore(db_path) as store:
        assert store.integrity() == []
        entries = {e.id: e for e in store.portfolio("P-KILL-1").entries}
    assert set(committed) <= set(entries)  # nothing committed is lost
    assert len(entries) <= len(committed) + 3  # at most one unreported commit per kill
    for entry in entries.values():  # every entry whole, committed or not reported
        n = int(entry.context.removeprefix("n="))
        assert committed.get(entry.id, n) == n
        assert len(entry.statements) == 40 + n % 7
        assert all(len(s.evidence) == 3 for s in entry.statements)
        assert {s.competence_id for s in entry.statements} == {
            f"rome:{n}-{i}" for i in range(40 + n % 7)
        }
