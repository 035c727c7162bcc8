"""SQLite-only store behaviour: the file itself (modes, bytes, errors) and open_store."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import pwd
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rater_widgets.store import NewRow, SQLiteStore, StoreError, open_store

ROOT = Path(__file__).resolve().parents[1]


def row(item: str, text: str = "safe", **kw: Any) -> NewRow:
    return NewRow(kw.pop("study", "pilot"), item, kw.pop("annotator", "ana"), "answer",
                  {"rationale": text}, **kw)  # fmt: skip


def files(path: Path) -> list[Path]:
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


def raw_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in files(path))


def digest(path: Path) -> str:
    return hashlib.sha256(raw_bytes(path)).hexdigest()


# ---------------------------------------------------------------- open_store


def test_open_store_accepts_paths_and_sqlite_urls(tmp_path: Path):
    for store in (
        open_store(str(tmp_path / "a.sqlite")),
        open_store(tmp_path / "b.sqlite"),
        open_store(f"sqlite:///{tmp_path}/c.sqlite"),  # sqlite:////abs/path
        open_store(":memory:"),
    ):
        assert isinstance(store, SQLiteStore)
        store.append(row("x"))
        assert store.latest("pilot").height == 1
        store.close()
    assert {p.name for p in tmp_path.iterdir()} == {"a.sqlite", "b.sqlite", "c.sqlite"}


def test_open_store_explains_what_it_cannot_open(tmp_path: Path, monkeypatch):
    with pytest.raises(StoreError, match=r"folder .*nowhere does not exist"):
        open_store(str(tmp_path / "nowhere" / "a.sqlite"))
    with pytest.raises(StoreError, match="is a folder"):
        open_store(str(tmp_path))
    for bad in ("mysql://host/db", "", "http://x"):
        with pytest.raises(ValueError, match=r"file path .*sqlite:///.*postgresql://"):
            open_store(bad)
    with pytest.raises(ValueError, match="sqlite:///relative"):
        open_store("sqlite://host/x.sqlite")
    assert not (tmp_path / "nowhere").exists()

    monkeypatch.delitem(sys.modules, "rater_widgets.store.postgres", raising=False)
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if psycopg were not installed
    with pytest.raises(StoreError, match=r"rater_widgets\[postgres\]") as err:
        open_store("postgresql://ana:hunter2@db.example/labels")
    assert "hunter2" not in str(err.value)


def test_memory_store_works_for_examples():
    store = SQLiteStore(":memory:")
    store.append(row("x", "mem"))
    store.purge(["x"], reason="done")
    assert store.latest("pilot").height == 0
    assert store.audit_log()["n_rows"].to_list() == [1]


# ---------------------------------------------------------------- not a store


def test_a_file_that_is_not_a_store_is_refused_and_left_alone(tmp_path: Path):
    junk = tmp_path / "notes.sqlite"
    junk.write_bytes(os.urandom(5000))
    before = digest(junk)
    with pytest.raises(StoreError, match="not a rater_widgets store: it is not a SQLite database"):
        open_store(junk)
    assert digest(junk) == before

    other = tmp_path / "other-app.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
        conn.execute("CREATE TABLE orders (id INTEGER)")
    conn.close()
    before = digest(other)
    with pytest.raises(
        StoreError, match=r"SQLite database but not a rater_widgets store .*customers, orders"
    ):
        open_store(other)
    assert digest(other) == before
    assert {p.name for p in tmp_path.iterdir()} == {"notes.sqlite", "other-app.db"}


def test_an_empty_file_becomes_a_store(tmp_path: Path):
    (tmp_path / "new.sqlite").touch()
    with open_store(tmp_path / "new.sqlite") as store:
        store.append(row("x"))
        assert store.history("pilot").height == 1


# ---------------------------------------------------------------- file modes


def test_store_files_are_readable_by_their_owner_only(tmp_path: Path):
    old = os.umask(0)  # even with the most permissive umask
    try:
        store = SQLiteStore(tmp_path / "s.sqlite")
        store.append(row("x"))
        reader = SQLiteStore(tmp_path / "s.sqlite")
        assert reader.latest("pilot").height == 1
        modes = {p.name: oct(p.stat().st_mode & 0o777) for p in files(tmp_path / "s.sqlite")}
        assert modes == {"s.sqlite": "0o600", "s.sqlite-wal": "0o600", "s.sqlite-shm": "0o600"}
        reader.close()
        store.close()
    finally:
        os.umask(old)


# ---------------------------------------------------------------- purge


def test_purge_leaves_no_trace_of_the_content_in_any_file(tmp_path: Path):
    path = tmp_path / "s.sqlite"
    secret, keep = "PURGE-ME-7f3a9c", "KEEP-ME-1b2c4d"
    store = SQLiteStore(path)
    store.append(row("x", f"{secret} " * 3000))  # spills into overflow pages
    for i in range(50):
        store.append(row(f"k{i}", f"{keep} {i}"))
        store.append(row("x", f"{secret} revision {i}", annotator=f"a{i % 3}"))
    store.append(row("x", secret, study="other"))
    assert secret.encode() in raw_bytes(path)  # the check below can fail

    report = store.purge(["x"], reason="court order 2024-17")
    assert report.n_rows == 52
    assert secret.encode() not in raw_bytes(path)  # while the store is still open
    assert keep.encode() in raw_bytes(path)
    store.close()
    assert secret.encode() not in raw_bytes(path)

    with open_store(path) as again:
        assert again.history("pilot").height == 50
        assert again.history("other").height == 0
        assert again.audit_log()["reason"].to_list() == ["court order 2024-17"]
        assert again._read("PRAGMA integrity_check") == [("ok",)]


def test_purge_says_when_another_reader_keeps_old_pages_alive(tmp_path: Path):
    path = tmp_path / "s.sqlite"
    secret = "PURGE-ME-b1d2"
    store = SQLiteStore(path, timeout=0.5)
    store.append(row("x", secret))
    store.append(row("y", "other"))
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM annotations").fetchall()  # holds a snapshot
    with pytest.raises(StoreError, match=r"another process is reading.*call purge again"):
        store.purge(["x"], reason="erasure")
    assert store.history("pilot")["item_id"].to_list() == ["y"]  # the rows are gone already
    reader.execute("COMMIT")
    reader.close()
    store.purge(["x"], reason="erasure, finishing")
    assert secret.encode() not in raw_bytes(path)
    assert store.audit_log()["n_rows"].to_list() == [1, 0]
    store.close()


# ---------------------------------------------------------------- read-only


def _in_unprivileged_child(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn`` in a forked child as an unprivileged user (root ignores file modes)."""
    ctx = multiprocessing.get_context("fork")
    mine, theirs = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(theirs, fn, args))
    proc.start()
    assert mine.poll(60), "child did not answer"
    status, value = mine.recv()
    proc.join(10)
    assert status == "ok", value
    return value


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
        conn.send(("ok", fn(*args)))
    except BaseException as exc:  # reported to the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))


def _try_store(path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        store = SQLiteStore(path)
    except StoreError as exc:
        return {"open_error": str(exc)}
    out["read_only"] = store.read_only
    out["rows"] = store._read("SELECT item_id FROM annotations ORDER BY row_id")
    try:
        store.append(row("new", "should not be saved"))
        out["append"] = "saved"
    except StoreError as exc:
        out["append"] = str(exc)
    out["rows_after"] = store._read("SELECT count(*) FROM annotations")[0][0]
    store.close()
    return out


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder the unprivileged child can reach (pytest's tmp_path is root-only)."""
    base = Path(tempfile.mkdtemp(prefix="rw-ro-"))
    base.chmod(0o711)
    folder = base / "store"
    folder.mkdir()
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    yield folder
    folder.chmod(0o700)
    shutil.rmtree(base)


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        for p in files(path):
            os.chown(p, nobody.pw_uid, nobody.pw_gid)


def test_a_read_only_file_can_be_read_but_never_half_written(shared_dir: Path):
    path = shared_dir / "s.sqlite"
    with SQLiteStore(path) as store:
        store.append(row("a"))
        store.append(row("b"))
    _own(path)
    path.chmod(0o400)
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    got = _in_unprivileged_child(_try_store, str(path))
    assert got["read_only"] is True
    assert got["rows"] == [("a",), ("b",)]
    assert "is read-only, so nothing was saved" in got["append"]
    assert got["rows_after"] == 2
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before

    # a read-only folder too: no -wal/-shm can be made, the file is read as immutable
    for p in files(path)[1:]:
        p.unlink()
    shared_dir.chmod(0o500)
    got = _in_unprivileged_child(_try_store, str(path))
    assert got["read_only"] is True
    assert got["rows"] == [("a",), ("b",)]
    assert "read-only" in got["append"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before

    got = _in_unprivileged_child(_try_store, str(shared_dir / "new.sqlite"))
    assert "cannot create store" in got["open_error"]
    assert "writable" in got["open_error"]


# ---------------------------------------------------------------- disk full


def test_a_full_store_refuses_the_write_and_keeps_every_acknowledged_row(tmp_path: Path):
    # Simulated with SQLite's max_page_count: the same SQLITE_FULL a full disk gives.
    path = tmp_path / "s.sqlite"
    store = SQLiteStore(path, pragmas={"max_page_count": 64})
    acked, error = [], None
    for i in range(1000):
        try:
            store.append(row(f"i{i}", f"{i} " + "x" * 3000, seq=i, session="s"))
        except StoreError as exc:
            error = str(exc)
            break
        acked.append(i)
    assert error is not None
    assert "disk is full or the store reached its size limit" in error
    assert "nothing was saved" in error
    assert 5 < len(acked) < 1000
    assert store._read("PRAGMA integrity_check") == [("ok",)]
    assert store.history("pilot")["seq"].to_list() == acked
    store.close()
    with open_store(path) as again:  # no cap: the rater's resend now succeeds
        assert again.history("pilot")["seq"].to_list() == acked
        assert again.append(row("late", seq=len(acked), session="s")).inserted


_FILL_TMPFS = textwrap.dedent(
    """
    import json, sys
    from rater_widgets.store import NewRow, SQLiteStore, StoreError
    path = sys.argv[1] + "/s.sqlite"
    store = SQLiteStore(path)
    acked, error = [], None
    try:
        for i in range(100000):
            store.append(NewRow("pilot", f"i{i}", "ana", "answer", {"t": f"{i} " + "y" * 20000},
                                seq=i, session="s"))
            acked.append(i)
    except StoreError as exc:
        error = str(exc)
    stored = store._read("SELECT seq FROM annotations ORDER BY row_id")
    check = store._read("PRAGMA integrity_check")
    store.close()
    reopened = SQLiteStore(path)._read("SELECT count(*) FROM annotations")[0][0]
    print(json.dumps({"acked": acked, "error": error, "stored": [s[0] for s in stored],
                      "check": check, "reopened": reopened}))
    """
)


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="a real full disk needs root (a tmpfs mount in a private mount namespace)",
)
def test_a_really_full_disk_gives_a_clear_error_and_a_consistent_store(tmp_path: Path):
    # A 1 MiB tmpfs, mounted in a private mount namespace that vanishes with the child.
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = 'mount -t tmpfs -o size=1m tmpfs "$1" && exec "$2" -c "$3" "$1"'
    proc = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(mnt),
         sys.executable, _FILL_TMPFS],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["error"] is not None
    assert "disk is full" in got["error"] or "I/O error" in got["error"]
    assert "nothing was saved" in got["error"]
    assert got["acked"]
    assert got["stored"] == got["acked"]  # every acknowledged row, and nothing half-written
    assert got["check"] == [["ok"]]
    assert got["reopened"] == len(got["acked"])


def test_a_writer_waits_for_the_lock_then_says_who_blocks_it(tmp_path: Path):
    path = tmp_path / "s.sqlite"
    store = SQLiteStore(path, timeout=0.3)
    store.append(row("a"))
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another kernel in the middle of a write
    with pytest.raises(StoreError, match=r"another process kept it locked for more than 0.3 s"):
        store.append(row("b"))
    timer = threading.Timer(0.1, lambda: other.execute("COMMIT"))
    timer.start()  # released while we wait: the append goes through
    slow = SQLiteStore(path, timeout=5)
    assert slow.append(row("c")).inserted
    timer.join()
    other.close()
    assert store.history("pilot")["item_id"].to_list() == ["a", "c"]
    store.close()
    slow.close()


# ---------------------------------------------------------------- threads


def test_one_store_is_shared_by_the_notebook_thread_and_writer_threads(tmp_path: Path):
    store = SQLiteStore(tmp_path / "s.sqlite")
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            for i in range(100):
                store.append(row(f"t{k}-{i}", seq=i, session=f"t{k}"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        store.latest("pilot")  # the creating thread reads meanwhile
    for t in threads:
        t.join()
    assert not errors
    assert store.latest("pilot").height == 300
    store.close()
