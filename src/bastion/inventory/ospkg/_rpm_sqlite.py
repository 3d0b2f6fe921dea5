"""rpm's SQLite database ``rpmdb.sqlite`` (rpm ≥ 4.16: Fedora 33+, RHEL 9, Amazon Linux 2023).

The headers are the ``blob`` column of table ``Packages (hnum INTEGER PRIMARY KEY, blob BLOB)``.
The file comes from a tree as a stream, so it is copied into a private temporary directory (with
the ``-wal`` file beside it when the tree has one, so committed transactions still in the
write-ahead log are seen) and opened there read-only with the standard library's ``sqlite3``.

A database file is a program of sorts: a view, virtual table or generated column named like rpm's
could compute forever or allocate gigabytes. So ``Packages`` must be a plain table with plain
columns, the connection is read-only and query-only with untrusted schema features off, no string or
blob may grow past the header limit, and a progress handler aborts any statement that runs past a
step budget or a wall-clock deadline.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import quote

__all__ = ["SqliteError", "iter_blobs", "sniff"]

SQLITE_MAGIC = b"SQLite format 3\x00"
#: Progress-handler checks happen every this many virtual-machine steps.
_CHECK_EVERY = 10_000


class SqliteError(ValueError):
    """Not an rpm SQLite database, unreadable, or too expensive to read."""


def sniff(head: bytes) -> bool:
    return head.startswith(SQLITE_MAGIC)


def _copy(src: BinaryIO, dst_path: str, limit: int) -> None:
    copied = 0
    with open(dst_path, "wb") as dst:
        while True:
            chunk = src.read(1024 * 1024)
            if not chunk:
                break
            copied += len(chunk)
            if copied > limit:
                raise SqliteError(f"database is over the {limit}-byte read limit")
            dst.write(chunk)


def iter_blobs(
    stream: BinaryIO,
    *,
    wal: BinaryIO | None = None,
    max_blob: int,
    max_rows: int,
    max_bytes: int,
    deadline_seconds: float = 120.0,
) -> Iterator[tuple[int, bytes]]:
    """``(hnum, header blob)`` for every row of ``Packages``.

    Raises :class:`SqliteError` for anything that is not a readable rpm database, for a blob over
    ``max_blob`` bytes, more than ``max_rows`` rows, or a statement that runs too long.
    """
    with tempfile.TemporaryDirectory(prefix="bastion-rpmdb-") as tmp:
        path = os.path.join(tmp, "rpmdb.sqlite")
        stream.seek(0)
        _copy(stream, path, max_bytes)
        if wal is not None:
            _copy(wal, path + "-wal", max_bytes)
        deadline = time.monotonic() + deadline_seconds
        steps = 0
        step_budget = max(50_000_000, max_rows * 2_000)

        def progress() -> int:
            nonlocal steps
            steps += _CHECK_EVERY
            return int(steps > step_budget or time.monotonic() > deadline)

        try:
            # Read-only; SQLite still applies a -wal file (it creates the -shm index in our directory).
            conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            raise SqliteError(f"cannot open: {exc}") from None
        try:
            conn.set_progress_handler(progress, _CHECK_EVERY)
            # No string or blob bigger than a header may be built, read or computed (a generated
            # column could otherwise ask for a gigabyte).
            conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max_blob + 1024)
            try:
                conn.execute("PRAGMA trusted_schema = OFF")
                conn.execute("PRAGMA cell_size_check = ON")
                conn.execute("PRAGMA query_only = ON")
                row = conn.execute(
                    "SELECT type, sql FROM sqlite_master WHERE name = 'Packages' COLLATE NOCASE"
                ).fetchone()
                if row is None:
                    raise SqliteError("no Packages table: not an rpm database")
                if row[0] != "table":
                    raise SqliteError(f"Packages is a {row[0]}, expected a table")
                if str(row[1] or "").lstrip().upper().startswith("CREATE VIRTUAL"):
                    raise SqliteError("Packages is a virtual table, expected a plain table")
                # cid, name, type, notnull, default, pk, hidden (1: virtual-table hidden, 2/3: generated)
                columns = conn.execute("PRAGMA table_xinfo(Packages)").fetchall()
                if not {"hnum", "blob"} <= {str(c[1]).lower() for c in columns}:
                    raise SqliteError("Packages has no hnum and blob columns: not an rpm database")
                if any(c[6] for c in columns):
                    # A computed column runs code on every read; rpm never writes one.
                    raise SqliteError("Packages has generated columns, expected rpm's plain table")
                cursor = conn.execute(
                    "SELECT hnum, CASE WHEN length(blob) <= ? THEN blob END, length(blob) FROM Packages",
                    (max_blob,),
                )
                count = 0
                while True:
                    batch = cursor.fetchmany(256)
                    if not batch:
                        break
                    for hnum, blob, length in batch:
                        count += 1
                        if count > max_rows:
                            raise SqliteError(f"more than {max_rows} packages")
                        if blob is None:
                            raise SqliteError(
                                f"package {hnum}: header of {length} bytes, over the {max_blob}-byte limit"
                            )
                        if not isinstance(blob, bytes):
                            raise SqliteError(
                                f"package {hnum}: blob column holds {type(blob).__name__}, expected bytes"
                            )
                        yield int(hnum), blob
            except sqlite3.OperationalError as exc:
                if "interrupted" in str(exc):
                    raise SqliteError("reading took too long (aborted)") from None
                raise SqliteError(f"cannot read: {exc}") from None
            except sqlite3.DatabaseError as exc:
                raise SqliteError(f"cannot read: {exc}") from None
        finally:
            conn.close()
