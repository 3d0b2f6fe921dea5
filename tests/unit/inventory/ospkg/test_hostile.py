"""Corrupt and hostile package databases: a clear ExtractError (or a warning per bad entry), never a crash or hang."""

from __future__ import annotations

import io
import sqlite3
import struct
import time
from pathlib import Path

import pytest

from bastion.errors import ExtractError
from bastion.fs.limits import Limits
from bastion.inventory.base import ExtractContext
from bastion.inventory.ospkg import _rpm_sqlite
from bastion.inventory.ospkg._rpm_header import HeaderError, parse_header
from bastion.inventory.ospkg.apk_installed import ApkInstalledExtractor
from bastion.inventory.ospkg.dpkg_status import DpkgStatusExtractor
from bastion.inventory.ospkg.rpmdb import RpmDbExtractor, read_headers
from bastion.model import FileRef
from bastion.targets.directory import DirectoryTree

from .conftest import OS_FIXTURES, Run

RPM = OS_FIXTURES / "rpm"
BDB = RPM / "el9-bdb/var/lib/rpm/Packages"
BDB512 = RPM / "el9-bdb-be512/var/lib/rpm/Packages"
NDB = RPM / "el9-ndb/usr/lib/sysimage/rpm/Packages.db"
SQLITE = RPM / "el9-sqlite/var/lib/rpm/rpmdb.sqlite"


def _headers(data: bytes) -> tuple[list[str], list[str]]:
    headers, problems = read_headers(io.BytesIO(data))
    return [h.name for h in headers], problems


def _rpm_error(data: bytes) -> str:
    with pytest.raises(ExtractError) as info:
        read_headers(io.BytesIO(data))
    return info.value.message


# -- Berkeley DB -----------------------------------------------------------------------------------


def _bdb_pages(data: bytes, order: str, page_size: int) -> list[tuple[int, int]]:
    """(page number, page type) of every page."""
    return [(n, data[n * page_size + 25]) for n in range(len(data) // page_size)]


def test_bdb_truncated() -> None:
    data = BDB.read_bytes()
    assert "truncated?" in _rpm_error(data[: len(data) // 2])
    assert "too short" in _rpm_error(data[:60])


def test_bdb_bad_metadata() -> None:
    data = bytearray(BDB.read_bytes())
    struct.pack_into("<I", data, 20, 1000)  # page size
    assert "page size 1000" in _rpm_error(bytes(data))
    data = bytearray(BDB.read_bytes())
    data[24] = 1  # encryption algorithm
    assert "encrypted" in _rpm_error(bytes(data))
    data = bytearray(BDB.read_bytes())
    data[25] = 9  # a btree, not a hash
    assert "expected 8 (hash metadata)" in _rpm_error(bytes(data))


def test_bdb_item_count_larger_than_a_page() -> None:
    data = bytearray(BDB.read_bytes())
    hash_page = next(n for n, t in _bdb_pages(bytes(data), "<", 4096) if t == 13)
    struct.pack_into("<H", data, hash_page * 4096 + 20, 0xFFFF)
    assert "claims 65535 items" in _rpm_error(bytes(data))


def _overflow_refs(data: bytes, order: str, page_size: int) -> list[int]:
    """File offsets of every off-page (H_OFFPAGE) item."""
    refs = []
    for n, t in _bdb_pages(data, order, page_size):
        if t != 13:
            continue
        base = n * page_size
        entries = struct.unpack_from(order + "H", data, base + 20)[0]
        for off in struct.unpack_from(f"{order}{entries}H", data, base + 26):
            if data[base + off] == 3:
                refs.append(base + off)
    return refs


def test_bdb_overflow_chain_outside_the_file() -> None:
    data = bytearray(BDB512.read_bytes())
    ref = _overflow_refs(bytes(data), ">", 512)[0]
    struct.pack_into(">I", data, ref + 4, 10_000)
    assert "page 10000 is outside the file" in _rpm_error(bytes(data))


def test_bdb_overflow_chain_that_loops() -> None:
    data = bytearray(BDB512.read_bytes())
    ref = _overflow_refs(bytes(data), ">", 512)[0]
    first = struct.unpack_from(">I", data, ref + 4)[0]
    struct.pack_into(">I", data, first * 512 + 16, first)  # next page = itself
    assert f"loops at page {first}" in _rpm_error(bytes(data))


def test_bdb_overflow_length_over_the_limit() -> None:
    data = bytearray(BDB512.read_bytes())
    ref = _overflow_refs(bytes(data), ">", 512)[0]
    struct.pack_into(">I", data, ref + 8, 0xFFFFFFF0)
    assert "over the" in _rpm_error(bytes(data))


def test_bdb_items_sharing_one_chain_are_bounded() -> None:
    """Every item pointing at the longest chain would read it once per item: refused past the file size."""
    data = bytearray(BDB512.read_bytes())
    refs = _overflow_refs(bytes(data), ">", 512)
    longest = max(refs, key=lambda r: struct.unpack_from(">I", data, r + 8)[0])
    first, total = struct.unpack_from(">II", data, longest + 4)
    for ref in refs:
        struct.pack_into(">II", data, ref + 4, first, total)
    assert "read more pages than the file has" in _rpm_error(bytes(data))


# -- NDB -------------------------------------------------------------------------------------------


def test_ndb_corruptions() -> None:
    data = NDB.read_bytes()
    assert "too short for an NDB header" in _rpm_error(data[:20])
    huge = bytearray(data)
    struct.pack_into("<I", huge, 12, 0xFFFFFFFF)  # slot pages
    assert "slot pages, expected 1 to 2048" in _rpm_error(bytes(huge))
    more = bytearray(data)
    struct.pack_into("<I", more, 12, 5)  # more slot pages than the file has
    assert "do not fit" in _rpm_error(bytes(more))
    slot = bytearray(data)
    slot[32:36] = b"XXXX"  # the first slot's magic
    assert "slot 2 has a bad magic" in _rpm_error(bytes(slot))
    outside = bytearray(data)
    struct.pack_into("<I", outside, 32 + 8, 0x7FFFFFFF)  # the first slot's block offset
    assert "outside the blob area" in _rpm_error(bytes(outside))
    assert "truncated" in _rpm_error(data[: len(data) - 300]) or "outside the blob area" in _rpm_error(
        data[: len(data) - 300]
    )


# -- SQLite ----------------------------------------------------------------------------------------


def _sqlite(tmp_path: Path, *statements: str) -> bytes:
    path = tmp_path / "made.sqlite"
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return path.read_bytes()


def test_sqlite_garbage_after_the_magic() -> None:
    message = _rpm_error(b"SQLite format 3\x00" + b"\xab" * 5000)
    assert message.startswith("unreadable rpm SQLite database: ")


def test_sqlite_without_packages_table(tmp_path: Path) -> None:
    data = _sqlite(tmp_path, "CREATE TABLE Other(x)")
    assert _rpm_error(data) == "unreadable rpm SQLite database: no Packages table: not an rpm database"


def test_sqlite_packages_view_is_refused(tmp_path: Path) -> None:
    # A view that would never finish: a recursive counter without an end.
    data = _sqlite(
        tmp_path,
        "CREATE VIEW Packages AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) "
        "SELECT n AS hnum, zeroblob(16) AS blob FROM c",
    )
    assert _rpm_error(data) == "unreadable rpm SQLite database: Packages is a view, expected a table"


def test_sqlite_generated_column_is_refused(tmp_path: Path) -> None:
    """A computed blob column would build a 900 MB string on every read (seconds, even when refused)."""
    data = _sqlite(
        tmp_path,
        "CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, x)",
        "INSERT INTO Packages(hnum, x) VALUES (1, 1)",
        # added after the row, so building the fixture never computes it
        "ALTER TABLE Packages ADD COLUMN blob AS (printf('%.*c', 900000000, 'x'))",
    )
    started = time.monotonic()
    assert _rpm_error(data) == (
        "unreadable rpm SQLite database: Packages has generated columns, expected rpm's plain table"
    )
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            "CREATE VIRTUAL TABLE Packages USING fts5(hnum, blob)",
            "Packages is a virtual table, expected a plain table",
        ),
        ("CREATE TABLE Packages(id INTEGER PRIMARY KEY, data BLOB)", "Packages has no hnum and blob columns"),
    ],
)
def test_sqlite_other_shapes_are_refused(tmp_path: Path, statement: str, message: str) -> None:
    assert message in _rpm_error(_sqlite(tmp_path, statement))


def test_sqlite_length_limit_applies_to_stored_blobs(tmp_path: Path) -> None:
    data = _sqlite(
        tmp_path,
        "CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, blob BLOB)",
        "INSERT INTO Packages VALUES (1, randomblob(300000))",
    )
    with pytest.raises(
        _rpm_sqlite.SqliteError, match=r"^package 1: header of 300000 bytes, over the 1024-byte limit$"
    ):
        list(_rpm_sqlite.iter_blobs(io.BytesIO(data), max_blob=1024, max_rows=10, max_bytes=1 << 30))


def test_sqlite_statement_deadline(tmp_path: Path) -> None:
    data = _sqlite(
        tmp_path,
        "CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, blob BLOB)",
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c LIMIT 50000) "
        "INSERT INTO Packages SELECT n, zeroblob(8) FROM c",
    )
    with pytest.raises(_rpm_sqlite.SqliteError, match="took too long"):
        list(
            _rpm_sqlite.iter_blobs(
                io.BytesIO(data), max_blob=1024, max_rows=100_000, max_bytes=1 << 30, deadline_seconds=0
            )
        )


def test_sqlite_oversized_blob_and_too_many_rows(tmp_path: Path) -> None:
    data = _sqlite(
        tmp_path,
        "CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, blob BLOB)",
        "INSERT INTO Packages VALUES (1, zeroblob(4096)), (2, zeroblob(8))",
    )
    with pytest.raises(
        _rpm_sqlite.SqliteError, match="package 1: header of 4096 bytes, over the 1024-byte limit"
    ):
        list(_rpm_sqlite.iter_blobs(io.BytesIO(data), max_blob=1024, max_rows=10, max_bytes=1 << 30))
    with pytest.raises(_rpm_sqlite.SqliteError, match="more than 1 packages"):
        list(_rpm_sqlite.iter_blobs(io.BytesIO(data), max_blob=8192, max_rows=1, max_bytes=1 << 30))
    with pytest.raises(_rpm_sqlite.SqliteError, match="over the 100-byte read limit"):
        list(_rpm_sqlite.iter_blobs(io.BytesIO(data), max_blob=8192, max_rows=10, max_bytes=100))


def test_sqlite_one_corrupt_header_is_a_warning_all_corrupt_is_an_error(tmp_path: Path) -> None:
    good = sqlite3.connect(SQLITE).execute("SELECT blob FROM Packages ORDER BY hnum LIMIT 1").fetchone()[0]
    data = _sqlite(tmp_path, "CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, blob BLOB)")
    conn = sqlite3.connect(tmp_path / "made.sqlite")
    conn.execute(
        "INSERT INTO Packages VALUES (1, ?), (2, ?)", (good, b"\x00\x00\x00\x01\x00\x00\x00\x10" + b"\0" * 8)
    )
    conn.commit()
    conn.close()
    data = (tmp_path / "made.sqlite").read_bytes()
    names, problems = _headers(data)
    assert names == ["openssl-libs"]
    assert problems == [
        "package header 2: header declares 1 entries and 16 data bytes, but the blob has only 16 bytes"
    ]
    conn = sqlite3.connect(tmp_path / "made.sqlite")
    conn.execute("DELETE FROM Packages WHERE hnum = 1")
    conn.commit()
    conn.close()
    assert _rpm_error((tmp_path / "made.sqlite").read_bytes()).startswith(
        "no readable package header (1 corrupt; first: package header 2:"
    )


def test_not_an_rpm_database_at_all() -> None:
    assert _rpm_error(b"\x89PNG\r\n\x1a\n" + b"\0" * 100) == (
        "expected an rpm database (SQLite, NDB or Berkeley DB hash), found none of their magics"
    )
    assert read_headers(io.BytesIO(b"")) == ([], [])


def test_extractor_prefixes_the_path(tmp_path: Path, extract: Run) -> None:
    (tmp_path / "var/lib/rpm").mkdir(parents=True)
    (tmp_path / "var/lib/rpm/Packages").write_bytes(b"not a database, not even close" * 10)
    with pytest.raises(ExtractError, match=r"^var/lib/rpm/Packages: expected an rpm database"):
        extract(RpmDbExtractor(), tmp_path, "var/lib/rpm/Packages", None)


# -- header blobs ----------------------------------------------------------------------------------


def _blob(entries: list[tuple[int, int, int, int]], store: bytes, il: int | None = None) -> bytes:
    head = struct.pack(">II", len(entries) if il is None else il, len(store))
    return head + b"".join(struct.pack(">iIiI", *e) for e in entries) + store


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"\x00\x00", "header blob of 2 bytes, expected at least 8"),
        (_blob([], b""), "header has 0 index entries, expected 1 to 65535"),
        (_blob([(1000, 6, 0, 1)], b"x\0", il=0xFFFFFFFF), "header has 4294967295 index entries"),
        (struct.pack(">II", 1, 0x7FFFFFFF) + b"\0" * 16, "over the 268435456-byte limit"),
        (_blob([(1000, 6, 0, 1)], b"x\0")[:-1], "but the blob has only"),
        (
            _blob([(1000, 6, 99, 1)], b"x\0"),
            "tag 1000 points at data offset 99, outside the 2-byte data store",
        ),
        (_blob([(1000, 6, -5, 1)], b"x\0"), "tag 1000 points at data offset -5"),
        (_blob([(1000, 77, 0, 1)], b"x\0"), "tag 1000 has data type 77"),
        (_blob([(1000, 6, 0, 0xFFFFFFFF)], b"x\0"), "tag 1000 has 4294967295 values"),
        (_blob([(1000, 6, 0, 1)], b"xyz"), "string at data offset 0 is not NUL-terminated"),
        (_blob([(1000, 4, 0, 1)], b"abcd"), "tag 1000 has data type 4, expected a string"),
        (_blob([(1001, 6, 0, 1)], b"1\0"), "header has no NAME tag"),
        (
            # NAME "n", BASENAMES ["a", "b"], DIRINDEXES [0, 7], DIRNAMES ["/d/"]
            _blob(
                [(1000, 6, 0, 1), (1117, 8, 2, 2), (1116, 4, 8, 2), (1118, 8, 16, 1)],
                b"n\0a\0b\0\0\0" + struct.pack(">ii", 0, 7) + b"/d/\0",
            ),
            "DIRINDEXES[1] = 7, but there are 1 DIRNAMES",
        ),
        (
            _blob(
                [(1000, 6, 0, 1), (1117, 8, 2, 2), (1116, 4, 8, 1), (1118, 8, 12, 1)],
                b"n\0a\0b\0\0\0" + struct.pack(">i", 0) + b"/d/\0",
            ),
            "2 BASENAMES but 1 DIRINDEXES",
        ),
        (_blob([(1000, 6, 0, 1), (1003, 4, 2, 4)], b"n\0\0\0\0\0"), "4 integers at data offset 2 run past"),
    ],
)
def test_header_errors(blob: bytes, message: str) -> None:
    with pytest.raises(HeaderError, match=None) as info:
        parse_header(blob)
    assert message in str(info.value)


def test_header_dribble_entries_override_the_region() -> None:
    blob = _blob([(1000, 6, 0, 1), (1001, 6, 2, 1), (1001, 6, 4, 1)], b"n\x001\x002\0")
    header = parse_header(blob)
    assert (header.name, header.version) == ("n", "2")


# -- text databases --------------------------------------------------------------------------------


def _ctx(root: Path, max_parse_bytes: int) -> ExtractContext:
    return ExtractContext(tree=DirectoryTree(root), limits=Limits(max_parse_bytes=max_parse_bytes))


def test_text_databases_over_the_parse_limit(tmp_path: Path) -> None:
    for extractor, rel in (
        (DpkgStatusExtractor(), "var/lib/dpkg/status"),
        (ApkInstalledExtractor(), "lib/apk/db/installed"),
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"Package: x\n" * 200)
        with (
            pytest.raises(ExtractError, match=f"^{rel}: file is over the 1000-byte parse limit"),
            open(tmp_path / rel, "rb") as fh,
        ):
            extractor.extract(FileRef(rel), fh, _ctx(tmp_path, 1000))


def test_status_with_a_huge_description_is_linear(tmp_path: Path, extract: Run) -> None:
    """Half a million continuation lines in one field: parsed in well under a second, not quadratically."""
    (tmp_path / "var/lib/dpkg").mkdir(parents=True)
    body = "Package: big\nStatus: install ok installed\nVersion: 1.0\nDescription: x\n" + " .\n" * 500_000
    (tmp_path / "var/lib/dpkg/status").write_text(
        body + "\nPackage: small\nStatus: install ok installed\nVersion: 2\n"
    )
    started = time.monotonic()
    packages, warnings = extract(DpkgStatusExtractor(), tmp_path, "var/lib/dpkg/status", None)
    assert [p.name for p in packages] == ["big", "small"]
    assert warnings == []
    assert time.monotonic() - started < 5


def test_apk_with_many_dependency_tokens_is_fast(tmp_path: Path, extract: Run) -> None:
    (tmp_path / "lib/apk/db").mkdir(parents=True)
    deps = " ".join(f"so:lib{i}.so" for i in range(100_000))
    (tmp_path / "lib/apk/db/installed").write_text(f"P:a\nV:1\nD:{deps}\np:{deps}\n\nP:b\nV:2\nD:{deps}\n")
    started = time.monotonic()
    packages, _ = extract(ApkInstalledExtractor(), tmp_path, "lib/apk/db/installed", None)
    assert [(p.name, p.dependencies) for p in packages] == [("a", ()), ("b", ("a",))]
    assert time.monotonic() - started < 5


def test_status_with_a_package_depending_on_everything(tmp_path: Path, extract: Run) -> None:
    (tmp_path / "var/lib/dpkg").mkdir(parents=True)
    n = 5_000
    stanzas = [f"Package: p{i}\nStatus: install ok installed\nVersion: 1\n" for i in range(n)]
    everything = ", ".join(f"p{i} | p{(i + 1) % n}" for i in range(n))
    stanzas.append(f"Package: all\nStatus: install ok installed\nVersion: 1\nDepends: {everything}\n")
    (tmp_path / "var/lib/dpkg/status").write_text("\n".join(stanzas))
    started = time.monotonic()
    packages, _ = extract(DpkgStatusExtractor(), tmp_path, "var/lib/dpkg/status", None)
    assert len(packages) == n + 1
    assert len(packages[-1].dependencies) == n
    assert time.monotonic() - started < 10
