"""db.write inside an open transaction is a savepoint (what the hooks' spool replay rests
on: a batch of events in one transaction, each event undone alone when it fails), and the
store's marks, which commit with the transaction they are set in."""

from __future__ import annotations

import pytest

from task_orchestrator.core import db
from task_orchestrator.core.store import TaskStore


def test_a_nested_write_rolls_back_alone(store: TaskStore) -> None:
    with db.write(store.conn):
        store.set_mark("kept", "1")
        with pytest.raises(RuntimeError), db.write(store.conn):
            store.conn.execute(
                "INSERT INTO scratch (key, value, written_at) VALUES ('gone', '1', 'now')"
            )
            raise RuntimeError
        assert store.conn.in_transaction
    assert store.get_mark("kept") == "1" and store.get_mark("gone") is None


def test_a_nested_write_rolls_back_with_the_outer_one(store: TaskStore) -> None:
    with pytest.raises(RuntimeError), db.write(store.conn):
        store.set_mark("outer", "1")
        with db.write(store.conn):
            store.set_mark("inner", "1")
        raise RuntimeError
    assert store.get_mark("outer") is None and store.get_mark("inner") is None
    assert not store.conn.in_transaction


def test_marks(store: TaskStore) -> None:
    assert store.get_mark("hooks-spool:a") is None
    for key in ("hooks-spool:a", "hooks-spool:b", "hooks-spool_c", "other"):
        store.set_mark(key, "7")
    store.set_mark("hooks-spool:a", "9")
    assert store.get_mark("hooks-spool:a") == "9"
    assert store.drop_marks("hooks-spool:", keep=["hooks-spool:b"]) == 1
    assert [store.get_mark(k) for k in ("hooks-spool:a", "hooks-spool:b", "other")] == [
        None,
        "7",
        "7",
    ]
    assert store.get_mark("hooks-spool_c") == "7"  # a prefix is text, not a LIKE pattern
