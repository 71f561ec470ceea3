"""The results store: one SQLite file, one row per finished task.

A sweep (:mod:`landscape.app.sweep`) writes every finished task here as a single row keyed by
the task's hash (dataset content, kind, parameters and package version).  Each row is
written in its own SQLite transaction together with the other rows of its batch, so a
process killed at any moment (SIGINT, SIGKILL) leaves only whole rows behind: a re-run
skips them and computes the rest.

Default location
----------------
``$LANDSCAPE_STORE`` if set, else ``./landscape-results.sqlite`` in the working directory
(:func:`default_store_path`).  Every command that touches the store takes ``--store DB``.

Schema (version 1)
------------------
``tasks``
    ``key`` (primary key), ``kind``, ``dataset`` (name), ``dataset_hash``, ``params``
    (canonical JSON), ``version`` (package version), ``status`` (``done``, ``failed`` or
    ``uncertified``), ``error`` (message for ``failed``), ``result`` (JSON), ``started``,
    ``finished`` (Unix times), ``seconds`` (wall time of the task), ``host``.
``sweep_tasks``
    ``(sweep, key)``: which tasks a sweep declared, so that a task shared by two sweeps is
    computed once and appears in both.
``claims``
    ``key`` (primary key), ``worker`` (``host:pid:tag``), ``claimed``, ``expires`` (Unix
    times): a lease on a task a sweep is running, so that concurrent sweeps into one store
    share the work (:meth:`Store.claim`).  A lease that expires (its sweep was killed
    elsewhere), or whose process on this host has ended, is taken over.
``results`` (view)
    ``tasks`` joined with ``sweep_tasks``: the natural target of ``landscape table --query``.
    SQLite's ``json_extract`` reads fields: ``json_extract(result, '$.count')``.

The schema version lives in ``PRAGMA user_version``; a store written by a newer schema is
refused with a message rather than misread, and so is a damaged file (SQLite's
``PRAGMA quick_check`` runs on every open) or an SQLite file whose ``tasks`` table is not
this one.  A row counts as finished only if its ``result`` is valid JSON.

Examples
--------
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "r.sqlite")
>>> with Store(path) as st:
...     st.declare("demo", [("k1", "echo", "", None, {"x": 1})])
...     st.record([TaskRecord("k1", "done", result='{"x": 1}', seconds=0.0)])
...     st.finished_keys(["k1", "k2"])
{'k1'}
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import time
from dataclasses import dataclass

from ..errors import InputError

__all__ = ["Store", "TaskRecord", "SCHEMA_VERSION", "STATUSES", "default_store_path", "LEASE_SECONDS"]

SCHEMA_VERSION = 1
STATUSES = ("done", "failed", "uncertified")
DEFAULT_STORE_NAME = "landscape-results.sqlite"

#: how long a claim on a task lasts unless its sweep renews it (seconds)
LEASE_SECONDS = 300.0

#: the columns a ``tasks`` table must have to be this store's
_TASK_COLUMNS = {"key", "kind", "dataset", "dataset_hash", "params", "version", "status", "error", "result",
                 "started", "finished", "seconds", "host"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    key          TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    dataset      TEXT,
    dataset_hash TEXT,
    params       TEXT NOT NULL,
    version      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('done', 'failed', 'uncertified')),
    error        TEXT,
    result       TEXT,
    started      REAL,
    finished     REAL,
    seconds      REAL,
    host         TEXT
);
CREATE TABLE IF NOT EXISTS sweep_tasks (
    sweep   TEXT NOT NULL,
    key     TEXT NOT NULL,
    kind    TEXT NOT NULL,
    dataset TEXT,
    dataset_hash TEXT,
    params  TEXT NOT NULL,
    PRIMARY KEY (sweep, key)
);
CREATE TABLE IF NOT EXISTS claims (
    key     TEXT PRIMARY KEY,
    worker  TEXT NOT NULL,
    claimed REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE VIEW IF NOT EXISTS results AS
    SELECT s.sweep AS sweep, t.key AS key, t.kind AS kind, t.dataset AS dataset,
           t.dataset_hash AS dataset_hash, t.params AS params, t.version AS version,
           t.status AS status, t.error AS error, t.result AS result, t.started AS started,
           t.finished AS finished, t.seconds AS seconds, t.host AS host
    FROM tasks t JOIN sweep_tasks s ON s.key = t.key;
"""


def default_store_path() -> str:
    """``$LANDSCAPE_STORE`` if set, else ``./landscape-results.sqlite``.

    >>> import os
    >>> default_store_path() == (os.environ.get("LANDSCAPE_STORE") or "landscape-results.sqlite")
    True
    """
    return os.environ.get("LANDSCAPE_STORE") or DEFAULT_STORE_NAME


@dataclass
class TaskRecord:
    """The outcome of one task, as a worker reports it.

    ``result`` is JSON text (or ``None`` for a failed task); ``status`` is one of
    :data:`STATUSES`.
    """

    key: str
    status: str
    result: str | None = None
    error: str | None = None
    started: float | None = None
    finished: float | None = None
    seconds: float | None = None
    host: str | None = None


class Store:
    """A results store backed by one SQLite file (see the module docstring).

    Parameters
    ----------
    path : str or path-like
        The database file; created (with its directory required to exist) if missing.
    readonly : bool
        Open without the right to write (``landscape table``/``plot``); the file must exist.

    Raises
    ------
    InputError
        The file is not a SQLite database, was written by a newer schema, or (read-only)
        does not exist.
    """

    def __init__(self, path=None, readonly=False):
        path = os.fspath(path if path is not None else default_store_path())
        self.path = path
        self.readonly = readonly
        if readonly:
            from urllib.parse import quote

            if not os.path.exists(path):
                raise InputError(f"{path}: no such results store")
            if not os.path.isfile(path):
                raise InputError(f"{path}: not a file, expected a results store")
            target, uri = "file:" + quote(os.path.abspath(path)) + "?mode=ro", True
        else:
            from ..data import check_output_file

            check_output_file(path)
            target, uri = path, False
        try:
            self._conn = self._connect(target, uri=uri)
        except sqlite3.Error as exc:
            raise InputError(f"{path}: cannot open the results store ({exc})") from None
        try:
            self._check_and_create()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise InputError(f"{path}: not a landscape results store, or a damaged one ({exc})") from None
        except BaseException:
            self._conn.close()
            raise

    @staticmethod
    def _connect(target, uri=False):
        conn = sqlite3.connect(target, uri=uri, timeout=30, isolation_level=None)
        return conn

    def _check_and_create(self):
        c = self._conn
        version = c.execute("PRAGMA user_version").fetchone()[0]
        check = [r[0] for r in c.execute("PRAGMA quick_check").fetchall()]
        if check != ["ok"]:
            raise InputError(f"{self.path}: the store is damaged (SQLite quick_check: {check[0]}); "
                             "restore it from a copy or start a new store")
        if self._has_table("tasks"):
            columns = {r[1] for r in c.execute("PRAGMA table_info(tasks)")}
            if not _TASK_COLUMNS <= columns:
                raise InputError(f"{self.path}: an SQLite file whose 'tasks' table is not a landscape results "
                                 f"store's (it lacks {', '.join(sorted(_TASK_COLUMNS - columns))})")
        if version > SCHEMA_VERSION:
            raise InputError(
                f"{self.path}: written by store schema version {version}, newer than the "
                f"version {SCHEMA_VERSION} this landscape reads; upgrade landscape")
        if self.readonly:
            if version == 0 and not self._has_table("tasks"):
                raise InputError(f"{self.path}: not a landscape results store (no tasks table)")
            c.execute("PRAGMA query_only = ON")
            return
        if version == 0 and self._has_any_table() and not self._has_table("tasks"):
            raise InputError(f"{self.path}: an SQLite file that is not a landscape results store")
        c.execute("PRAGMA journal_mode = WAL")
        c.execute("PRAGMA synchronous = NORMAL")
        c.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    c.execute(stmt)
            c.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def _has_table(self, name):
        row = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?", (name,)).fetchone()
        return row is not None

    def _has_any_table(self):
        return self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0

    # -- context manager ---------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._conn.close()

    # -- writing -----------------------------------------------------------------
    def declare(self, sweep, tasks):
        """Record that ``sweep`` consists of ``tasks``: (key, kind, dataset, dataset_hash, params)."""
        c = self._conn
        c.execute("BEGIN IMMEDIATE")
        try:
            c.executemany(
                "INSERT OR IGNORE INTO sweep_tasks (sweep, key, kind, dataset, dataset_hash, params) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(sweep, key, kind, dataset, dhash, _canonical(params))
                 for key, kind, dataset, dhash, params in tasks])
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def record(self, records, meta=None):
        """Write finished tasks, all in one transaction (all rows or none).

        ``meta`` maps a key to ``(kind, dataset, dataset_hash, params, version)``; when a key
        is missing there, the values declared by a sweep are used.
        """
        from .. import __version__

        c = self._conn
        host = socket.gethostname()
        c.execute("BEGIN IMMEDIATE")
        try:
            for r in records:
                if r.status not in STATUSES:
                    raise ValueError(f"unknown status {r.status!r}")
                if meta and r.key in meta:
                    kind, dataset, dhash, params, version = meta[r.key]
                    params = _canonical(params)
                else:
                    row = c.execute("SELECT kind, dataset, dataset_hash, params FROM sweep_tasks "
                                    "WHERE key = ? LIMIT 1", (r.key,)).fetchone()
                    if row is None:
                        raise ValueError(f"task {r.key} was never declared")
                    kind, dataset, dhash, params = row
                    version = __version__
                c.execute(
                    "INSERT OR REPLACE INTO tasks (key, kind, dataset, dataset_hash, params, version, status, "
                    "error, result, started, finished, seconds, host) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (r.key, kind, dataset, dhash, params, version, r.status, r.error, r.result,
                     r.started, r.finished if r.finished is not None else time.time(), r.seconds,
                     r.host or host))
                c.execute("DELETE FROM claims WHERE key = ?", (r.key,))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def _transaction(self):
        """One write transaction (all or nothing)."""
        c = self._conn
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        c.execute("COMMIT")

    # -- leases ------------------------------------------------------------------
    def claim(self, keys, worker, lease=LEASE_SECONDS, include_failed=True):
        """Claim the tasks of ``keys`` for ``worker``; return the keys claimed, in order.

        A key is claimed unless it is finished (:meth:`finished_keys`) or another worker
        holds an unexpired lease on it; a lease of ``worker`` itself is renewed.  One
        transaction: two sweeps never claim the same key at once.
        """
        keys = list(keys)
        if not keys:
            return []
        now = time.time()
        with self._transaction() as c:
            done = self.finished_keys(keys, include_failed=include_failed)
            held = {}
            for chunk in _chunks(keys):
                marks = ",".join("?" * len(chunk))
                held.update(c.execute(f"SELECT key, worker FROM claims WHERE key IN ({marks}) AND expires > ?",
                                      (*chunk, now)).fetchall())
            held = {k: w for k, w in held.items() if w == worker or _alive(w)}
            mine = [k for k in keys if k not in done and held.get(k, worker) == worker]
            c.executemany("INSERT OR REPLACE INTO claims (key, worker, claimed, expires) VALUES (?, ?, ?, ?)",
                          [(k, worker, now, now + lease) for k in mine])
        return mine

    def renew(self, keys, worker, lease=LEASE_SECONDS):
        """Extend the leases ``worker`` holds on ``keys``."""
        keys = list(keys)
        if keys:
            with self._transaction():
                self._conn.executemany("UPDATE claims SET expires = ? WHERE key = ? AND worker = ?",
                                       [(time.time() + lease, k, worker) for k in keys])

    def release(self, keys, worker):
        """Drop the leases ``worker`` holds on ``keys``."""
        with self._transaction():
            self._conn.executemany("DELETE FROM claims WHERE key = ? AND worker = ?", [(k, worker) for k in keys])

    def claimed_elsewhere(self, keys, worker):
        """Keys of ``keys`` another worker holds an unexpired lease on."""
        keys = list(keys)
        found = set()
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self._conn.execute(
                f"SELECT key, worker FROM claims WHERE key IN ({marks}) AND expires > ? AND worker != ?",
                (*chunk, time.time(), worker)) if _alive(r[1]))
        return found

    # -- reading -----------------------------------------------------------------
    def finished_keys(self, keys=None, include_failed=True):
        """Keys (of ``keys``, or all) that have a finished row; failed ones only if
        ``include_failed``.  A ``done`` or ``uncertified`` row whose result is NULL or not
        valid JSON is not finished (it is run again)."""
        statuses = STATUSES if include_failed else ("done", "uncertified")
        marks = ",".join("?" * len(statuses))
        sql = (f"SELECT key FROM tasks WHERE status IN ({marks}) "
               "AND (status = 'failed' OR (result IS NOT NULL AND json_valid(result)))")
        if keys is None:
            return {r[0] for r in self._conn.execute(sql, statuses)}
        found = set()
        for chunk in _chunks(list(keys)):  # by primary key: no scan of the whole store
            found.update(r[0] for r in self._conn.execute(
                sql + f" AND key IN ({','.join('?' * len(chunk))})", (*statuses, *chunk)))
        return found

    def counts(self, sweep=None):
        """``{status: count}`` over all tasks, or over the tasks of ``sweep``."""
        if sweep is None:
            rows = self._conn.execute("SELECT status, count(*) FROM tasks GROUP BY status").fetchall()
        else:
            rows = self._conn.execute("SELECT status, count(*) FROM results WHERE sweep = ? GROUP BY status",
                                      (sweep,)).fetchall()
        return dict(rows)

    def sweeps(self):
        """Names of the sweeps declared in this store, sorted."""
        return [r[0] for r in self._conn.execute("SELECT DISTINCT sweep FROM sweep_tasks ORDER BY sweep")]

    def query(self, sql, params=()):
        """Run a read-only ``SELECT`` and return ``(column names, rows)``.

        Raises :class:`InputError` for anything but a single read-only statement, and for
        SQL errors (with SQLite's message).
        """
        text = sql.strip().rstrip(";").strip()
        if not text:
            raise InputError("the query is empty")
        head = text.split(None, 1)[0].lower()
        if head not in ("select", "with", "values"):
            raise InputError(f"only SELECT queries are allowed, got {head.upper()!r}")
        if not sqlite3.complete_statement(text + ";") or ";" in _strip_strings(text):
            raise InputError("the query must be a single SQL statement")
        try:
            if not self.readonly:
                self._conn.execute("PRAGMA query_only = ON")
            cur = self._conn.execute(text, params)
            names = [d[0] for d in cur.description or ()]
            rows = cur.fetchall()
        except sqlite3.Error as exc:
            raise InputError(f"query failed: {exc}") from None
        finally:
            if not self.readonly:
                self._conn.execute("PRAGMA query_only = OFF")
        return names, rows

    def integrity_ok(self) -> bool:
        """SQLite's own ``PRAGMA integrity_check``."""
        return self._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _alive(worker) -> bool:
    """False when ``worker`` ("host:pid:tag") is a process of this host that has ended:
    its leases are void at once, without waiting for them to expire."""
    host, _, rest = str(worker).partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _chunks(keys, size=500):
    for i in range(0, len(keys), size):
        yield keys[i:i + size]


def _strip_strings(sql):
    out, quote = [], None
    for ch in sql:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        else:
            out.append(ch)
    return "".join(out)


def _canonical(params) -> str:
    """Canonical JSON of a parameter dict (text is taken as already canonical)."""
    from ..results.serialize import canonical_json

    return params if isinstance(params, str) else canonical_json(params or {})


