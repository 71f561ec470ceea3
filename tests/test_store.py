"""The SQLite results store: schema versions, atomic batches, read-only queries."""

import json
import sqlite3

import pytest

from landscape.errors import InputError
from landscape.app.store import SCHEMA_VERSION, Store, TaskRecord


def _declare(st, keys, sweep="s"):
    st.declare(sweep, [(k, "echo", "", None, {"value": i}) for i, k in enumerate(keys)])


def test_roundtrip_and_counts(tmp_path):
    path = tmp_path / "r.sqlite"
    with Store(path) as st:
        _declare(st, ["a", "b", "c"])
        st.record([TaskRecord("a", "done", result='{"value": 0}', seconds=0.1),
                   TaskRecord("b", "failed", error="RuntimeError: boom", result="{}"),
                   TaskRecord("c", "uncertified", result='{"certified": false}')])
        assert st.counts("s") == {"done": 1, "failed": 1, "uncertified": 1}
        assert st.finished_keys() == {"a", "b", "c"}
        assert st.finished_keys(include_failed=False) == {"a", "c"}
    with Store(path, readonly=True) as st:
        names, rows = st.query("SELECT key, json_extract(params, '$.value') AS v, status FROM results ORDER BY key")
        assert names == ["key", "v", "status"]
        assert rows == [("a", 0, "done"), ("b", 1, "failed"), ("c", 2, "uncertified")]


def test_batch_is_all_or_nothing(tmp_path):
    with Store(tmp_path / "r.sqlite") as st:
        _declare(st, ["a", "b"])
        with pytest.raises(ValueError):
            st.record([TaskRecord("a", "done", result="{}"), TaskRecord("b", "bogus", result="{}")])
        assert st.finished_keys() == set()  # the good row of the failed batch was rolled back
        with pytest.raises(ValueError, match="never declared"):
            st.record([TaskRecord("zzz", "done", result="{}")])


def test_task_shared_by_two_sweeps_appears_in_both(tmp_path):
    with Store(tmp_path / "r.sqlite") as st:
        _declare(st, ["a"], sweep="one")
        _declare(st, ["a"], sweep="two")
        st.record([TaskRecord("a", "done", result="{}")])
        assert st.sweeps() == ["one", "two"]
        assert st.counts("one") == st.counts("two") == {"done": 1}
        assert st.counts() == {"done": 1}


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "r.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    for readonly in (False, True):
        with pytest.raises(InputError, match=f"schema version {SCHEMA_VERSION + 1}, newer"):
            Store(path, readonly=readonly)


def test_not_a_store(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_text("this is not sqlite at all " * 100)
    with pytest.raises(InputError, match="not a landscape results store"):
        Store(junk)
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE x (y)")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="not a landscape results store"):
        Store(other)
    with pytest.raises(InputError, match="no such results store"):
        Store(tmp_path / "missing.sqlite", readonly=True)
    with pytest.raises(InputError, match="does not exist"):
        Store(tmp_path / "nodir" / "r.sqlite")


@pytest.mark.parametrize("sql, message", [
    ("DELETE FROM tasks", "only SELECT"),
    ("SELECT 1; DROP TABLE tasks", "single SQL statement"),
    ("SELECT nope FROM tasks", "query failed: no such column"),
    ("   ", "empty"),
])
def test_query_is_read_only_and_checked(tmp_path, sql, message):
    with Store(tmp_path / "r.sqlite") as st:
        _declare(st, ["a"])
        st.record([TaskRecord("a", "done", result="{}")])
        with pytest.raises(InputError, match=message):
            st.query(sql)
        assert st.finished_keys() == {"a"}
        # a writable store goes back to writable after a query
        st.record([TaskRecord("a", "failed", result="{}", error="x")])


def test_semicolon_inside_string_is_allowed(tmp_path):
    with Store(tmp_path / "r.sqlite") as st:
        _declare(st, ["a"])
        st.record([TaskRecord("a", "done", result=json.dumps({"s": "x;y"}))])
        _, rows = st.query("SELECT json_extract(result, '$.s') FROM tasks WHERE result LIKE '%;%'")
        assert rows == [("x;y",)]


def test_damaged_store_is_refused(tmp_path):
    path = tmp_path / "r.sqlite"
    with Store(path) as st:
        _declare(st, [f"k{i}" for i in range(300)])
        st.record([TaskRecord(f"k{i}", "done", result=json.dumps({"v": "x" * 200})) for i in range(300)])
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    raw = bytearray(path.read_bytes())
    page = 4096
    raw[3 * page: 3 * page + 200] = b"\xff" * 200  # overwrite the header of a b-tree page
    path.write_bytes(bytes(raw))
    for readonly in (False, True):
        with pytest.raises(InputError, match="damaged"):
            Store(path, readonly=readonly)


def test_unrelated_tasks_table_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT)")
    conn.commit()
    conn.close()
    for readonly in (False, True):
        with pytest.raises(InputError, match="'tasks' table is not a landscape"):
            Store(path, readonly=readonly)


def test_rows_without_valid_json_result_are_not_finished(tmp_path):
    with Store(tmp_path / "r.sqlite") as st:
        _declare(st, ["a", "b", "c", "d"])
        st.record([TaskRecord("a", "done", result=None), TaskRecord("b", "done", result="{not json"),
                   TaskRecord("c", "uncertified", result='{"certified": false}'),
                   TaskRecord("d", "failed", error="boom", result=None)])
        assert st.finished_keys() == {"c", "d"}
        assert st.finished_keys(include_failed=False) == {"c"}


def test_leases_share_tasks_and_expire(tmp_path, monkeypatch):
    import socket
    import subprocess
    import sys

    with Store(tmp_path / "r.sqlite") as st:
        _declare(st, ["a", "b", "c"])
        me = f"{socket.gethostname()}:{__import__('os').getpid()}:x"
        assert st.claim(["a", "b"], me) == ["a", "b"]
        # another live process on this host cannot take them; a dead one's leases are void
        live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            other = f"{socket.gethostname()}:{live.pid}:y"
            assert st.claim(["a", "b", "c"], other) == ["c"]
            assert st.claimed_elsewhere(["a", "b", "c"], me) == {"c"}
        finally:
            live.kill()
            live.wait()
        assert st.claimed_elsewhere(["a", "b", "c"], me) == set()  # the holder of c has ended
        # a lease from another host lasts until it expires
        remote = "elsewhere.example:1:z"
        assert st.claim(["c"], remote, lease=0.0) == ["c"]
        assert st.claim(["c"], me) == ["c"]  # expired at once
        st.record([TaskRecord("a", "done", result="{}")])
        assert st.claim(["a"], remote) == []  # finished tasks are never claimed
        assert st.claim(["b"], remote, lease=100) == []  # held by me, renewed below
        st.renew(["b"], me)
        st.release(["b"], me)
        assert st.claim(["b"], remote) == ["b"]
